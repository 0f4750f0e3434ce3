import { createRouter, createWebHistory, type Router } from 'vue-router'
import { routes } from './routes'
import { useAuthStore } from '@/stores/auth'
import { t } from '@/i18n'

export function createAppRouter(): Router {
  const router = createRouter({ history: createWebHistory(), routes })

  router.beforeEach(async (to) => {
    const auth = useAuthStore()
    if (!auth.loaded) await auth.loadMe()
    if (to.meta.public) {
      if (to.name === 'login' && auth.isLoggedIn) return { path: (to.query.next as string | undefined) ?? '/dashboard' }
      return true
    }
    if (!auth.isLoggedIn) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
    if (to.meta.adminOnly && !auth.isAdmin) return { name: 'dashboard' }
    if (to.meta.perm && !auth.can(to.meta.perm)) return { name: 'dashboard' }
    return true
  })

  router.afterEach((to) => {
    document.title = to.meta.title ? `${t(to.meta.title)} · OPS Job` : 'OPS Job'
  })
  return router
}
