/**
 * Hostile input to every container-infra route that takes a body, a path id or a query: each field of a
 * valid body replaced by every hostile value, broken JSON texts, odd ids and query parameters. Every
 * answer is a 4xx (or a 2xx where the value is acceptable) in Magnum's body, never a 5xx.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brokenBodies, HOSTILE_VALUES } from '../../test/support/hostile.js';
import { createTestContainerInfra, type TestContainerInfra, type TestUser } from './testing.js';
import { makeCa } from './pki.js';

describe('container-infra bad input', () => {
  let t: TestContainerInfra;
  let u: TestUser;
  let C: string;
  let T: string;
  before(async () => {
    t = await createTestContainerInfra();
    u = await t.user('coe-bad-input');
    T = (await t.ok(201, 'POST', '/v1/clustertemplates', { name: 'tpl', coe: 'swarm-mode', image_id: 'debian-12-docker', external_network_id: 'public' }, u.token)).uuid;
    C = (await t.ok(202, 'POST', '/v1/clusters', { name: 'c', cluster_template_id: T }, u.token)).uuid;
    await t.store.finishOperation(C as never, 1, { status: 'CREATE_COMPLETE', apiAddress: 'tcp://192.0.2.1:2376' });
    await t.store.putCa(C as never, 'kubernetes', await makeCa('c'));
  });
  after(async () => { await t?.close(); });

  it('answers every hostile request with a 4xx or 2xx in Magnum\'s body, never a 5xx', async () => {
    const bodies: Array<{ method: 'POST' | 'PATCH'; url: string; valid: Record<string, unknown> | unknown[]; admin?: boolean }> = [
      { method: 'POST', url: '/v1/clustertemplates', valid: { name: 'x', coe: 'swarm-mode', image_id: 'debian-12-docker', external_network_id: 'public', flavor_id: 'm1.small', labels: { a: '1' }, docker_volume_size: 3, apiserver_port: 2000, tls_disabled: false, tags: 't' } },
      { method: 'POST', url: '/v1/clusters', valid: { name: 'y', cluster_template_id: T, node_count: 1, master_count: 1, labels: { a: '1' }, create_timeout: 5, merge_labels: true, flavor_id: 'm1.small', keypair: 'kp1' } },
      { method: 'POST', url: '/v1/bays', valid: { name: 'z', baymodel_id: T, node_count: 1, bay_create_timeout: 5 } },
      { method: 'POST', url: `/v1/clusters/${C}/actions/resize`, valid: { node_count: 2, nodes_to_remove: ['a'], nodegroup: 'default-worker' } },
      { method: 'POST', url: `/v1/clusters/${C}/actions/upgrade`, valid: { cluster_template: T, max_batch_size: 1, nodegroup: 'default-worker' } },
      { method: 'POST', url: `/v1/clusters/${C}/nodegroups`, valid: { name: 'ng', node_count: 1, min_node_count: 0, max_node_count: 3, role: 'worker', labels: {} } },
      { method: 'POST', url: '/v1/certificates', valid: { cluster_uuid: C, csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', ca_cert_type: 'kubernetes' } },
      { method: 'POST', url: '/v1/quotas', valid: { project_id: 'p', resource: 'Cluster', hard_limit: 3 }, admin: true },
      { method: 'PATCH', url: '/v1/quotas/p/Cluster', valid: { hard_limit: 3 }, admin: true },
    ];
    const patches: Array<{ url: string; paths: string[] }> = [
      { url: `/v1/clusters/${C}`, paths: ['/node_count', '/health_status', '/health_status_reason', '/name', '/labels/a'] },
      { url: `/v1/clustertemplates/${T}`, paths: ['/name', '/labels', '/docker_volume_size', '/tls_disabled', '/public', '/image_id', '/labels/x'] },
      { url: `/v1/clusters/${C}/nodegroups/default-worker`, paths: ['/min_node_count', '/max_node_count', '/node_count'] },
    ];
    const requests: Array<{ method: string; url: string; payload?: string | Buffer; token: string }> = [];
    for (const b of bodies) {
      const token = b.admin ? t.identity.adminToken : u.token;
      for (const key of Object.keys(b.valid)) {
        for (const h of HOSTILE_VALUES) {
          requests.push({ method: b.method, url: b.url, token, payload: JSON.stringify(b.valid).replace(`"${key}":${JSON.stringify((b.valid as Record<string, unknown>)[key])}`, `"${key}":${h.text}`) });
        }
      }
      for (const broken of brokenBodies(JSON.stringify(b.valid))) requests.push({ method: b.method, url: b.url, token, payload: broken.text });
    }
    for (const p of patches) {
      for (const path of p.paths) {
        for (const op of ['add', 'replace', 'remove', 'move', 7]) {
          for (const h of HOSTILE_VALUES.slice(0, 20)) requests.push({ method: 'PATCH', url: p.url, token: u.token, payload: `[{"op":${JSON.stringify(op)},"path":${JSON.stringify(path)},"value":${h.text}}]` });
        }
      }
      for (const h of HOSTILE_VALUES) requests.push({ method: 'PATCH', url: p.url, token: u.token, payload: `[{"op":"replace","path":${h.text},"value":1}]` });
      for (const broken of brokenBodies('[{"op":"replace","path":"/name","value":"x"}]')) requests.push({ method: 'PATCH', url: p.url, token: u.token, payload: broken.text });
    }
    const ids = ['%00', '..', 'a'.repeat(3000), '%ZZ', "'; DROP TABLE cluster; --", '😀', 'default-worker%2F..'];
    for (const id of ids) {
      for (const [method, url] of [['GET', `/v1/clusters/${id}`], ['DELETE', `/v1/clusters/${id}`], ['GET', `/v1/clustertemplates/${id}`], ['GET', `/v1/certificates/${id}`], ['GET', `/v1/clusters/${C}/nodegroups/${id}`], ['GET', `/v1/quotas/${id}/Cluster`], ['GET', `/v1/clusters/${id}/events`], ['PATCH', `/v1/certificates/${id}`]] as const) {
        requests.push({ method, url, token: u.token });
      }
    }
    for (const q of ['limit=-1', 'limit=abc', 'limit=99999999999999999999', 'sort_key=%00', 'sort_dir=sideways', 'marker=x', 'sort_key=labels', 'limit=1&limit=x', '%ZZ=1', 'marker=%00']) {
      for (const url of ['/v1/clusters', '/v1/clustertemplates', '/v1/clusters/detail', '/v1/bays', `/v1/clusters/${C}/events`, '/v1/stats']) requests.push({ method: 'GET', url: `${url}?${q}`, token: u.token });
    }
    for (const version of ['container-infra 1.999999999999', 'container-infra', 'container-infra 1', '\u00ff', 'container-infra 1.1 extra', 'x'.repeat(5000)]) {
      requests.push({ method: 'GET', url: `/v1/clusters?v=${encodeURIComponent(version)}`, token: u.token });
    }

    let fives = 0;
    const counts = new Map<number, number>();
    for (const r of requests) {
      const res = await t.app.inject({
        method: r.method as 'GET', url: r.url,
        headers: { 'x-auth-token': r.token, 'openstack-api-version': 'container-infra latest', 'content-type': 'application/json', accept: 'application/json' },
        ...(r.payload !== undefined ? { payload: r.payload } : {}),
      });
      counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) { fives++; assert.fail(`${r.method} ${r.url} ${String(r.payload).slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`); }
      if (res.statusCode >= 400 && res.statusCode !== 401 && res.statusCode !== 406) {
        const body = JSON.parse(res.body) as { errors?: Array<{ status: number; detail: string }> };
        assert.equal(body.errors?.[0]?.status, res.statusCode, `${r.method} ${r.url}: ${res.body.slice(0, 200)}`);
      }
    }
    // Hostile microversion headers.
    for (const version of ['container-infra 1.999999999999', 'container-infra', 'container-infra 1', 'container-infra 1.1 extra', 'x'.repeat(5000), 'container-infra -1.5']) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/clusters', headers: { 'x-auth-token': u.token, 'openstack-api-version': version } });
      assert.equal(res.statusCode, 406, version);
    }
    process.stdout.write(`# ${requests.length} hostile requests: ${[...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(', ')}\n`);
    assert.equal(fives, 0);
    assert.ok(requests.length > 500);
  });
});
