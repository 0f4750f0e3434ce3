import { expect, test } from '@playwright/test'
import { login, screenshot, uid, watchConsole } from './helpers'

const SECRET = `e2e-secret-${uid}-do-not-show`
const ENDPOINT = 'http://127.0.0.1:9/' // the discard port: nothing listens, connections are refused

test('a cloud account: write-only secret, a sync against a dead endpoint fails readably, delete', async ({ page }) => {
  test.setTimeout(180_000)
  const errors = watchConsole(page)
  const name = `e2e-cloud-${uid}`
  const bodies: string[] = []
  page.on('response', async (res) => {
    if (res.url().includes('/api/hosts/cloud-accounts/')) bodies.push(await res.text().catch(() => ''))
  })
  await login(page)
  await page.goto('/cloud-accounts')

  await page.getByTestId('cloud-create').click()
  const drawer = page.getByTestId('cloud-drawer')
  await drawer.getByTestId('cloud-name').locator('input').fill(name)
  await drawer.getByTestId('cloud-provider').getByText('AWS').click()
  await drawer.getByTestId('cloud-ak').locator('input').fill('AKIAE2EDUMMYKEY')
  await drawer.getByTestId('cloud-secret').locator('input').fill(SECRET)
  await drawer.getByTestId('cloud-regions').locator('input').fill('us-east-1')
  await drawer.getByTestId('cloud-regions').locator('input').press('Enter')
  await drawer.getByTestId('cloud-endpoint').locator('input').fill(ENDPOINT)
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  await expect(drawer).toBeHidden()

  const row = page.getByTestId('cloud-table').locator('tr').filter({ hasText: name })
  await expect(row).toBeVisible()
  await expect(row).toContainText('AWS')
  await expect(row).toContainText('AKIAE2EDUMMYKEY')
  await expect(row).toContainText('us-east-1')
  await expect(row.getByTestId('cloud-no-secret')).toHaveCount(0)

  // The secret is never shown back: the edit drawer leaves it empty, saving keeps it.
  await row.getByTestId('cloud-edit').click()
  await expect(drawer.getByTestId('cloud-name').locator('input')).toHaveValue(name)
  await expect(drawer.getByTestId('cloud-secret').locator('input')).toHaveValue('')
  await expect(drawer.getByTestId('cloud-secret-item')).toContainText('Leave empty to keep')
  await expect(drawer.getByTestId('cloud-endpoint').locator('input')).toHaveValue(ENDPOINT)
  await drawer.getByTestId('cloud-description').locator('textarea').fill('edited by e2e')
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  await expect(drawer).toBeHidden()
  await expect(row.getByTestId('cloud-no-secret')).toHaveCount(0)
  await screenshot(page, 'cloud-accounts-list')

  // A sync from the UI ends, failed, with the reason (the endpoint is unreachable).
  await row.getByTestId('cloud-sync').click()
  const dialog = page.getByTestId('cloud-sync-dialog')
  await dialog.getByTestId('cloud-sync-start').click()
  const result = dialog.getByTestId('cloud-sync-result')
  await expect(result.locator('[data-status="failed"]')).toBeVisible({ timeout: 90_000 })
  await expect(result.getByTestId('cloud-sync-error')).toContainText('Endpoint unreachable')
  await expect(result.getByTestId('cloud-sync-error')).toContainText('127.0.0.1:9')
  await expect(dialog.getByTestId('cloud-sync-start')).toBeEnabled()
  // The whole-sync error is said once, not repeated as raw JSON.
  await expect(result.getByTestId('cloud-sync-item-error')).toHaveCount(0)
  await expect(result.getByText('{"error"')).toHaveCount(0)
  await screenshot(page, 'cloud-sync-failed')
  await dialog.locator('.arco-modal-close-btn').click()
  await expect(dialog).toBeHidden()
  await expect(row.locator('[data-status="failed"]')).toBeVisible()
  const history = page.getByTestId('cloud-sync-table').locator('tbody tr').filter({ hasText: name }).first()
  await expect(history.locator('[data-status="failed"]')).toBeVisible()
  await expect(history.getByTestId('cloud-sync-error')).toContainText('unreachable')

  await expect(page.getByText(SECRET)).toHaveCount(0)
  expect(bodies.length).toBeGreaterThan(0)
  expect(bodies.filter((b) => b.includes(SECRET))).toEqual([])

  await row.getByTestId('cloud-delete').click()
  await page.locator('.arco-modal').getByRole('button', { name: 'Confirm' }).click()
  await expect(row).toHaveCount(0)
  await page.reload()
  await expect(page.getByTestId('cloud-table')).toBeVisible()
  await expect(row).toHaveCount(0)
  expect(errors).toEqual([])
})
