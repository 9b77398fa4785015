/**
 * Revocation events, persisted and mirrored in memory. Validation checks the in-memory list, so a
 * token check costs no query; events older than the longest token lifetime revoke nothing alive and
 * are pruned.
 */
import type { Kysely } from 'kysely';
import { newHexId } from '../../platform/ids.js';
import { eventRevokes, type RevocableToken, type RevocationEvent } from '../../platform/auth/revocation.js';
import type { IdentityTables, RevocationEventTable } from '../tables.js';

const FIELDS = ['domain_id', 'project_id', 'user_id', 'role_id', 'trust_id', 'consumer_id', 'access_token_id', 'audit_id', 'audit_chain_id'] as const;

function toEvent(r: RevocationEventTable): RevocationEvent {
  const e: RevocationEvent = { issued_before: r.issued_before, revoked_at: r.revoked_at };
  for (const f of FIELDS) if (r[f] !== null) e[f] = r[f];
  return e;
}

export class RevocationStore {
  readonly #db: Kysely<IdentityTables>;
  readonly #maxTokenAgeMs: number;
  #events: RevocationEvent[] = [];

  constructor(db: Kysely<IdentityTables>, maxTokenAgeMs: number) {
    this.#db = db;
    this.#maxTokenAgeMs = maxTokenAgeMs;
  }

  /** Loads the live events into memory and drops expired ones from the database. */
  async load(): Promise<void> {
    const horizon = new Date(Date.now() - this.#maxTokenAgeMs).toISOString();
    await this.#db.deleteFrom('revocation_event').where('issued_before', '<', horizon).execute();
    const rows = await this.#db.selectFrom('revocation_event').selectAll().orderBy('revoked_at').execute();
    this.#events = rows.map(toEvent);
  }

  /** Records an event; tokens issued up to now that match it stop validating at once. */
  async revoke(fields: Omit<RevocationEvent, 'issued_before' | 'revoked_at'>, issuedBefore = new Date()): Promise<void> {
    const now = new Date().toISOString();
    const row: RevocationEventTable = {
      id: newHexId(),
      domain_id: null, project_id: null, user_id: null, role_id: null, trust_id: null, consumer_id: null,
      access_token_id: null, audit_id: null, audit_chain_id: null,
      issued_before: issuedBefore.toISOString(),
      revoked_at: now,
    };
    for (const f of FIELDS) if (fields[f]) row[f] = fields[f] ?? null;
    await this.#db.insertInto('revocation_event').values(row).execute();
    this.#events.push(toEvent(row));
    this.#prune();
  }

  isRevoked(token: RevocableToken): boolean {
    for (const e of this.#events) if (eventRevokes(e, token)) return true;
    return false;
  }

  /** Events revoked at or after `since` (all when undefined), for GET /v3/OS-REVOKE/events. */
  list(since?: Date): RevocationEvent[] {
    const s = since?.toISOString();
    return this.#events.filter((e) => s === undefined || (e.revoked_at ?? '') >= s);
  }

  #prune(): void {
    const horizon = Date.now() - this.#maxTokenAgeMs;
    if (this.#events.length > 0 && Date.parse(this.#events[0]!.issued_before) < horizon) {
      this.#events = this.#events.filter((e) => Date.parse(e.issued_before) >= horizon);
    }
  }
}
