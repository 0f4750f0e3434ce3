import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { ApiError } from '@/api/client'
import * as cloudApi from '@/api/cloud'
import { useCloudSync } from '@/composables/useCloudSync'
import type { CloudSync } from '@/types'

vi.mock('@/api/cloud', () => ({ startCloudSync: vi.fn(), getCloudSync: vi.fn() }))

const record = (status: CloudSync['status'], extra: Partial<CloudSync> = {}): CloudSync =>
  ({ id: 7, status, summary: null, error: '', error_kind: 'internal', ...extra }) as CloudSync

describe('useCloudSync', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.mocked(cloudApi.startCloudSync).mockReset()
    vi.mocked(cloudApi.getCloudSync).mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('returns at once when the server finished within the wait', async () => {
    vi.mocked(cloudApi.startCloudSync).mockResolvedValue(record('success', { summary: { created: 2, updated: 1, marked_missing: 0, errors: [] } }))
    const scope = effectScope()
    const s = scope.run(() => useCloudSync())!
    await s.start({ cloud_account_id: 1 })
    expect(cloudApi.startCloudSync).toHaveBeenCalledWith({ cloud_account_id: 1 }, 30)
    expect(s.finished.value).toBe(true)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(cloudApi.getCloudSync).not.toHaveBeenCalled()
    scope.stop()
  })

  it('polls every 2 s while pending/running, then stops', async () => {
    vi.mocked(cloudApi.startCloudSync).mockResolvedValue(record('pending'))
    vi.mocked(cloudApi.getCloudSync)
      .mockResolvedValueOnce(record('running'))
      .mockResolvedValueOnce(record('failed', { error: 'bad key', error_kind: 'auth' }))
    const scope = effectScope()
    const s = scope.run(() => useCloudSync())!
    await s.start({ cloud_account_id: 1 })
    expect(s.running.value).toBe(true)
    await vi.advanceTimersByTimeAsync(1999)
    expect(cloudApi.getCloudSync).toHaveBeenCalledTimes(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(cloudApi.getCloudSync).toHaveBeenCalledTimes(1)
    expect(s.sync.value?.status).toBe('running')
    await vi.advanceTimersByTimeAsync(2000)
    expect(s.sync.value?.status).toBe('failed')
    expect(s.sync.value?.error).toBe('bad key')
    expect(s.running.value).toBe(false)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(cloudApi.getCloudSync).toHaveBeenCalledTimes(2)
    scope.stop()
  })

  it('keeps the request error and stops polling when the scope ends', async () => {
    vi.mocked(cloudApi.startCloudSync).mockRejectedValueOnce(new ApiError('Validation', 400, { cloud_account_id: ['nope'] }))
    const scope = effectScope()
    const s = scope.run(() => useCloudSync())!
    expect(await s.start({ cloud_account_id: 9 })).toBeNull()
    expect(s.error.value?.field('cloud_account_id')).toBe('nope')
    vi.mocked(cloudApi.startCloudSync).mockResolvedValue(record('running'))
    vi.mocked(cloudApi.getCloudSync).mockResolvedValue(record('running'))
    await s.start({ cloud_account_id: 1 })
    scope.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(cloudApi.getCloudSync).not.toHaveBeenCalled()
  })
})
