/**
 * Test support: an engine over a throwaway database (SQLite, or a PostgreSQL schema of its own), with the
 * built-in plugins and no other services.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../platform/log.js';
import { openTestDatabase, type TestDatabase } from '../../platform/db/testing.js';
import type { Engine as DbEngine } from '../../platform/db/database.js';
import { orchestrationMigrations } from '../migrations/index.js';
import type { OrchestrationTables } from '../tables.js';
import { NO_SERVICES, stackClients } from '../plugins/stack-clients.js';
import { createRegistry } from '../plugins/registry.js';
import type { ResourcePlugin } from '../plugins/types.js';
import { getStack, stackEvents, stackResources, type Db } from '../store.js';
import { Engine } from './engine.js';
import { resolveDefinition } from './definition.js';
import type { Stack, StackId } from '../model.js';

export interface TestEngine {
  readonly engine: Engine;
  readonly db: Db;
  /** Creates a stack from a template and waits for the create (and any rollback) to end. */
  create(name: string, template: Record<string, unknown>, opts?: { params?: Record<string, unknown>; files?: Record<string, string>; disableRollback?: boolean; environment?: Record<string, unknown> }): Promise<Stack>;
  /** Updates and waits. */
  update(id: StackId, template: Record<string, unknown>, opts?: { params?: Record<string, unknown>; rollback?: boolean }): Promise<Stack>;
  delete(id: StackId): Promise<Stack>;
  stack(id: StackId): Promise<Stack>;
  resources(id: StackId): ReturnType<typeof stackResources>;
  events(id: StackId): ReturnType<typeof stackEvents>;
  /** A fresh engine over the same database (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function createTestEngine(engineKind: DbEngine = 'sqlite', extra: readonly ResourcePlugin[] = [], opts: { minuteMs?: number } = {}): Promise<TestEngine> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-orch-test-'));
  const tdb: TestDatabase<OrchestrationTables> = await openTestDatabase<OrchestrationTables>({ service: 'orchestration', engine: engineKind, dataDir, migrations: orchestrationMigrations });
  const db = tdb.database.db;
  const registry = createRegistry(extra);
  const make = (): Promise<Engine> => Engine.create({ db, log: silentLogger(), registry, ...opts, clientsFor: (s) => stackClients(db, s, NO_SERVICES, async () => 'unused') });
  let engine = await make();
  const wait = async (id: StackId): Promise<Stack> => {
    await engine.run(id);
    await engine.drain();
    return (await getStack(db, id, { withDeleted: true }))!;
  };
  const t: TestEngine = {
    get engine() { return engine; },
    db,
    async create(name, template, opts = {}) {
      const definition = await resolveDefinition(registry, { template, params: opts.params, files: opts.files, environment: opts.environment });
      const s = await engine.createStack({ name, projectId: 'p1', userId: 'u1', definition, disableRollback: opts.disableRollback ?? true, timeoutMins: null, tags: [], trustId: null });
      return wait(s.id);
    },
    async update(id, template, opts = {}) {
      const s = (await getStack(db, id))!;
      const target = await resolveDefinition(registry, { template, params: opts.params, files: s.definition.files });
      await engine.begin(s, { kind: 'update', rollback: opts.rollback ?? false, target, previous: s.definition });
      return wait(id);
    },
    async delete(id) {
      const s = (await getStack(db, id))!;
      await engine.begin(s, { kind: 'delete' });
      return wait(id);
    },
    stack: async (id) => (await getStack(db, id, { withDeleted: true }))!,
    resources: (id) => stackResources(db, id),
    events: (id) => stackEvents(db, [id]),
    async restart() {
      await engine.close();
      engine = await make();
    },
    async close() {
      await engine.close();
      await tdb.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
