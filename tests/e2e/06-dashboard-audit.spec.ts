import { expect, test, type Page } from '@playwright/test'
import { apiClient, choose, ensureHost, HOST, login, screenshot, watchConsole, watchFailedRequests } from './helpers'

type Stats = {
  counts: { hosts: { total: number; by_status: Record<string, number> }; scripts: number; templates: number; plans: number; schedules: { total: number; enabled: number } }
  executions: { total: number; success_rate: number | null }
  trend: unknown[]
}

const statsRequest = (page: Page, days: number) =>
  page.waitForResponse((r) => r.url().includes('/api/dashboard/stats/') && new URL(r.url()).searchParams.get('days') === String(days))

test('the dashboard shows the API figures, draws the trend and refetches for another range', async ({ page }) => {
  const errors = watchConsole(page)
  await ensureHost(page)
  const api = await apiClient(page)
  const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
  const count = async (url: string) => ((await api.get(url)) as { count: number }).count

  const first = statsRequest(page, 7)
  await login(page)
  await first
  const stats = (await api.get(`/api/dashboard/stats/?days=7&tz=${encodeURIComponent(tz)}`)) as Stats
  // The figures are the ones of the object lists, not a stale cache.
  expect(stats.counts.hosts.total).toBe(await count('/api/hosts/'))
  expect(stats.counts.hosts.total).toBeGreaterThan(0)
  expect(stats.counts.scripts).toBe(await count('/api/script-templates/'))
  expect(stats.counts.templates).toBe(await count('/api/templates/'))
  expect(stats.counts.plans).toBe(await count('/api/templates/plans/'))
  expect(stats.counts.schedules.total).toBe(await count('/api/scheduler/'))

  const card = (key: string) => page.getByTestId(`stat-${key}`)
  const expected: Record<string, number> = {
    hosts: stats.counts.hosts.total, scripts: stats.counts.scripts, templates: stats.counts.templates,
    plans: stats.counts.plans, schedules: stats.counts.schedules.total, executions: stats.executions.total,
  }
  for (const [key, value] of Object.entries(expected)) {
    await expect(card(key)).toHaveAttribute('data-value', String(value))
    await expect(card(key).locator('.arco-statistic-value')).toHaveText(String(value))
  }
  await expect(card('hosts').getByTestId('stat-sub')).toHaveText(`Reachable ${stats.counts.hosts.by_status.reachable ?? 0}`)
  const rate = stats.executions.success_rate
  await expect(card('executions').getByTestId('stat-sub')).toHaveText(`Success rate ${rate === null ? '-' : `${rate}%`}`)

  // The trend is an ECharts canvas, one point per day of the range.
  const trend = page.getByTestId('dashboard-trend')
  await expect(trend).toHaveAttribute('data-days', '7')
  const canvas = trend.locator('canvas').first()
  await expect(canvas).toBeVisible()
  const box = await canvas.boundingBox()
  expect(box?.width ?? 0).toBeGreaterThan(200)
  expect(box?.height ?? 0).toBeGreaterThan(100)
  await screenshot(page, 'dashboard-7-days')

  // Another range: a new request, and the figures and the trend of that range.
  const month = statsRequest(page, 30)
  await page.getByTestId('dashboard-range').getByText('30 days', { exact: true }).click()
  const response = await month
  expect(new URL(response.url()).searchParams.get('tz')).toBe(tz)
  const body = (await response.json()) as { content: Stats }
  expect(body.content.trend).toHaveLength(30)
  await expect(trend).toHaveAttribute('data-days', '30')
  await expect(card('executions')).toHaveAttribute('data-value', String(body.content.executions.total))
  const today = statsRequest(page, 1)
  await page.getByTestId('dashboard-range').getByText('1 day', { exact: true }).click()
  await today
  await expect(trend).toHaveAttribute('data-days', '1')
  await screenshot(page, 'dashboard-1-day')
  expect(errors).toEqual([])
})

test('the audit log lists the earlier writes and filters by action and object type', async ({ page }) => {
  const errors = watchConsole(page)
  await ensureHost(page)
  await login(page)
  await page.goto('/audit-logs')
  const table = page.getByTestId('audit-table')
  const rows = table.locator('tbody tr')
  const shown = (testId: string, attr?: string) => async () => {
    const cells = table.getByTestId(testId)
    const values = attr ? await cells.evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), attr) : await cells.allTextContents()
    return [...new Set(values)].sort()
  }
  // Unfiltered, the log has more than creations: signing in is recorded too.
  await expect.poll(shown('audit-action', 'data-action')).toEqual(expect.arrayContaining(['login']))

  await choose(page, page.getByTestId('audit-action-filter'), /^Create$/)
  await page.keyboard.press('Escape')
  await expect.poll(shown('audit-action', 'data-action')).toEqual(['create'])
  await expect(table.getByTestId('audit-action').first()).toHaveText('Create')

  await choose(page, page.getByTestId('audit-object-type-filter'), /^inventory\.host$/)
  await expect.poll(shown('audit-object-type')).toEqual(['inventory.host'])
  await expect(rows.filter({ hasText: HOST })).toHaveCount(1)
  await screenshot(page, 'audit-filtered')

  // Settings are updated, never created: together the filters match nothing.
  await choose(page, page.getByTestId('audit-object-type-filter'), /^system\.setting$/)
  await expect(table.getByTestId('audit-object-type')).toHaveCount(0)
  await expect(table.locator('.arco-empty')).toBeVisible()
  expect(errors).toEqual([])
})

test('a system setting change persists over a reload, is audited, and is restored', async ({ page }) => {
  const errors = watchConsole(page)
  const failed = watchFailedRequests(page)
  const KEY = 'execution.default_timeout'
  await login(page)
  await page.goto('/system-config')
  const field = page.getByTestId(`setting-${KEY}`).locator('input')
  const save = page.getByTestId(`setting-save-${KEY}`)
  await expect(field).toHaveValue(/^\d+$/)
  const original = await field.inputValue()
  const changed = original === '1800' ? '1700' : '1800'
  await expect(save).toBeDisabled()

  // An emptied field is refused by the server, with the reason under the field.
  await field.fill('')
  await field.press('Enter')
  await save.click()
  await expect(page.getByTestId(`setting-${KEY}`).getByTestId('setting-error')).toHaveText('This field is required.')

  await field.fill(changed)
  await field.press('Enter')
  await expect(save).toBeEnabled()
  await save.click()
  await expect(page.locator('.arco-message').filter({ hasText: 'Saved' })).toBeVisible()
  await expect(save).toBeDisabled()
  await expect(page.getByTestId(`setting-${KEY}`).getByTestId('setting-error')).toHaveCount(0)
  await page.reload()
  await expect(field).toHaveValue(changed)

  // The audit log has the change with its before and after values.
  await page.goto('/audit-logs')
  await choose(page, page.getByTestId('audit-object-type-filter'), /^system\.setting$/)
  const row = page.getByTestId('audit-table').locator('tbody tr').filter({ hasText: KEY }).first()
  await row.locator('.arco-table-expand-btn').click()
  const diff = page.getByTestId('audit-diff').first()
  await expect(diff).toContainText(original)
  await expect(diff).toContainText(changed)
  await screenshot(page, 'audit-setting-diff')

  await page.goto('/system-config')
  await field.fill(original)
  await field.press('Enter')
  await save.click()
  await expect(save).toBeDisabled()
  await page.reload()
  await expect(field).toHaveValue(original)
  expect(failed).toEqual([`400 PATCH /api/system/${KEY}/`])
  expect(errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([])
})
