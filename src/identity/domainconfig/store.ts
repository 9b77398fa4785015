/**
 * Per-domain configuration options. Values are stored as JSON so their type survives; sensitive
 * options (the LDAP bind password) are stored encrypted with the credential keys and never leave
 * this store through the API's read paths.
 */
import type { Kysely, Transaction } from 'kysely';
import { fromBool, parseJson, toBool } from '../../platform/db/database.js';
import type { DomainConfigTable, IdentityTables } from '../tables.js';
import type { SecretCipher } from '../credential/cipher.js';
import type { OptionValue } from './options.js';

export interface ConfigOption { group: string; option: string; value: OptionValue; sensitive: boolean; }

export interface OptionFilter { group?: string | undefined; option?: string | undefined; sensitive?: boolean | undefined; }

type Db = Kysely<IdentityTables> | Transaction<IdentityTables>;

/** A sensitive value's row holds this JSON instead of the value. */
interface SealedValue { sealed: string; key: string; }

const aad = (domainId: string, group: string, option: string): string => `domain_config:${domainId}:${group}:${option}`;

export class DomainConfigStore {
  readonly #db: Kysely<IdentityTables>;
  readonly #cipher: SecretCipher;

  constructor(db: Kysely<IdentityTables>, cipher: SecretCipher) {
    this.#db = db;
    this.#cipher = cipher;
  }

  #toOption(r: DomainConfigTable): ConfigOption {
    const sensitive = toBool(r.sensitive);
    if (!sensitive) return { group: r.group_name, option: r.option_name, value: parseJson<OptionValue>(r.value, null), sensitive };
    const sealed = parseJson<SealedValue>(r.value, { sealed: '', key: '' });
    const plain = this.#cipher.open({ ciphertext: sealed.sealed, keyHash: sealed.key }, aad(r.domain_id, r.group_name, r.option_name));
    return { group: r.group_name, option: r.option_name, value: parseJson<OptionValue>(plain, null), sensitive };
  }

  #toRow(domainId: string, o: ConfigOption): DomainConfigTable {
    let value = JSON.stringify(o.value ?? null);
    if (o.sensitive) {
      const s = this.#cipher.seal(value, aad(domainId, o.group, o.option));
      value = JSON.stringify({ sealed: s.ciphertext, key: s.keyHash } satisfies SealedValue);
    }
    return { domain_id: domainId, group_name: o.group, option_name: o.option, value, sensitive: fromBool(o.sensitive) };
  }

  /** Stored options of a domain, narrowed by group, option and sensitivity. */
  async list(domainId: string, filter: OptionFilter = {}): Promise<ConfigOption[]> {
    let q = this.#db.selectFrom('domain_config').selectAll().where('domain_id', '=', domainId);
    if (filter.group !== undefined) q = q.where('group_name', '=', filter.group);
    if (filter.option !== undefined) q = q.where('option_name', '=', filter.option);
    if (filter.sensitive !== undefined) q = q.where('sensitive', '=', fromBool(filter.sensitive));
    return (await q.orderBy('group_name').orderBy('option_name').execute()).map((r) => this.#toOption(r));
  }

  /** Replaces the domain's whole configuration; concurrent replacements apply one after the other. */
  async replace(domainId: string, options: ConfigOption[]): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      // A no-op write to the domain's row locks it until commit (PostgreSQL; SQLite has one writer
      // anyway). Without it two replacements interleave under READ COMMITTED: each deletes only the
      // rows it can see, then both insert, and the later one fails on the primary key.
      await tx.updateTable('project').set((eb) => ({ enabled: eb.ref('enabled') })).where('id', '=', domainId).execute();
      await tx.deleteFrom('domain_config').where('domain_id', '=', domainId).execute();
      for (const o of options) await tx.insertInto('domain_config').values(this.#toRow(domainId, o)).execute();
    });
  }

  /** Sets the given options, leaving the others as they are. */
  async merge(domainId: string, options: ConfigOption[]): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      for (const o of options) await this.#put(tx, domainId, o);
    });
  }

  /** Deletes all options of a domain, of one group, or one option. */
  async delete(domainId: string, group?: string, option?: string): Promise<void> {
    let q = this.#db.deleteFrom('domain_config').where('domain_id', '=', domainId);
    if (group !== undefined) q = q.where('group_name', '=', group);
    if (option !== undefined) q = q.where('option_name', '=', option);
    await q.execute();
  }

  async #put(db: Db, domainId: string, o: ConfigOption): Promise<void> {
    const row = this.#toRow(domainId, o);
    await db.insertInto('domain_config').values(row)
      .onConflict((oc) => oc.columns(['domain_id', 'group_name', 'option_name']).doUpdateSet({ value: row.value, sensitive: row.sensitive }))
      .execute();
  }
}
