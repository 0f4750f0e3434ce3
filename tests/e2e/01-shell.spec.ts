import { expect, test } from '@playwright/test'
import { env, login, screenshot, watchConsole } from './helpers'

const PAGES = [
  ['dashboard', '/dashboard'], ['hosts', '/hosts'], ['accounts', '/accounts'], ['script-templates', '/script-templates'],
  ['job-templates', '/job-templates'], ['plans', '/plans'], ['quick-execute', '/quick-execute'],
  ['execution-records', '/execution-records'], ['scheduled-tasks', '/scheduled-tasks'], ['audit-logs', '/audit-logs'],
  ['system-config', '/system-config'], ['cloud-accounts', '/cloud-accounts'], ['users', '/users'],
] as const

test('a wrong password is refused with a readable message', async ({ page }) => {
  await page.goto('/login')
  await page.getByTestId('login-username').locator('input').fill(env.user)
  await page.getByTestId('login-password').locator('input').fill('definitely-wrong')
  await page.getByTestId('login-submit').click()
  // the server names the field (password) or gives a general error: either is shown
  await expect(page.getByText(/wrong username or password|invalid/i).first()).toBeVisible()
  await expect(page).toHaveURL(/\/login/)
  await screenshot(page, '00-login')
})

test('every main page renders without console errors, deep links survive a reload', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page)
  for (const [name, path] of PAGES) {
    await page.goto(path)
    await expect(page.locator('.arco-layout-content')).toBeVisible()
    await expect(page.locator('.arco-spin-loading')).toHaveCount(0, { timeout: 20_000 })
    await screenshot(page, name)
  }
  await page.goto('/hosts?status=reachable')
  await page.reload()
  await expect(page).toHaveURL(/\/hosts\?status=reachable/)
  await expect(page.getByTestId('host-table')).toBeVisible()
  expect(errors).toEqual([])
})

test('language and theme switch; logout returns to the login page', async ({ page }) => {
  await login(page)
  await page.getByTestId('locale-toggle').click()
  await page.locator('.arco-dropdown-option').filter({ hasText: '简体中文' }).click()
  await expect(page.getByTestId('nav-hosts')).toContainText('主机管理')
  await page.getByTestId('theme-toggle').click()
  await expect(page.locator('body')).toHaveAttribute('arco-theme', 'dark')
  await screenshot(page, 'dashboard-dark-zh')
  await page.getByTestId('theme-toggle').click()
  await page.getByTestId('user-menu').click()
  await page.getByTestId('logout').click()
  await expect(page).toHaveURL(/\/login/)
  await page.goto('/hosts')
  await expect(page).toHaveURL(/\/login\?next=/)
})
