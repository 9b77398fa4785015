/**
 * The orchestration store: rows <-> domain records for stacks, resources and events, and the queries the
 * engine and the API need. Writes the engine makes go through a WriteQueue (engine/write-queue.ts), which
 * batches them into transactions; everything here takes a Kysely that may be one.
 */
import type { Kysely, Selectable } from 'kysely';
import { fromBool, parseJson, toBool } from '../platform/db/database.js';
import { asId } from '../platform/ids.js';
import type { EventTable, OrchestrationTables, ResourceTable, StackTable } from './tables.js';
import type { Action, Operation, Resource, ResourceId, Stack, StackDefinition, StackEvent, StackId, Status } from './model.js';

export type Db = Kysely<OrchestrationTables>;

/**
 * Parsed definitions by their stored text. The same text gives the same object, so everything prepared
 * from it (engine/definition.ts caches by object: the template checked, conditions, the graph) is reused
 * by every read of the stack instead of checking a 200-resource template again for each GET. A few
 * recent ones are kept.
 */
const definitions = new Map<string, StackDefinition>();
const DEFINITIONS_KEPT = 32;

function definitionOf(text: string): StackDefinition {
  const hit = definitions.get(text);
  if (hit) {
    definitions.delete(text);
    definitions.set(text, hit);
    return hit;
  }
  const def = parseJson<StackDefinition>(text, { template: {}, environment: {}, files: {}, params: {}, resolved: {} });
  definitions.set(text, def);
  if (definitions.size > DEFINITIONS_KEPT) definitions.delete(definitions.keys().next().value!);
  return def;
}

export function stackFromRow(r: Selectable<StackTable>): Stack {
  return {
    id: asId(r.id), name: r.name, projectId: r.project_id, userId: r.user_id,
    action: r.action as Action, status: r.status as Status, statusReason: r.status_reason,
    definition: definitionOf(r.definition),
    disableRollback: toBool(r.disable_rollback), timeoutMins: r.timeout_mins, tags: parseJson<string[]>(r.tags, []),
    ownerId: r.owner_id === null ? null : asId(r.owner_id), ownerResource: r.owner_resource, rootId: asId(r.root_id),
    nestedDepth: r.nested_depth, trustId: r.trust_id, operation: parseJson<Operation | null>(r.operation, null),
    createdAt: r.created_at, updatedAt: r.updated_at, deletedAt: r.deleted_at,
  };
}

export function stackToRow(s: Stack): Selectable<StackTable> {
  return {
    id: s.id, name: s.name, project_id: s.projectId, user_id: s.userId, action: s.action, status: s.status,
    status_reason: s.statusReason, definition: JSON.stringify(s.definition), disable_rollback: fromBool(s.disableRollback),
    timeout_mins: s.timeoutMins, tags: JSON.stringify(s.tags), owner_id: s.ownerId, owner_resource: s.ownerResource,
    root_id: s.rootId, nested_depth: s.nestedDepth, trust_id: s.trustId,
    operation: s.operation === null ? null : JSON.stringify(s.operation),
    created_at: s.createdAt, updated_at: s.updatedAt, deleted_at: s.deletedAt,
  };
}

export function resourceFromRow(r: Selectable<ResourceTable>): Resource {
  return {
    id: asId(r.id), stackId: asId(r.stack_id), name: r.name, type: r.type, physicalId: r.physical_id,
    action: r.action as Action, status: r.status as Status, statusReason: r.status_reason,
    properties: parseJson<Record<string, unknown> | null>(r.properties, null),
    attributes: parseJson<Record<string, unknown>>(r.attributes, {}), data: parseJson<Record<string, unknown>>(r.data, {}),
    metadata: parseJson<unknown>(r.metadata, {}), requires: parseJson<string[]>(r.requires, []),
    replacedBy: r.replaced_by === null ? null : asId(r.replaced_by), replaces: r.replaces === null ? null : asId(r.replaces),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function resourceToRow(r: Resource): Selectable<ResourceTable> {
  return {
    id: r.id, stack_id: r.stackId, name: r.name, type: r.type, physical_id: r.physicalId, action: r.action, status: r.status,
    status_reason: r.statusReason, properties: r.properties === null ? null : JSON.stringify(r.properties),
    attributes: JSON.stringify(r.attributes), data: JSON.stringify(r.data), metadata: JSON.stringify(r.metadata ?? {}),
    requires: JSON.stringify(r.requires), replaced_by: r.replacedBy, replaces: r.replaces, created_at: r.createdAt, updated_at: r.updatedAt,
  };
}

export function eventFromRow(r: Selectable<EventTable>): StackEvent {
  return {
    id: asId(r.id), stackId: asId(r.stack_id), resourceName: r.resource_name, physicalId: r.physical_id, resourceType: r.resource_type,
    action: r.action as Action, status: r.status as Status, reason: r.reason, properties: parseJson<Record<string, unknown>>(r.properties, {}),
    time: r.created_at, seq: Number(r.seq),
  };
}

export function eventToRow(e: StackEvent): Selectable<EventTable> {
  return {
    id: e.id, stack_id: e.stackId, seq: e.seq, resource_name: e.resourceName, physical_id: e.physicalId, resource_type: e.resourceType,
    action: e.action, status: e.status, reason: e.reason, properties: JSON.stringify(e.properties), created_at: e.time,
  };
}

/** A stack by id, deleted ones included only when asked. */
export async function getStack(db: Db, id: string, opts: { withDeleted?: boolean } = {}): Promise<Stack | undefined> {
  let q = db.selectFrom('stack').selectAll().where('id', '=', id);
  if (!opts.withDeleted) q = q.where('deleted_at', 'is', null);
  const row = await q.executeTakeFirst();
  return row && stackFromRow(row);
}

/** The live stack of this name in a project (names are unique among a project's live stacks). */
export async function findStackByName(db: Db, projectId: string | null, name: string): Promise<Stack | undefined> {
  let q = db.selectFrom('stack').selectAll().where('name', '=', name).where('deleted_at', 'is', null);
  if (projectId !== null) q = q.where('project_id', '=', projectId);
  const row = await q.orderBy('created_at', 'desc').executeTakeFirst();
  return row && stackFromRow(row);
}

export interface StackQuery {
  projectId: string | null;
  showDeleted: boolean;
  showNested: boolean;
}

/** Stacks for a listing; filtering, sorting and paging beyond these happen in the API layer. */
export async function listStacks(db: Db, q: StackQuery): Promise<Stack[]> {
  let query = db.selectFrom('stack').selectAll();
  if (q.projectId !== null) query = query.where('project_id', '=', q.projectId);
  if (!q.showDeleted) query = query.where('deleted_at', 'is', null);
  if (!q.showNested) query = query.where('owner_id', 'is', null);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(stackFromRow);
}

/** Live top-level stacks a project holds, for max_stacks_per_tenant. */
export async function countStacks(db: Db, projectId: string): Promise<number> {
  const r = await db.selectFrom('stack').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId).where('deleted_at', 'is', null).where('owner_id', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * Live resources in a whole stack tree (the root and every live nested stack), optionally leaving one
 * nested stack out: Heat's max_resources_per_stack counts the tree (Stack.total_resources).
 */
export async function treeResourceCount(db: Db, rootId: StackId, except?: StackId): Promise<number> {
  let q = db.selectFrom('resource').innerJoin('stack', 'stack.id', 'resource.stack_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('stack.root_id', '=', rootId).where('stack.deleted_at', 'is', null).where('resource.replaced_by', 'is', null)
    .where((eb) => eb.not(eb.and([eb('resource.action', '=', 'DELETE'), eb('resource.status', '=', 'COMPLETE')])));
  if (except) q = q.where('stack.id', '!=', except);
  const r = await q.executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Nested stacks of a stack (live ones). */
export async function childStacks(db: Db, ownerId: StackId): Promise<Stack[]> {
  const rows = await db.selectFrom('stack').selectAll().where('owner_id', '=', ownerId).where('deleted_at', 'is', null).execute();
  return rows.map(stackFromRow);
}

/** Every resource row of a stack, replaced and replacement rows included, oldest first. */
export async function stackResources(db: Db, stackId: StackId): Promise<Resource[]> {
  const rows = await db.selectFrom('resource').selectAll().where('stack_id', '=', stackId).orderBy('created_at').orderBy('id').execute();
  return rows.map(resourceFromRow);
}

/**
 * The stacks an engine must carry on with after a restart: top-level ones with an operation, and nested
 * ones with an operation whose parent has none (left behind when the parent's step failed around them;
 * a nested stack whose parent is in progress is driven by the parent's step).
 */
export async function stacksWithOperations(db: Db): Promise<Stack[]> {
  const rows = await db.selectFrom('stack').selectAll().where('operation', 'is not', null)
    .where((eb) => eb.or([
      eb('owner_id', 'is', null),
      eb('owner_id', 'in', eb.selectFrom('stack as parent').select('parent.id').where('parent.operation', 'is', null)),
    ]))
    .execute();
  return rows.map(stackFromRow);
}

/** A stack's events in order. */
export async function stackEvents(db: Db, stackIds: readonly StackId[]): Promise<StackEvent[]> {
  if (stackIds.length === 0) return [];
  const rows = await db.selectFrom('event').selectAll().where('stack_id', 'in', stackIds).orderBy('seq').execute();
  return rows.map(eventFromRow);
}

/** The highest event sequence number stored, so a restarted engine continues after it. */
export async function maxEventSeq(db: Db): Promise<number> {
  const r = await db.selectFrom('event').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst();
  return Number(r?.m ?? 0);
}

export async function insertStack(db: Db, s: Stack): Promise<void> {
  await db.insertInto('stack').values(stackToRow(s)).execute();
}

export async function saveStack(db: Db, s: Stack): Promise<void> {
  await saveStackRow(db, stackToRow(s));
}

/** Stores a stack row already serialized (the write queue serializes when a write is asked for). */
export async function saveStackRow(db: Db, r: Selectable<StackTable>): Promise<void> {
  const { id, ...row } = r;
  await db.updateTable('stack').set(row).where('id', '=', id).execute();
}

const RESOURCE_COLUMNS = [
  'stack_id', 'name', 'type', 'physical_id', 'action', 'status', 'status_reason', 'properties', 'attributes', 'data', 'metadata',
  'requires', 'replaced_by', 'replaces', 'created_at', 'updated_at',
] as const;

/** Stores rows, new or not, in one statement per 500 (INSERT … ON CONFLICT DO UPDATE on both engines). */
export async function upsertResources(db: Db, rs: readonly Resource[]): Promise<void> {
  await upsertResourceRows(db, rs.map(resourceToRow));
}

/** The same for rows already serialized. */
export async function upsertResourceRows(db: Db, rows: ReadonlyArray<Selectable<ResourceTable>>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db.insertInto('resource').values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => Object.fromEntries(RESOURCE_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))))
      .execute();
  }
}

/** Inserts rows known to be new (a stack's first rows). */
export async function insertResources(db: Db, rs: readonly Resource[]): Promise<void> {
  // 17 columns a row: 500 rows keep a statement well under SQLite's bound-variable cap.
  for (let i = 0; i < rs.length; i += 500) await db.insertInto('resource').values(rs.slice(i, i + 500).map(resourceToRow)).execute();
}

export async function deleteResourceRows(db: Db, ids: readonly ResourceId[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('resource').where('id', 'in', ids).execute();
}

export async function insertEvents(db: Db, es: readonly StackEvent[]): Promise<void> {
  await insertEventRows(db, es.map(eventToRow));
}

/** The same for rows already serialized. */
export async function insertEventRows(db: Db, rows: ReadonlyArray<Selectable<EventTable>>): Promise<void> {
  // SQLite caps bound variables per statement (32766); 11 columns a row, 500 rows a statement.
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('event').values(rows.slice(i, i + 500)).execute();
}
