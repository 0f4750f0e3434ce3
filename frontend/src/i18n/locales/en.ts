import type zhCN from './zh-CN'

const en: typeof zhCN = {
  app: { title: 'OPS Job', short: 'OPS Job' },
  menu: {
    dashboard: 'Dashboard', resources: 'Resources', hosts: 'Hosts', accounts: 'Accounts', scripts: 'Script library',
    jobs: 'Jobs', jobTemplates: 'Job templates', plans: 'Execution plans', quickExecute: 'Quick execute', executions: 'Execution records',
    schedules: 'Scheduled tasks', audit: 'Audit log', system: 'System config', ops: 'Operations', admin: 'Administration', users: 'Users',
  },
  common: {
    search: 'Search', reset: 'Reset', create: 'New', edit: 'Edit', delete: 'Delete', save: 'Save', cancel: 'Cancel',
    confirm: 'Confirm', actions: 'Actions', refresh: 'Refresh', detail: 'Details', back: 'Back', yes: 'Yes', no: 'No', all: 'All',
    name: 'Name', description: 'Description', createdAt: 'Created', updatedAt: 'Updated', status: 'Status', type: 'Type',
    deleteConfirm: 'Delete "{name}"?', deleted: 'Deleted', saved: 'Saved', created: 'Created', noData: 'No data',
    loading: 'Loading…', required: 'Required', optional: 'Optional', add: 'Add', remove: 'Remove', enabled: 'Enabled', disabled: 'Disabled',
    run: 'Run', export: 'Export', download: 'Download', selected: '{n} selected', unavailable: 'The backend for this page is not available yet',
    timeout: 'Timeout (s)', account: 'Account', targets: 'Targets', hosts: 'Hosts', groups: 'Groups', close: 'Close', copy: 'Copy',
    seconds: '{n} s', version: 'Version', preview: 'Preview', labels: 'Labels', tags: 'Tags', category: 'Category', none: 'None',
  },
  auth: {
    login: 'Sign in', logout: 'Sign out', username: 'Username', password: 'Password', welcome: 'Welcome to OPS Job',
    subtitle: 'An Ansible-runner powered automation hub', failed: 'Sign-in failed', theme: 'Toggle theme', language: 'Language', profile: 'Profile',
    expired: 'Your session expired, please sign in again',
  },
  host: {
    title: 'Host', ip: 'IP / hostname', port: 'Port', os: 'OS', account: 'Account', groups: 'Groups', labels: 'Labels',
    status: { unknown: 'Unknown', reachable: 'Reachable', unreachable: 'Unreachable', auth_failed: 'Auth failed' },
    lastChecked: 'Last checked', testConnection: 'Test connection', import: 'Bulk import', importHint: 'Paste CSV (header: name,ip_address,port,os_type,groups,labels,description) or YAML',
    importResult: '{created} created, {updated} updated, {errors} errors', testing: 'Testing connections…', labelFilter: 'Label key=value',
    allGroups: 'All hosts', newGroup: 'New group', groupName: 'Group name', parentGroup: 'Parent group', addLabel: 'Add label',
    selectFirst: 'Select hosts first', statusMessage: 'Check result', create: 'New host', edit: 'Edit host',
  },
  account: {
    title: 'Account', username: 'Login user', authType: 'Auth type', password: 'Password', key: 'Private key', privateKey: 'Private key',
    passphrase: 'Key passphrase', become: 'Become (sudo)', becomeMethod: 'Become method', becomeUser: 'Become user', becomePassword: 'Become password',
    secretSet: 'set', secretNotSet: 'not set', secretKeep: 'Leave empty to keep', create: 'New account', edit: 'Edit account',
  },
  script: {
    title: 'Script', type: 'Script type', content: 'Content', parameters: 'Parameters', version: 'Version', versions: 'Version history',
    create: 'New script', edit: 'Edit script', paramName: 'Name', paramType: 'Type', default: 'Default', choices: 'Choices',
    diff: 'Compare versions', rollback: 'Roll back to this version', rollbackConfirm: 'Roll back to version {n}?', online: 'Online', offline: 'Offline',
    compareWith: 'Compare with current', savedVersion: 'Saved as version {n}', categoryFilter: 'Category', tagFilter: 'Tag', addParam: 'Add parameter',
    noParams: 'No parameters', editor: 'Editor', from: 'From', to: 'To',
  },
  template: {
    title: 'Job template', create: 'New template', edit: 'Edit template', steps: 'Steps', variables: 'Variables', addStep: 'Add step',
    stepType: { script: 'Run script', file_push: 'Push files', file_fetch: 'Fetch files' }, stepName: 'Step name',
    scriptSource: 'Script source', fromLibrary: 'Library', inline: 'Inline', scriptVersion: 'Script version', latest: 'Latest',
    useTemplateTargets: "Use the template's targets", ignoreErrors: 'Ignore errors', batchSize: 'Batch size', batchPolicy: 'On failure',
    policy: { stop: 'Stop', continue: 'Continue', pause: 'Pause for confirmation' }, sourceFiles: 'Source files (one per line)',
    destination: 'Destination', fetchPath: 'Remote path', paramValues: 'Parameter values', defaultTargets: 'Default targets', varName: 'Name',
    varType: 'Type', value: 'Value', dragHint: 'Drag rows to reorder', noSteps: 'No steps yet', stepCount: 'Steps', createPlan: 'New plan',
  },
  plan: {
    title: 'Execution plan', create: 'New plan', edit: 'Edit plan', template: 'Template', outOfSync: 'Out of sync', inSync: 'In sync',
    sync: 'Sync', syncPreview: 'Sync preview', syncConfirm: 'After syncing, the plan matches its template',
    addedSteps: 'Added steps', removedSteps: 'Removed steps', changedSteps: 'Changed steps', addedVars: 'Added variables', removedVars: 'Removed variables', noChanges: 'No changes',
    pickSteps: 'Steps and order', overrideTargets: 'Override targets', variableValues: 'Variable values', runConfirm: 'Run plan',
    runTargets: 'It will run on these targets', started: 'Execution started',
  },
  quick: {
    title: 'Quick execute', script: 'Run script', file: 'File transfer', source: 'Script source', concurrency: 'Concurrency', run: 'Run now',
    targets: 'Targets', pickTargets: 'Pick targets', mode: 'Mode', push: 'Push to hosts', fetch: 'Fetch from hosts', files: 'Files',
    destination: 'Destination dir', path: 'Remote path', noTargets: 'Pick at least one host or group', params: 'Parameters',
  },
  exec: {
    title: 'Execution records', kind: 'Kind', createdBy: 'Started by', startedAt: 'Started', finishedAt: 'Finished', duration: 'Duration',
    successRate: 'Success rate', summary: 'Summary', stop: 'Stop', pause: 'Pause', resume: 'Resume', retryFailed: 'Retry failed hosts',
    stopConfirm: 'Stop this execution? Running commands are terminated.', steps: 'Steps', hosts: 'Hosts', resultGroups: 'Result groups',
    log: 'Log', follow: 'Follow', searchLog: 'Search log', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Finished',
    selectHost: 'Select a host to see its log', rc: 'Exit code', timeRange: 'Time range', template: 'Template', allHosts: 'All hosts',
    status: {
      pending: 'Pending', running: 'Running', paused: 'Paused', success: 'Success', failed: 'Failed', partial: 'Partial',
      stopped: 'Stopped', timeout: 'Timed out', unreachable: 'Unreachable', skipped: 'Skipped', ok: 'OK', changed: 'OK',
    },
    kinds: { quick_script: 'Quick script', quick_file: 'File transfer', plan: 'Plan', schedule: 'Schedule', connection_test: 'Connection test' },
    matches: '{n} matches', total: 'Total',
  },
  schedule: {
    title: 'Scheduled tasks', create: 'New schedule', cron: 'Cron expression', timezone: 'Time zone', plan: 'Plan', nextRuns: 'Next runs',
    lastRun: 'Last run', nextRun: 'Next run',
  },
  audit: { title: 'Audit log', actor: 'Actor', action: 'Action', objectType: 'Object type', object: 'Object', ip: 'IP', changes: 'Changes' },
  system: { title: 'System config', key: 'Key', value: 'Value', default: 'Default' },
  dashboard: {
    hosts: 'Hosts', templates: 'Templates', plans: 'Plans', schedules: 'Schedules', executions: 'Executions',
    trend: 'Executions', successRate: 'Success rate', recent: 'Recent executions', recentAudit: 'Recent activity', health: 'System health',
    hostStatus: 'Host status', range: 'Range', days: '{n} days',
  },
  user: { title: 'User', email: 'Email', admin: 'Administrator', active: 'Active', create: 'New user', lastLogin: 'Last login' },
  notFound: { title: 'Page not found', back: 'Back home' },
}

export default en
