/** Audit log and system settings. */
import { api, type Page } from './client'
import type { AuditLog, SystemSetting } from '@/types'

export const listAuditLogs = (params: Record<string, unknown>) => api.get<Page<AuditLog>>('/permissions/audit-logs/', params)

export const listSettings = () => api.get<SystemSetting[] | Page<SystemSetting>>('/system/')
export const updateSetting = (key: string, value: unknown) => api.patch<SystemSetting>(`/system/${key}/`, { value }, { silent: true })
