/**
 * Batches the engine's writes into transactions. Every step of a stack operation is stored before it is
 * taken, and independent resources step at once: each step enqueues its writes and awaits the commit of
 * the batch that holds them, so a hundred resources starting together cost one transaction, not a
 * hundred (SQLite's fsync per commit, a PostgreSQL round trip per statement, are the whole cost).
 */
import { inTransaction } from '../../platform/db/database.js';
import type { Resource, Stack, StackEvent } from '../model.js';
import { asId } from '../../platform/ids.js';
import type { Selectable } from 'kysely';
import type { EventTable, ResourceTable, StackTable } from '../tables.js';
import {
  deleteResourceRows, eventToRow, insertEventRows, resourceToRow, saveStackRow, stackToRow, upsertResourceRows, type Db,
} from '../store.js';

/** Rows are serialized when the write is asked for: the caller goes on changing its records. */
interface Batch {
  stacks: Map<string, Selectable<StackTable>>;
  resources: Map<string, Selectable<ResourceTable>>;
  events: Array<Selectable<EventTable>>;
  /** Resource rows to remove (replaced or rolled-back resources, once deleted). */
  removals: Set<string>;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

const emptyBatch = (): Batch => ({ stacks: new Map(), resources: new Map(), events: [], removals: new Set(), waiters: [] });

export class WriteQueue {
  readonly #db: Db;
  #open: Batch = emptyBatch();
  #flushing: Promise<void> | null = null;
  #scheduled = false;

  constructor(db: Db) { this.#db = db; }

  /**
   * Stores the latest state of these stacks and resources and these events; resolves once committed.
   * Records are serialized now: later changes to the objects do not leak into this write.
   */
  write(w: { stacks?: readonly Stack[]; resources?: readonly Resource[]; events?: readonly StackEvent[]; removeResources?: readonly string[] }): Promise<void> {
    const batch = this.#open;
    for (const id of w.removeResources ?? []) batch.removals.add(id);
    for (const s of w.stacks ?? []) batch.stacks.set(s.id, stackToRow(s));
    for (const r of w.resources ?? []) batch.resources.set(r.id, resourceToRow(r));
    for (const e of w.events ?? []) batch.events.push(eventToRow(e));
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.#schedule();
    return done;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After the running flush (if any), and after the current turn of the event loop so every step that
    // became ready in it joins the same batch.
    const start = (): void => {
      setImmediate(() => {
        this.#scheduled = false;
        const batch = this.#open;
        this.#open = emptyBatch();
        this.#flushing = this.#flush(batch).finally(() => { this.#flushing = null; });
      });
    };
    if (this.#flushing) void this.#flushing.then(start, start);
    else start();
  }

  async #flush(batch: Batch): Promise<void> {
    try {
      await inTransaction(this.#db, async (tx) => {
        for (const s of batch.stacks.values()) await saveStackRow(tx, s);
        await upsertResourceRows(tx, [...batch.resources.values()].filter((r) => !batch.removals.has(r.id)));
        await deleteResourceRows(tx, [...batch.removals].map((id) => asId(id)));
        await insertEventRows(tx, batch.events);
      });
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      for (const w of batch.waiters) w.reject(err);
    }
  }

  /** Resolves when everything written so far is committed. */
  async drain(): Promise<void> {
    while (this.#flushing || this.#scheduled) await (this.#flushing ?? new Promise((r) => setImmediate(r)));
  }
}
