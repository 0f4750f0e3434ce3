/** Audit log and system settings. */
import { api, type Page } from './client'
import type { Answer, Body, Fits, Query } from './schema'
import type { AuditLog, SystemSetting } from '@/types'

export type AuditQuery = Query<'/api/permissions/audit-logs/'>

export const listAuditLogs = (params: AuditQuery) =>
  api.get<Fits<Page<AuditLog>, Answer<'/api/permissions/audit-logs/'>>>('/permissions/audit-logs/', params)

export const listSettings = () => api.get<Fits<SystemSetting[], Answer<'/api/system/'>>>('/system/')
export const updateSetting = (key: string, value: Body<'/api/system/{id}/', 'patch'>['value']) =>
  api.patch<Fits<SystemSetting, Answer<'/api/system/{id}/', 'patch'>>>(`/system/${key}/`, { value }, { silent: true })
