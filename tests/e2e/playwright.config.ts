/**
 * End-to-end tests against a running OPS Job (BASE_URL), driving Debian's Chromium.
 * Run through `npm run e2e` in frontend/ (or tests/e2e/test_browser.py, which starts
 * the whole stack and the sshd test hosts first). No browser is ever downloaded.
 */
import { defineConfig } from '@playwright/test'
import path from 'node:path'

export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? path.resolve(__dirname, '../../frontend/test-artifacts')

export default defineConfig({
  testDir: __dirname,
  testMatch: /.*\.spec\.ts$/,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  outputDir: path.join(ARTIFACTS, 'results'),
  reporter: [['list'], ['junit', { outputFile: path.join(ARTIFACTS, 'junit.xml') }]],
  use: {
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:8000',
    locale: 'en-US',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
})
