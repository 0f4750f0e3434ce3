import { api, type Page } from './client'
import type { components } from '@/types/api'
import type { ExecutionStarted, JobTemplate, Plan, SyncPreview } from '@/types'

export type TemplateInput = components['schemas']['JobTemplateRequest']
export type PlanInput = components['schemas']['PatchedExecutionPlanRequest']

export const listTemplates = (params: Record<string, unknown>) => api.get<Page<JobTemplate>>('/templates/', params)
export const getTemplate = (id: number) => api.get<JobTemplate>(`/templates/${id}/`)
export const createTemplate = (body: TemplateInput) => api.post<JobTemplate>('/templates/', body, { silent: true })
export const updateTemplate = (id: number, body: TemplateInput) => api.put<JobTemplate>(`/templates/${id}/`, body, { silent: true })
export const deleteTemplate = (id: number) => api.delete(`/templates/${id}/`)
export const exportTemplate = (id: number) => api.download(`/templates/${id}/export/`, undefined, `template-${id}.zip`)

export const listPlans = (params: Record<string, unknown>) => api.get<Page<Plan>>('/templates/plans/', params)
export const getPlan = (id: number) => api.get<Plan>(`/templates/plans/${id}/`)
export const createPlan = (body: components['schemas']['ExecutionPlanRequest']) => api.post<Plan>('/templates/plans/', body, { silent: true })
export const updatePlan = (id: number, body: PlanInput) => api.put<Plan>(`/templates/plans/${id}/`, body, { silent: true })
export const deletePlan = (id: number) => api.delete(`/templates/plans/${id}/`)
export const syncPreview = (id: number) => api.get<SyncPreview>(`/templates/plans/${id}/sync_preview/`)
export const syncPlan = (id: number) => api.post<Plan>(`/templates/plans/${id}/sync/`)
export const executePlan = (id: number, variables: Record<string, unknown>) =>
  api.post<ExecutionStarted>(`/templates/plans/${id}/execute/`, { variables })
export const exportPlan = (id: number) => api.download(`/templates/plans/${id}/export/`, undefined, `plan-${id}.zip`)

export interface StoredFile { id: string; name: string; size: number; sha256: string }
/** Uploads a file for file-push steps; its id goes into `source_files`. */
export function uploadFile(file: File): Promise<StoredFile> {
  const form = new FormData()
  form.append('file', file)
  return api.post<StoredFile>('/templates/files/', form, { timeout: 600_000 })
}
