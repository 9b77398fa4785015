/** JSON shapes of OS-FEDERATION resources, as Keystone returns them. */
import { BadRequest } from '../../platform/errors.js';
import { link, type IdentityContext } from '../context.js';
import type { IdentityProvider, Mapping, Protocol, ServiceProvider } from './store.js';

const idpPath = (id: string): string => `OS-FEDERATION/identity_providers/${encodeURIComponent(id)}`;

export function renderIdp(ctx: IdentityContext, idp: IdentityProvider): Record<string, unknown> {
  const self = link(ctx, idpPath(idp.id));
  return {
    id: idp.id,
    domain_id: idp.domainId,
    enabled: idp.enabled,
    description: idp.description,
    remote_ids: idp.remoteIds,
    authorization_ttl: idp.authorizationTtl,
    links: { self, protocols: `${self}/protocols` },
  };
}

/**
 * A protocol. Keystone's list shows idp_id and remote_id_attribute; its single-protocol responses
 * show only id, mapping_id and links. Here remote_id_attribute is shown whenever it is set.
 */
export function renderProtocol(ctx: IdentityContext, p: Protocol, form: 'member' | 'list'): Record<string, unknown> {
  const idp = link(ctx, idpPath(p.idpId));
  return {
    id: p.id,
    mapping_id: p.mappingId,
    ...(form === 'list' ? { idp_id: p.idpId, remote_id_attribute: p.remoteIdAttribute } : p.remoteIdAttribute !== null ? { remote_id_attribute: p.remoteIdAttribute } : {}),
    links: { self: `${idp}/protocols/${encodeURIComponent(p.id)}`, identity_provider: idp },
  };
}

export function renderMapping(ctx: IdentityContext, m: Mapping): Record<string, unknown> {
  return { id: m.id, rules: m.rules, schema_version: m.schemaVersion, links: { self: link(ctx, `OS-FEDERATION/mappings/${encodeURIComponent(m.id)}`) } };
}

export function renderSp(ctx: IdentityContext, sp: ServiceProvider): Record<string, unknown> {
  return {
    id: sp.id,
    auth_url: sp.authUrl,
    sp_url: sp.spUrl,
    description: sp.description,
    enabled: sp.enabled,
    relay_state_prefix: sp.relayStatePrefix,
    links: { self: link(ctx, `OS-FEDERATION/service_providers/${encodeURIComponent(sp.id)}`) },
  };
}

/**
 * Ids of IdPs, protocols, mappings and service providers are chosen by the client in the URL; they
 * must fit the 64-character id columns.
 */
export function clientChosenId(raw: string, what: string): string {
  if (raw.length < 1 || raw.length > 64) throw new BadRequest(`Invalid ${what} id ${JSON.stringify(raw.slice(0, 80))}: it must be 1 to 64 characters.`);
  return raw;
}
