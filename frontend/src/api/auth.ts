import { api, type Page } from './client'
import type { Answer, Body, Fits, Query } from './schema'
import type { components } from '@/types/api'
import type { LoginResult, Me, User } from '@/types'

export type Captcha = components['schemas']['Captcha']
export type Credentials = Body<'/api/auth/login/'>
export type UserInput = Body<'/api/auth/users/{id}/', 'patch'>

export const login = (body: Credentials) => api.post<Fits<LoginResult, Answer<'/api/auth/login/', 'post'>>>('/auth/login/', body, { silent: true })
export const fetchCaptcha = () => api.get<Fits<Captcha, Answer<'/api/auth/captcha/'>>>('/auth/captcha/', undefined, { silent: true })
export const logout = (refresh: string) =>
  api.post<void>('/auth/logout/', { refresh } satisfies Body<'/api/auth/logout/'>, { silent: true })
export const fetchMe = () => api.get<Fits<Me, Answer<'/api/auth/me/'>>>('/auth/me/')

export const listUsers = (params: Query<'/api/auth/users/'>) =>
  api.get<Fits<Page<User>, components['schemas']['PaginatedUserList']>>('/auth/users/', params)
export const createUser = (body: Body<'/api/auth/users/'>) => api.post<Fits<User, Answer<'/api/auth/users/', 'post'>>>('/auth/users/', body, { silent: true })
export const updateUser = (id: number, body: UserInput) => api.patch<Fits<User, Answer<'/api/auth/users/{id}/', 'patch'>>>(`/auth/users/${id}/`, body, { silent: true })
export const deleteUser = (id: number) => api.delete(`/auth/users/${id}/`)
