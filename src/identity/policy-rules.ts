/**
 * Keystone's default policy (new defaults, as in openstack/keystone master
 * keystone/common/policies/, taken at commit 30ef2ffa65a3486ef882f00538e20f2253c57d4c).
 * Rule strings use oslo.policy's language; evaluated by src/platform/policy.
 *
 * Deprecated rules (deprecated_rule) are omitted: these are the new defaults.
 * An empty string means "always allowed" (any authenticated caller).
 * Comments above each rule list the HTTP operations it guards.
 */
export const identityPolicyRules: Readonly<Record<string, string>> = {
  // --- base (base.py) ---
  admin_required: 'role:admin or is_admin:1',
  service_role: 'role:service',
  service_or_admin: 'rule:admin_required or rule:service_role',
  owner: 'user_id:%(user_id)s',
  admin_or_owner: 'rule:admin_required or rule:owner',
  token_subject: 'user_id:%(target.token.user_id)s',
  admin_or_token_subject: 'rule:admin_required or rule:token_subject',
  service_admin_or_token_subject: 'rule:service_or_admin or rule:token_subject',
  domain_managed_target_role:
    "'manager':%(target.role.name)s or 'member':%(target.role.name)s" +
    " or 'reader':%(target.role.name)s",
  // --- access_rule (access_rule.py) ---
  // GET|HEAD /v3/users/{user_id}/access_rules/{access_rule_id}
  'identity:get_access_rule': '(role:reader and system_scope:all) or user_id:%(target.user.id)s',
  // GET|HEAD /v3/users/{user_id}/access_rules
  'identity:list_access_rules': '(role:reader and system_scope:all) or user_id:%(target.user.id)s',
  // DELETE /v3/users/{user_id}/access_rules/{access_rule_id}
  'identity:delete_access_rule': '(role:admin and system_scope:all) or user_id:%(target.user.id)s',
  // --- access_token (access_token.py) ---
  // PUT /v3/OS-OAUTH1/authorize/{request_token_id}
  'identity:authorize_request_token': 'rule:admin_required',
  // GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}
  'identity:get_access_token': 'rule:admin_required',
  // GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles/{role_id}
  'identity:get_access_token_role': 'rule:admin_required',
  // GET /v3/users/{user_id}/OS-OAUTH1/access_tokens
  'identity:list_access_tokens': 'rule:admin_required',
  // GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles
  'identity:list_access_token_roles': 'rule:admin_required',
  // DELETE /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}
  'identity:delete_access_token': 'rule:admin_required',
  // --- application_credential (application_credential.py) ---
  // GET|HEAD /v3/users/{user_id}/application_credentials/{application_credential_id}
  'identity:get_application_credential':
    '(rule:admin_required) or (role:reader and system_scope:all) or rule:owner',
  // GET|HEAD /v3/users/{user_id}/application_credentials
  'identity:list_application_credentials':
    '(rule:admin_required) or (role:reader and system_scope:all) or rule:owner',
  // POST /v3/users/{user_id}/application_credentials
  'identity:create_application_credential': 'user_id:%(user_id)s',
  // DELETE /v3/users/{user_id}/application_credentials/{application_credential_id}
  'identity:delete_application_credential': 'rule:admin_or_owner',
  // --- auth (auth.py) ---
  // GET|HEAD /v3/auth/catalog
  'identity:get_auth_catalog': '',
  // GET|HEAD /v3/auth/projects
  'identity:get_auth_projects': '',
  // GET|HEAD /v3/auth/domains
  'identity:get_auth_domains': '',
  // GET|HEAD /v3/auth/system
  'identity:get_auth_system': '',
  // --- consumer (consumer.py) ---
  // GET /v3/OS-OAUTH1/consumers/{consumer_id}
  'identity:get_consumer': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/OS-OAUTH1/consumers
  'identity:list_consumers': 'rule:admin_required or (role:reader and system_scope:all)',
  // POST /v3/OS-OAUTH1/consumers
  'identity:create_consumer': 'rule:admin_required',
  // PATCH /v3/OS-OAUTH1/consumers/{consumer_id}
  'identity:update_consumer': 'rule:admin_required',
  // DELETE /v3/OS-OAUTH1/consumers/{consumer_id}
  'identity:delete_consumer': 'rule:admin_required',
  // --- credential (credential.py) ---
  // GET /v3/credentials/{credential_id}
  'identity:get_credential':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or user_id:%(target.credential.user_id)s',
  // GET /v3/credentials
  'identity:list_credentials':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or user_id:%(target.credential.user_id)s',
  // POST /v3/credentials
  'identity:create_credential': '(rule:admin_required) or user_id:%(target.credential.user_id)s',
  // PATCH /v3/credentials/{credential_id}
  'identity:update_credential': '(rule:admin_required) or user_id:%(target.credential.user_id)s',
  // DELETE /v3/credentials/{credential_id}
  'identity:delete_credential': '(rule:admin_required) or user_id:%(target.credential.user_id)s',
  // --- domain (domain.py) ---
  // GET /v3/domains/{domain_id}
  'identity:get_domain':
    'rule:admin_required or (role:reader and system_scope:all)' +
    ' or token.domain.id:%(target.domain.id)s' +
    ' or token.project.domain.id:%(target.domain.id)s',
  // GET /v3/domains
  'identity:list_domains':
    'rule:admin_required or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.domain.id)s)',
  // POST /v3/domains
  'identity:create_domain': 'rule:admin_required',
  // PATCH /v3/domains/{domain_id}
  'identity:update_domain': 'rule:admin_required',
  // DELETE /v3/domains/{domain_id}
  'identity:delete_domain': 'rule:admin_required',
  // --- domain_config (domain_config.py) ---
  // PUT /v3/domains/{domain_id}/config
  'identity:create_domain_config': 'rule:admin_required',
  // GET|HEAD /v3/domains/{domain_id}/config
  // GET|HEAD /v3/domains/{domain_id}/config/{group}
  // GET|HEAD /v3/domains/{domain_id}/config/{group}/{option}
  'identity:get_domain_config': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/domains/{domain_id}/config/security_compliance
  // GET|HEAD /v3/domains/{domain_id}/config/security_compliance/{option}
  'identity:get_security_compliance_domain_config': '',
  // PATCH /v3/domains/{domain_id}/config
  // PATCH /v3/domains/{domain_id}/config/{group}
  // PATCH /v3/domains/{domain_id}/config/{group}/{option}
  'identity:update_domain_config': 'rule:admin_required',
  // DELETE /v3/domains/{domain_id}/config
  // DELETE /v3/domains/{domain_id}/config/{group}
  // DELETE /v3/domains/{domain_id}/config/{group}/{option}
  'identity:delete_domain_config': 'rule:admin_required',
  // GET|HEAD /v3/domains/config/default
  // GET|HEAD /v3/domains/config/{group}/default
  // GET|HEAD /v3/domains/config/{group}/{option}/default
  'identity:get_domain_config_default': 'rule:admin_required or (role:reader and system_scope:all)',
  // --- ec2_credential (ec2_credential.py) ---
  // GET /v3/users/{user_id}/credentials/OS-EC2/{credential_id}
  'identity:ec2_get_credential':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or user_id:%(target.credential.user_id)s',
  // GET /v3/users/{user_id}/credentials/OS-EC2
  'identity:ec2_list_credentials':
    '(rule:admin_required) or (role:reader and system_scope:all) or rule:owner',
  // POST /v3/users/{user_id}/credentials/OS-EC2
  'identity:ec2_create_credential':
    '(rule:admin_required)' +
    ' or (role:member and user_id:%(target.credential.user_id)s)',
  // DELETE /v3/users/{user_id}/credentials/OS-EC2/{credential_id}
  'identity:ec2_delete_credential':
    '(rule:admin_required)' +
    ' or (role:member and user_id:%(target.credential.user_id)s)',
  // --- ec2tokens (ec2tokens.py) ---
  // POST /v3/ec2tokens
  'identity:ec2tokens_validate': 'rule:service_or_admin',
  // --- endpoint (endpoint.py) ---
  // GET /v3/endpoints/{endpoint_id}
  'identity:get_endpoint': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/endpoints
  'identity:list_endpoints': 'rule:admin_required or (role:reader and system_scope:all)',
  // POST /v3/endpoints
  'identity:create_endpoint': 'rule:admin_required',
  // PATCH /v3/endpoints/{endpoint_id}
  'identity:update_endpoint': 'rule:admin_required',
  // DELETE /v3/endpoints/{endpoint_id}
  'identity:delete_endpoint': 'rule:admin_required',
  // --- endpoint_group (endpoint_group.py) ---
  // POST /v3/OS-EP-FILTER/endpoint_groups
  'identity:create_endpoint_group': 'rule:admin_required',
  // GET /v3/OS-EP-FILTER/endpoint_groups
  'identity:list_endpoint_groups': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}
  'identity:get_endpoint_group': 'rule:admin_required or (role:reader and system_scope:all)',
  // PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}
  'identity:update_endpoint_group': 'rule:admin_required',
  // DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}
  'identity:delete_endpoint_group': 'rule:admin_required',
  // GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects
  'identity:list_projects_associated_with_endpoint_group':
    'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints
  'identity:list_endpoints_associated_with_endpoint_group':
    'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}
  'identity:get_endpoint_group_in_project':
    'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups
  'identity:list_endpoint_groups_for_project':
    'rule:admin_required or (role:reader and system_scope:all)',
  // PUT /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}
  'identity:add_endpoint_group_to_project': 'rule:admin_required',
  // DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}
  'identity:remove_endpoint_group_from_project': 'rule:admin_required',
  // --- grant (grant.py) ---
  // HEAD|GET /v3/projects/{project_id}/users/{user_id}/roles/{role_id}
  // HEAD|GET /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}
  // HEAD|GET /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}
  // HEAD|GET /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}
  // HEAD|GET /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects
  // HEAD|GET /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects
  // HEAD|GET /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects
  // HEAD|GET /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects
  'identity:check_grant':
    '(rule:admin_required) or ((role:reader and system_scope:all)' +
    ' or ((role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s' +
    ' or None:%(target.role.domain_id)s))',
  // GET|HEAD /v3/projects/{project_id}/users/{user_id}/roles
  // GET|HEAD /v3/projects/{project_id}/groups/{group_id}/roles
  // GET|HEAD /v3/domains/{domain_id}/users/{user_id}/roles
  // GET|HEAD /v3/domains/{domain_id}/groups/{group_id}/roles
  // GET /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects
  // GET /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects
  'identity:list_grants':
    '(rule:admin_required) or ((role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s))',
  // PUT /v3/projects/{project_id}/users/{user_id}/roles/{role_id}
  // PUT /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}
  // PUT /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}
  // PUT /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}
  // PUT /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects
  // PUT /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects
  // PUT /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects
  // PUT /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects
  'identity:create_grant':
    '(rule:admin_required)' +
    ' or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)' +
    ' or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s' +
    ' or None:%(target.role.domain_id)s)' +
    ' or ((role:manager and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:manager and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and rule:domain_managed_target_role',
  // DELETE /v3/projects/{project_id}/users/{user_id}/roles/{role_id}
  // DELETE /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}
  // DELETE /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}
  // DELETE /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}
  // DELETE /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects
  // DELETE /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects
  // DELETE /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects
  // DELETE /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects
  'identity:revoke_grant':
    '(rule:admin_required)' +
    ' or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)' +
    ' or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s' +
    ' or None:%(target.role.domain_id)s)' +
    ' or ((role:manager and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:manager and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and rule:domain_managed_target_role',
  // HEAD|GET /v3/system/users/{user_id}/roles
  'identity:list_system_grants_for_user':
    'rule:admin_required or (role:reader and system_scope:all)',
  // HEAD|GET /v3/system/users/{user_id}/roles/{role_id}
  'identity:check_system_grant_for_user':
    'rule:admin_required or (role:reader and system_scope:all)',
  // PUT /v3/system/users/{user_id}/roles/{role_id}
  'identity:create_system_grant_for_user': 'rule:admin_required',
  // DELETE /v3/system/users/{user_id}/roles/{role_id}
  'identity:revoke_system_grant_for_user': 'rule:admin_required',
  // HEAD|GET /v3/system/groups/{group_id}/roles
  'identity:list_system_grants_for_group':
    'rule:admin_required or (role:reader and system_scope:all)',
  // HEAD|GET /v3/system/groups/{group_id}/roles/{role_id}
  'identity:check_system_grant_for_group':
    'rule:admin_required or (role:reader and system_scope:all)',
  // PUT /v3/system/groups/{group_id}/roles/{role_id}
  'identity:create_system_grant_for_group': 'rule:admin_required',
  // DELETE /v3/system/groups/{group_id}/roles/{role_id}
  'identity:revoke_system_grant_for_group': 'rule:admin_required',
  // --- group (group.py) ---
  // GET|HEAD /v3/groups/{group_id}
  'identity:get_group':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s)',
  // GET|HEAD /v3/groups
  'identity:list_groups':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s)',
  // GET|HEAD /v3/users/{user_id}/groups
  'identity:list_groups_for_user':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.user.domain_id)s)' +
    ' or user_id:%(user_id)s',
  // POST /v3/groups
  'identity:create_group':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s)',
  // PATCH /v3/groups/{group_id}
  'identity:update_group':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s)',
  // DELETE /v3/groups/{group_id}
  'identity:delete_group':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s)',
  // GET|HEAD /v3/groups/{group_id}/users
  'identity:list_users_in_group':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s)',
  // DELETE /v3/groups/{group_id}/users/{user_id}
  'identity:remove_user_from_group':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)',
  // HEAD|GET /v3/groups/{group_id}/users/{user_id}
  'identity:check_user_in_group':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)',
  // PUT /v3/groups/{group_id}/users/{user_id}
  'identity:add_user_to_group':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)',
  // --- identity_provider (identity_provider.py) ---
  // PUT /v3/OS-FEDERATION/identity_providers/{idp_id}
  'identity:create_identity_provider': 'rule:admin_required',
  // GET|HEAD /v3/OS-FEDERATION/identity_providers
  'identity:list_identity_providers': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/OS-FEDERATION/identity_providers/{idp_id}
  'identity:get_identity_provider': 'rule:admin_required or (role:reader and system_scope:all)',
  // PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}
  'identity:update_identity_provider': 'rule:admin_required',
  // DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}
  'identity:delete_identity_provider': 'rule:admin_required',
  // --- implied_role (implied_role.py) ---
  // GET /v3/roles/{prior_role_id}/implies/{implied_role_id}
  'identity:get_implied_role': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/roles/{prior_role_id}/implies
  'identity:list_implied_roles': 'rule:admin_required or (role:reader and system_scope:all)',
  // PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}
  'identity:create_implied_role': 'rule:admin_required',
  // DELETE /v3/roles/{prior_role_id}/implies/{implied_role_id}
  'identity:delete_implied_role': 'rule:admin_required',
  // GET|HEAD /v3/role_inferences
  'identity:list_role_inference_rules': 'rule:admin_required or (role:reader and system_scope:all)',
  // HEAD /v3/roles/{prior_role_id}/implies/{implied_role_id}
  'identity:check_implied_role': 'rule:admin_required or (role:reader and system_scope:all)',
  // --- limit (limit.py) ---
  // GET|HEAD /v3/limits/model
  'identity:get_limit_model': '',
  // GET|HEAD /v3/limits/{limit_id}
  'identity:get_limit':
    'rule:admin_required or (role:reader and system_scope:all)' +
    ' or (domain_id:%(target.limit.domain.id)s' +
    ' or domain_id:%(target.limit.project.domain_id)s)' +
    ' or (project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)',
  // GET|HEAD /v3/limits
  'identity:list_limits': '',
  // POST /v3/limits
  'identity:create_limits': 'rule:admin_required',
  // PATCH /v3/limits/{limit_id}
  'identity:update_limit': 'rule:admin_required',
  // DELETE /v3/limits/{limit_id}
  'identity:delete_limit': 'rule:admin_required',
  // --- mapping (mapping.py) ---
  // PUT /v3/OS-FEDERATION/mappings/{mapping_id}
  'identity:create_mapping': 'rule:admin_required',
  // GET|HEAD /v3/OS-FEDERATION/mappings/{mapping_id}
  'identity:get_mapping': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/OS-FEDERATION/mappings
  'identity:list_mappings': 'rule:admin_required or (role:reader and system_scope:all)',
  // DELETE /v3/OS-FEDERATION/mappings/{mapping_id}
  'identity:delete_mapping': 'rule:admin_required',
  // PATCH /v3/OS-FEDERATION/mappings/{mapping_id}
  'identity:update_mapping': 'rule:admin_required',
  // --- policy (policy.py) ---
  // GET /v3/policies/{policy_id}
  'identity:get_policy': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/policies
  'identity:list_policies': 'rule:admin_required or (role:reader and system_scope:all)',
  // POST /v3/policies
  'identity:create_policy': 'rule:admin_required',
  // PATCH /v3/policies/{policy_id}
  'identity:update_policy': 'rule:admin_required',
  // DELETE /v3/policies/{policy_id}
  'identity:delete_policy': 'rule:admin_required',
  // --- policy_association (policy_association.py) ---
  // PUT /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}
  'identity:create_policy_association_for_endpoint': 'rule:admin_required',
  // GET|HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}
  'identity:check_policy_association_for_endpoint':
    'rule:admin_required or (role:reader and system_scope:all)',
  // DELETE /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}
  'identity:delete_policy_association_for_endpoint': 'rule:admin_required',
  // PUT /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}
  'identity:create_policy_association_for_service': 'rule:admin_required',
  // GET|HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}
  'identity:check_policy_association_for_service':
    'rule:admin_required or (role:reader and system_scope:all)',
  // DELETE /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}
  'identity:delete_policy_association_for_service': 'rule:admin_required',
  // PUT /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}
  'identity:create_policy_association_for_region_and_service': 'rule:admin_required',
  // GET|HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}
  'identity:check_policy_association_for_region_and_service':
    'rule:admin_required or (role:reader and system_scope:all)',
  // DELETE /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}
  'identity:delete_policy_association_for_region_and_service': 'rule:admin_required',
  // GET|HEAD /v3/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy
  'identity:get_policy_for_endpoint': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints
  'identity:list_endpoints_for_policy': 'rule:admin_required or (role:reader and system_scope:all)',
  // --- project (project.py) ---
  // GET /v3/projects/{project_id}
  'identity:get_project':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)' +
    ' or project_id:%(target.project.id)s',
  // GET /v3/projects
  'identity:list_projects':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.domain_id)s)',
  // GET /v3/users/{user_id}/projects
  'identity:list_user_projects':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.user.domain_id)s)' +
    ' or user_id:%(target.user.id)s',
  // POST /v3/projects
  'identity:create_project':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // PATCH /v3/projects/{project_id}
  'identity:update_project':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // DELETE /v3/projects/{project_id}
  'identity:delete_project':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // GET|HEAD /v3/projects/{project_id}/tags
  'identity:list_project_tags':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)' +
    ' or project_id:%(target.project.id)s',
  // GET|HEAD /v3/projects/{project_id}/tags/{value}
  'identity:get_project_tag':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)' +
    ' or project_id:%(target.project.id)s',
  // PUT /v3/projects/{project_id}/tags
  'identity:update_project_tags':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // PUT /v3/projects/{project_id}/tags/{value}
  'identity:create_project_tag':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // DELETE /v3/projects/{project_id}/tags
  'identity:delete_project_tags':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // DELETE /v3/projects/{project_id}/tags/{value}
  'identity:delete_project_tag':
    '(rule:admin_required)' +
    ' or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)',
  // --- project_endpoint (project_endpoint.py) ---
  // GET /v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects
  'identity:list_projects_for_endpoint': 'rule:admin_required or (role:reader and system_scope:all)',
  // PUT /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}
  'identity:add_endpoint_to_project': 'rule:admin_required',
  // GET|HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}
  'identity:check_endpoint_in_project': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/OS-EP-FILTER/projects/{project_id}/endpoints
  'identity:list_endpoints_for_project': 'rule:admin_required or (role:reader and system_scope:all)',
  // DELETE /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}
  'identity:remove_endpoint_from_project': 'rule:admin_required',
  // --- protocol (protocol.py) ---
  // PUT /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}
  'identity:create_protocol': 'rule:admin_required',
  // PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}
  'identity:update_protocol': 'rule:admin_required',
  // GET /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}
  'identity:get_protocol': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols
  'identity:list_protocols': 'rule:admin_required or (role:reader and system_scope:all)',
  // DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}
  'identity:delete_protocol': 'rule:admin_required',
  // --- region (region.py) ---
  // GET|HEAD /v3/regions/{region_id}
  'identity:get_region': '',
  // GET|HEAD /v3/regions
  'identity:list_regions': '',
  // POST /v3/regions
  // PUT /v3/regions/{region_id}
  'identity:create_region': 'rule:admin_required',
  // PATCH /v3/regions/{region_id}
  'identity:update_region': 'rule:admin_required',
  // DELETE /v3/regions/{region_id}
  'identity:delete_region': 'rule:admin_required',
  // --- registered_limit (registered_limit.py) ---
  // GET|HEAD /v3/registered_limits/{registered_limit_id}
  'identity:get_registered_limit': '',
  // GET|HEAD /v3/registered_limits
  'identity:list_registered_limits': '',
  // POST /v3/registered_limits
  'identity:create_registered_limits': 'rule:admin_required',
  // PATCH /v3/registered_limits/{registered_limit_id}
  'identity:update_registered_limit': 'rule:admin_required',
  // DELETE /v3/registered_limits/{registered_limit_id}
  'identity:delete_registered_limit': 'rule:admin_required',
  // --- revoke_event (revoke_event.py) ---
  // GET /v3/OS-REVOKE/events
  'identity:list_revoke_events': 'rule:service_or_admin',
  // --- role (role.py) ---
  // GET|HEAD /v3/roles/{role_id}
  'identity:get_role':
    '(rule:admin_required or (role:reader and system_scope:all))' +
    ' or (role:manager and rule:domain_managed_target_role)',
  // GET|HEAD /v3/roles
  'identity:list_roles':
    '(rule:admin_required or (role:reader and system_scope:all))' +
    ' or (role:manager and not domain_id:None)',
  // POST /v3/roles
  'identity:create_role': 'rule:admin_required',
  // PATCH /v3/roles/{role_id}
  'identity:update_role': 'rule:admin_required',
  // DELETE /v3/roles/{role_id}
  'identity:delete_role': 'rule:admin_required',
  // GET|HEAD /v3/roles/{role_id}
  'identity:get_domain_role': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/roles?domain_id={domain_id}
  'identity:list_domain_roles': 'rule:admin_required or (role:reader and system_scope:all)',
  // POST /v3/roles
  'identity:create_domain_role': 'rule:admin_required',
  // PATCH /v3/roles/{role_id}
  'identity:update_domain_role': 'rule:admin_required',
  // DELETE /v3/roles/{role_id}
  'identity:delete_domain_role': 'rule:admin_required',
  // --- role_assignment (role_assignment.py) ---
  // GET|HEAD /v3/role_assignments
  'identity:list_role_assignments':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.domain_id)s)',
  // GET|HEAD /v3/role_assignments?include_subtree
  'identity:list_role_assignments_for_tree':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.domain_id)s)',
  // --- s3tokens (s3tokens.py) ---
  // POST /v3/s3tokens
  'identity:s3tokens_validate': 'rule:service_or_admin',
  // --- service (service.py) ---
  // GET /v3/services/{service_id}
  'identity:get_service': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET /v3/services
  'identity:list_services': 'rule:admin_required or (role:reader and system_scope:all)',
  // POST /v3/services
  'identity:create_service': 'rule:admin_required',
  // PATCH /v3/services/{service_id}
  'identity:update_service': 'rule:admin_required',
  // DELETE /v3/services/{service_id}
  'identity:delete_service': 'rule:admin_required',
  // --- service_provider (service_provider.py) ---
  // PUT /v3/OS-FEDERATION/service_providers/{service_provider_id}
  'identity:create_service_provider': 'rule:admin_required',
  // GET|HEAD /v3/OS-FEDERATION/service_providers
  'identity:list_service_providers': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/OS-FEDERATION/service_providers/{service_provider_id}
  'identity:get_service_provider': 'rule:admin_required or (role:reader and system_scope:all)',
  // PATCH /v3/OS-FEDERATION/service_providers/{service_provider_id}
  'identity:update_service_provider': 'rule:admin_required',
  // DELETE /v3/OS-FEDERATION/service_providers/{service_provider_id}
  'identity:delete_service_provider': 'rule:admin_required',
  // --- token (token.py) ---
  // HEAD /v3/auth/tokens
  'identity:check_token':
    'rule:admin_required or (role:reader and system_scope:all)' +
    ' or rule:token_subject',
  // GET /v3/auth/tokens
  'identity:validate_token':
    'rule:admin_required or (role:reader and system_scope:all)' +
    ' or rule:service_role or rule:token_subject',
  // DELETE /v3/auth/tokens
  'identity:revoke_token': 'rule:admin_required or rule:token_subject',
  // --- token_revocation (token_revocation.py) ---
  // GET /v3/auth/tokens/OS-PKI/revoked
  'identity:revocation_list': 'rule:service_or_admin',
  // --- trust (trust.py) ---
  // POST /v3/OS-TRUST/trusts
  'identity:create_trust': 'user_id:%(target.trust.trustor_user_id)s',
  // GET|HEAD /v3/OS-TRUST/trusts
  'identity:list_trusts': 'rule:admin_required or (role:reader and system_scope:all)',
  // GET|HEAD /v3/OS-TRUST/trusts?trustor_user_id={trustor_user_id}
  'identity:list_trusts_for_trustor':
    '(rule:admin_required) or (role:reader and system_scope:all' +
    ' or user_id:%(target.trust.trustor_user_id)s)',
  // GET|HEAD /v3/OS-TRUST/trusts?trustee_user_id={trustee_user_id}
  'identity:list_trusts_for_trustee':
    '(rule:admin_required) or (role:reader and system_scope:all' +
    ' or user_id:%(target.trust.trustee_user_id)s)',
  // GET|HEAD /v3/OS-TRUST/trusts/{trust_id}/roles
  'identity:list_roles_for_trust':
    '(rule:admin_required) or (role:reader and system_scope:all' +
    ' or user_id:%(target.trust.trustor_user_id)s' +
    ' or user_id:%(target.trust.trustee_user_id)s)',
  // GET|HEAD /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}
  'identity:get_role_for_trust':
    '(rule:admin_required) or (role:reader and system_scope:all' +
    ' or user_id:%(target.trust.trustor_user_id)s' +
    ' or user_id:%(target.trust.trustee_user_id)s)',
  // DELETE /v3/OS-TRUST/trusts/{trust_id}
  'identity:delete_trust': 'rule:admin_required or user_id:%(target.trust.trustor_user_id)s',
  // GET|HEAD /v3/OS-TRUST/trusts/{trust_id}
  'identity:get_trust':
    '(rule:admin_required) or (role:reader and system_scope:all' +
    ' or user_id:%(target.trust.trustor_user_id)s' +
    ' or user_id:%(target.trust.trustee_user_id)s)',
  // --- user (user.py) ---
  // GET|HEAD /v3/users/{user_id}
  'identity:get_user':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and token.domain.id:%(target.user.domain_id)s)' +
    ' or user_id:%(target.user.id)s',
  // GET|HEAD /v3/users
  'identity:list_users':
    '(rule:admin_required) or (role:reader and system_scope:all)' +
    ' or (role:reader and domain_id:%(target.domain_id)s)',
  // GET /v3/auth/projects
  'identity:list_projects_for_user': '',
  // GET /v3/auth/domains
  'identity:list_domains_for_user': '',
  // POST /v3/users
  'identity:create_user':
    '(rule:admin_required)' +
    ' or (role:manager and token.domain.id:%(target.user.domain_id)s)',
  // PATCH /v3/users/{user_id}
  'identity:update_user':
    '(rule:admin_required)' +
    ' or (role:manager and token.domain.id:%(target.user.domain_id)s)',
  // DELETE /v3/users/{user_id}
  'identity:delete_user':
    '(rule:admin_required)' +
    ' or (role:manager and token.domain.id:%(target.user.domain_id)s)',
};
