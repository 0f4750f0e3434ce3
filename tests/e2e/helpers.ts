import { expect, type Page } from '@playwright/test'
import fs from 'node:fs'
import path from 'node:path'
import { ARTIFACTS } from './playwright.config'

export const env = {
  user: process.env.E2E_USER ?? 'admin',
  password: process.env.E2E_PASSWORD ?? 'admin',
  sshHost: process.env.E2E_SSH_HOST ?? '127.0.0.10',
  sshPort: Number(process.env.E2E_SSH_PORT ?? '22'),
  sshUser: process.env.E2E_SSH_USER ?? 'root',
  sshKey: process.env.E2E_SSH_KEY_FILE ? fs.readFileSync(process.env.E2E_SSH_KEY_FILE, 'utf8') : (process.env.E2E_SSH_KEY ?? ''),
}

/** A suffix that keeps names unique across runs against the same database. */
export const uid = Date.now().toString(36).slice(-5)

/** Fails the test on any console error or uncaught page error. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text())
  })
  page.on('pageerror', (err) => errors.push(err.message))
  return errors
}

/** Collects `STATUS METHOD /path` of every API response that failed (status >= 400). */
export function watchFailedRequests(page: Page): string[] {
  const failed: string[] = []
  page.on('response', (res) => {
    if (res.status() >= 400) failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`)
  })
  return failed
}

export async function login(page: Page): Promise<void> {
  await page.addInitScript(() => localStorage.setItem('opsjob.locale', 'en'))
  await page.goto('/login')
  await page.getByTestId('login-username').locator('input').fill(env.user)
  await page.getByTestId('login-password').locator('input').fill(env.password)
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/dashboard/)
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/** Picks an option of an Arco select opened by clicking `trigger`. */
export async function choose(page: Page, trigger: ReturnType<Page['getByTestId']>, option: string | RegExp): Promise<void> {
  await trigger.click()
  await page.locator('.arco-select-dropdown:visible .arco-select-option').filter({ hasText: option }).first().click()
}

/** Types into a searchable Arco select and picks the matching option (Escape closes a multi-select; not inside drawers). */
export async function search(page: Page, trigger: ReturnType<Page['getByTestId']>, text: string, close = true): Promise<void> {
  await trigger.click()
  await trigger.locator('input').fill(text)
  await page.locator('.arco-select-dropdown:visible .arco-select-option').filter({ hasText: text }).first().click()
  if (close) await page.keyboard.press('Escape')
}

/** Replaces the content of the Monaco editor inside `container`. */
export async function setEditor(page: Page, container: ReturnType<Page['locator']>, text: string): Promise<void> {
  await container.locator('.monaco-editor').first().click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(text)
}

type Json = Record<string, unknown>

/** Minimal REST access for test setup that is not the subject of the test. */
export async function apiClient(page: Page) {
  const req = page.request
  const res = await req.post('/api/auth/login/', { data: { username: env.user, password: env.password } })
  const token = ((await res.json()) as { content: { access: string } }).content.access
  const headers = { Authorization: `Bearer ${token}` }
  const call = async (method: 'get' | 'post', url: string, data?: Json): Promise<Json> => {
    const r = await req[method](url, { headers, data })
    const body = (await r.json()) as { success: boolean; content: Json; message: string }
    if (!body.success) throw new Error(`${method.toUpperCase()} ${url}: ${body.message}`)
    return body.content
  }
  return {
    get: (url: string) => call('get', url),
    post: (url: string, data: Json) => call('post', url, data),
  }
}

export const ACCOUNT = 'e2e-root-key'
export const HOST = 'e2e-host-1'

/** The sshd test host and its account, created through the API when a spec runs alone. */
export async function ensureHost(page: Page): Promise<number> {
  const api = await apiClient(page)
  const accounts = (await api.get(`/api/hosts/accounts/?search=${ACCOUNT}`)) as { results: { id: number; name: string }[] }
  let account = accounts.results.find((a) => a.name === ACCOUNT)?.id
  account ??= ((await api.post('/api/hosts/accounts/', { name: ACCOUNT, username: env.sshUser, auth_type: 'key', private_key: env.sshKey })) as { id: number }).id
  const hosts = (await api.get(`/api/hosts/?search=${HOST}`)) as { results: { id: number; name: string }[] }
  const host = hosts.results.find((h) => h.name === HOST)?.id
  if (host) return host
  return ((await api.post('/api/hosts/', { name: HOST, ip_address: env.sshHost, port: env.sshPort, os_type: 'linux', account })) as { id: number }).id
}
