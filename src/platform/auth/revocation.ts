/**
 * Keystone revocation events and how they match a token (after keystone/models/revoke_model.py): an
 * event revokes every token issued at or before `issued_before` that matches all of its set fields.
 */

export interface RevocationEvent {
  user_id?: string | null;
  project_id?: string | null;
  domain_id?: string | null;
  role_id?: string | null;
  trust_id?: string | null;
  consumer_id?: string | null;
  access_token_id?: string | null;
  audit_id?: string | null;
  audit_chain_id?: string | null;
  issued_before: string;
  revoked_at?: string;
}

/** The facts about a token that events are matched against. */
export interface RevocableToken {
  userId: string;
  /** Trustor and trustee as well as the user, for trust tokens. */
  userIds: readonly string[];
  projectId?: string | undefined;
  /** The user's domain and the scoped project's domain (or the scoped domain). */
  domainIds: readonly string[];
  roleIds: readonly string[];
  trustId?: string | undefined;
  consumerId?: string | undefined;
  accessTokenId?: string | undefined;
  auditIds: readonly string[];
  issuedAt: number;
}

/** True if the event revokes the token. */
export function eventRevokes(event: RevocationEvent, token: RevocableToken): boolean {
  if (token.issuedAt > Date.parse(event.issued_before)) return false;
  if (event.user_id && !token.userIds.includes(event.user_id)) return false;
  if (event.project_id && event.project_id !== token.projectId) return false;
  if (event.domain_id && !token.domainIds.includes(event.domain_id)) return false;
  if (event.role_id && !token.roleIds.includes(event.role_id)) return false;
  if (event.trust_id && event.trust_id !== token.trustId) return false;
  if (event.consumer_id && event.consumer_id !== token.consumerId) return false;
  if (event.access_token_id && event.access_token_id !== token.accessTokenId) return false;
  // A token is revoked with any of its ancestors: audit_ids holds [own, parent, …, root].
  if (event.audit_id && !token.auditIds.includes(event.audit_id)) return false;
  if (event.audit_chain_id && token.auditIds[token.auditIds.length - 1] !== event.audit_chain_id) return false;
  return true;
}
