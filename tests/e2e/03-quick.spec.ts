import { expect, test } from '@playwright/test'
import { ensureHost, HOST, login, screenshot, search, setEditor, watchConsole } from './helpers'

const SLOW = '#!/bin/bash\nfor i in $(seq 1 8); do echo "tick $i"; sleep 1; done\necho finished\n'

test('a quick script streams its lines live, before it ends', async ({ page }) => {
  const errors = watchConsole(page)
  await ensureHost(page)
  await login(page)
  await page.goto('/quick-execute')
  const form = page.getByTestId('quick-script-form')
  await setEditor(page, form, SLOW)
  await search(page, form.getByTestId('target-hosts'), HOST)
  await screenshot(page, 'quick-execute-filled')
  await form.getByTestId('quick-run').click()
  await expect(page).toHaveURL(/\/execution-records\/\d+/)
  const log = page.getByTestId('log-pane')
  await expect(log).toContainText('tick 2', { timeout: 60_000 })
  // Still running while the first lines are on screen: they were streamed, not loaded at the end.
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'running')
  await expect(log).not.toContainText('finished')
  await screenshot(page, 'execution-live')
  await expect(log).toContainText('finished', { timeout: 60_000 })
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'success', { timeout: 30_000 })
  // Search inside the log.
  await page.getByTestId('log-search').locator('input').fill('tick')
  await expect(page.getByTestId('log-matches')).toContainText('8')
  await screenshot(page, 'execution-detail')
  expect(errors).toEqual([])
})

test('a running script can be stopped', async ({ page }) => {
  await ensureHost(page)
  await login(page)
  await page.goto('/quick-execute')
  const form = page.getByTestId('quick-script-form')
  await setEditor(page, form, '#!/bin/bash\necho started\nfor i in $(seq 1 120); do sleep 1; echo "still $i"; done\n')
  await search(page, form.getByTestId('target-hosts'), HOST)
  await form.getByTestId('quick-run').click()
  await expect(page.getByTestId('log-pane')).toContainText('started', { timeout: 60_000 })
  await page.getByTestId('exec-stop').click()
  await page.locator('.arco-modal').getByRole('button', { name: 'Confirm' }).click()
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 })
  await expect(page.getByTestId('exec-stop')).toHaveCount(0)
  await screenshot(page, 'execution-stopped')
  await page.goto('/execution-records')
  await expect(page.getByTestId('exec-table').locator('[data-status="stopped"]').first()).toBeVisible()
})
