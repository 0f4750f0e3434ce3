import type { Component } from 'vue'
import {
  IconDashboard, IconDesktop, IconIdcard, IconCodeSquare, IconApps, IconList, IconThunderbolt,
  IconHistory, IconSchedule, IconSafe, IconSettings, IconUserGroup, IconCloud, IconLock,
} from '@arco-design/web-vue/es/icon'

export interface MenuItem {
  key: string
  title: string
  icon: Component
  perm?: string
  adminOnly?: boolean
}

export interface MenuSection {
  key: string
  title: string
  items: MenuItem[]
}

/** Sidebar entries; `perm` hides an entry the user's model permissions do not cover. */
export const menu: MenuSection[] = [
  { key: 'home', title: '', items: [{ key: '/dashboard', title: 'menu.dashboard', icon: IconDashboard }] },
  {
    key: 'resources', title: 'menu.resources', items: [
      { key: '/hosts', title: 'menu.hosts', icon: IconDesktop, perm: 'inventory.view_host' },
      { key: '/accounts', title: 'menu.accounts', icon: IconIdcard, perm: 'inventory.view_account' },
      { key: '/cloud-accounts', title: 'menu.cloudAccounts', icon: IconCloud, perm: 'inventory.view_cloudaccount' },
      { key: '/script-templates', title: 'menu.scripts', icon: IconCodeSquare, perm: 'scripts.view_scripttemplate' },
    ],
  },
  {
    key: 'jobs', title: 'menu.jobs', items: [
      { key: '/job-templates', title: 'menu.jobTemplates', icon: IconApps, perm: 'jobs.view_jobtemplate' },
      { key: '/plans', title: 'menu.plans', icon: IconList, perm: 'jobs.view_plan' },
    ],
  },
  {
    key: 'ops', title: 'menu.ops', items: [
      { key: '/quick-execute', title: 'menu.quickExecute', icon: IconThunderbolt },
      { key: '/execution-records', title: 'menu.executions', icon: IconHistory },
      { key: '/scheduled-tasks', title: 'menu.schedules', icon: IconSchedule },
    ],
  },
  {
    key: 'admin', title: 'menu.admin', items: [
      { key: '/audit-logs', title: 'menu.audit', icon: IconSafe },
      { key: '/system-config', title: 'menu.system', icon: IconSettings, adminOnly: true },
      { key: '/users', title: 'menu.users', icon: IconUserGroup, adminOnly: true },
      { key: '/api-tokens', title: 'menu.apiTokens', icon: IconLock },
    ],
  },
]
