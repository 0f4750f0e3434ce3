import type { TemplateStep } from '@/types'

/** A new script step with the defaults the step editor starts from. */
export function blankStep(order: number): TemplateStep {
  return {
    order, name: `Step ${order}`, step_type: 'script', script: null, script_version: null, script_type: 'shell',
    script_content: '#!/bin/bash\n', parameters: {}, use_template_targets: true, target_hosts: [], target_groups: [],
    account: null, timeout: 600, ignore_errors: false, batch_size: '', batch_failure_policy: 'stop', source_files: [],
    destination: '/tmp/', fetch_path: '', playbook_file: null, playbook_url: '', playbook_ref: '', playbook_path: '',
  }
}
