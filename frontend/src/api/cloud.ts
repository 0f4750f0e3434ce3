import { api, type Page } from './client'
import type { Answer, Body, Fits, Query } from './schema'
import type { CloudAccount, CloudAccountCheck, CloudAccountInput, CloudSync, CloudSyncInput } from '@/types'

const base = '/hosts/cloud-accounts/'

export const listCloudAccounts = (params: Query<'/api/hosts/cloud-accounts/'>) =>
  api.get<Fits<Page<CloudAccount>, Answer<'/api/hosts/cloud-accounts/'>>>(base, params)
export const createCloudAccount = (body: CloudAccountInput) =>
  api.post<Fits<CloudAccount, Answer<'/api/hosts/cloud-accounts/', 'post'>>>(base, body satisfies Body<'/api/hosts/cloud-accounts/'>, { silent: true })
export const updateCloudAccount = (id: number, body: Partial<CloudAccountInput>) =>
  api.patch<Fits<CloudAccount, Answer<'/api/hosts/cloud-accounts/{id}/', 'patch'>>>(`${base}${id}/`, body satisfies Body<'/api/hosts/cloud-accounts/{id}/', 'patch'>, { silent: true })
export const deleteCloudAccount = (id: number) => api.delete(`${base}${id}/`)
export const testCloudAccount = (id: number) =>
  api.post<Fits<CloudAccountCheck, Answer<'/api/hosts/cloud-accounts/{id}/test/', 'post'>>>(`${base}${id}/test/`, undefined, { timeout: 120_000 })

/** Starts a sync; the server waits up to `wait` seconds before answering with the record. */
export const startCloudSync = (body: CloudSyncInput, wait: Query<'/api/hosts/sync_cloud_hosts/', 'post'>['wait'] = 30) =>
  api.post<Fits<CloudSync, Answer<'/api/hosts/sync_cloud_hosts/', 'post'>>>(
    `/hosts/sync_cloud_hosts/?wait=${wait}`, body satisfies Body<'/api/hosts/sync_cloud_hosts/'>,
    { silent: true, timeout: ((wait ?? 30) + 30) * 1000 })
export const getCloudSync = (id: number) => api.get<Fits<CloudSync, Answer<'/api/hosts/cloud-syncs/{id}/'>>>(`/hosts/cloud-syncs/${id}/`)
export const listCloudSyncs = (params: Query<'/api/hosts/cloud-syncs/'>) =>
  api.get<Fits<Page<CloudSync>, Answer<'/api/hosts/cloud-syncs/'>>>('/hosts/cloud-syncs/', params)
