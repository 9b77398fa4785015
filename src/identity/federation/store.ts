/**
 * OS-FEDERATION storage: identity providers (with their remote ids), their protocols, attribute
 * mappings, and service providers. Every id is chosen by the client (PUT), so duplicates are 409s.
 */
import type { Kysely, Transaction } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { fromBool, isUniqueViolation, parseJson, toBool } from '../../platform/db/database.js';
import type { FederationProtocolTable, IdentityProviderTable, IdentityTables, MappingTable, ServiceProviderTable } from '../tables.js';

type Db = Kysely<IdentityTables> | Transaction<IdentityTables>;

export interface IdentityProvider {
  id: string;
  /** The domain federated users of this IdP belong to. */
  domainId: string;
  enabled: boolean;
  description: string | null;
  /** Entity ids the IdP asserts with; each belongs to one IdP only. */
  remoteIds: string[];
  /** Minutes a federated user's group memberships stay valid after login; null for the default. */
  authorizationTtl: number | null;
}

export interface Protocol { id: string; idpId: string; mappingId: string; remoteIdAttribute: string | null; }

export type MappingSchemaVersion = '1.0' | '2.0' | '3.0';
export interface Mapping { id: string; rules: unknown[]; schemaVersion: MappingSchemaVersion; }

export interface ServiceProvider {
  id: string;
  enabled: boolean;
  description: string | null;
  authUrl: string;
  spUrl: string;
  relayStatePrefix: string;
}

const toIdp = (r: IdentityProviderTable, remoteIds: string[]): IdentityProvider => ({
  id: r.id, domainId: r.domain_id, enabled: toBool(r.enabled), description: r.description, remoteIds, authorizationTtl: r.authorization_ttl,
});
const toProtocol = (r: FederationProtocolTable): Protocol => ({ id: r.id, idpId: r.idp_id, mappingId: r.mapping_id, remoteIdAttribute: r.remote_id_attribute });
const toMapping = (r: MappingTable): Mapping => ({ id: r.id, rules: parseJson<unknown[]>(r.rules, []), schemaVersion: r.schema_version as MappingSchemaVersion });
const toSp = (r: ServiceProviderTable): ServiceProvider => ({
  id: r.id, enabled: toBool(r.enabled), description: r.description, authUrl: r.auth_url, spUrl: r.sp_url, relayStatePrefix: r.relay_state_prefix,
});

function duplicate(kind: string, id: string, err: unknown): never {
  if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store ${kind} - Duplicate entry: ${id}.`, { cause: err });
  throw err;
}

export class FederationStore {
  readonly #db: Kysely<IdentityTables>;
  constructor(db: Kysely<IdentityTables>) { this.#db = db; }

  // --- identity providers ---
  async #remoteIds(ids: readonly string[], db: Db): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('idp_remote_id').selectAll().where('idp_id', 'in', [...ids]).orderBy('remote_id').execute();
    for (const r of rows) out.get(r.idp_id)?.push(r.remote_id);
    return out;
  }

  async findIdp(id: string, db: Db = this.#db): Promise<IdentityProvider | undefined> {
    const r = await db.selectFrom('identity_provider').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toIdp(r, (await this.#remoteIds([id], db)).get(id) ?? []) : undefined;
  }
  async getIdp(id: string, db: Db = this.#db): Promise<IdentityProvider> {
    const idp = await this.findIdp(id, db);
    if (!idp) throw new NotFound(`Could not find Identity Provider: ${id}.`);
    return idp;
  }
  async listIdps(filter: { id?: string; enabled?: boolean } = {}): Promise<IdentityProvider[]> {
    let q = this.#db.selectFrom('identity_provider').selectAll();
    if (filter.id !== undefined) q = q.where('id', '=', filter.id);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', fromBool(filter.enabled));
    const rows = await q.orderBy('id').execute();
    const remote = await this.#remoteIds(rows.map((r) => r.id), this.#db);
    return rows.map((r) => toIdp(r, remote.get(r.id) ?? []));
  }

  /** Remote ids are unique across IdPs; names the first one another IdP already uses. */
  async #claimRemoteIds(idpId: string, remoteIds: readonly string[], db: Db): Promise<void> {
    await db.deleteFrom('idp_remote_id').where('idp_id', '=', idpId).execute();
    if (remoteIds.length === 0) return;
    const taken = await db.selectFrom('idp_remote_id').select('remote_id').where('remote_id', 'in', [...remoteIds]).executeTakeFirst();
    if (taken) throw new Conflict(`Conflict occurred attempting to store identity_provider - Duplicate remote ID: ${taken.remote_id}.`);
    try {
      await db.insertInto('idp_remote_id').values(remoteIds.map((remote_id) => ({ idp_id: idpId, remote_id }))).execute();
    } catch (err) {
      // Another request claimed one of them between the check and the insert.
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store identity_provider - Duplicate remote ID: ${remoteIds.join(', ')}.`, { cause: err });
      throw err;
    }
  }

  /** Inserts an IdP with its remote ids, atomically; pass a transaction to make it part of a larger change. */
  async insertIdp(idp: IdentityProvider, trx?: Transaction<IdentityTables>): Promise<IdentityProvider> {
    if (!trx) return this.#db.transaction().execute((t) => this.insertIdp(idp, t));
    const db = trx;
    try {
      await db.insertInto('identity_provider').values({
        id: idp.id, domain_id: idp.domainId, enabled: fromBool(idp.enabled), description: idp.description, authorization_ttl: idp.authorizationTtl,
      }).execute();
    } catch (err) {
      duplicate('identity_provider', idp.id, err);
    }
    await this.#claimRemoteIds(idp.id, idp.remoteIds, db);
    return idp;
  }
  async updateIdp(idp: IdentityProvider): Promise<IdentityProvider> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('identity_provider').set({
        enabled: fromBool(idp.enabled), description: idp.description, authorization_ttl: idp.authorizationTtl,
      }).where('id', '=', idp.id).execute();
      await this.#claimRemoteIds(idp.id, idp.remoteIds, trx);
    });
    return idp;
  }
  async deleteIdp(id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('federation_protocol').where('idp_id', '=', id).execute();
      await trx.deleteFrom('idp_remote_id').where('idp_id', '=', id).execute();
      await trx.deleteFrom('identity_provider').where('id', '=', id).execute();
    });
  }

  // --- protocols ---
  async findProtocol(idpId: string, id: string): Promise<Protocol | undefined> {
    const r = await this.#db.selectFrom('federation_protocol').selectAll().where('idp_id', '=', idpId).where('id', '=', id).executeTakeFirst();
    return r ? toProtocol(r) : undefined;
  }
  async getProtocol(idpId: string, id: string): Promise<Protocol> {
    const p = await this.findProtocol(idpId, id);
    if (!p) throw new NotFound(`Could not find federated protocol ${id} for Identity Provider: ${idpId}.`);
    return p;
  }
  async listProtocols(idpId: string): Promise<Protocol[]> {
    return (await this.#db.selectFrom('federation_protocol').selectAll().where('idp_id', '=', idpId).orderBy('id').execute()).map(toProtocol);
  }
  async insertProtocol(p: Protocol): Promise<Protocol> {
    try {
      await this.#db.insertInto('federation_protocol').values({ id: p.id, idp_id: p.idpId, mapping_id: p.mappingId, remote_id_attribute: p.remoteIdAttribute }).execute();
    } catch (err) {
      duplicate('federation_protocol', p.id, err);
    }
    return p;
  }
  async updateProtocol(p: Protocol): Promise<Protocol> {
    await this.#db.updateTable('federation_protocol').set({ mapping_id: p.mappingId, remote_id_attribute: p.remoteIdAttribute })
      .where('idp_id', '=', p.idpId).where('id', '=', p.id).execute();
    return p;
  }
  async deleteProtocol(idpId: string, id: string): Promise<void> {
    await this.#db.deleteFrom('federation_protocol').where('idp_id', '=', idpId).where('id', '=', id).execute();
  }

  // --- mappings ---
  async findMapping(id: string): Promise<Mapping | undefined> {
    const r = await this.#db.selectFrom('mapping').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toMapping(r) : undefined;
  }
  async getMapping(id: string): Promise<Mapping> {
    const m = await this.findMapping(id);
    if (!m) throw new NotFound(`Could not find mapping: ${id}.`);
    return m;
  }
  async listMappings(): Promise<Mapping[]> {
    return (await this.#db.selectFrom('mapping').selectAll().orderBy('id').execute()).map(toMapping);
  }
  async insertMapping(m: Mapping): Promise<Mapping> {
    try {
      await this.#db.insertInto('mapping').values({ id: m.id, rules: JSON.stringify(m.rules), schema_version: m.schemaVersion }).execute();
    } catch (err) {
      duplicate('mapping', m.id, err);
    }
    return m;
  }
  async updateMapping(m: Mapping): Promise<Mapping> {
    await this.#db.updateTable('mapping').set({ rules: JSON.stringify(m.rules), schema_version: m.schemaVersion }).where('id', '=', m.id).execute();
    return m;
  }
  async deleteMapping(id: string): Promise<void> {
    await this.#db.deleteFrom('mapping').where('id', '=', id).execute();
  }

  // --- service providers ---
  async findSp(id: string): Promise<ServiceProvider | undefined> {
    const r = await this.#db.selectFrom('service_provider').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toSp(r) : undefined;
  }
  async getSp(id: string): Promise<ServiceProvider> {
    const sp = await this.findSp(id);
    if (!sp) throw new NotFound(`Could not find Service Provider: ${id}.`);
    return sp;
  }
  async listSps(filter: { id?: string; enabled?: boolean } = {}): Promise<ServiceProvider[]> {
    let q = this.#db.selectFrom('service_provider').selectAll();
    if (filter.id !== undefined) q = q.where('id', '=', filter.id);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', fromBool(filter.enabled));
    return (await q.orderBy('id').execute()).map(toSp);
  }
  async insertSp(sp: ServiceProvider): Promise<ServiceProvider> {
    try {
      await this.#db.insertInto('service_provider').values({
        id: sp.id, enabled: fromBool(sp.enabled), description: sp.description, auth_url: sp.authUrl, sp_url: sp.spUrl, relay_state_prefix: sp.relayStatePrefix,
      }).execute();
    } catch (err) {
      duplicate('service_provider', sp.id, err);
    }
    return sp;
  }
  async updateSp(sp: ServiceProvider): Promise<ServiceProvider> {
    await this.#db.updateTable('service_provider').set({
      enabled: fromBool(sp.enabled), description: sp.description, auth_url: sp.authUrl, sp_url: sp.spUrl, relay_state_prefix: sp.relayStatePrefix,
    }).where('id', '=', sp.id).execute();
    return sp;
  }
  async deleteSp(id: string): Promise<void> {
    await this.#db.deleteFrom('service_provider').where('id', '=', id).execute();
  }
}
