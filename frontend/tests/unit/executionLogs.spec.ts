import { afterEach, describe, expect, it } from 'vitest'
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios'
import { http } from '@/api/client'
import { readWholeLog } from '@/api/executions'
import type { ExecutionLogs } from '@/types'

/** GET .../logs/ as the API answers it (LogSlice): byte slices of `log` from `offset`. */
function serveLog(log: string): InternalAxiosRequestConfig[] {
  const calls: InternalAxiosRequestConfig[] = []
  const adapter: AxiosAdapter = async (config) => {
    calls.push(config)
    const { host, offset, limit } = config.params as { host: string; offset: number; limit: number }
    const text = log.slice(offset, offset + limit)
    const content: ExecutionLogs = {
      host, offset, next_offset: offset + text.length, size: log.length, text, complete: offset + text.length >= log.length,
    }
    return { status: 200, statusText: 'OK', headers: {}, config, data: { code: 200, message: 'ok', success: true, content } }
  }
  http.defaults.adapter = adapter
  return calls
}

describe('readWholeLog', () => {
  afterEach(() => {
    http.defaults.adapter = undefined
  })

  it('reads slice after slice until the API says complete', async () => {
    const log = 'line\n'.repeat(25)
    const calls = serveLog(log)
    expect(await readWholeLog(7, 'web-1', 40)).toBe(log)
    expect(calls.map((c) => (c.params as { offset: number }).offset)).toEqual([0, 40, 80, 120])
    expect(calls[0]?.url).toBe('/executor/execution-records/7/logs/')
  })

  it('stops at the size cap (the download has the rest)', async () => {
    serveLog('x'.repeat(1000))
    expect((await readWholeLog(7, 'web-1', 100, 300)).length).toBe(300)
  })

  it('answers an empty log with one request', async () => {
    const calls = serveLog('')
    expect(await readWholeLog(7, 'web-1')).toBe('')
    expect(calls).toHaveLength(1)
  })
})
