import { api } from './client'
import type { Answer, Fits, Query } from './schema'
import type { DashboardStats, SystemHealth, TrendPoint } from '@/types'

/** `days` (last N days including today) or `start`/`end` (YYYY-MM-DD); `tz` sets the day boundaries. */
export type RangeParams = Query<'/api/dashboard/stats/'>

export const dashboardStats = (params: RangeParams) => api.get<DashboardStats>('/dashboard/stats/', params)
export const dashboardTrend = (params: Query<'/api/dashboard/trend/'>) =>
  api.get<Fits<TrendPoint[], Answer<'/api/dashboard/trend/'>>>('/dashboard/trend/', params)
export const dashboardHealth = () => api.get<SystemHealth>('/dashboard/health/', undefined, { silent: true })
