import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { tokens } from '@/api/client'
import * as authApi from '@/api/auth'
import type { Me, ObjectPerm } from '@/types'

/** The signed-in user, their tokens and model permissions from /api/auth/me/. */
export const useAuthStore = defineStore('auth', () => {
  const user = ref<Me | null>(null)
  const loaded = ref(false)
  const isLoggedIn = computed(() => user.value !== null)
  const isAdmin = computed(() => user.value?.is_superuser === true)

  async function login(credentials: authApi.Credentials): Promise<void> {
    const result = await authApi.login(credentials)
    tokens.set(result.access, result.refresh)
    user.value = result.user
    loaded.value = true
    if (!result.user.permissions) await loadMe()
  }

  async function loadMe(): Promise<Me | null> {
    if (!tokens.access && !tokens.refresh) {
      loaded.value = true
      return null
    }
    try {
      user.value = await authApi.fetchMe()
    } catch {
      user.value = null
    }
    loaded.value = true
    return user.value
  }

  async function logout(): Promise<void> {
    const refresh = tokens.refresh
    if (refresh) await authApi.logout(refresh).catch(() => undefined)
    clear()
  }

  function clear(): void {
    tokens.clear()
    user.value = null
  }

  /** Model permission like `inventory.add_host`; superusers have all. */
  function can(perm: string): boolean {
    if (!user.value) return false
    return user.value.is_superuser || (user.value.permissions ?? []).includes(perm)
  }

  /** Object permission from an object's `perms` list (absent list = allowed, server decides). */
  function canObject(obj: { perms?: string[] } | null | undefined, perm: ObjectPerm): boolean {
    if (!obj) return false
    if (!obj.perms) return true
    return obj.perms.includes(perm)
  }

  return { user, loaded, isLoggedIn, isAdmin, login, loadMe, logout, clear, can, canObject }
})
