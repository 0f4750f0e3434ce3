import { api, type Page } from './client'
import type { Answer, Body, Fits, Query } from './schema'
import type { components } from '@/types/api'
import type { ExecutionStarted, JobTemplate, Plan, PlanSyncResult, SyncPreview } from '@/types'

export type TemplateInput = Body<'/api/templates/{id}/', 'put'>
export type PlanInput = Body<'/api/templates/plans/{id}/', 'put'>
export type StoredFile = components['schemas']['StoredFile']

export const listTemplates = (params: Query<'/api/templates/'>) =>
  api.get<Fits<Page<JobTemplate>, Answer<'/api/templates/'>>>('/templates/', params)
export const getTemplate = (id: number) => api.get<Fits<JobTemplate, Answer<'/api/templates/{id}/'>>>(`/templates/${id}/`)
export const createTemplate = (body: Body<'/api/templates/'>) => api.post<Fits<JobTemplate, Answer<'/api/templates/', 'post'>>>('/templates/', body, { silent: true })
export const updateTemplate = (id: number, body: TemplateInput) => api.put<Fits<JobTemplate, Answer<'/api/templates/{id}/', 'put'>>>(`/templates/${id}/`, body, { silent: true })
export const deleteTemplate = (id: number) => api.delete(`/templates/${id}/`)
export const exportTemplate = (id: number) => api.download(`/templates/${id}/export/`, undefined, `template-${id}.zip`)

export const listPlans = (params: Query<'/api/templates/plans/'>) =>
  api.get<Fits<Page<Plan>, Answer<'/api/templates/plans/'>>>('/templates/plans/', params)
export const getPlan = (id: number) => api.get<Fits<Plan, Answer<'/api/templates/plans/{id}/'>>>(`/templates/plans/${id}/`)
export const createPlan = (body: Body<'/api/templates/plans/'>) => api.post<Fits<Plan, Answer<'/api/templates/plans/', 'post'>>>('/templates/plans/', body, { silent: true })
export const updatePlan = (id: number, body: PlanInput) => api.put<Fits<Plan, Answer<'/api/templates/plans/{id}/', 'put'>>>(`/templates/plans/${id}/`, body, { silent: true })
export const deletePlan = (id: number) => api.delete(`/templates/plans/${id}/`)
export const syncPreview = (id: number) =>
  api.get<Fits<SyncPreview, Answer<'/api/templates/plans/{id}/sync_preview/'>>>(`/templates/plans/${id}/sync_preview/`)
/** Applies the template's changes; the answer is the preview of what changed plus the plan. */
export const syncPlan = (id: number) =>
  api.post<Fits<PlanSyncResult, Answer<'/api/templates/plans/{id}/sync/', 'post'>>>(`/templates/plans/${id}/sync/`)
export const executePlan = (id: number, variables: Body<'/api/templates/plans/{id}/execute/'>['variables']) =>
  api.post<Fits<ExecutionStarted, Answer<'/api/templates/plans/{id}/execute/', 'post'>>>(
    `/templates/plans/${id}/execute/`, { variables } satisfies Body<'/api/templates/plans/{id}/execute/'>)
export const exportPlan = (id: number) => api.download(`/templates/plans/${id}/export/`, undefined, `plan-${id}.zip`)

/** Uploads a file for file-push steps; its id goes into `source_files`. */
export function uploadFile(file: File): Promise<StoredFile> {
  const form = new FormData()
  const field: keyof Body<'/api/templates/files/'> = 'file'
  form.append(field, file)
  return api.post<Fits<StoredFile, Answer<'/api/templates/files/', 'post'>>>('/templates/files/', form, { timeout: 600_000 })
}
