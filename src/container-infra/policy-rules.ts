/**
 * Magnum's secure-RBAC defaults (magnum/common/policies/*.py, 2023.2): project readers read, members
 * manage their project's clusters, templates and node groups, admins everything (and every project's).
 * Certificates are the cluster owner's (admin_or_user); publishing templates, quotas and services are the
 * admin's. The trustee `cluster_user` rules are left out: Flotilla's nodes sign with a node secret
 * (decision 0014). Targets carry the object's `project_id` (and `user_id`).
 */
const ADMIN = 'role:admin';
const MEMBER = `${ADMIN} or (role:member and project_id:%(project_id)s)`;
const READER = `${ADMIN} or (role:reader and project_id:%(project_id)s)`;
const MEMBER_USER = `${ADMIN} or (role:member and project_id:%(project_id)s and user_id:%(user_id)s)`;
const READER_USER = `${ADMIN} or (role:reader and project_id:%(project_id)s and user_id:%(user_id)s)`;

export const containerInfraPolicyRules = {
  context_is_admin: ADMIN,
  'cluster:create': MEMBER,
  'cluster:delete': MEMBER,
  'cluster:update': MEMBER,
  'cluster:update_health_status': MEMBER,
  'cluster:resize': MEMBER,
  'cluster:upgrade': MEMBER,
  'cluster:get': READER,
  'cluster:get_all': READER,
  'cluster:detail': READER,
  'cluster:get_all_all_projects': ADMIN,
  'clustertemplate:create': MEMBER,
  'clustertemplate:delete': MEMBER,
  'clustertemplate:update': MEMBER,
  'clustertemplate:get': READER,
  'clustertemplate:get_all': READER,
  'clustertemplate:detail': READER,
  'clustertemplate:publish': ADMIN,
  'clustertemplate:get_all_all_projects': ADMIN,
  'nodegroup:get': READER,
  'nodegroup:get_all': READER,
  'nodegroup:create': MEMBER,
  'nodegroup:update': MEMBER,
  'nodegroup:delete': MEMBER,
  'certificate:create': MEMBER_USER,
  'certificate:get': READER_USER,
  'certificate:rotate_ca': MEMBER,
  'quota:create': ADMIN,
  'quota:update': ADMIN,
  'quota:delete': ADMIN,
  'quota:get_all': ADMIN,
  'quota:get': READER,
  'stats:get_all': READER,
  'magnum-service:get_all': ADMIN,
} as const;

export type ContainerInfraAction = keyof typeof containerInfraPolicyRules;
