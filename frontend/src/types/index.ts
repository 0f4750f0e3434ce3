/**
 * Friendly names for the generated schema types (src/types/api.d.ts, from /api/schema/).
 * The only additions here narrow fields the schema leaves open because the backend stores
 * them as JSON (labels, tags, parameters, summary...) or serializes them with a custom
 * field (`perms`): their shapes are documented in the issue and the serializers.
 */
import type { components } from './api'

type S = components['schemas']
type Refine<T, R> = Omit<T, keyof R> & R
type Perms = { readonly perms: string[] }

/** A declared script parameter (ScriptTemplate.parameters items). */
export interface ScriptParameter {
  name: string
  type: 'string' | 'number' | 'choice' | 'secret' | 'host_list'
  default: string
  required: boolean
  description: string
  choices: string[]
}

export type Me = S['Me']
export type LoginResult = S['LoginResult']
export type User = S['User'] & { password?: string }
export type Host = Refine<S['Host'], Perms & { labels: Record<string, string> }>
export type HostStatus = S['HostStatusEnum']
export type HostGroup = Refine<S['HostGroup'], Partial<Perms>>
export interface HostGroupTree { id: number; name: string; parent?: number | null; host_count: number; children: HostGroupTree[] }
export type Account = Refine<S['Account'], Partial<Perms>> & { password?: string; private_key?: string; passphrase?: string; become_password?: string }
export type BulkImportResult = Refine<S['ImportResult'], { errors: { line: number; errors: unknown }[] }>
export interface ConnectionResult { host_id: number; host_name: string; status: string; result?: string; message: string; checked_at?: string }
export interface ConnectionTest { execution_id?: number; status?: string; results: ConnectionResult[] }
export type ScriptTemplate = Refine<S['ScriptTemplate'], Perms & { tags: string[]; parameters: ScriptParameter[] }>
export type ScriptListItem = Refine<S['ScriptList'], Perms & { tags: string[]; parameters: ScriptParameter[] }>
export type ScriptType = S['ScriptTypeEnum']
export type ScriptVersion = Refine<S['ScriptVersion'], { parameters: ScriptParameter[] }>
export interface ScriptDiff { from_version: number; to_version: number; diff: string; from_content: string; to_content: string }
export type TemplateVariable = Refine<S['Variable'], { value?: unknown }>
export type TemplateStep = Refine<Required<Omit<S['Step'], 'id'>>, { parameters: Record<string, unknown>; script: number | null; script_version: number | null; account: number | null }> & { id?: number }
export type JobTemplate = Refine<S['JobTemplate'], Perms & { steps: TemplateStep[]; variables: TemplateVariable[]; target_hosts: number[]; target_groups: number[] }>
export type PlanStep = Refine<S['PlanStep'], { target_hosts: number[]; target_groups: number[]; override_targets: boolean }>
export type Plan = Refine<S['ExecutionPlan'], Perms & { steps: PlanStep[]; variable_values: Record<string, unknown> }>
export interface SyncPreview { added_steps: unknown[]; removed_steps: unknown[]; changed_steps: unknown[]; added_variables: unknown[]; removed_variables: unknown[] }
export type ExecutionStarted = S['LaunchResult']
export interface ExecutionSummary { total?: number; success?: number; failed?: number; unreachable?: number; timeout?: number; stopped?: number; lost?: number }
export type ExecutionRecord = Refine<S['ExecutionList'], { summary: ExecutionSummary; success_rate: number | null; duration: number | null; status: ExecutionStatus }>
export type ExecutionStatus = S['ExecutionStatusEnum']
export type ExecutionHostResult = S['HostResult']
export type ExecutionStep = S['ExecutionStep']
export interface ResultGroup { step?: number; status: string; rc: number | null; count?: number; output: string; hosts: string[] }
export type ExecutionDetail = Refine<S['ExecutionDetail'], { summary: ExecutionSummary; success_rate: number | null; duration: number | null; status: ExecutionStatus; result_groups: ResultGroup[] }>
export interface ExecutionLogs { host?: string; offset: number; next_offset: number | null; text: string; eof?: boolean }
export type Schedule = Refine<S['Schedule'], { variables: Record<string, unknown>; parameters: Record<string, unknown> }>
export type ScheduleInput = Omit<S['ScheduleRequest'], 'variables' | 'parameters'> & { variables?: Record<string, unknown>; parameters?: Record<string, unknown> }
export type SchedulePreview = S['CronPreviewResult']
export type ScheduleRun = S['ScheduleRun']
export type ScheduleRunStatus = S['ScheduleRunStatusEnum']
export type NotificationRule = S['NotificationRule']
export type NotificationRuleInput = S['NotificationRuleRequest']
export type NotificationDelivery = S['NotificationDelivery']
export type OverlapPolicy = S['OverlapPolicyEnum']
export type NotifyOn = S['NotifyOnEnum']

export type CloudProvider = S['ProviderEnum']
export interface CloudFilters { status?: string; tags?: Record<string, string>; vpc_id?: string; name?: string }
export type CloudAccount = Refine<S['CloudAccount'], { filters: CloudFilters; regions: string[] }>
export type CloudAccountInput = Omit<S['CloudAccountRequest'], 'filters'> & { filters?: CloudFilters }
export type CloudAccountCheck = S['CloudAccountCheck']
export type CloudSyncStatus = S['CloudSyncStatusEnum']
export interface CloudSyncSummary {
  created?: number; updated?: number; marked_missing?: number; unchanged?: number; total?: number
  errors?: unknown[]; regions?: string[]
}
export type CloudSync = Refine<S['CloudSync'], { summary: CloudSyncSummary | null; request: Record<string, unknown> | null }>
export type CloudSyncInput = Omit<S['CloudSyncRequestRequest'], 'filters'> & { filters?: CloudFilters }

export type AuditLog = S['AuditLog']
export type SystemSetting = S['Setting']
export type TrendPoint = S['TrendPoint']
export interface FailingItem { id?: number; name?: string; host_name?: string; failures: number }
export interface RecentExecution { id: number; name: string; kind: string; status: string; created_at: string; finished_at: string | null; created_by__username: string | null }
export interface RecentAudit { id: number; username: string; action: string; object_type: string; object_id: string; object_repr: string; created_at: string }
export interface DashboardStats {
  range: { start: string; end: string; tz: string }
  counts: {
    hosts: { total: number; by_status: Partial<Record<HostStatus, number>> }
    scripts: number; templates: number; plans: number
    schedules: { total: number; enabled: number }
  }
  executions: { total: number; by_status: Record<string, number>; success_rate: number | null }
  trend: TrendPoint[]
  top_failing: { templates: FailingItem[]; scripts: FailingItem[]; plans: FailingItem[]; hosts: FailingItem[] }
  recent: { executions: RecentExecution[]; audit_events: RecentAudit[] }
  cached: boolean
}
export interface HealthPart { ok: boolean; ms?: number; error?: string; [k: string]: unknown }
export interface SystemHealth { healthy: boolean; parts: Record<string, HealthPart> }

/** Object permissions carried in `perms`. */
export type ObjectPerm = 'view' | 'change' | 'delete' | 'execute'

/** One realtime event of an execution (WebSocket / SSE). */
export interface LiveEvent {
  seq: number
  kind: string
  step?: number | null
  host?: string | null
  stream?: 'stdout' | 'stderr'
  text?: string
  rc?: number | null
  status?: string
  ts?: string | number
}

export type LiveMessage =
  | { type: 'event'; event: LiveEvent }
  | { type: 'heartbeat' }
  | { type: 'end'; summary?: Record<string, unknown> }
