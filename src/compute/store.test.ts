/**
 * Compute's stores on SQLite and PostgreSQL: flavors, key pairs, the host registry, integer ids under
 * concurrency, the interim IPAM, quota usage, and the optimistic concurrency of server transitions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Conflict, NotFound } from '../platform/errors.js';
import { inTransaction } from '../platform/db/database.js';
import { silentLogger } from '../platform/log.js';
import { ENGINES, openComputeTestDatabase, registration } from './testing.js';
import type { ComputeTables } from './tables.js';
import { FlavorStore, DEFAULT_FLAVORS } from './flavors/store.js';
import { KeypairStore } from './keypairs/store.js';
import { HostStore } from './hosts/store.js';
import { RevisionNotifier } from './hosts/notifier.js';
import { nextId } from './sequence.js';
import { QuotaService } from './quotas/service.js';
import { ServerStore } from './servers/store.js';
import { ActionStore } from './servers/actions-store.js';
import { ServerService, type Caller } from './servers/service.js';

/** Inserts a minimal live server row (what createServers writes), for store-level tests. */
async function insertServer(db: Kysely<ComputeTables>, fields: { id?: string; projectId: string; userId?: string; host?: string | null; flavor?: object }): Promise<string> {
  const id = fields.id ?? randomUUID();
  const now = new Date().toISOString();
  await db.insertInto('server').values({
    id, internal_id: await nextId(db, 'server'), project_id: fields.projectId, user_id: fields.userId ?? 'u', name: 'n', description: null, hostname: 'n',
    image_id: randomUUID(), flavor: JSON.stringify(fields.flavor ?? { id: '1', name: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} }),
    old_flavor: null, resize_phase: null, key_name: null, key_data: null, user_data: null, config_drive: 0, availability_zone: null,
    host: fields.host ?? null, reservation_id: 'r-1', launch_index: 0, security_groups: '[]', requested_networks: '"auto"', ports_pending: 0, access_ipv4: null,
    access_ipv6: null, locked_by: null, locked_reason: null, created_at: now, updated_at: now, launched_at: now, terminated_at: null,
    deleted_at: null, deleted: 0, power: 'running', generation: 1, reboot_count: 0, rebuild_count: 0, task: null, task_generation: 1,
    snapshot_image_id: null, snapshot_requested_at: null, fault: null, obs_state: 'running', obs_generation: 1, obs_fault: null,
    obs_started_at: null, obs_reboot_count: 0, obs_rebuild_count: 0, obs_snapshot_done: null, observed_at: now,
  }).execute();
  return id;
}

for (const { engine, skip } of ENGINES) {
  describe(`compute stores on ${engine}`, { skip }, () => {
    let db: Kysely<ComputeTables>;
    let close: () => Promise<void>;
    before(async () => {
      const opened = await openComputeTestDatabase(engine);
      db = opened.database.db;
      close = opened.close;
    });
    after(async () => { await close?.(); });

    it('flavors: defaults once, conflicts by name and id, extra specs upsert, access, cascading delete', async () => {
      const flavors = new FlavorStore(db);
      await Promise.all([flavors.ensureDefaults(), flavors.ensureDefaults()]);
      assert.deepEqual((await flavors.all()).map((f) => f.flavorid), DEFAULT_FLAVORS.map((d) => d.flavorid));
      const base = { flavorid: 'x', name: 'x', memoryMb: 1, vcpus: 1, rootGb: 0, ephemeralGb: 0, swap: 0, rxtxFactor: 1.5, isPublic: false, description: null };
      await flavors.create(base);
      await assert.rejects(flavors.create({ ...base, flavorid: 'y' }), Conflict);
      await assert.rejects(flavors.create({ ...base, name: 'y' }), Conflict);
      const raced = await Promise.allSettled([flavors.create({ ...base, flavorid: 'r1', name: 'race' }), flavors.create({ ...base, flavorid: 'r2', name: 'race' })]);
      assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      await flavors.setExtraSpecs('x', { a: '1', b: '2' });
      await flavors.setExtraSpecs('x', { a: '3' });
      assert.deepEqual((await flavors.find('x'))!.extraSpecs, { a: '3', b: '2' });
      assert.equal((await flavors.find('x'))!.rxtxFactor, 1.5);
      await flavors.addAccess('x', 'p1');
      await assert.rejects(flavors.addAccess('x', 'p1'), Conflict);
      await assert.rejects(flavors.visible('x', { admin: false, projectId: 'p2' }), NotFound);
      assert.equal((await flavors.visible('x', { admin: false, projectId: 'p1' })).flavorid, 'x');
      await flavors.delete('x');
      assert.equal(await db.selectFrom('flavor_extra_spec').select('key').where('flavorid', '=', 'x').executeTakeFirst(), undefined);
      assert.deepEqual(await flavors.accessList('x'), []);
      await assert.rejects(flavors.delete('x'), NotFound);
    });

    it('key pairs: unique per user, the same name for two users, paging by name', async () => {
      const keypairs = new KeypairStore(db);
      const none = async (): Promise<void> => {};
      const kp = (userId: string, name: string) => ({ userId, name, type: 'ssh' as const, publicKey: 'ssh-rsa AAAA', fingerprint: 'f' });
      await keypairs.create(kp('u1', 'a'), none);
      await keypairs.create(kp('u2', 'a'), none);
      await assert.rejects(keypairs.create(kp('u1', 'a'), none), Conflict);
      const raced = await Promise.allSettled([keypairs.create(kp('u3', 'r'), none), keypairs.create(kp('u3', 'r'), none)]);
      assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      for (const n of ['c', 'b', 'd']) await keypairs.create(kp('u1', n), none);
      assert.deepEqual((await keypairs.list('u1', 2)).map((k) => k.name), ['a', 'b']);
      assert.deepEqual((await keypairs.list('u1', 10, 'b')).map((k) => k.name), ['c', 'd']);
      await keypairs.delete('u1', 'a');
      await assert.rejects(keypairs.get('u1', 'a'), NotFound);
      assert.equal((await keypairs.get('u2', 'a')).userId, 'u2');
    });

    it('integer ids stay unique under concurrent transactions', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => inTransaction(db, (tx) => nextId(tx, 'action'))));
      assert.equal(new Set(ids).size, 20);
    });

    it('hosts: registration makes the service and hypervisor once, even when two heartbeats race', async () => {
      const hosts = new HostStore(db);
      const [r1, r2] = await Promise.all([hosts.register('h1', registration()), hosts.register('h1', registration())]);
      assert.equal(r1.revision, r2.revision);
      assert.equal((await hosts.services({ host: 'h1' })).length, 1);
      const h = (await hosts.host('h1'))!;
      assert.equal(h.memoryMb, 16384);
      await hosts.register('h1', registration({ resources: { vcpus: 2, memoryMb: 1024, diskGb: 10 } }));
      assert.equal((await hosts.host('h1'))!.memoryMb, 1024);
      const before = await hosts.revision('h1');
      await HostStore.bump(db, 'h1');
      assert.equal(await hosts.revision('h1'), before + 1);
      await hosts.heartbeatControlService('ctl', 'nova-scheduler');
      await hosts.heartbeatControlService('ctl', 'nova-scheduler');
      assert.equal((await hosts.services({ binary: 'nova-scheduler' })).length, 1);
      await insertServer(db, { projectId: 'p', host: 'h1' });
      await assert.rejects(hosts.deleteService((await hosts.services({ host: 'h1' }))[0]!), Conflict);
    });

    it('quota usage is counted from live records', async () => {
      const quotas = new QuotaService(db);
      await insertServer(db, { projectId: 'qp', userId: 'qu' });
      await insertServer(db, { projectId: 'qp', userId: 'qu', flavor: { id: '3', name: 'm', vcpus: 2, ramMb: 4096, diskGb: 40, ephemeralGb: 0, swapMb: 0, extraSpecs: {} } });
      const gone = await insertServer(db, { projectId: 'qp', userId: 'qv' });
      await db.updateTable('server').set({ deleted: 1 }).where('id', '=', gone).execute();
      const usage = await quotas.usage('qp');
      assert.equal(usage.instances, 2);
      assert.equal(usage.cores, 3);
      assert.equal(usage.ram, 4608);
      await quotas.setLimits('qp', undefined, { instances: 3 });
      assert.equal(await quotas.checkInstances(db, 'qp', 'qu', { vcpus: 1, ramMb: 512 }, 1, 5), 1);
      await assert.rejects(quotas.checkInstances(db, 'qp', 'qu', { vcpus: 1, ramMb: 512 }, 2, 2), /Quota exceeded for instances: Requested 2, but already used 2 of 3 instances/);
    });

    it('two actions racing on one server: one wins, the other sees the new state', async () => {
      const id = await insertServer(db, { projectId: 'race', host: null });
      const service = new ServerService({ db, servers: new ServerStore(db), actions: new ActionStore(db), hosts: new HostStore(db), ports: { kickRelease: () => {} }, notifier: new RevisionNotifier(), log: silentLogger() });
      const caller: Caller = { userId: 'u', projectId: 'race', requestId: 'req-1', admin: false };
      const stop = () => service.transition(caller, id, { action: 'stop', vmStates: ['active'], change: async () => ({ set: { power: 'stopped' }, task: 'powering-off' }) });
      const results = await Promise.allSettled([stop(), stop()]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof Conflict);
      const s = (await new ServerStore(db).get(id))!;
      assert.equal(s.desired.generation, 2);
      assert.equal(s.desired.task, 'powering-off');
      assert.equal((await new ActionStore(db).list(id)).length, 1);
    });
  });
}
