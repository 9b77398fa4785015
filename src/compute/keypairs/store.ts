/**
 * Key pairs: owned by a user (not a project), unique by name per user. The private key of a generated
 * pair is never stored.
 */
import type { Kysely, Selectable } from 'kysely';
import { BadRequest, Conflict, NotFound } from '../../platform/errors.js';
import { inTransaction, isUniqueViolation } from '../../platform/db/database.js';
import type { ComputeTables, KeypairTable } from '../tables.js';
import { nextId } from '../sequence.js';

export type KeypairType = 'ssh' | 'x509';

export interface Keypair {
  id: number;
  userId: string;
  name: string;
  type: KeypairType;
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

function toKeypair(r: Selectable<KeypairTable>): Keypair {
  return { id: r.id, userId: r.user_id, name: r.name, type: r.type as KeypairType, publicKey: r.public_key, fingerprint: r.fingerprint, createdAt: r.created_at };
}

export class KeypairStore {
  constructor(private readonly db: Kysely<ComputeTables>) {}

  /** A user's key pair by name, or NotFound with Nova's message. */
  async get(userId: string, name: string, db: Kysely<ComputeTables> = this.db): Promise<Keypair> {
    const row = await db.selectFrom('keypair').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    if (!row) throw new NotFound(`Keypair ${name} not found for user ${userId}`);
    return toKeypair(row);
  }

  /** A page of a user's key pairs, by name. */
  async list(userId: string, limit?: number, marker?: string): Promise<Keypair[]> {
    if (marker !== undefined) {
      const m = await this.db.selectFrom('keypair').select('name').where('user_id', '=', userId).where('name', '=', marker).executeTakeFirst();
      if (!m) throw new BadRequest(`Marker ${marker} could not be found.`);
    }
    let q = this.db.selectFrom('keypair').selectAll().where('user_id', '=', userId).orderBy('name');
    if (marker !== undefined) q = q.where('name', '>', marker);
    if (limit !== undefined) q = q.limit(limit);
    return (await q.execute()).map(toKeypair);
  }

  /**
   * Stores a key pair after `check` (the quota check) passed in the same transaction; Conflict if the
   * user already has one by that name.
   */
  async create(kp: Omit<Keypair, 'id' | 'createdAt'>, check: (tx: Kysely<ComputeTables>) => Promise<void>): Promise<Keypair> {
    try {
      return await inTransaction(this.db, async (tx) => {
        await check(tx);
        const exists = await tx.selectFrom('keypair').select('name').where('user_id', '=', kp.userId).where('name', '=', kp.name).executeTakeFirst();
        if (exists) throw new Conflict(`Key pair '${kp.name}' already exists.`);
        const row = { id: await nextId(tx, 'keypair'), user_id: kp.userId, name: kp.name, type: kp.type, public_key: kp.publicKey, fingerprint: kp.fingerprint, created_at: new Date().toISOString() };
        await tx.insertInto('keypair').values(row).execute();
        return toKeypair(row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Key pair '${kp.name}' already exists.`, { cause: err });
      throw err;
    }
  }

  async delete(userId: string, name: string): Promise<void> {
    const r = await this.db.deleteFrom('keypair').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`Keypair ${name} not found for user ${userId}`);
  }
}
