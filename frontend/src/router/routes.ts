import type { RouteRecordRaw } from 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title (breadcrumb, document title). */
    title?: string
    /** i18n key of the breadcrumb parent section. */
    section?: string
    public?: boolean
    /** Model permission needed to see the page (e.g. `inventory.view_host`). */
    perm?: string
    adminOnly?: boolean
  }
}

export const appRoutes: RouteRecordRaw[] = [
  { path: 'dashboard', name: 'dashboard', component: () => import('@/views/dashboard/DashboardView.vue'), meta: { title: 'menu.dashboard' } },
  { path: 'hosts', name: 'hosts', component: () => import('@/views/hosts/HostsView.vue'), meta: { title: 'menu.hosts', section: 'menu.resources' } },
  { path: 'accounts', name: 'accounts', component: () => import('@/views/accounts/AccountsView.vue'), meta: { title: 'menu.accounts', section: 'menu.resources' } },
  { path: 'cloud-accounts', name: 'cloud-accounts', component: () => import('@/views/cloud/CloudAccountsView.vue'), meta: { title: 'menu.cloudAccounts', section: 'menu.resources' } },
  { path: 'script-templates', name: 'scripts', component: () => import('@/views/scripts/ScriptListView.vue'), meta: { title: 'menu.scripts', section: 'menu.resources' } },
  { path: 'script-templates/new', name: 'script-new', component: () => import('@/views/scripts/ScriptEditView.vue'), meta: { title: 'script.create', section: 'menu.scripts' } },
  { path: 'script-templates/:id', name: 'script-edit', component: () => import('@/views/scripts/ScriptEditView.vue'), meta: { title: 'script.edit', section: 'menu.scripts' } },
  { path: 'job-templates', name: 'templates', component: () => import('@/views/templates/TemplateListView.vue'), meta: { title: 'menu.jobTemplates', section: 'menu.jobs' } },
  { path: 'job-templates/new', name: 'template-new', component: () => import('@/views/templates/TemplateEditView.vue'), meta: { title: 'template.create', section: 'menu.jobTemplates' } },
  { path: 'job-templates/:id', name: 'template-detail', component: () => import('@/views/templates/TemplateDetailView.vue'), meta: { title: 'common.detail', section: 'menu.jobTemplates' } },
  { path: 'job-templates/:id/edit', name: 'template-edit', component: () => import('@/views/templates/TemplateEditView.vue'), meta: { title: 'template.edit', section: 'menu.jobTemplates' } },
  { path: 'plans', name: 'plans', component: () => import('@/views/plans/PlanListView.vue'), meta: { title: 'menu.plans', section: 'menu.jobs' } },
  { path: 'plans/new', name: 'plan-new', component: () => import('@/views/plans/PlanEditView.vue'), meta: { title: 'plan.create', section: 'menu.plans' } },
  { path: 'plans/:id', name: 'plan-edit', component: () => import('@/views/plans/PlanEditView.vue'), meta: { title: 'plan.edit', section: 'menu.plans' } },
  { path: 'quick-execute', name: 'quick', component: () => import('@/views/quick/QuickExecuteView.vue'), meta: { title: 'menu.quickExecute', section: 'menu.ops' } },
  { path: 'execution-records', name: 'executions', component: () => import('@/views/executions/ExecutionListView.vue'), meta: { title: 'menu.executions', section: 'menu.ops' } },
  { path: 'execution-records/:id', name: 'execution-detail', component: () => import('@/views/executions/ExecutionDetailView.vue'), meta: { title: 'common.detail', section: 'menu.executions' } },
  { path: 'scheduled-tasks', name: 'schedules', component: () => import('@/views/schedules/ScheduleListView.vue'), meta: { title: 'menu.schedules', section: 'menu.ops' } },
  { path: 'audit-logs', name: 'audit', component: () => import('@/views/audit/AuditLogView.vue'), meta: { title: 'menu.audit', section: 'menu.admin' } },
  { path: 'system-config', name: 'system', component: () => import('@/views/system/SystemConfigView.vue'), meta: { title: 'menu.system', section: 'menu.admin', adminOnly: true } },
  { path: 'api-tokens', name: 'api-tokens', component: () => import('@/views/tokens/ApiTokensView.vue'), meta: { title: 'menu.apiTokens', section: 'menu.admin' } },
  { path: 'users', name: 'users', component: () => import('@/views/users/UserListView.vue'), meta: { title: 'menu.users', section: 'menu.admin', adminOnly: true } },
]

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/login/LoginView.vue'), meta: { public: true, title: 'auth.login' } },
  {
    path: '/',
    component: () => import('@/layouts/AppLayout.vue'),
    redirect: '/dashboard',
    children: appRoutes,
  },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { public: true, title: 'notFound.title' } },
]
