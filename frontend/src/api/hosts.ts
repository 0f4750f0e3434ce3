import { api, type Page } from './client'
import type { Answer, Body, Defaulted, Fits, Query } from './schema'
import type { Account, BulkImportResult, ConnectionTest, Host, HostGroup, HostGroupTree } from '@/types'

export type HostQuery = Query<'/api/hosts/'>
export type HostInput = Omit<Body<'/api/hosts/'>, 'labels'> & { labels: Record<string, string> }
export type GroupInput = Body<'/api/hosts/groups/{id}/', 'patch'>
export type AccountInput = Body<'/api/hosts/accounts/{id}/', 'patch'>

export const listHosts = (params: HostQuery) => api.get<Fits<Page<Host>, Answer<'/api/hosts/'>>>('/hosts/', params)
export const getHost = (id: number) => api.get<Fits<Host, Answer<'/api/hosts/{id}/'>>>(`/hosts/${id}/`)
export const createHost = (body: HostInput) => api.post<Fits<Host, Answer<'/api/hosts/', 'post'>>>('/hosts/', body, { silent: true })
export const updateHost = (id: number, body: Partial<HostInput>) =>
  api.patch<Fits<Host, Answer<'/api/hosts/{id}/', 'patch'>>>(`/hosts/${id}/`, body satisfies Body<'/api/hosts/{id}/', 'patch'>, { silent: true })
export const deleteHost = (id: number) => api.delete(`/hosts/${id}/`)
export const bulkImportHosts = (format: Body<'/api/hosts/bulk_import/'>['format'], text: string) =>
  api.post<Fits<BulkImportResult, Answer<'/api/hosts/bulk_import/', 'post'>>>(
    '/hosts/bulk_import/', { format, text } satisfies Body<'/api/hosts/bulk_import/'>, { silent: true })
export const testConnection = (hostIds: number[]) =>
  api.post<Fits<ConnectionTest, Answer<'/api/hosts/test_connection/', 'post'>>>(
    '/hosts/test_connection/', { host_ids: hostIds } satisfies Defaulted<Body<'/api/hosts/test_connection/'>, 'wait'>, { timeout: 300_000 })

export const listGroups = (params: Query<'/api/hosts/groups/'> = {}) =>
  api.get<Fits<Page<HostGroup>, Answer<'/api/hosts/groups/'>>>('/hosts/groups/', { page_size: 500, ...params })
export const groupTree = () => api.get<Fits<HostGroupTree[], Answer<'/api/hosts/groups/tree/'>>>('/hosts/groups/tree/')
export const createGroup = (body: Body<'/api/hosts/groups/'>) => api.post<Fits<HostGroup, Answer<'/api/hosts/groups/', 'post'>>>('/hosts/groups/', body, { silent: true })
export const updateGroup = (id: number, body: GroupInput) => api.patch<Fits<HostGroup, Answer<'/api/hosts/groups/{id}/', 'patch'>>>(`/hosts/groups/${id}/`, body, { silent: true })
export const deleteGroup = (id: number) => api.delete(`/hosts/groups/${id}/`)

export const listAccounts = (params: Query<'/api/hosts/accounts/'> = {}) =>
  api.get<Fits<Page<Account>, Answer<'/api/hosts/accounts/'>>>('/hosts/accounts/', params)
export const createAccount = (body: Body<'/api/hosts/accounts/'>) => api.post<Fits<Account, Answer<'/api/hosts/accounts/', 'post'>>>('/hosts/accounts/', body, { silent: true })
export const updateAccount = (id: number, body: AccountInput) => api.patch<Fits<Account, Answer<'/api/hosts/accounts/{id}/', 'patch'>>>(`/hosts/accounts/${id}/`, body, { silent: true })
export const deleteAccount = (id: number) => api.delete(`/hosts/accounts/${id}/`)
