/**
 * Nova's integer ids (keypairs, services, hypervisors, instance names, actions): counters in one table,
 * taken inside the caller's transaction so a rolled-back create does not leave a gap-free promise broken
 * (gaps are fine; duplicates are not).
 */
import type { Kysely } from 'kysely';
import type { ComputeTables } from './tables.js';

export type SequenceName = 'flavor' | 'keypair' | 'service' | 'hypervisor' | 'server' | 'action' | 'event';

/** The next value of a counter (1, 2, …). */
export async function nextId(db: Kysely<ComputeTables>, name: SequenceName): Promise<number> {
  await db.insertInto('sequence').values({ name, value: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.updateTable('sequence').set((eb) => ({ value: eb('value', '+', 1) })).where('name', '=', name)
    .returning('value').executeTakeFirstOrThrow();
  return row.value;
}
