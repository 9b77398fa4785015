/**
 * Heat's default policy with the secure-RBAC personas enforced (heat/policies/*.py): project readers
 * read, members write their project's stacks, admins may also list every project's stacks and see the
 * engine services. Targets carry the stack's `project_id`.
 */
const ADMIN = 'role:admin';
const PROJECT_MEMBER = `${ADMIN} or (role:member and project_id:%(project_id)s)`;
const PROJECT_READER = `${ADMIN} or (role:reader and project_id:%(project_id)s)`;

export const orchestrationPolicyRules = {
  context_is_admin: ADMIN,
  'stacks:create': PROJECT_MEMBER,
  'stacks:preview': PROJECT_MEMBER,
  'stacks:update': PROJECT_MEMBER,
  'stacks:update_patch': PROJECT_MEMBER,
  'stacks:preview_update': PROJECT_MEMBER,
  'stacks:delete': PROJECT_MEMBER,
  'stacks:index': PROJECT_READER,
  'stacks:detail': PROJECT_READER,
  'stacks:global_index': ADMIN,
  'stacks:show': PROJECT_READER,
  'stacks:lookup': PROJECT_READER,
  'stacks:template': PROJECT_READER,
  'stacks:environment': PROJECT_READER,
  'stacks:files': PROJECT_READER,
  'stacks:export': PROJECT_READER,
  'stacks:list_outputs': PROJECT_READER,
  'stacks:show_output': PROJECT_READER,
  'stacks:validate_template': PROJECT_MEMBER,
  'stacks:list_resource_types': PROJECT_READER,
  'stacks:resource_schema': PROJECT_READER,
  'stacks:generate_template': PROJECT_READER,
  'stacks:list_template_versions': PROJECT_READER,
  'stacks:list_template_functions': PROJECT_READER,
  'actions:action': PROJECT_MEMBER,
  'resource:index': PROJECT_READER,
  'resource:show': PROJECT_READER,
  'resource:metadata': PROJECT_READER,
  'resource:signal': PROJECT_MEMBER,
  'resource:mark_unhealthy': PROJECT_MEMBER,
  'events:index': PROJECT_READER,
  'events:show': PROJECT_READER,
  'build_info:build_info': PROJECT_READER,
  'service:index': ADMIN,
  'software_configs:global_index': ADMIN,
  'software_configs:index': PROJECT_READER,
  'software_configs:create': PROJECT_MEMBER,
  'software_configs:show': PROJECT_READER,
  'software_configs:delete': PROJECT_MEMBER,
  'software_deployments:index': PROJECT_READER,
  'software_deployments:create': PROJECT_MEMBER,
  'software_deployments:show': PROJECT_READER,
  'software_deployments:update': PROJECT_MEMBER,
  'software_deployments:delete': PROJECT_MEMBER,
  'software_deployments:metadata': PROJECT_READER,
} as const;

export type OrchestrationAction = keyof typeof orchestrationPolicyRules;
