/**
 * Stored credentials (/v3/credentials, OS-EC2). The blob is kept only encrypted (see cipher.ts); rows
 * come out of this store already decrypted, so nothing above it sees ciphertext.
 */
import type { Kysely } from 'kysely';
import { Conflict, NotFound } from '../../platform/errors.js';
import { isUniqueViolation, parseJson } from '../../platform/db/database.js';
import type { CredentialTable, IdentityTables } from '../tables.js';
import type { Extra } from '../model.js';
import type { SecretCipher } from './cipher.js';

/** Keystone's type for EC2-style access/secret pairs; their id is derived from the access key. */
export const EC2_TYPE = 'ec2';

export interface Credential {
  id: string;
  userId: string;
  projectId: string | null;
  type: string;
  /** The plaintext blob, as the client sent it (a string; JSON for ec2). */
  blob: string;
  extra: Extra;
}

export interface CredentialFilter { userId?: string; type?: string; projectId?: string; }

/** The blob's ciphertext is bound to the row's id, so a blob moved to another row cannot be read. */
const aad = (id: string): string => `credential:${id}`;

export class CredentialStore {
  readonly #db: Kysely<IdentityTables>;
  readonly #cipher: SecretCipher;

  constructor(db: Kysely<IdentityTables>, cipher: SecretCipher) {
    this.#db = db;
    this.#cipher = cipher;
  }

  #toCredential(r: CredentialTable): Credential {
    return {
      id: r.id,
      userId: r.user_id,
      projectId: r.project_id,
      type: r.type,
      blob: this.#cipher.open({ ciphertext: r.encrypted_blob, keyHash: r.key_hash }, aad(r.id)),
      extra: parseJson(r.extra, {}),
    };
  }

  #toRow(c: Credential): CredentialTable {
    const sealed = this.#cipher.seal(c.blob, aad(c.id));
    return {
      id: c.id,
      user_id: c.userId,
      project_id: c.projectId,
      type: c.type,
      encrypted_blob: sealed.ciphertext,
      key_hash: sealed.keyHash,
      extra: JSON.stringify(c.extra),
    };
  }

  async find(id: string): Promise<Credential | undefined> {
    const r = await this.#db.selectFrom('credential').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.#toCredential(r) : undefined;
  }

  async get(id: string): Promise<Credential> {
    const c = await this.find(id);
    if (!c) throw new NotFound(`Could not find credential: ${id}.`);
    return c;
  }

  async list(filter: CredentialFilter = {}): Promise<Credential[]> {
    let q = this.#db.selectFrom('credential').selectAll();
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
    return (await q.orderBy('id').execute()).map((r) => this.#toCredential(r));
  }

  async insert(c: Credential): Promise<Credential> {
    try {
      await this.#db.insertInto('credential').values(this.#toRow(c)).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store credential - Duplicate ID, ${c.id}.`, { cause: err });
      throw err;
    }
    return c;
  }

  async update(c: Credential): Promise<Credential> {
    const { id: _id, ...row } = this.#toRow(c);
    await this.#db.updateTable('credential').set(row).where('id', '=', c.id).execute();
    return c;
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('credential').where('id', '=', id).execute();
  }

  /**
   * Re-encrypts every blob not sealed by the current primary key (Keystone's `credential_migrate`):
   * run after a rotation, before the old key is pruned. Returns how many rows moved.
   */
  async reencrypt(): Promise<number> {
    const primary = this.#cipher.primaryKeyHash();
    const stale = await this.#db.selectFrom('credential').selectAll().where('key_hash', '!=', primary).execute();
    for (const r of stale) {
      const c = this.#toCredential(r);
      const sealed = this.#cipher.seal(c.blob, aad(c.id));
      // Guarded by the old ciphertext: a concurrent update that already re-sealed the row wins.
      await this.#db.updateTable('credential')
        .set({ encrypted_blob: sealed.ciphertext, key_hash: sealed.keyHash })
        .where('id', '=', r.id).where('encrypted_blob', '=', r.encrypted_blob)
        .execute();
    }
    return stale.length;
  }
}
