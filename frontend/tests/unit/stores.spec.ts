import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { tokens } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import { buildTree } from '@/stores/lookups'
import * as authApi from '@/api/auth'

vi.mock('@/api/auth', () => ({
  login: vi.fn(),
  logout: vi.fn(),
  fetchMe: vi.fn(),
}))

const me = { id: 1, username: 'ops', email: '', is_superuser: false, permissions: ['inventory.add_host'] }

describe('auth store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    vi.mocked(authApi.login).mockReset()
    vi.mocked(authApi.fetchMe).mockReset()
    vi.mocked(authApi.logout).mockReset()
  })

  it('stores tokens and the user on login', async () => {
    vi.mocked(authApi.login).mockResolvedValue({ access: 'A', refresh: 'R', user: me } as never)
    const auth = useAuthStore()
    await auth.login({ username: 'ops', password: 'pw' })
    expect(tokens.access).toBe('A')
    expect(tokens.refresh).toBe('R')
    expect(auth.isLoggedIn).toBe(true)
    expect(auth.can('inventory.add_host')).toBe(true)
    expect(auth.can('inventory.delete_host')).toBe(false)
  })

  it('superusers may do everything', async () => {
    vi.mocked(authApi.login).mockResolvedValue({ access: 'A', refresh: 'R', user: { ...me, is_superuser: true, permissions: [] } } as never)
    const auth = useAuthStore()
    await auth.login({ username: 'root', password: 'pw' })
    expect(auth.can('jobs.delete_jobtemplate')).toBe(true)
    expect(auth.isAdmin).toBe(true)
  })

  it('object permissions come from the object perms list', () => {
    const auth = useAuthStore()
    expect(auth.canObject({ perms: ['view', 'execute'] }, 'execute')).toBe(true)
    expect(auth.canObject({ perms: ['view'] }, 'delete')).toBe(false)
    expect(auth.canObject(null, 'view')).toBe(false)
  })

  it('loads the user from /me when a token is stored, and nothing without one', async () => {
    const auth = useAuthStore()
    expect(await auth.loadMe()).toBeNull()
    expect(authApi.fetchMe).not.toHaveBeenCalled()
    tokens.set('A', 'R')
    vi.mocked(authApi.fetchMe).mockResolvedValue(me as never)
    expect(await auth.loadMe()).toEqual(me)
    expect(auth.loaded).toBe(true)
  })

  it('logout revokes the refresh token and forgets everything', async () => {
    tokens.set('A', 'R')
    vi.mocked(authApi.logout).mockResolvedValue(undefined)
    const auth = useAuthStore()
    auth.user = me as never
    await auth.logout()
    expect(authApi.logout).toHaveBeenCalledWith('R')
    expect(tokens.access).toBeNull()
    expect(auth.isLoggedIn).toBe(false)
  })
})

describe('buildTree', () => {
  it('nests groups by parent', () => {
    const tree = buildTree([
      { id: 1, name: 'prod', parent: null, host_count: 3 },
      { id: 2, name: 'web', parent: 1, host_count: 2 },
      { id: 3, name: 'dev', parent: null, host_count: 0 },
    ] as never)
    expect(tree.map((n) => n.name)).toEqual(['prod', 'dev'])
    expect(tree[0]?.children.map((n) => n.name)).toEqual(['web'])
  })
})
