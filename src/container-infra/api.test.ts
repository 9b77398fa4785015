/**
 * Magnum v1 through the HTTP app with real identity, on SQLite and PostgreSQL: discovery and
 * microversions, templates, clusters with their stored operations, patch rules, resize and upgrade
 * checks, node groups, certificates (an openssl CSR; the node secret), quotas, stats, mservices, events,
 * the errors envelope and project isolation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestContainerInfra, ENGINES, type TestContainerInfra, type TestUser } from './testing.js';
import { makeCa } from './pki.js';
import type { ClusterId } from './model.js';

const TEMPLATE = { name: 'swarm', coe: 'swarm-mode', image_id: 'debian-12-docker', external_network_id: 'public', flavor_id: 'm1.small', master_flavor_id: 'm1.small', network_driver: 'docker', labels: { a: '1', b: '2' } };

function opensslCsr(cn: string, sans?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-csr-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'r.csr', '-subj', `/CN=${cn}`, ...(sans ? ['-addext', `subjectAltName=${sans}`] : [])], { cwd: dir, stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'r.csr'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const { engine, skip } of ENGINES) {
  describe(`container-infra API (${engine})`, { skip }, () => {
    let t: TestContainerInfra;
    let member: TestUser;
    let reader: TestUser;
    let other: TestUser;
    let templateId: string;
    before(async () => {
      t = await createTestContainerInfra(engine);
      member = await t.user('coe-member');
      reader = await t.user('coe-reader', { role: 'reader', project: 'coe-member-project' });
      other = await t.user('coe-other');
    });
    after(async () => { await t?.close(); });

    it('serves version discovery without a token and negotiates microversions', async () => {
      const root = await t.ok(200, 'GET', '/', undefined, null, null);
      assert.equal(root.versions[0].max_version, '1.10');
      assert.equal(root.versions[0].min_version, '1.1');
      const v1 = await t.call('GET', '/v1', undefined, null, null);
      assert.equal(v1.statusCode, 200);
      assert.equal(v1.headers['openstack-api-version'], 'container-infra 1.1');
      assert.equal(v1.headers['openstack-api-minimum-version'], 'container-infra 1.1');
      assert.equal(v1.headers['openstack-api-maximum-version'], 'container-infra 1.10');
      assert.equal(v1.headers.vary, 'OpenStack-API-Version');
      assert.ok(v1.json().clusters);
      const latest = await t.call('GET', '/v1/clusters', undefined, member.token, 'latest');
      assert.equal(latest.headers['openstack-api-version'], 'container-infra 1.10');
      const tooNew = await t.call('GET', '/v1/clusters', undefined, member.token, '1.11');
      assert.equal(tooNew.statusCode, 406);
      assert.equal(tooNew.json().code, 'magnum.microversion-unsupported');
      assert.equal(tooNew.json().max_version, '1.10');
      const major = await t.call('GET', '/v1/clusters', undefined, member.token, '2.0');
      assert.equal(major.statusCode, 406);
      const service = await t.call('GET', '/v1/clusters', undefined, member.token, null);
      assert.equal(service.statusCode, 200);
      const h = await t.call('GET', '/v1/clusters', undefined, member.token, 'x.y');
      assert.equal(h.statusCode, 406);
      assert.equal(h.json().errors[0].status, 406);
      // Per-route minimum versions.
      assert.equal((await t.call('GET', '/v1/stats', undefined, member.token, '1.3')).statusCode, 406);
      assert.equal((await t.call('GET', '/v1/stats', undefined, member.token, '1.4')).statusCode, 200);
      const noToken = await t.call('GET', '/v1/clusters', undefined, null);
      assert.equal(noToken.statusCode, 401);
    });

    it('creates, lists, shows, patches and deletes cluster templates with Magnum\'s rules', async () => {
      const created = await t.call('POST', '/v1/clustertemplates', TEMPLATE, member.token);
      assert.equal(created.statusCode, 201, created.body);
      const tpl = created.json();
      templateId = tpl.uuid;
      assert.equal(tpl.cluster_distro, 'debian');
      assert.equal(tpl.project_id, member.projectId);
      assert.equal(tpl.floating_ip_enabled, true);
      assert.equal(tpl.server_type, 'vm');
      assert.ok(String(created.headers.location).endsWith(`/v1/clustertemplates/${tpl.uuid}`));
      const list = await t.ok(200, 'GET', '/v1/clustertemplates', undefined, reader.token);
      assert.deepEqual(Object.keys(list.clustertemplates[0]).sort(), ['links', 'name', 'tags', 'uuid']);
      const detail = await t.ok(200, 'GET', '/v1/clustertemplates/detail', undefined, reader.token);
      assert.equal(detail.clustertemplates[0].coe, 'swarm-mode');
      assert.equal((await t.ok(200, 'GET', '/v1/clustertemplates/swarm', undefined, member.token)).uuid, tpl.uuid);
      // Bad references are 400s; public needs the admin.
      for (const [field, value] of [['image_id', 'nope'], ['image_id', 'no-distro'], ['flavor_id', 'm9'], ['external_network_id', 'private'], ['network_driver', 'calico'], ['volume_driver', 'cinder'], ['coe', 'mesos']] as const) {
        const r = await t.call('POST', '/v1/clustertemplates', { ...TEMPLATE, [field]: value }, member.token);
        assert.equal(r.statusCode, 400, `${field}=${value}: ${r.body}`);
        assert.equal(r.json().errors[0].code, 'client');
      }
      assert.equal((await t.call('POST', '/v1/clustertemplates', { ...TEMPLATE, public: true }, member.token)).statusCode, 403);
      assert.equal((await t.call('POST', '/v1/clustertemplates', { ...TEMPLATE, bogus: 1 }, member.token)).statusCode, 400);
      assert.equal((await t.call('POST', '/v1/clustertemplates', { name: 'x' }, member.token)).statusCode, 400);
      const patched = await t.ok(200, 'PATCH', `/v1/clustertemplates/${tpl.uuid}`, [{ op: 'replace', path: '/labels', value: { a: '1', b: '2', c: '3' } }, { op: 'replace', path: '/tags', value: 't1' }], member.token);
      assert.deepEqual(patched.labels, { a: '1', b: '2', c: '3' });
      assert.equal(patched.tags, 't1');
      assert.equal((await t.call('PATCH', `/v1/clustertemplates/${tpl.uuid}`, [{ op: 'replace', path: '/public', value: true }], member.token)).statusCode, 403);
      assert.equal((await t.call('PATCH', `/v1/clustertemplates/${tpl.uuid}`, [{ op: 'remove', path: '/coe' }], member.token)).statusCode, 400);
      assert.equal((await t.call('PATCH', `/v1/clustertemplates/${tpl.uuid}`, [{ op: 'replace', path: '/uuid', value: 'x' }], member.token)).statusCode, 400);
      assert.equal((await t.call('PATCH', '/v1/clustertemplates/nope', { name: 'not a patch' }, member.token)).statusCode, 400);
      // The reader reads but does not write; another project sees nothing private.
      assert.equal((await t.call('POST', '/v1/clustertemplates', TEMPLATE, reader.token)).statusCode, 403);
      assert.equal((await t.call('GET', `/v1/clustertemplates/${tpl.uuid}`, undefined, other.token)).statusCode, 404);
      assert.equal((await t.ok(200, 'GET', '/v1/clustertemplates', undefined, other.token)).clustertemplates.length, 0);
      // The admin publishes; then everyone sees it, hidden ones only the admin lists.
      const pub = await t.ok(201, 'POST', '/v1/clustertemplates', { ...TEMPLATE, name: 'pub', public: true });
      assert.equal((await t.ok(200, 'GET', `/v1/clustertemplates/${pub.uuid}`, undefined, other.token)).name, 'pub');
      await t.ok(200, 'PATCH', `/v1/clustertemplates/${pub.uuid}`, [{ op: 'replace', path: '/hidden', value: true }]);
      assert.equal((await t.ok(200, 'GET', '/v1/clustertemplates', undefined, other.token)).clustertemplates.length, 0);
      await t.ok(204, 'DELETE', `/v1/clustertemplates/${pub.uuid}`);
      // Baymodels are the same templates.
      assert.equal((await t.ok(200, 'GET', `/v1/baymodels/${tpl.uuid}`, undefined, member.token)).name, 'swarm');
    });

    let clusterId: ClusterId;
    it('creates a cluster: 202 {uuid}, default node groups, operation stored, conductor kicked, labels merged', async () => {
      const r = await t.call('POST', '/v1/clusters', { name: 'c1', cluster_template_id: 'swarm', node_count: 2, labels: { b: '9', d: '4' }, merge_labels: true }, member.token);
      assert.equal(r.statusCode, 202, r.body);
      assert.deepEqual(Object.keys(r.json()), ['uuid']);
      clusterId = r.json().uuid;
      assert.deepEqual(t.kicked.at(-1), clusterId);
      const row = await t.store.getCluster(clusterId);
      assert.deepEqual(row?.operation, { kind: 'create' });
      assert.equal(row?.status, 'CREATE_IN_PROGRESS');
      const c = await t.ok(200, 'GET', '/v1/clusters/c1', undefined, reader.token);
      assert.equal(c.uuid, clusterId);
      assert.equal(c.node_count, 2);
      assert.equal(c.master_count, 1);
      assert.equal(c.create_timeout, 60);
      assert.deepEqual(c.labels, { a: '1', b: '9', c: '3', d: '4' });
      assert.deepEqual(c.labels_overridden, { b: '9' });
      assert.deepEqual(c.labels_added, { d: '4' });
      assert.deepEqual(c.labels_skipped, {});
      for (const f of ['status_reason', 'health_status', 'health_status_reason', 'api_address', 'master_addresses', 'node_addresses', 'coe_version', 'stack_id', 'keypair', 'flavor_id', 'project_id']) assert.ok(f in c, f);
      assert.ok(!('faults' in c));
      assert.ok(!('trust_id' in c));
      const groups = await t.ok(200, 'GET', `/v1/clusters/${clusterId}/nodegroups`, undefined, member.token);
      assert.deepEqual(groups.nodegroups.map((g: { name: string; node_count: number }) => [g.name, g.node_count]), [['default-master', 1], ['default-worker', 2]]);
      assert.equal((await t.call('GET', `/v1/clusters/${clusterId}/nodegroups`, undefined, member.token, '1.8')).statusCode, 406);
      const list = await t.ok(200, 'GET', '/v1/clusters', undefined, member.token);
      assert.equal(list.clusters[0].node_count, 2);
      assert.ok(!('labels_added' in list.clusters[0]));
      // Faults when failed.
      await t.store.finishOperation(clusterId, 1, { status: 'CREATE_FAILED', statusReason: 'stack failed' });
      assert.deepEqual((await t.ok(200, 'GET', `/v1/clusters/${clusterId}`, undefined, member.token)).faults, { c1: 'stack failed' });
      await t.store.updateCluster(clusterId, { status: 'CREATE_COMPLETE', statusReason: null, apiAddress: 'tcp://172.24.4.9:2376' });
      // Template in use: only name/public/hidden/tags change; no delete.
      assert.equal((await t.call('DELETE', `/v1/clustertemplates/${templateId}`, undefined, member.token)).json().errors[0].status, 400);
      assert.equal((await t.call('PATCH', `/v1/clustertemplates/${templateId}`, [{ op: 'replace', path: '/flavor_id', value: 'm1.tiny' }], member.token)).statusCode, 400);
      await t.ok(200, 'PATCH', `/v1/clustertemplates/${templateId}`, [{ op: 'replace', path: '/name', value: 'swarm2' }], member.token);
    });

    it('refuses bad cluster creates with Magnum\'s statuses', async () => {
      const cases: Array<[unknown, number, string?]> = [
        [{ cluster_template_id: 'does-not-exist' }, 400],
        [{ cluster_template_id: templateId, master_count: 0 }, 400],
        [{ cluster_template_id: templateId, flavor_id: 'aaa' }, 400],
        [{ cluster_template_id: templateId, keypair: 'aaa' }, 400],
        [{ cluster_template_id: templateId, name: '1bad' }, 400],
        [{ cluster_template_id: templateId, master_count: 3 }, 400],
        [{ cluster_template_id: templateId, node_count: -1 }, 400],
        [{ cluster_template_id: templateId, node_count: 'x' }, 400],
        [{ cluster_template_id: templateId, bogus: 'x' }, 400],
        [{}, 400],
        [[], 400],
      ];
      for (const [body, status] of cases) {
        const r = await t.call('POST', '/v1/clusters', body, member.token);
        assert.equal(r.statusCode, status, `${JSON.stringify(body)}: ${r.body}`);
        assert.ok(r.json().errors[0].detail);
      }
      assert.equal((await t.call('POST', '/v1/clusters', { cluster_template_id: templateId, node_count: 0 }, member.token, '1.9')).statusCode, 400);
      const zero = await t.call('POST', '/v1/clusters', { name: 'zero', cluster_template_id: templateId, node_count: 0 }, member.token, '1.10');
      assert.equal(zero.statusCode, 202);
      await t.ok(204, 'DELETE', `/v1/clusters/${zero.json().uuid}`, undefined, member.token);
      await t.store.deleteCluster(zero.json().uuid);
    });

    it('patches node_count (a resize of default-worker) and health (just saved), and nothing else', async () => {
      const before = (await t.store.getCluster(clusterId))!;
      const r = await t.call('PATCH', `/v1/clusters/${clusterId}`, [{ op: 'replace', path: '/node_count', value: 3 }], member.token);
      assert.equal(r.statusCode, 202, r.body);
      assert.deepEqual(r.json(), { uuid: clusterId });
      const row = (await t.store.getCluster(clusterId))!;
      assert.equal(row.operation?.kind, 'resize');
      assert.equal(row.generation, before.generation + 1);
      assert.equal(row.status, 'UPDATE_IN_PROGRESS');
      assert.equal((await t.ok(200, 'GET', `/v1/clusters/${clusterId}`, undefined, member.token)).node_count, 3);
      await t.store.finishOperation(clusterId, row.generation, { status: 'UPDATE_COMPLETE' });
      await t.ok(202, 'PATCH', `/v1/clusters/${clusterId}`, [{ op: 'replace', path: '/health_status', value: 'HEALTHY' }, { op: 'replace', path: '/health_status_reason', value: { api: 'ok' } }], member.token);
      const shown = await t.ok(200, 'GET', `/v1/clusters/${clusterId}`, undefined, member.token);
      assert.equal(shown.health_status, 'HEALTHY');
      assert.deepEqual(shown.health_status_reason, { api: 'ok' });
      assert.equal((await t.store.getCluster(clusterId))!.operation, null);
      for (const patch of [[{ op: 'replace', path: '/name', value: 'x' }], [{ op: 'replace', path: '/api_address', value: '0.0.0.0' }], [{ op: 'replace', path: '/uuid', value: 'x' }], [{ op: 'remove', path: '/node_count' }], [{ op: 'replace', path: '/health_status', value: 'GREAT' }], { node_count: 3 }, [], [{ op: 'move', path: '/node_count' }]]) {
        const bad = await t.call('PATCH', `/v1/clusters/${clusterId}`, patch, member.token);
        assert.equal(bad.statusCode, 400, `${JSON.stringify(patch)}: ${bad.body}`);
      }
      assert.equal((await t.call('PATCH', `/v1/clusters/${clusterId}`, [{ op: 'replace', path: '/node_count', value: 2 }], reader.token)).statusCode, 403);
      assert.equal((await t.call('PATCH', '/v1/clusters/fooo', [{ op: 'replace', path: '/node_count', value: 2 }], member.token)).statusCode, 404);
    });

    it('checks resize and upgrade requests', async () => {
      const url = `/v1/clusters/${clusterId}/actions/resize`;
      assert.equal((await t.call('POST', url, { node_count: 2 }, member.token, '1.6')).statusCode, 406);
      assert.equal((await t.call('POST', url, { node_count: 2, nodegroup: 'default-master' }, member.token)).statusCode, 400);
      assert.equal((await t.call('POST', url, { node_count: 0 }, member.token, '1.9')).statusCode, 400);
      assert.equal((await t.call('POST', url, {}, member.token)).statusCode, 400);
      assert.equal((await t.call('POST', url, { node_count: 2, nodegroup: 'nope' }, member.token)).statusCode, 404);
      await t.ok(202, 'PATCH', `/v1/clusters/${clusterId}/nodegroups/default-worker`, [{ op: 'replace', path: '/max_node_count', value: 5 }], member.token);
      assert.equal((await t.call('POST', url, { node_count: 6 }, member.token)).json().errors[0].title, 'Resizing default-worker outside the allowed range: min_node_count = 0, max_node_count = 5');
      const r = await t.call('POST', url, { node_count: 1, nodes_to_remove: ['server-a'] }, member.token);
      assert.equal(r.statusCode, 202, r.body);
      const op = (await t.store.getCluster(clusterId))!.operation;
      assert.equal(op?.kind, 'resize');
      assert.deepEqual(op?.kind === 'resize' && [op.nodeCount, op.nodesToRemove], [1, ['server-a']]);
      // An upgrade waits for the resize; then it is stored.
      const up = `/v1/clusters/${clusterId}/actions/upgrade`;
      assert.equal((await t.call('POST', up, { cluster_template: templateId }, member.token, '1.7')).statusCode, 406);
      assert.equal((await t.call('POST', up, { cluster_template: templateId }, member.token)).statusCode, 400);
      const g = (await t.store.getCluster(clusterId))!.generation;
      await t.store.finishOperation(clusterId, g, { status: 'UPDATE_COMPLETE' });
      assert.equal((await t.call('POST', up, { cluster_template: 'nope' }, member.token)).statusCode, 404);
      await t.ok(202, 'POST', up, { cluster_template: templateId, max_batch_size: 2 }, member.token);
      assert.equal((await t.store.getCluster(clusterId))!.operation?.kind, 'upgrade');
      await t.store.finishOperation(clusterId, g + 1, { status: 'UPDATE_COMPLETE' });
    });

    it('adds, patches and deletes node groups', async () => {
      const base = `/v1/clusters/${clusterId}/nodegroups`;
      assert.equal((await t.call('POST', base, { name: 'm2', role: 'master' }, member.token)).statusCode, 400);
      assert.equal((await t.call('POST', base, { name: 'w2', node_count: 5, max_node_count: 3 }, member.token)).statusCode, 409);
      const ng = await t.ok(202, 'POST', base, { name: 'w2', node_count: 2, flavor_id: 'm1.tiny' }, member.token);
      assert.equal(ng.status, 'CREATE_IN_PROGRESS');
      assert.equal(ng.flavor_id, 'm1.tiny');
      assert.deepEqual((await t.store.getCluster(clusterId))!.operation, { kind: 'resize', nodegroup: ng.uuid, nodeCount: 2, nodesToRemove: [] });
      await t.store.finishOperation(clusterId, (await t.store.getCluster(clusterId))!.generation, { status: 'UPDATE_COMPLETE' });
      assert.equal((await t.call('POST', base, { name: 'w2' }, member.token)).statusCode, 409);
      assert.equal((await t.call('PATCH', `${base}/w2`, [{ op: 'replace', path: '/node_count', value: 1 }], member.token)).statusCode, 400);
      assert.equal((await t.call('PATCH', `${base}/w2`, [{ op: 'replace', path: '/min_node_count', value: 3 }], member.token)).statusCode, 409);
      assert.equal((await t.ok(202, 'PATCH', `${base}/w2`, [{ op: 'replace', path: '/min_node_count', value: 1 }], member.token)).min_node_count, 1);
      assert.equal((await t.call('DELETE', `${base}/default-worker`, undefined, member.token)).statusCode, 400);
      await t.ok(204, 'DELETE', `${base}/w2`, undefined, member.token);
      assert.deepEqual((await t.store.getCluster(clusterId))!.operation, { kind: 'resize', nodegroup: ng.uuid, nodeCount: 0, nodesToRemove: [] });
      assert.equal((await t.store.getNodeGroup(ng.uuid))!.status, 'DELETE_IN_PROGRESS');
      await t.store.finishOperation(clusterId, (await t.store.getCluster(clusterId))!.generation, { status: 'UPDATE_COMPLETE' });
      assert.equal((await t.call('GET', base, undefined, other.token)).statusCode, 404);
    });

    it('serves the CA, signs CSRs for the owner and for nodes with the node secret, rotates', async () => {
      assert.equal((await t.call('GET', `/v1/certificates/${clusterId}`, undefined, member.token)).statusCode, 409);
      const ca = await makeCa('c1');
      await t.store.putCa(clusterId, 'kubernetes', ca);
      await t.store.setNodeSecret(clusterId, 'mcs.node-secret');
      const got = await t.ok(200, 'GET', `/v1/certificates/${clusterId}`, undefined, member.token);
      assert.equal(got.pem, ca.certPem);
      assert.equal(got.cluster_uuid, clusterId);
      const csr = opensslCsr('me');
      const signed = await t.call('POST', '/v1/certificates', { cluster_uuid: 'c1', csr }, member.token);
      assert.equal(signed.statusCode, 201, signed.body);
      assert.match(signed.json().pem, /BEGIN CERTIFICATE/);
      assert.equal((await t.call('POST', '/v1/certificates', { cluster_uuid: 'nope', csr }, member.token)).statusCode, 400);
      assert.equal((await t.call('POST', '/v1/certificates', { cluster_uuid: clusterId, csr: 'garbage' }, member.token)).statusCode, 400);
      assert.equal((await t.call('POST', '/v1/certificates', { cluster_uuid: clusterId }, member.token)).statusCode, 400);
      // Nodes: the secret for that cluster only, and only on this route.
      const node = await t.call('POST', '/v1/certificates', { cluster_uuid: clusterId, csr: opensslCsr('master', 'IP:10.0.0.5') }, 'mcs.node-secret');
      assert.equal(node.statusCode, 201, node.body);
      for (const [token, body] of [['mcs.wrong', { cluster_uuid: clusterId, csr }], ['mcs.node-secret', { cluster_uuid: 'c1', csr }], ['mcs.node-secret', { csr }], ['mcs.node-secret', []]] as const) {
        const r = await t.call('POST', '/v1/certificates', body, token);
        assert.equal(r.statusCode, 401, `${token} ${JSON.stringify(body)}: ${r.body}`);
      }
      assert.equal((await t.call('GET', `/v1/certificates/${clusterId}`, undefined, 'mcs.node-secret')).statusCode, 401);
      assert.equal((await t.call('GET', `/v1/clusters/${clusterId}`, undefined, 'mcs.node-secret')).statusCode, 401);
      // Other projects and other users of the project get nothing.
      assert.equal((await t.call('GET', `/v1/certificates/${clusterId}`, undefined, other.token)).statusCode, 404);
      assert.equal((await t.call('POST', '/v1/certificates', { cluster_uuid: clusterId, csr }, other.token)).statusCode, 400);
      assert.equal((await t.call('POST', '/v1/certificates', { cluster_uuid: clusterId, csr }, reader.token)).statusCode, 403);
      await t.ok(202, 'PATCH', `/v1/certificates/${clusterId}`, undefined, member.token);
      assert.equal((await t.store.getCluster(clusterId))!.operation?.kind, 'rotate_ca');
      await t.store.finishOperation(clusterId, (await t.store.getCluster(clusterId))!.generation, { status: 'UPDATE_COMPLETE' });
    });

    it('keeps quotas (admin), enforces them with 403, and serves stats, mservices and events', async () => {
      const q = await t.ok(200, 'GET', `/v1/quotas/${member.projectId}/Cluster`, undefined, member.token);
      assert.equal(q.hard_limit, 20);
      assert.equal((await t.call('GET', `/v1/quotas/${other.projectId}/Cluster`, undefined, member.token)).statusCode, 403);
      assert.equal((await t.call('POST', '/v1/quotas', { project_id: member.projectId, hard_limit: 1 }, member.token)).statusCode, 403);
      assert.equal((await t.call('GET', '/v1/quotas', undefined, member.token)).statusCode, 403);
      const made = await t.ok(201, 'POST', '/v1/quotas', { project_id: member.projectId, resource: 'Cluster', hard_limit: 1 });
      assert.equal(made.hard_limit, 1);
      assert.equal((await t.call('POST', '/v1/quotas', { project_id: member.projectId, resource: 'Cluster', hard_limit: 1 })).statusCode, 409);
      assert.equal((await t.call('POST', '/v1/quotas', { project_id: 'no-such-project', hard_limit: 1 })).statusCode, 404);
      const over = await t.call('POST', '/v1/clusters', { cluster_template_id: templateId }, member.token);
      assert.equal(over.statusCode, 403, over.body);
      assert.match(over.json().errors[0].detail, /maximum clusters per project, 1/);
      assert.equal((await t.ok(202, 'PATCH', `/v1/quotas/${member.projectId}/Cluster`, { hard_limit: 5 })).hard_limit, 5);
      assert.equal((await t.ok(200, 'GET', '/v1/quotas?all_tenants=true')).quotas.length, 1);
      await t.ok(204, 'DELETE', `/v1/quotas/${member.projectId}/Cluster`);
      assert.equal((await t.call('DELETE', `/v1/quotas/${member.projectId}/Cluster`)).statusCode, 404);
      assert.equal((await t.call('GET', `/v1/quotas/${member.projectId}/Volume`)).statusCode, 400);

      // Master 1, default-worker resized to 1, w2 (being deleted) still 2.
      assert.deepEqual(await t.ok(200, 'GET', '/v1/stats', undefined, member.token), { clusters: 1, nodes: 4 });
      assert.deepEqual(await t.ok(200, 'GET', '/v1/stats', undefined, other.token), { clusters: 0, nodes: 0 });
      assert.equal((await t.call('GET', `/v1/stats?project_id=${other.projectId}`, undefined, member.token)).statusCode, 403);
      assert.equal((await t.call('GET', '/v1/stats?type=x', undefined, member.token)).statusCode, 400);

      assert.equal((await t.call('GET', '/v1/mservices', undefined, member.token)).statusCode, 403);
      await t.store.heartbeat('host-1');
      const svc = (await t.ok(200, 'GET', '/v1/mservices')).mservices[0];
      assert.deepEqual([svc.host, svc.binary, svc.state], ['host-1', 'magnum-conductor', 'up']);

      const e1 = await t.store.addEvent(clusterId, 'CREATE_IN_PROGRESS', 'stack created');
      await t.store.addEvent(clusterId, 'node_ready', 'ready');
      const events = await t.ok(200, 'GET', `/v1/clusters/${clusterId}/events?marker=${e1.id}`, undefined, reader.token);
      assert.deepEqual(events.events.map((e: { kind: string }) => e.kind), ['node_ready']);
      assert.equal((await t.call('GET', `/v1/clusters/${clusterId}/events`, undefined, other.token)).statusCode, 404);
    });

    it('pages lists as Magnum does and answers legacy bays', async () => {
      for (const n of ['p1', 'p2', 'p3']) await t.ok(202, 'POST', '/v1/clusters', { name: n, cluster_template_id: templateId }, member.token);
      const page1 = await t.ok(200, 'GET', '/v1/clusters?limit=2&sort_key=name&sort_dir=desc', undefined, member.token);
      assert.deepEqual(page1.clusters.map((c: { name: string }) => c.name), ['p3', 'p2']);
      assert.match(page1.next, /marker=/);
      const page2 = await t.ok(200, 'GET', page1.next.slice(page1.next.indexOf('/v1/')), undefined, member.token);
      assert.deepEqual(page2.clusters.map((c: { name: string }) => c.name), ['p1', 'c1']);
      for (const q of ['limit=0', 'limit=x', 'sort_dir=up', 'sort_key=password']) {
        assert.equal((await t.call('GET', `/v1/clusters?${q}`, undefined, member.token)).statusCode, 400, q);
      }
      assert.equal((await t.call('GET', '/v1/clusters?marker=nope', undefined, member.token)).statusCode, 404);
      // Names: an ambiguous one is a 409.
      await t.ok(202, 'POST', '/v1/clusters', { name: 'p1', cluster_template_id: templateId }, member.token);
      assert.equal((await t.call('GET', '/v1/clusters/p1', undefined, member.token)).statusCode, 409);
      // Bays at 1.1 answer the object with 201; from 1.2 a uuid with 202.
      const bay = await t.call('POST', '/v1/bays', { name: 'b1', baymodel_id: templateId, node_count: 1 }, member.token, '1.1');
      assert.equal(bay.statusCode, 201, bay.body);
      assert.equal(bay.json().baymodel_id, templateId);
      assert.equal(bay.json().status, 'CREATE_IN_PROGRESS');
      assert.equal((await t.call('POST', '/v1/bays', { name: 'b2', baymodel_id: templateId }, member.token, '1.2')).statusCode, 202);
      assert.equal((await t.call('POST', '/v1/bays', { baymodel_id: templateId, node_count: 0 }, member.token)).statusCode, 400);
      assert.equal((await t.ok(200, 'GET', '/v1/bays/b1', undefined, member.token)).bay_create_timeout, 60);
    });

    it('isolates projects: another project sees none of A\'s clusters, templates or certificates', async () => {
      assert.equal((await t.call('GET', `/v1/clusters/${clusterId}`, undefined, other.token)).statusCode, 404);
      assert.equal((await t.call('DELETE', `/v1/clusters/${clusterId}`, undefined, other.token)).statusCode, 404);
      assert.equal((await t.call('POST', `/v1/clusters/${clusterId}/actions/resize`, { node_count: 1 }, other.token)).statusCode, 404);
      assert.equal((await t.call('PATCH', `/v1/certificates/${clusterId}`, undefined, other.token)).statusCode, 404);
      assert.equal((await t.ok(200, 'GET', '/v1/clusters', undefined, other.token)).clusters.length, 0);
      assert.equal((await t.call('POST', '/v1/clusters', { cluster_template_id: templateId }, other.token)).statusCode, 400);
      // The admin sees everything.
      assert.ok((await t.ok(200, 'GET', '/v1/clusters')).clusters.length >= 4);
    });

    it('deletes a cluster in any state: 204 and a delete operation', async () => {
      await t.store.setOperation(clusterId, { kind: 'create' });
      await t.ok(204, 'DELETE', '/v1/clusters/c1', undefined, member.token);
      const row = (await t.store.getCluster(clusterId))!;
      assert.equal(row.operation?.kind, 'delete');
      assert.equal(row.status, 'DELETE_IN_PROGRESS');
      assert.equal((await t.call('DELETE', '/v1/clusters/00000000-0000-0000-0000-000000000000', undefined, member.token)).statusCode, 404);
    });
  });
}
