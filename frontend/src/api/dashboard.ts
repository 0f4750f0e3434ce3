import { api } from './client'
import type { DashboardStats, SystemHealth, TrendPoint } from '@/types'

/** `days` (last N days including today) or `start`/`end` (YYYY-MM-DD); `tz` sets the day boundaries. */
export interface RangeParams { days?: number; start?: string; end?: string; tz?: string }

export const dashboardStats = (params: RangeParams) => api.get<DashboardStats>('/dashboard/stats/', { ...params })
export const dashboardTrend = (params: RangeParams) => api.get<TrendPoint[]>('/dashboard/trend/', { ...params })
export const dashboardHealth = () => api.get<SystemHealth>('/dashboard/health/', undefined, { silent: true })
