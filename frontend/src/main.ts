import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ArcoVue, { Message } from '@arco-design/web-vue'
import '@arco-design/web-vue/dist/arco.css'
import './styles/global.css'
import App from './App.vue'
import { i18n, t } from './i18n'
import { createAppRouter } from './router'
import { configureClient } from './api/client'
import { useAuthStore } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(ArcoVue)
const router = createAppRouter()
app.use(router)

configureClient({
  notify: (message) => Message.error({ content: message, duration: 5000 }),
  onAuthLost: () => {
    useAuthStore(pinia).clear()
    const current = router.currentRoute.value
    if (!current.meta.public) {
      Message.warning(t('auth.expired'))
      void router.replace({ name: 'login', query: { next: current.fullPath } })
    }
  },
})

app.mount('#app')
