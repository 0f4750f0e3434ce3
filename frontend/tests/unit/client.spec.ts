import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import axios from 'axios'
import { api, ApiError, configureClient, flattenErrors, http, tokens } from '@/api/client'

type Reply = { status: number; data: unknown }

/** Routes requests of the shared axios instances to a fake server. */
function fakeServer(handler: (config: InternalAxiosRequestConfig) => Reply) {
  const calls: InternalAxiosRequestConfig[] = []
  const adapter: AxiosAdapter = async (config) => {
    calls.push(config)
    const { status, data } = handler(config)
    const response: AxiosResponse = { status, statusText: String(status), data, headers: {}, config }
    if (status >= 400) {
      const err = new axios.AxiosError(`HTTP ${status}`, undefined, config, undefined, response)
      throw err
    }
    return response
  }
  http.defaults.adapter = adapter
  axios.defaults.adapter = adapter
  return calls
}

const ok = (content: unknown, code = 200): Reply => ({ status: code, data: { code, message: 'ok', success: true, content } })
const fail = (code: number, errors: unknown, message = 'error'): Reply => ({ status: code, data: { code, message, success: false, content: { errors } } })

describe('api client', () => {
  const notify = vi.fn()
  const onAuthLost = vi.fn()

  beforeEach(() => {
    localStorage.clear()
    notify.mockReset()
    onAuthLost.mockReset()
    configureClient({ notify, onAuthLost })
  })
  afterEach(() => {
    http.defaults.adapter = undefined
    axios.defaults.adapter = undefined
  })

  it('unwraps the envelope content and sends the bearer token', async () => {
    tokens.set('A1', 'R1')
    const calls = fakeServer(() => ok({ count: 1, next: null, previous: null, results: [{ id: 7 }] }))
    const page = await api.get<{ count: number; results: { id: number }[] }>('/hosts/', { search: 'web', status: '' })
    expect(page.results[0]?.id).toBe(7)
    expect(calls[0]?.headers.Authorization).toBe('Bearer A1')
    expect(calls[0]?.params).toEqual({ search: 'web' })
  })

  it('maps validation errors to field paths and toasts unless silent', async () => {
    fakeServer(() => fail(400, { name: ['This field is required.'], steps: [{}, { timeout: ['Too big.'] }] }, 'name: This field is required.'))
    const error = await api.post('/templates/', {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    const e = error as ApiError
    expect(e.status).toBe(400)
    expect(e.field('name')).toBe('This field is required.')
    expect(e.field('steps[1].timeout')).toBe('Too big.')
    expect(notify).toHaveBeenCalledWith('name: This field is required.')

    notify.mockReset()
    await api.post('/templates/', {}, { silent: true }).catch(() => undefined)
    expect(notify).not.toHaveBeenCalled()
  })

  it('refreshes the access token once on 401 and retries the request', async () => {
    tokens.set('old', 'R1')
    const calls = fakeServer((config) => {
      if (config.url?.endsWith('/auth/refresh/')) return ok({ access: 'new', refresh: 'R2' })
      return config.headers.Authorization === 'Bearer new' ? ok({ id: 1, username: 'admin' }) : fail(401, { detail: ['Token expired'] })
    })
    const me = await api.get<{ username: string }>('/auth/me/')
    expect(me.username).toBe('admin')
    expect(tokens.access).toBe('new')
    expect(tokens.refresh).toBe('R2')
    expect(calls.filter((c) => c.url?.endsWith('/auth/refresh/'))).toHaveLength(1)
    expect(onAuthLost).not.toHaveBeenCalled()
  })

  it('shares one refresh between concurrent 401s', async () => {
    tokens.set('old', 'R1')
    const calls = fakeServer((config) => {
      if (config.url?.endsWith('/auth/refresh/')) return ok({ access: 'new' })
      return config.headers.Authorization === 'Bearer new' ? ok('fine') : fail(401, { detail: ['expired'] })
    })
    const results = await Promise.all([api.get('/a/'), api.get('/b/'), api.get('/c/')])
    expect(results).toEqual(['fine', 'fine', 'fine'])
    expect(calls.filter((c) => c.url?.endsWith('/auth/refresh/'))).toHaveLength(1)
  })

  it('gives up when the refresh fails: tokens cleared, auth-lost hook called', async () => {
    tokens.set('old', 'R1')
    fakeServer((config) => (config.url?.endsWith('/auth/refresh/') ? fail(401, { refresh: ['invalid'] }) : fail(401, { detail: ['expired'] })))
    const error = await api.get('/hosts/').catch((e: unknown) => e)
    expect((error as ApiError).status).toBe(401)
    expect(tokens.access).toBeNull()
    expect(onAuthLost).toHaveBeenCalledOnce()
    expect(notify).not.toHaveBeenCalled()
  })

  it('does not try to refresh on a failed login', async () => {
    const calls = fakeServer(() => fail(401, { non_field_errors: ['Invalid username or password.'] }))
    const error = await api.post('/auth/login/', { username: 'x', password: 'y' }, { silent: true }).catch((e: unknown) => e)
    expect((error as ApiError).field('non_field_errors')).toBe('Invalid username or password.')
    expect(calls).toHaveLength(1)
  })

  it('reports network failures readably', async () => {
    http.defaults.adapter = async (config) => {
      throw new axios.AxiosError('Network Error', 'ERR_NETWORK', config)
    }
    const error = await api.get('/hosts/').catch((e: unknown) => e)
    expect((error as ApiError).message).toBe('Network error')
    expect(notify).toHaveBeenCalledWith('Network error')
  })
})

describe('flattenErrors', () => {
  it('flattens nested DRF errors, folding detail and non_field_errors into their parent', () => {
    expect(flattenErrors({ detail: 'Not found.' })).toEqual({ detail: ['Not found.'] })
    expect(flattenErrors({ non_field_errors: ['Bad'] })).toEqual({ non_field_errors: ['Bad'] })
    expect(flattenErrors({ variables: [{ name: ['Dup'] }], steps: { non_field_errors: ['x'] } })).toEqual({
      'variables[0].name': ['Dup'],
      steps: ['x'],
    })
    expect(flattenErrors(['a', 'b'])).toEqual({ non_field_errors: ['a', 'b'] })
  })
})
