import { api, type Page } from './client'
import type { components } from '@/types/api'
import type { Account, BulkImportResult, ConnectionTest, Host, HostGroup, HostGroupTree } from '@/types'

type Params = Record<string, unknown>
export type HostInput = Omit<components['schemas']['HostRequest'], 'labels'> & { labels: Record<string, string> }
export type AccountInput = components['schemas']['PatchedAccountRequest']

export const listHosts = (params: Params) => api.get<Page<Host>>('/hosts/', params)
export const getHost = (id: number) => api.get<Host>(`/hosts/${id}/`)
export const createHost = (body: HostInput) => api.post<Host>('/hosts/', body, { silent: true })
export const updateHost = (id: number, body: Partial<HostInput>) => api.patch<Host>(`/hosts/${id}/`, body, { silent: true })
export const deleteHost = (id: number) => api.delete(`/hosts/${id}/`)
export const bulkImportHosts = (format: 'csv' | 'yaml', text: string) =>
  api.post<BulkImportResult>('/hosts/bulk_import/', { format, text }, { silent: true })
export const testConnection = (hostIds: number[]) =>
  api.post<ConnectionTest>('/hosts/test_connection/', { host_ids: hostIds }, { timeout: 300_000 })

export const listGroups = (params: Params = {}) => api.get<Page<HostGroup>>('/hosts/groups/', { page_size: 500, ...params })
export const groupTree = () => api.get<HostGroupTree[]>('/hosts/groups/tree/')
export const createGroup = (body: Partial<HostGroup>) => api.post<HostGroup>('/hosts/groups/', body, { silent: true })
export const updateGroup = (id: number, body: Partial<HostGroup>) => api.patch<HostGroup>(`/hosts/groups/${id}/`, body, { silent: true })
export const deleteGroup = (id: number) => api.delete(`/hosts/groups/${id}/`)

export const listAccounts = (params: Params = {}) => api.get<Page<Account>>('/hosts/accounts/', params)
export const createAccount = (body: components['schemas']['AccountRequest']) => api.post<Account>('/hosts/accounts/', body, { silent: true })
export const updateAccount = (id: number, body: AccountInput) => api.patch<Account>(`/hosts/accounts/${id}/`, body, { silent: true })
export const deleteAccount = (id: number) => api.delete(`/hosts/accounts/${id}/`)
