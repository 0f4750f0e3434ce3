import { describe, expect, it } from 'vitest'
import { dayBounds, drillQuery, rangeParams } from '@/lib/dashboard'

describe('dashboard helpers', () => {
  it('sends days unless both dates are picked', () => {
    expect(rangeParams({ days: 30, dates: [] }, 'Asia/Shanghai')).toEqual({ days: 30, tz: 'Asia/Shanghai' })
    expect(rangeParams({ days: 7, dates: ['2026-01-01 00:00:00', '2026-01-05'] }, 'UTC')).toEqual({ start: '2026-01-01', end: '2026-01-05', tz: 'UTC' })
    expect(rangeParams({ days: null, dates: [] }, 'UTC')).toEqual({ days: 7, tz: 'UTC' })
  })

  it('drills a day into a local-day instant range with the series status', () => {
    const bounds = dayBounds('2026-03-04')
    const start = new Date(bounds.created_after)
    const end = new Date(bounds.created_before)
    expect([start.getFullYear(), start.getMonth(), start.getDate(), start.getHours()]).toEqual([2026, 2, 4, 0])
    expect(end.getTime() - start.getTime()).toBe(86_400_000 - 1)
    expect(drillQuery('2026-03-04', 'total').status).toBeUndefined()
    expect(drillQuery('2026-03-04', 'success').status).toBe('success')
    expect(drillQuery('2026-03-04', 'failed').status).toEqual(['failed', 'partial', 'timeout', 'unreachable'])
  })
})

import { blankSchedule, scheduleBody } from '@/lib/schedules'

describe('schedule body', () => {
  it('sends only the fields of the chosen target', () => {
    const f = { ...blankSchedule(), name: 'n', plan: 3, variables: { a: 1 }, script: 9 }
    const plan = scheduleBody(f)
    expect(plan).toMatchObject({ target_kind: 'plan', plan: 3, variables: { a: 1 }, script: null })
    expect(plan).not.toHaveProperty('target_hosts')
    const inline = scheduleBody({ ...f, target_kind: 'script', script_source: 'inline', script_content: 'echo', target_hosts: [1] })
    expect(inline).toMatchObject({ target_kind: 'script', plan: null, script: null, script_content: 'echo', target_hosts: [1] })
    const lib = scheduleBody({ ...f, target_kind: 'script', script_source: 'library', script_version: 2 })
    expect(lib).toMatchObject({ script: 9, script_version: 2, script_content: '' })
  })
})
