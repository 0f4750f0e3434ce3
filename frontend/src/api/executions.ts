import { api, type Page } from './client'
import type { Answer, Body, Fits, Query } from './schema'
import type { ExecutionDetail, ExecutionLogs, ExecutionRecord, ExecutionStarted } from '@/types'

const base = '/executor/execution-records/'
type One = '/api/executor/execution-records/{id}/'

export type ExecutionQuery = Query<'/api/executor/execution-records/'>
export type LogQuery = Query<'/api/executor/execution-records/{id}/logs/'>
export type ControlAction = 'stop' | 'pause' | 'resume'
export type QuickScriptInput = Body<'/api/quick/execute_script/'>

export const listExecutions = (params: ExecutionQuery) =>
  api.get<Fits<Page<ExecutionRecord>, Answer<'/api/executor/execution-records/'>>>(base, params)
export const getExecution = (id: number) => api.get<Fits<ExecutionDetail, Answer<One>>>(`${base}${id}/`)
export const getLogs = (id: number, params: LogQuery) =>
  api.get<Fits<ExecutionLogs, Answer<'/api/executor/execution-records/{id}/logs/'>>>(`${base}${id}/logs/`, params)

/**
 * A host's archived log, read in slices of `chunk` bytes until the API says `complete`
 * (at most `max` bytes: the download button has the rest).
 */
export async function readWholeLog(id: number, host: string, chunk = 1024 * 1024, max = 8 * 1024 * 1024): Promise<string> {
  const parts: string[] = []
  let offset = 0
  for (;;) {
    const slice = await getLogs(id, { host, offset, limit: chunk })
    parts.push(slice.text)
    if (slice.complete || slice.next_offset <= offset || slice.next_offset >= max) return parts.join('')
    offset = slice.next_offset
  }
}

/** One host's whole log as a file (the API has no all-hosts file). */
export const downloadLog = (id: number, host: string) =>
  api.download(`${base}${id}/download/`, { host } satisfies Query<'/api/executor/execution-records/{id}/download/'>, `execution-${id}-${host}.log`)
export const controlExecution = (id: number, action: ControlAction) =>
  api.post<Fits<ExecutionRecord, Answer<`/api/executor/execution-records/{id}/${ControlAction}/`, 'post'>>>(`${base}${id}/${action}/`)
export const retryFailed = (id: number) =>
  api.post<Fits<ExecutionStarted, Answer<'/api/executor/execution-records/{id}/retry_failed/', 'post'>>>(`${base}${id}/retry_failed/`)

export const quickScript = (body: QuickScriptInput) =>
  api.post<Fits<ExecutionStarted, Answer<'/api/quick/execute_script/', 'post'>>>('/quick/execute_script/', body, { silent: true })
/** A multipart form of Body<'/api/quick/transfer_file/'> (files cannot be JSON). */
export const quickTransfer = (form: FormData) =>
  api.post<Fits<ExecutionStarted, Answer<'/api/quick/transfer_file/', 'post'>>>('/quick/transfer_file/', form, { silent: true, timeout: 600_000 })
