/**
 * Kysely table types for the identity service's own tables. Booleans are 0/1 integers, JSON is TEXT,
 * timestamps are ISO-8601 UTC TEXT (sortable on both engines). Domain types live in model.ts.
 */

export interface ProjectTable {
  id: string;
  name: string;
  description: string | null;
  enabled: number;
  /** The owning domain; for a domain itself, ROOT_DOMAIN_ID so that domain names are unique. */
  domain_id: string;
  parent_id: string | null;
  is_domain: number;
  extra: string;
}

export interface ProjectTagTable { project_id: string; name: string; }

export interface UserTable {
  id: string;
  domain_id: string;
  name: string;
  enabled: number;
  default_project_id: string | null;
  extra: string;
  options: string;
  created_at: string;
  last_active_at: string | null;
  password_hash: string | null;
  password_created_at: string | null;
  password_expires_at: string | null;
  failed_auth_count: number;
  failed_auth_at: string | null;
}

export interface PasswordHistoryTable { user_id: string; hash: string; created_at: string; }

export interface GroupTable {
  id: string;
  domain_id: string;
  name: string;
  description: string | null;
  extra: string;
}

export interface MembershipTable { user_id: string; group_id: string; }

export interface RoleTable {
  id: string;
  name: string;
  /** NULL_DOMAIN_ID for global roles, so (name, domain_id) can be unique on both engines. */
  domain_id: string;
  description: string | null;
  options: string;
  extra: string;
}

export interface ImpliedRoleTable { prior_role_id: string; implied_role_id: string; }

export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';

export interface AssignmentTable {
  type: AssignmentType;
  actor_id: string;
  /** Project or domain id; 'system' for system assignments. */
  target_id: string;
  role_id: string;
  inherited: number;
}

export interface RegionTable { id: string; description: string; parent_region_id: string | null; extra: string; }
export interface ServiceTable { id: string; type: string; enabled: number; extra: string; }
export interface EndpointTable {
  id: string;
  service_id: string;
  region_id: string | null;
  interface: string;
  url: string;
  enabled: number;
  extra: string;
}
export interface EndpointGroupTable { id: string; name: string; description: string | null; filters: string; }
export interface ProjectEndpointTable { endpoint_id: string; project_id: string; }
export interface ProjectEndpointGroupTable { endpoint_group_id: string; project_id: string; }

export interface CredentialTable {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  encrypted_blob: string;
  key_hash: string;
  extra: string;
}

export interface PolicyTable { id: string; type: string; blob: string; extra: string; }

export interface TrustTable {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: number;
  expires_at: string | null;
  remaining_uses: number | null;
  redelegated_trust_id: string | null;
  redelegation_count: number | null;
  deleted_at: string | null;
  extra: string;
}
export interface TrustRoleTable { trust_id: string; role_id: string; }

export interface ApplicationCredentialTable {
  id: string;
  name: string;
  secret_hash: string;
  description: string | null;
  user_id: string;
  project_id: string | null;
  system: string | null;
  expires_at: string | null;
  unrestricted: number;
  created_at: string;
}
export interface ApplicationCredentialRoleTable { application_credential_id: string; role_id: string; }
export interface AccessRuleTable { id: string; service: string; path: string; method: string; user_id: string; }
export interface ApplicationCredentialAccessRuleTable { application_credential_id: string; access_rule_id: string; }

/** A revocation event: tokens matching every non-null field and issued before issued_before are invalid. */
export interface RevocationEventTable {
  id: string;
  domain_id: string | null;
  project_id: string | null;
  user_id: string | null;
  role_id: string | null;
  trust_id: string | null;
  consumer_id: string | null;
  access_token_id: string | null;
  audit_id: string | null;
  audit_chain_id: string | null;
  issued_before: string;
  revoked_at: string;
}

export interface DomainConfigTable { domain_id: string; group_name: string; option_name: string; value: string; sensitive: number; }

export interface IdentityProviderTable {
  id: string;
  domain_id: string;
  enabled: number;
  description: string | null;
  authorization_ttl: number | null;
}
export interface IdpRemoteIdTable { idp_id: string; remote_id: string; }
export interface FederationProtocolTable { id: string; idp_id: string; mapping_id: string; remote_id_attribute: string | null; }
export interface MappingTable { id: string; rules: string; schema_version: string; }
export interface ServiceProviderTable {
  id: string;
  enabled: number;
  description: string | null;
  auth_url: string;
  sp_url: string;
  relay_state_prefix: string;
}

export interface ConsumerTable { id: string; description: string | null; secret: string; extra: string; }
export interface RequestTokenTable {
  id: string;
  request_secret: string;
  verifier: string | null;
  authorizing_user_id: string | null;
  requested_project_id: string;
  role_ids: string | null;
  consumer_id: string;
  expires_at: string | null;
}
export interface AccessTokenTable {
  id: string;
  access_secret: string;
  authorizing_user_id: string;
  project_id: string;
  role_ids: string;
  consumer_id: string;
  expires_at: string | null;
}

export interface RegisteredLimitTable {
  id: string;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  default_limit: number;
  description: string | null;
}
export interface LimitTable {
  id: string;
  project_id: string | null;
  domain_id: string | null;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  resource_limit: number;
  description: string | null;
}

export interface IdentityTables {
  project: ProjectTable;
  project_tag: ProjectTagTable;
  identity_user: UserTable;
  password_history: PasswordHistoryTable;
  identity_group: GroupTable;
  user_group_membership: MembershipTable;
  role: RoleTable;
  implied_role: ImpliedRoleTable;
  assignment: AssignmentTable;
  region: RegionTable;
  service: ServiceTable;
  endpoint: EndpointTable;
  endpoint_group: EndpointGroupTable;
  project_endpoint: ProjectEndpointTable;
  project_endpoint_group: ProjectEndpointGroupTable;
  credential: CredentialTable;
  policy: PolicyTable;
  trust: TrustTable;
  trust_role: TrustRoleTable;
  application_credential: ApplicationCredentialTable;
  application_credential_role: ApplicationCredentialRoleTable;
  access_rule: AccessRuleTable;
  application_credential_access_rule: ApplicationCredentialAccessRuleTable;
  revocation_event: RevocationEventTable;
  domain_config: DomainConfigTable;
  identity_provider: IdentityProviderTable;
  idp_remote_id: IdpRemoteIdTable;
  federation_protocol: FederationProtocolTable;
  mapping: MappingTable;
  service_provider: ServiceProviderTable;
  consumer: ConsumerTable;
  request_token: RequestTokenTable;
  access_token: AccessTokenTable;
  registered_limit: RegisteredLimitTable;
  limit_: LimitTable;
}
