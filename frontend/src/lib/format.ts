/** Small display helpers shared by tables. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return '-'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-'
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`
  if (seconds < 60) return `${seconds.toFixed(1)}s`
  const m = Math.floor(seconds / 60)
  const s = Math.round(seconds % 60)
  if (m < 60) return `${m}m${s}s`
  return `${Math.floor(m / 60)}h${m % 60}m`
}

export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '-'
  const pct = rate <= 1 ? rate * 100 : rate
  return `${pct.toFixed(pct % 1 === 0 ? 0 : 1)}%`
}

/** `{a: "b"}` <-> `a=b` lines for label editing. */
export function labelsToText(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join('\n')
}

/** Narrowing helpers for loosely typed values bound to inputs. */
export const asNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : v === '' || v === null || v === undefined ? undefined : Number(v))
export const asStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))
export const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [])
