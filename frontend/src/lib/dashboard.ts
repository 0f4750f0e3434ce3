/** Pure helpers of the dashboard: range parameters and the drill-down into execution records. */
import type { RangeParams } from '@/api/dashboard'

/** Execution statuses the dashboard counts as failures (hub/dashboard/selectors.py FAILED_EXECUTION). */
export const FAILED_STATUSES = ['failed', 'partial', 'timeout', 'unreachable'] as const

export interface RangeChoice { days: number | null; dates: string[] }

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

/** `?days=N` or, when two dates are picked, `?start=&end=`; always the browser's zone. */
export function rangeParams(choice: RangeChoice, tz = browserZone()): RangeParams {
  const [start, end] = choice.dates
  if (start && end) return { start: start.slice(0, 10), end: end.slice(0, 10), tz }
  return { days: choice.days ?? 7, tz }
}

/** A local calendar day (YYYY-MM-DD) as an ISO instant range [00:00, 23:59:59.999]. */
export function dayBounds(date: string): { created_after: string; created_before: string } {
  const [y, m, d] = date.split('-').map(Number)
  const start = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, 0, 0, 0, 0)
  const end = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, 23, 59, 59, 999)
  return { created_after: start.toISOString(), created_before: end.toISOString() }
}

export type TrendSeries = 'total' | 'success' | 'failed' | 'rate'

/** Query of /execution-records for a clicked trend point. */
export function drillQuery(date: string, series: TrendSeries): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = { ...dayBounds(date) }
  if (series === 'success') query.status = 'success'
  else if (series === 'failed') query.status = [...FAILED_STATUSES]
  return query
}
