import { expect, test } from '@playwright/test'
import { ACCOUNT, HOST, apiClient, choose, env, login, screenshot, watchConsole } from './helpers'

test('create an account and a host for the sshd test host, then test the connection', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page)
  const api = await apiClient(page)
  const existing = (await api.get(`/api/hosts/?search=${HOST}`)) as { results: { id: number; name: string }[] }
  test.skip(existing.results.some((h) => h.name === HOST), 'host already created by an earlier run against this database')

  // Account: secrets are write-only; the list only says whether one is set.
  await page.goto('/accounts')
  await page.getByTestId('account-create').click()
  const accountForm = page.getByTestId('account-form')
  await accountForm.getByTestId('account-name').locator('input').fill(ACCOUNT)
  await accountForm.getByTestId('account-username').locator('input').fill(env.sshUser)
  await accountForm.getByTestId('account-auth-type').getByText('Private key').click()
  await accountForm.getByTestId('account-private-key').locator('textarea').fill(env.sshKey)
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  const row = page.getByTestId('account-table').locator('tr').filter({ hasText: ACCOUNT })
  await expect(row).toBeVisible()
  await expect(row).toContainText('Private key: set')
  await expect(page.getByText('BEGIN OPENSSH')).toHaveCount(0)
  await screenshot(page, 'accounts-with-key')

  // Host: server-side validation errors appear next to the field.
  await page.goto('/hosts')
  await page.getByTestId('host-create').click()
  const hostForm = page.getByTestId('host-form')
  await hostForm.getByTestId('host-name').locator('input').fill(HOST)
  await hostForm.getByTestId('host-ip').locator('input').fill('not an address!')
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  await expect(hostForm.locator('.arco-form-item-message').first()).toBeVisible()
  await hostForm.getByTestId('host-ip').locator('input').fill(env.sshHost)
  await hostForm.getByTestId('host-port').locator('input').fill(String(env.sshPort))
  await choose(page, hostForm.getByTestId('host-account'), ACCOUNT)
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  const hostRow = page.getByTestId('host-table').locator('tr').filter({ hasText: HOST })
  await expect(hostRow).toBeVisible()

  // Batch test connection with a per-host result.
  await hostRow.locator('.arco-checkbox').click()
  await page.getByTestId('host-test').click()
  await expect(page.getByTestId('test-results').locator('[data-status="reachable"]')).toBeVisible({ timeout: 60_000 })
  await screenshot(page, 'hosts-test-connection')
  await page.keyboard.press('Escape')
  await expect(hostRow.locator('[data-status="reachable"]')).toBeVisible()
  expect(errors.filter((e) => !/40\d \((Bad Request|Not Found)\)/.test(e))).toEqual([])
})
