/**
 * The one HTTP client: bearer auth, refresh-once-on-401, envelope unwrapping and
 * error mapping. Every `src/api/<domain>.ts` module goes through `api`.
 */
import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios'

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Do not toast errors of this request (the caller shows them next to fields). */
    silent?: boolean
    /** Internal: this request is a retry after a token refresh. */
    _retried?: boolean
  }
}

export interface Envelope<T> {
  code: number
  message: string
  success: boolean
  content: T
}

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

export type FieldErrors = Record<string, string[]>

/** An API failure: HTTP status, a readable message and the errors per field path. */
export class ApiError extends Error {
  readonly status: number
  readonly fieldErrors: FieldErrors

  constructor(message: string, status: number, fieldErrors: FieldErrors = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.fieldErrors = fieldErrors
  }

  /** First message for a field path, e.g. `name` or `steps[1].timeout`. */
  field(path: string): string | undefined {
    return this.fieldErrors[path]?.[0]
  }
}

const ACCESS_KEY = 'opsjob.access'
const REFRESH_KEY = 'opsjob.refresh'

export const tokens = {
  get access(): string | null {
    return localStorage.getItem(ACCESS_KEY)
  },
  get refresh(): string | null {
    return localStorage.getItem(REFRESH_KEY)
  },
  set(access: string, refresh?: string): void {
    localStorage.setItem(ACCESS_KEY, access)
    if (refresh) localStorage.setItem(REFRESH_KEY, refresh)
  },
  clear(): void {
    localStorage.removeItem(ACCESS_KEY)
    localStorage.removeItem(REFRESH_KEY)
  },
}

interface Hooks {
  notify: (message: string) => void
  onAuthLost: () => void
}

const hooks: Hooks = {
  notify: (message) => console.error(message),
  onAuthLost: () => undefined,
}

/** Wire UI side effects (toasts, redirect to login) without importing the UI here. */
export function configureClient(next: Partial<Hooks>): void {
  Object.assign(hooks, next)
}

function isEnvelope(data: unknown): data is Envelope<unknown> {
  return typeof data === 'object' && data !== null && 'success' in data && 'content' in data && 'code' in data
}

/** Flattens DRF's nested error structure into `path -> messages`. */
export function flattenErrors(errors: unknown, prefix = '', out: FieldErrors = {}): FieldErrors {
  if (Array.isArray(errors)) {
    if (errors.every((e) => typeof e === 'string')) {
      if (errors.length) out[prefix || 'non_field_errors'] = errors as string[]
      return out
    }
    errors.forEach((item, i) => {
      if (item && (typeof item === 'object')) flattenErrors(item, `${prefix}[${i}]`, out)
      else if (typeof item === 'string') (out[prefix || 'non_field_errors'] ??= []).push(item)
    })
    return out
  }
  if (errors && typeof errors === 'object') {
    for (const [key, value] of Object.entries(errors)) {
      const general = key === 'non_field_errors' || key === 'detail'
      const path = general ? prefix || key : prefix ? `${prefix}.${key}` : key
      flattenErrors(value, path, out)
    }
    return out
  }
  if (typeof errors === 'string') out[prefix || 'detail'] = [errors]
  return out
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof AxiosError) {
    const status = error.response?.status ?? 0
    const data: unknown = error.response?.data
    if (isEnvelope(data)) {
      const content = data.content as { errors?: unknown } | null
      const fields = flattenErrors(content?.errors ?? {})
      return new ApiError(data.message || error.message, status, fields)
    }
    if (status === 0) return new ApiError(error.code === 'ECONNABORTED' ? 'Request timed out' : 'Network error', 0)
    return new ApiError(`HTTP ${status}: ${error.response?.statusText ?? error.message}`, status)
  }
  return new ApiError(error instanceof Error ? error.message : String(error), 0)
}

// Repeated keys for lists (`status=a&status=b`), as django-filter's multiple-choice filters expect.
export const http: AxiosInstance = axios.create({ baseURL: '/api', timeout: 60_000, paramsSerializer: { indexes: null } })

http.interceptors.request.use((config) => {
  const access = tokens.access
  if (access && !config.headers.has('Authorization')) config.headers.set('Authorization', `Bearer ${access}`)
  return config
})

let refreshing: Promise<string | null> | null = null

/** Exchanges the refresh token once, shared by all requests that hit 401 together. */
export function refreshAccess(): Promise<string | null> {
  const refresh = tokens.refresh
  if (!refresh) return Promise.resolve(null)
  refreshing ??= axios
    .post<Envelope<{ access: string; refresh?: string }>>('/api/auth/refresh/', { refresh })
    .then((res) => {
      const content = res.data.content
      tokens.set(content.access, content.refresh)
      return content.access
    })
    .catch(() => null)
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

const AUTH_FREE = ['/auth/login/', '/auth/refresh/']

async function onError(error: AxiosError): Promise<AxiosResponse> {
  const config = error.config as AxiosRequestConfig | undefined
  const status = error.response?.status
  if (status === 401 && config && !config._retried && !AUTH_FREE.some((p) => config.url?.includes(p))) {
    const access = await refreshAccess()
    if (access) {
      config._retried = true
      config.headers = { ...(config.headers ?? {}), Authorization: `Bearer ${access}` }
      return http.request(config)
    }
    tokens.clear()
    hooks.onAuthLost()
    throw toApiError(error)
  }
  const apiError = toApiError(error)
  if (!config?.silent && status !== 401) hooks.notify(apiError.message)
  throw apiError
}

http.interceptors.response.use((response) => {
  const data: unknown = response.data
  if (isEnvelope(data)) {
    if (!data.success) {
      const fields = flattenErrors((data.content as { errors?: unknown } | null)?.errors ?? {})
      const err = new ApiError(data.message, data.code, fields)
      if (!response.config.silent) hooks.notify(err.message)
      throw err
    }
    response.data = data.content
  }
  return response
}, onError)

type Params = Record<string, unknown>

/** Typed helpers returning the envelope's `content`. */
export const api = {
  async get<T>(url: string, params?: Params, config?: AxiosRequestConfig): Promise<T> {
    return (await http.get<T>(url, { ...config, params: cleanParams(params) })).data
  },
  async post<T>(url: string, body?: unknown, config?: AxiosRequestConfig): Promise<T> {
    return (await http.post<T>(url, body, config)).data
  },
  async put<T>(url: string, body?: unknown, config?: AxiosRequestConfig): Promise<T> {
    return (await http.put<T>(url, body, config)).data
  },
  async patch<T>(url: string, body?: unknown, config?: AxiosRequestConfig): Promise<T> {
    return (await http.patch<T>(url, body, config)).data
  },
  async delete<T = void>(url: string, config?: AxiosRequestConfig): Promise<T> {
    return (await http.delete<T>(url, config)).data
  },
  /** Fetches a file and hands it to the browser as a download. */
  async download(url: string, params?: Params, fallbackName = 'download'): Promise<void> {
    const res = await http.get<Blob>(url, { params: cleanParams(params), responseType: 'blob' })
    const disposition = String(res.headers['content-disposition'] ?? '')
    const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName
    const href = URL.createObjectURL(res.data)
    const a = document.createElement('a')
    a.href = href
    a.download = name
    a.click()
    URL.revokeObjectURL(href)
  },
}

/** Drops empty filter values so URLs stay clean. */
export function cleanParams(params?: Params): Params | undefined {
  if (!params) return undefined
  const out: Params = {}
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue
    out[k] = v
  }
  return out
}
