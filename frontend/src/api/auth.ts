import { api, type Page } from './client'
import type { LoginResult, Me, User } from '@/types'

export interface Captcha { enabled: boolean; key?: string; image?: string }
export interface Credentials { username: string; password: string; captcha_key?: string; captcha_value?: string }

export const login = (body: Credentials) => api.post<LoginResult>('/auth/login/', body, { silent: true })
export const fetchCaptcha = () => api.get<Captcha>('/auth/captcha/', undefined, { silent: true })
export const logout = (refresh: string) => api.post<void>('/auth/logout/', { refresh }, { silent: true })
export const fetchMe = () => api.get<Me>('/auth/me/')

export const listUsers = (params: Record<string, unknown>) => api.get<Page<User>>('/auth/users/', params)
export const createUser = (body: Partial<User>) => api.post<User>('/auth/users/', body, { silent: true })
export const updateUser = (id: number, body: Partial<User>) => api.patch<User>(`/auth/users/${id}/`, body, { silent: true })
export const deleteUser = (id: number) => api.delete(`/auth/users/${id}/`)
