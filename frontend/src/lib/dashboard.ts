/**
 * Dashboard figures. Uses /api/dashboard/stats/ when the backend has it; until then they
 * are derived from the list endpoints (counts from `count`, trend from recent executions).
 */
import { dashboardStats } from '@/api/misc'
import { listHosts } from '@/api/hosts'
import { listTemplates, listPlans } from '@/api/jobs'
import { listExecutions } from '@/api/executions'
import { listAuditLogs, listSchedules } from '@/api/misc'
import type { AuditLog, ExecutionRecord } from '@/types'

export interface TrendPoint { date: string; total: number; success: number; failed: number }
export interface Dashboard {
  counts: Record<string, number | null>
  hostsByStatus: Record<string, number>
  trend: TrendPoint[]
  recent: ExecutionRecord[]
  audit: AuditLog[]
  health: Record<string, unknown> | null
}

const count = (p: Promise<{ count: number }>): Promise<number | null> => p.then((r) => r.count).catch(() => null)

export function trendFrom(executions: ExecutionRecord[], days: number, now = new Date()): TrendPoint[] {
  const points = new Map<string, TrendPoint>()
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(now)
    d.setDate(d.getDate() - i)
    const key = d.toISOString().slice(0, 10)
    points.set(key, { date: key, total: 0, success: 0, failed: 0 })
  }
  for (const e of executions) {
    const p = points.get(e.created_at.slice(0, 10))
    if (!p) continue
    p.total++
    if (e.status === 'success') p.success++
    else if (!['pending', 'running', 'paused'].includes(e.status)) p.failed++
  }
  return [...points.values()]
}

export async function loadDashboard(days: number): Promise<Dashboard> {
  const since = new Date(Date.now() - days * 86400_000).toISOString()
  const server = await dashboardStats({ days }).catch(() => null)
  const statuses = ['reachable', 'unreachable', 'auth_failed', 'unknown']
  const [hosts, templates, plans, schedules, executions, byStatus, recent, audit] = await Promise.all([
    count(listHosts({ page_size: 1 })), count(listTemplates({ page_size: 1 })), count(listPlans({ page_size: 1 })),
    count(listSchedules({ page_size: 1 })), count(listExecutions({ page_size: 1, created_after: since })),
    Promise.all(statuses.map((s) => count(listHosts({ page_size: 1, status: s })))),
    listExecutions({ page_size: 500, created_after: since }).then((r) => r.results).catch(() => [] as ExecutionRecord[]),
    listAuditLogs({ page_size: 8 }).then((r) => r.results).catch(() => [] as AuditLog[]),
  ])
  const s = (server ?? {}) as Record<string, unknown>
  return {
    counts: { hosts, templates, plans, schedules, executions, ...((s.counts as Record<string, number> | undefined) ?? {}) },
    hostsByStatus: (s.hosts_by_status as Record<string, number> | undefined) ?? Object.fromEntries(statuses.map((k, i) => [k, byStatus[i] ?? 0])),
    trend: (s.trend as TrendPoint[] | undefined) ?? trendFrom(recent, days),
    recent: recent.slice(0, 8),
    audit,
    health: (s.health as Record<string, unknown> | undefined) ?? null,
  }
}
