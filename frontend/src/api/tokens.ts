/** Personal API tokens (`Authorization: Token opsj_…`): the secret is only in the create answer. */
import { api, type Page } from './client'
import type { Query } from './schema'
import type { ApiToken, ApiTokenCreated, ApiTokenInput } from '@/types'

export const listTokens = (params: Query<'/api/auth/tokens/'>) => api.get<Page<ApiToken>>('/auth/tokens/', params)
export const createToken = (body: ApiTokenInput) => api.post<ApiTokenCreated>('/auth/tokens/', body, { silent: true })
export const revokeToken = (id: number) => api.post<ApiToken>(`/auth/tokens/${id}/revoke/`)
