import type { OverlapPolicy, Schedule, ScheduleInput, ScriptType } from '@/types'

/** The schedule form: a plan or a script (inline or from the library) on hosts/groups. */
export interface ScheduleForm {
  name: string
  description: string
  cron_expression: string
  timezone: string
  enabled: boolean
  target_kind: 'plan' | 'script'
  plan: number | undefined
  variables: Record<string, unknown>
  script_source: 'library' | 'inline'
  script: number | null
  script_version: number | null
  script_type: ScriptType
  script_content: string
  parameters: Record<string, unknown>
  target_hosts: number[]
  target_groups: number[]
  account: number | undefined
  timeout: number | undefined
  concurrency: number | undefined
  retry_count: number
  retry_delay_seconds: number
  overlap_policy: OverlapPolicy
}

export const defaultZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

export function blankSchedule(): ScheduleForm {
  return {
    name: '', description: '', cron_expression: '0 2 * * *', timezone: defaultZone(), enabled: true,
    target_kind: 'plan', plan: undefined, variables: {}, script_source: 'library', script: null, script_version: null,
    script_type: 'shell', script_content: '#!/bin/bash\n', parameters: {}, target_hosts: [], target_groups: [],
    account: undefined, timeout: undefined, concurrency: undefined, retry_count: 0, retry_delay_seconds: 60, overlap_policy: 'skip',
  }
}

export function formFromSchedule(s: Schedule): ScheduleForm {
  const base = blankSchedule()
  const kind = s.target_kind ?? (s.plan ? 'plan' : 'script')
  return {
    ...base,
    name: s.name, description: s.description ?? '', cron_expression: s.cron_expression, timezone: s.timezone,
    enabled: s.enabled ?? true, target_kind: kind, plan: s.plan ?? undefined, variables: { ...(s.variables ?? {}) },
    script_source: s.script ? 'library' : 'inline', script: s.script ?? null, script_version: s.script_version ?? null,
    script_type: s.script_type ?? 'shell', script_content: s.script_content || base.script_content,
    parameters: { ...(s.parameters ?? {}) }, target_hosts: [...(s.target_hosts ?? [])], target_groups: [...(s.target_groups ?? [])],
    account: s.account ?? undefined, timeout: s.timeout ?? undefined, concurrency: s.concurrency ?? undefined,
    retry_count: s.retry_count ?? 0, retry_delay_seconds: s.retry_delay_seconds ?? 60, overlap_policy: s.overlap_policy ?? 'skip',
  }
}

/** The request body: only the fields of the chosen target kind/source are sent. */
export function scheduleBody(f: ScheduleForm): ScheduleInput {
  const common = {
    name: f.name, description: f.description, cron_expression: f.cron_expression.trim(), timezone: f.timezone, enabled: f.enabled,
    target_kind: f.target_kind, retry_count: f.retry_count, retry_delay_seconds: f.retry_delay_seconds, overlap_policy: f.overlap_policy,
  }
  if (f.target_kind === 'plan') return { ...common, plan: f.plan ?? null, variables: f.variables, script: null, script_content: '' }
  const script = f.script_source === 'library'
    ? { script: f.script, script_version: f.script_version, script_content: '', parameters: f.parameters }
    : { script: null, script_version: null, script_type: f.script_type, script_content: f.script_content, parameters: {} }
  return {
    ...common, ...script, plan: null, variables: {}, target_hosts: f.target_hosts, target_groups: f.target_groups,
    account: f.account ?? null, timeout: f.timeout ?? null, concurrency: f.concurrency ?? null,
  }
}
