import { api, type Page } from './client'
import type { Answer, Body, Fits, Query } from './schema'
import type {
  NotificationDelivery, NotificationRule, NotificationRuleInput, Schedule, ScheduleInput, SchedulePreview, ScheduleRun,
} from '@/types'

const base = '/scheduler/'

export const listSchedules = (params: Query<'/api/scheduler/'>) => api.get<Fits<Page<Schedule>, Answer<'/api/scheduler/'>>>(base, params)
export const getSchedule = (id: number) => api.get<Fits<Schedule, Answer<'/api/scheduler/{id}/'>>>(`${base}${id}/`)
export const createSchedule = (body: ScheduleInput) =>
  api.post<Fits<Schedule, Answer<'/api/scheduler/', 'post'>>>(base, body satisfies Body<'/api/scheduler/'>, { silent: true })
export const updateSchedule = (id: number, body: ScheduleInput) =>
  api.put<Fits<Schedule, Answer<'/api/scheduler/{id}/', 'put'>>>(`${base}${id}/`, body satisfies Body<'/api/scheduler/{id}/', 'put'>, { silent: true })
export const deleteSchedule = (id: number) => api.delete(`${base}${id}/`)
export const setScheduleEnabled = (id: number, enabled: boolean) =>
  api.post<Fits<Schedule, Answer<'/api/scheduler/{id}/enable/', 'post'> & Answer<'/api/scheduler/{id}/disable/', 'post'>>>(
    `${base}${id}/${enabled ? 'enable' : 'disable'}/`)
export const runScheduleNow = (id: number) =>
  api.post<Fits<ScheduleRun, Answer<'/api/scheduler/{id}/run_now/', 'post'>>>(`${base}${id}/run_now/`)
export type HistoryQuery = Query<'/api/scheduler/{id}/history/'>
export const scheduleHistory = (id: number, params: HistoryQuery) =>
  api.get<Fits<Page<ScheduleRun>, Answer<'/api/scheduler/{id}/history/'>>>(`${base}${id}/history/`, params)
export const previewCron = (cron_expression: string, timezone: string, count = 5) =>
  api.post<Fits<SchedulePreview, Answer<'/api/scheduler/preview/', 'post'>>>(
    `${base}preview/`, { cron_expression, timezone, count } satisfies Body<'/api/scheduler/preview/'>, { silent: true })

const rules = `${base}notifications/`
export const listRules = (params: Query<'/api/scheduler/notifications/'>) =>
  api.get<Fits<Page<NotificationRule>, Answer<'/api/scheduler/notifications/'>>>(rules, params)
export const createRule = (body: NotificationRuleInput) =>
  api.post<Fits<NotificationRule, Answer<'/api/scheduler/notifications/', 'post'>>>(rules, body satisfies Body<'/api/scheduler/notifications/'>, { silent: true })
export const updateRule = (id: number, body: Body<'/api/scheduler/notifications/{id}/', 'patch'>) =>
  api.patch<Fits<NotificationRule, Answer<'/api/scheduler/notifications/{id}/', 'patch'>>>(`${rules}${id}/`, body, { silent: true })
export const deleteRule = (id: number) => api.delete(`${rules}${id}/`)
export const testRule = (id: number) =>
  api.post<Fits<NotificationDelivery, Answer<'/api/scheduler/notifications/{id}/test/', 'post'>>>(`${rules}${id}/test/`)
export const listDeliveries = (id: number, params: Query<'/api/scheduler/notifications/{id}/deliveries/'> = {}) =>
  api.get<Fits<Page<NotificationDelivery>, Answer<'/api/scheduler/notifications/{id}/deliveries/'>>>(`${rules}${id}/deliveries/`, params)
