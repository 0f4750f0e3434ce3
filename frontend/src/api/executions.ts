import { api, type Page } from './client'
import type { components } from '@/types/api'
import type { ExecutionDetail, ExecutionLogs, ExecutionRecord, ExecutionStarted } from '@/types'

const base = '/executor/execution-records/'

export type QuickScriptInput = components['schemas']['QuickScriptRequest']

export const listExecutions = (params: Record<string, unknown>) => api.get<Page<ExecutionRecord>>(base, params)
export const getExecution = (id: number) => api.get<ExecutionDetail>(`${base}${id}/`)
export const getLogs = (id: number, params: { host?: string; offset?: number; limit?: number }) =>
  api.get<ExecutionLogs | string>(`${base}${id}/logs/`, params)
export const downloadLog = (id: number, host?: string) =>
  api.download(`${base}${id}/download/`, { host }, `execution-${id}${host ? `-${host}` : ''}.log`)
export const controlExecution = (id: number, action: 'stop' | 'pause' | 'resume') => api.post<unknown>(`${base}${id}/${action}/`)
export const retryFailed = (id: number) => api.post<ExecutionStarted>(`${base}${id}/retry_failed/`)

export const quickScript = (body: QuickScriptInput) =>
  api.post<ExecutionStarted>('/quick/execute_script/', body, { silent: true })
export const quickTransfer = (form: FormData) =>
  api.post<ExecutionStarted>('/quick/transfer_file/', form, { silent: true, timeout: 600_000 })
