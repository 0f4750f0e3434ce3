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
  type: 'string' | 'number' | 'choice' | 'secret' | 'host_list' | 'boolean' | 'list' | 'dict'
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
export type HostGroup = S['HostGroup']
export type HostGroupTree = S['HostGroupTree']
export type Account = S['Account'] & { password?: string; private_key?: string; passphrase?: string; become_password?: string }
export type BulkImportResult = S['ImportResult']
export type ConnectionResult = S['ConnectionResult']
export type ConnectionTest = S['ConnectionTestResult']
export type ScriptTemplate = Refine<S['ScriptTemplate'], Perms & { tags: string[]; parameters: ScriptParameter[] }>
export type ScriptListItem = Refine<S['ScriptList'], Perms & { tags: string[]; parameters: ScriptParameter[] }>
export type ScriptType = S['ScriptTypeEnum']
export type ScriptVersion = Refine<S['ScriptVersion'], { parameters: ScriptParameter[] }>
export type ScriptDiff = S['ScriptDiff']
export type TemplateVariable = Refine<S['Variable'], { value?: unknown }>
export type TemplateStep = Refine<Required<Omit<S['Step'], 'id'>>, { parameters: Record<string, unknown>; script: number | null; script_version: number | null; account: number | null }> & { id?: number }
export type JobTemplate = Refine<S['JobTemplate'], Perms & { steps: TemplateStep[]; variables: TemplateVariable[]; target_hosts: number[]; target_groups: number[] }>
export type PlanStep = Refine<S['PlanStep'], { target_hosts: number[]; target_groups: number[]; override_targets: boolean }>
export type Plan = Refine<S['ExecutionPlan'], Perms & { steps: PlanStep[]; variable_values: Record<string, unknown> }>
export type SyncPreview = S['PlanSyncPreview']
export type StepRef = S['StepRef']
export type PlanSyncResult = Refine<S['PlanSyncResult'], { plan: Plan }>
export type ExecutionStarted = S['LaunchResult']
export type ExecutionSummary = S['ExecutionSummary']
export type ExecutionRecord = Refine<S['ExecutionList'], { status: ExecutionStatus }>
export type ExecutionStatus = S['ExecutionStatusEnum']
export type ExecutionHostResult = S['HostResult']
export type ExecutionStep = S['ExecutionStep']
export type ResultGroup = S['ResultGroup']
export type ExecutionDetail = Refine<S['ExecutionDetail'], { status: ExecutionStatus }>
/** A slice of one host's archived log: read on from `next_offset` until `complete`. */
export type ExecutionLogs = S['LogSlice']
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
export type ApiToken = S['ApiToken']
export type ApiTokenCreated = S['ApiTokenCreated']
export type ApiTokenInput = S['ApiTokenCreateRequest']
export type TokenScope = S['TokenScopeEnum']
export type SystemSetting = S['Setting']
export type TrendPoint = S['TrendPoint']
export type FailingItem = S['FailingObject'] | S['FailingHost']
export type RecentExecution = S['RecentExecution']
export type RecentAudit = S['RecentAuditEvent']
export type DashboardStats = S['Stats']
export type HealthPart = S['HealthPart']
export type SystemHealth = S['Health']

/** Object permissions carried in `perms`. */
export type ObjectPerm = 'view' | 'change' | 'delete' | 'execute'

/** One realtime event of an execution (WebSocket / SSE / events endpoint): the API's type. */
export type LiveEvent = components['schemas']['LiveEvent']
export type EventKind = components['schemas']['EventKindEnum']

export type LiveMessage =
  | { type: 'event'; event: LiveEvent }
  | { type: 'heartbeat' }
  | { type: 'end'; summary?: Record<string, unknown> }
