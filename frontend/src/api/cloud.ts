import { api, type Page } from './client'
import type { CloudAccount, CloudAccountCheck, CloudAccountInput, CloudSync, CloudSyncInput } from '@/types'

const base = '/hosts/cloud-accounts/'
type Params = Record<string, unknown>

export const listCloudAccounts = (params: Params) => api.get<Page<CloudAccount>>(base, params)
export const createCloudAccount = (body: CloudAccountInput) => api.post<CloudAccount>(base, body, { silent: true })
export const updateCloudAccount = (id: number, body: Partial<CloudAccountInput>) => api.patch<CloudAccount>(`${base}${id}/`, body, { silent: true })
export const deleteCloudAccount = (id: number) => api.delete(`${base}${id}/`)
export const testCloudAccount = (id: number) => api.post<CloudAccountCheck>(`${base}${id}/test/`, undefined, { timeout: 120_000 })

/** Starts a sync; the server waits up to `wait` seconds before answering with the record. */
export const startCloudSync = (body: CloudSyncInput, wait = 30) =>
  api.post<CloudSync>(`/hosts/sync_cloud_hosts/?wait=${wait}`, body, { silent: true, timeout: (wait + 30) * 1000 })
export const getCloudSync = (id: number) => api.get<CloudSync>(`/hosts/cloud-syncs/${id}/`)
export const listCloudSyncs = (params: Params) => api.get<Page<CloudSync>>('/hosts/cloud-syncs/', params)
