import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { ApiError } from '@/api/client'
import * as schedulesApi from '@/api/schedules'
import { useCronPreview } from '@/composables/useCronPreview'

vi.mock('@/api/schedules', () => ({ previewCron: vi.fn() }))

describe('useCronPreview', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.mocked(schedulesApi.previewCron).mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('debounces and shows the description and next runs', async () => {
    vi.mocked(schedulesApi.previewCron).mockResolvedValue({ cron_expression: '0 2 * * *', timezone: 'UTC', description: 'At 02:00', next_runs: ['2026-01-01T02:00:00Z'] })
    const scope = effectScope()
    const cron = ref('0 1 * * *')
    const tz = ref('UTC')
    const p = scope.run(() => useCronPreview(cron, tz, { delay: 100 }))!
    cron.value = '0 2 * * *'
    await nextTick()
    await vi.advanceTimersByTimeAsync(150)
    expect(schedulesApi.previewCron).toHaveBeenCalledTimes(1)
    expect(schedulesApi.previewCron).toHaveBeenCalledWith('0 2 * * *', 'UTC', 5)
    expect(p.preview.value?.description).toBe('At 02:00')
    expect(p.cronError.value).toBe('')
    scope.stop()
  })

  it('puts the server message on the field that is wrong', async () => {
    vi.mocked(schedulesApi.previewCron).mockRejectedValue(new ApiError('bad', 400, { cron_expression: ['Give 5 fields'] }))
    const scope = effectScope()
    const p = scope.run(() => useCronPreview(ref('0 2 * *'), ref('UTC'), { delay: 10 }))!
    await vi.advanceTimersByTimeAsync(20)
    expect(p.preview.value).toBeNull()
    expect(p.cronError.value).toBe('Give 5 fields')
    vi.mocked(schedulesApi.previewCron).mockRejectedValue(new ApiError('bad', 400, { timezone: ['Unknown zone'] }))
    await p.refresh()
    expect(p.timezoneError.value).toBe('Unknown zone')
    expect(p.cronError.value).toBe('')
    scope.stop()
  })
})
