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
export interface ExecutionSummary { total?: number; success?: number; failed?: number; unreachable?: number; timeout?: number; stopped?: number }
export type ExecutionRecord = Refine<S['ExecutionList'], { summary: ExecutionSummary; success_rate: number | null; duration: number | null; status: ExecutionStatus }>
export type ExecutionStatus = S['Status4a7Enum']
export type ExecutionHostResult = S['HostResult']
export type ExecutionStep = S['ExecutionStep']
export interface ResultGroup { step?: number; status: string; rc: number | null; count?: number; output: string; hosts: string[] }
export type ExecutionDetail = Refine<S['ExecutionDetail'], { summary: ExecutionSummary; success_rate: number | null; duration: number | null; status: ExecutionStatus; result_groups: ResultGroup[] }>
export interface ExecutionLogs { host?: string; offset: number; next_offset: number | null; text: string; eof?: boolean }
export interface Schedule { id: number; name: string; cron_expression: string; timezone: string; enabled: boolean; plan: number | null; plan_name?: string; description?: string; next_run_at?: string | null; last_run_at?: string | null; perms?: string[] }
export interface SchedulePreview { description: string; next_runs: string[] }
export type AuditLog = S['AuditLog']
export type SystemSetting = S['Setting']
export type DashboardStats = Record<string, unknown>

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
