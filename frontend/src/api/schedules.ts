import { api, type Page } from './client'
import type {
  NotificationDelivery, NotificationRule, NotificationRuleInput, Schedule, ScheduleInput, SchedulePreview, ScheduleRun,
} from '@/types'

const base = '/scheduler/'
type Params = Record<string, unknown>

export const listSchedules = (params: Params) => api.get<Page<Schedule>>(base, params)
export const getSchedule = (id: number) => api.get<Schedule>(`${base}${id}/`)
export const createSchedule = (body: ScheduleInput) => api.post<Schedule>(base, body, { silent: true })
export const updateSchedule = (id: number, body: ScheduleInput) => api.put<Schedule>(`${base}${id}/`, body, { silent: true })
export const deleteSchedule = (id: number) => api.delete(`${base}${id}/`)
export const setScheduleEnabled = (id: number, enabled: boolean) =>
  api.post<Schedule>(`${base}${id}/${enabled ? 'enable' : 'disable'}/`)
export const runScheduleNow = (id: number) => api.post<ScheduleRun>(`${base}${id}/run_now/`)
export const scheduleHistory = (id: number, params: Params) => api.get<Page<ScheduleRun>>(`${base}${id}/history/`, params)
export const previewCron = (cron_expression: string, timezone: string, count = 5) =>
  api.post<SchedulePreview>(`${base}preview/`, { cron_expression, timezone, count }, { silent: true })

const rules = `${base}notifications/`
export const listRules = (params: Params) => api.get<Page<NotificationRule>>(rules, params)
export const createRule = (body: NotificationRuleInput) => api.post<NotificationRule>(rules, body, { silent: true })
export const updateRule = (id: number, body: Partial<NotificationRuleInput>) => api.patch<NotificationRule>(`${rules}${id}/`, body, { silent: true })
export const deleteRule = (id: number) => api.delete(`${rules}${id}/`)
export const testRule = (id: number) => api.post<NotificationDelivery>(`${rules}${id}/test/`)
export const listDeliveries = (id: number, params: Params = {}) => api.get<Page<NotificationDelivery>>(`${rules}${id}/deliveries/`, params)
