/**
 * ContainerInfraStore on SQLite and PostgreSQL: templates, a cluster with its default node groups in one
 * transaction, operations and their generations, events, quotas, sealed CA keys, node secrets, heartbeats.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestDatabase, TEST_ENGINES, type TestDatabase } from '../platform/db/testing.js';
import { newUuid } from '../platform/ids.js';
import { containerInfraMigrations } from './migrations/index.js';
import { SecretBox } from './secret-box.js';
import { ContainerInfraStore, defaultNodeGroups } from './store.js';
import type { ContainerInfraTables } from './tables.js';
import type { Cluster, ClusterTemplate } from './model.js';

const T0 = '2026-01-01T00:00:00.000Z';

export function sampleTemplate(over: Partial<ClusterTemplate> = {}): ClusterTemplate {
  return {
    uuid: newUuid(), name: 'swarm', projectId: 'p1', userId: 'u1', coe: 'swarm-mode', imageId: 'img', clusterDistro: 'debian', serverType: 'vm',
    flavorId: 'm1.small', masterFlavorId: 'm1.small', keypairId: null, dnsNameserver: null, externalNetworkId: 'public', fixedNetwork: null,
    fixedSubnet: null, networkDriver: 'docker', volumeDriver: null, apiserverPort: null, dockerVolumeSize: null, dockerStorageDriver: null,
    httpProxy: null, httpsProxy: null, noProxy: null, registryEnabled: false, insecureRegistry: null, labels: { a: '1' }, tlsDisabled: false,
    public: false, hidden: false, masterLbEnabled: false, floatingIpEnabled: true, tags: null, createdAt: T0, updatedAt: null, ...over,
  };
}

function sampleCluster(t: ClusterTemplate, over: Partial<Cluster> = {}): Cluster {
  return {
    uuid: newUuid(), name: 'c1', projectId: t.projectId, userId: 'u1', clusterTemplateId: t.uuid, keypair: null, labels: t.labels,
    masterFlavorId: 'm1.small', flavorId: 'm1.small', dockerVolumeSize: null, createTimeout: 60, fixedNetwork: null, fixedSubnet: null,
    floatingIpEnabled: true, masterLbEnabled: false, discoveryUrl: null, status: 'CREATE_IN_PROGRESS', statusReason: null,
    healthStatus: null, healthStatusReason: null, apiAddress: null, masterAddresses: [], nodeAddresses: [], coeVersion: null,
    containerVersion: null, stackId: null, trustId: null, operation: { kind: 'create' }, generation: 1, createdAt: T0, updatedAt: null, ...over,
  };
}

for (const { engine, skip } of TEST_ENGINES) {
  describe(`container-infra store (${engine})`, { skip }, () => {
    let dir: string;
    let tdb: TestDatabase<ContainerInfraTables>;
    let store: ContainerInfraStore;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-coe-store-'));
      tdb = await openTestDatabase<ContainerInfraTables>({ service: 'container_infra', engine, dataDir: dir, migrations: containerInfraMigrations });
      store = new ContainerInfraStore(tdb.database.db, SecretBox.fromKeyFile(path.join(dir, 'container-infra', 'ca-key.bin')));
    });
    after(async () => { await tdb?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

    it('keeps templates and finds them by uuid or name within visibility', async () => {
      const t = await store.createTemplate(sampleTemplate());
      const pub = await store.createTemplate(sampleTemplate({ name: 'pub', projectId: 'p2', public: true }));
      await store.createTemplate(sampleTemplate({ name: 'hid', projectId: 'p2', public: true, hidden: true }));
      assert.deepEqual(await store.getTemplate(t.uuid), t);
      assert.equal((await store.findTemplates('swarm', { projectId: 'p1' })).length, 1);
      assert.equal((await store.findTemplates('swarm', { projectId: 'p3' })).length, 0);
      assert.equal((await store.findTemplates(pub.uuid, { projectId: 'p3' })).length, 1);
      const page = { limit: 10, sortKey: 'id', sortDir: 'asc' as const };
      assert.deepEqual((await store.listTemplates({ projectId: 'p1', includeHidden: false }, page)).map((x) => x.name), ['swarm', 'pub']);
      assert.deepEqual((await store.listTemplates({ projectId: 'p1', includeHidden: true }, page)).map((x) => x.name), ['swarm', 'pub', 'hid']);
      assert.deepEqual((await store.listTemplates({ projectId: null, includeHidden: true }, { ...page, marker: t.uuid, limit: 1 })).map((x) => x.name), ['pub']);
      const updated = await store.updateTemplate({ ...t, name: 'renamed', labels: { b: '2' } });
      assert.equal(updated.name, 'renamed');
      assert.deepEqual(updated.labels, { b: '2' });
      assert.ok(updated.updatedAt);
    });

    it('creates a cluster with its default node groups, runs operations by generation', async () => {
      const t = await store.createTemplate(sampleTemplate({ name: 'for-cluster' }));
      const c = sampleCluster(t);
      await store.createCluster(c, defaultNodeGroups(c, { imageId: 'img', masterCount: 1, nodeCount: 2, newId: () => newUuid() }), { nodeSecret: 'mcs.secret' });
      assert.deepEqual(await store.getCluster(c.uuid), c);
      const groups = await store.listNodeGroups(c.uuid);
      assert.deepEqual(groups.map((g) => [g.name, g.role, g.nodeCount, g.isDefault]), [['default-master', 'master', 1, true], ['default-worker', 'worker', 2, true]]);
      assert.equal(await store.clustersUsingTemplate(t.uuid), 1);
      assert.deepEqual((await store.clustersWithOperation()).map((x) => x.uuid), [c.uuid]);
      assert.ok(await store.finishOperation(c.uuid, 1, { status: 'CREATE_COMPLETE' }));
      assert.equal((await store.getCluster(c.uuid))!.operation, null);
      const resized = await store.setOperation(c.uuid, { kind: 'resize', nodegroup: groups[1]!.uuid, nodeCount: 3, nodesToRemove: [] });
      assert.equal(resized!.generation, 2);
      assert.equal(resized!.status, 'UPDATE_IN_PROGRESS');
      await store.setOperation(c.uuid, { kind: 'delete' });
      assert.equal(await store.finishOperation(c.uuid, 2, { status: 'UPDATE_COMPLETE' }), false, 'a superseded operation does not finish');
      assert.equal((await store.getCluster(c.uuid))!.status, 'DELETE_IN_PROGRESS');
      assert.equal(await store.verifyNodeSecret(c.uuid, 'mcs.secret'), true);
      assert.equal(await store.verifyNodeSecret(c.uuid, 'mcs.secreT'), false);
      assert.equal(await store.verifyNodeSecret(newUuid(), 'mcs.secret'), false);
      assert.deepEqual(await store.stats({ projectId: 'p1' }), { clusters: 1, nodes: 3 });

      const e1 = await store.addEvent(c.uuid, 'CREATE_IN_PROGRESS', 'stack created');
      const e2 = await store.addEvent(c.uuid, 'node_ready', 'node 1 ready');
      assert.deepEqual((await store.listEvents(c.uuid)).map((e) => e.id), [e1.id, e2.id]);
      assert.deepEqual((await store.listEvents(c.uuid, { after: e1.id })).map((e) => e.message), ['node 1 ready']);

      await store.putCa(c.uuid, 'kubernetes', { certPem: 'CERT', keyPem: 'KEY' });
      assert.deepEqual(await store.getCa(c.uuid), { certPem: 'CERT', keyPem: 'KEY' });
      const sealed = await tdb.database.db.selectFrom('cluster_certificate').select('key_sealed').executeTakeFirstOrThrow();
      assert.ok(!Buffer.from(sealed.key_sealed, 'base64').toString().includes('KEY'));
      await store.putClientCertificate(c.uuid, { certPem: 'C2', keyPem: 'K2' });
      assert.deepEqual(await store.getClientCertificate(c.uuid), { certPem: 'C2', keyPem: 'K2' });

      await store.deleteCluster(c.uuid);
      assert.equal(await store.getCluster(c.uuid), undefined);
      assert.deepEqual(await store.listNodeGroups(c.uuid), []);
      assert.equal(await store.getCa(c.uuid), undefined);
    });

    it('keeps quotas and heartbeats', async () => {
      const q = await store.createQuota('p1', 'Cluster', 3);
      await assert.rejects(store.createQuota('p1', 'Cluster', 4), /already exists/);
      assert.equal((await store.updateQuota('p1', 'Cluster', 5))!.hardLimit, 5);
      assert.equal((await store.listQuotas({ projectId: null }, { limit: 10, sortKey: 'id', sortDir: 'asc' }))[0]!.id, q.id);
      assert.ok(await store.deleteQuota('p1', 'Cluster'));
      await store.heartbeat('h1');
      await store.heartbeat('h1');
      const [svc] = await store.listServices();
      assert.equal(svc!.reportCount, 2);
    });
  });
}
