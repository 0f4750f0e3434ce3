import { expect, test } from '@playwright/test'
import { ensureHost, HOST, login, screenshot, search, setEditor, uid, watchConsole } from './helpers'

test('script library -> two-step template -> plan -> run succeeds', async ({ page }) => {
  test.setTimeout(240_000)
  const errors = watchConsole(page)
  await ensureHost(page)
  await login(page)
  const script = `e2e-script-${uid}`
  const template = `e2e-template-${uid}`
  const plan = `e2e-plan-${uid}`

  // 1. A library script with Monaco; saving twice makes version 2, with a diff to version 1.
  await page.goto('/script-templates/new')
  await page.getByTestId('script-name').locator('input').fill(script)
  const editor = page.locator('.arco-form-item').filter({ has: page.getByTestId('monaco') })
  await setEditor(page, editor, '#!/bin/bash\necho "library step on $(hostname)"\n')
  await page.getByTestId('script-save').click()
  await expect(page).toHaveURL(/\/script-templates\/\d+$/)
  await setEditor(page, editor, '#!/bin/bash\necho "library step v2 on $(hostname)"\n')
  await page.getByTestId('script-save').click()
  await expect(page.locator('.title')).toContainText('v2')
  await page.locator('.arco-tabs-tab').filter({ hasText: 'Version history' }).click()
  await expect(page.getByTestId('version-table')).toContainText('v1')
  await expect(page.getByTestId('monaco-diff')).toBeVisible()
  await screenshot(page, 'script-versions-diff')

  // 2. A template with two steps: the library script, then an inline script.
  await page.goto('/job-templates/new')
  await page.getByTestId('template-name').locator('input').fill(template)
  await search(page, page.getByTestId('target-hosts').first(), HOST)
  await page.getByTestId('step-add').click()
  const step = page.getByTestId('step-form')
  await step.getByTestId('step-name').locator('input').fill('from library')
  await step.getByTestId('step-source').getByText('Library').click()
  await search(page, step.getByTestId('script-picker'), script, false)
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  await page.getByTestId('step-add').click()
  await step.getByTestId('step-name').locator('input').fill('inline check')
  await setEditor(page, step, '#!/bin/bash\necho "inline step done"\n')
  await page.locator('.arco-drawer-footer').getByRole('button', { name: 'OK' }).click()
  await expect(page.getByTestId('step-table').locator('tbody tr')).toHaveCount(2)
  await screenshot(page, 'template-edit')
  await page.getByTestId('template-save').click()
  await expect(page).toHaveURL(/\/job-templates\/\d+$/)
  await screenshot(page, 'template-detail')

  // 3. A plan of that template.
  await page.getByRole('button', { name: 'New plan' }).click()
  await expect(page).toHaveURL(/\/plans\/new\?template=\d+/)
  await page.getByTestId('plan-name').locator('input').fill(plan)
  await page.getByTestId('plan-save').click()
  await expect(page).toHaveURL(/\/plans\/\d+$/)

  // 4. Run it from the list, confirming the targets, and watch it succeed.
  await page.goto('/plans')
  const row = page.getByTestId('plan-table').locator('tr').filter({ hasText: plan })
  await row.getByRole('button', { name: 'Run' }).click()
  await expect(page.locator('.arco-modal')).toContainText('from library')
  await screenshot(page, 'plan-run-confirm')
  await page.locator('.arco-modal-footer').getByRole('button', { name: 'Run' }).click()
  await expect(page).toHaveURL(/\/execution-records\/\d+/)
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'success', { timeout: 120_000 })
  await expect(page.getByTestId('log-pane')).toContainText('library step v2 on')
  await expect(page.getByTestId('log-pane')).toContainText('inline step done')
  await screenshot(page, 'plan-execution-success')
  expect(errors.filter((e) => !/40\d \((Bad Request|Not Found)\)/.test(e))).toEqual([])
})
