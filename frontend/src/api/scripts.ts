import { api, type Page } from './client'
import type { Query } from './schema'
import type { components } from '@/types/api'
import type { ScriptDiff, ScriptTemplate, ScriptVersion } from '@/types'

export type ScriptInput = components['schemas']['PatchedScriptTemplateRequest']

const base = '/script-templates/'
export const listScripts = (params: Query<'/api/script-templates/'>) => api.get<Page<ScriptTemplate>>(base, params)
export const getScript = (id: number) => api.get<ScriptTemplate>(`${base}${id}/`)
export const createScript = (body: components['schemas']['ScriptTemplateRequest']) => api.post<ScriptTemplate>(base, body, { silent: true })
export const updateScript = (id: number, body: ScriptInput) => api.patch<ScriptTemplate>(`${base}${id}/`, body, { silent: true })
export const deleteScript = (id: number) => api.delete(`${base}${id}/`)
export const downloadHubCollection = () => api.download(`${base}hub_collection/`, undefined, 'hub-ops.tar.gz')
export const listVersions = (id: number) =>
  api.get<Page<ScriptVersion> | ScriptVersion[]>(`${base}${id}/versions/`, { page_size: 200 })
export const getVersion = (id: number, n: number) => api.get<ScriptVersion>(`${base}${id}/versions/${n}/`)
export const diffVersions = (id: number, from: number, to: number) => api.get<ScriptDiff>(`${base}${id}/diff/`, { from, to })
export const rollbackScript = (id: number, version: number) => api.post<ScriptTemplate>(`${base}${id}/rollback/`, { version })
export const setVersionStatus = (id: number, n: number, status: 'online' | 'offline') =>
  api.post<ScriptVersion>(`${base}${id}/versions/${n}/status/`, { status })

/** A dangerous-command rule a script matches (the API's RuleMatch). */
export type DangerMatch = components['schemas']['RuleMatch']
export const checkScript = (script_type: string, content: string) =>
  api.post<{ matches: DangerMatch[]; blocked: boolean }>(`${base}check/`, { script_type, content }, { silent: true })
