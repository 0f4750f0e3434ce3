/** Endpoints of the later issues: schedules, dashboard, audit, system config. */
import { api, type Page } from './client'
import type { AuditLog, DashboardStats, Schedule, SchedulePreview, SystemSetting } from '@/types'

export const listSchedules = (params: Record<string, unknown>) => api.get<Page<Schedule>>('/scheduler/', params, { silent: true })
export const createSchedule = (body: Partial<Schedule>) => api.post<Schedule>('/scheduler/', body, { silent: true })
export const updateSchedule = (id: number, body: Partial<Schedule>) => api.patch<Schedule>(`/scheduler/${id}/`, body, { silent: true })
export const deleteSchedule = (id: number) => api.delete(`/scheduler/${id}/`)
export const previewCron = (cron_expression: string, timezone: string) =>
  api.post<SchedulePreview>('/scheduler/preview/', { cron_expression, timezone }, { silent: true })

export const dashboardStats = (params: Record<string, unknown>) => api.get<DashboardStats>('/dashboard/stats/', params, { silent: true })

export const listAuditLogs = (params: Record<string, unknown>) =>
  api.get<Page<AuditLog>>('/permissions/audit-logs/', params, { silent: true })

export const listSettings = () => api.get<SystemSetting[] | Page<SystemSetting>>('/system/', undefined, { silent: true })
export const updateSetting = (key: string, value: unknown) => api.patch<SystemSetting>(`/system/${key}/`, { value }, { silent: true })
