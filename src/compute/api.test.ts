/**
 * The rest of the Nova surface through the API: version discovery and microversion headers, os-services,
 * os-hypervisors, server groups, server lists (filters, sorting, paging), metadata and tags, locking,
 * console output over the agent's socket, usage, and bad input answered with Nova's 4xx bodies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createTestCompute, type TestCompute } from './testing.js';
import { MAX_VERSION } from './microversion.js';

describe('compute API', () => {
  let t: TestCompute;
  let user: { userId: string; projectId: string; token: string };
  let socketDir: string;
  let console: http.Server;
  const V = '2.79';
  const boot = async (name: string, extra: Record<string, unknown> = {}, version = V): Promise<string> => {
    const r = await t.call('POST', '/v2.1/servers', { server: { name, imageRef: t.imageId, flavorRef: '1', networks: 'auto', ...extra } }, { token: user.token, version });
    assert.equal(r.statusCode, 202, r.body);
    return r.json().server.id;
  };

  before(async () => {
    t = await createTestCompute();
    user = await t.identity.makeUser({ name: 'api-user' });
    socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-agent-sock-'));
    const socketPath = path.join(socketDir, 'agent.sock');
    // The agent's side of the console question: the last N lines of a server's console.
    console = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://agent');
      const lines = ['line 1', 'line 2', 'line 3'];
      const n = u.searchParams.get('lines');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${(n === null ? lines : lines.slice(-Number(n))).join('\n')}\n`);
    });
    await new Promise<void>((resolve) => console.listen(socketPath, resolve));
    await t.register('host-a', { agentSocket: socketPath });
  });
  after(async () => {
    await t?.close();
    await new Promise((resolve) => console?.close(resolve));
    fs.rmSync(socketDir, { recursive: true, force: true });
  });

  it('discovers versions without a token and negotiates microversions', async () => {
    const root = await t.call('GET', '/', undefined, { token: null });
    assert.equal(root.statusCode, 200);
    assert.deepEqual(root.json().versions.map((v: any) => [v.id, v.status, v.version, v.min_version]), [['v2.0', 'DEPRECATED', '', ''], ['v2.1', 'CURRENT', MAX_VERSION, '2.1']]);
    for (const v of root.json().versions) {
      const self = v.links[0].href.replace('http://localhost:80', '');
      const doc = (await t.call('GET', self, undefined, { token: null })).json().version;
      assert.deepEqual(doc.links.filter((l: any) => l.rel === 'self'), v.links);
    }
    const r = await t.call('GET', '/v2.1/flavors', undefined, { token: user.token, version: '2.60' });
    assert.equal(r.headers['openstack-api-version'], 'compute 2.60');
    assert.equal(r.headers['x-openstack-nova-api-version'], '2.60');
    assert.match(String(r.headers.vary), /OpenStack-API-Version/);
    const latest = await t.call('GET', '/v2.1/flavors', undefined, { token: user.token, headers: { 'x-openstack-nova-api-version': 'latest' } });
    assert.equal(latest.headers['x-openstack-nova-api-version'], MAX_VERSION);
    const unsupported = await t.call('GET', '/v2.1/flavors', undefined, { token: user.token, version: '2.500' });
    assert.equal(unsupported.statusCode, 406);
    assert.equal(unsupported.json().computeFault.message, `Version 2.500 is not supported by the API. Minimum is 2.1 and maximum is ${MAX_VERSION}.`);
    assert.equal((await t.call('GET', '/v2.1/flavors', undefined, { token: user.token, version: '2.x' })).statusCode, 400);
    const noToken = await t.call('GET', '/v2.1/servers', undefined, { token: null });
    assert.equal(noToken.statusCode, 401);
  });

  it('lists services (the control plane\'s and each host\'s) and hypervisors by microversion', async () => {
    await t.compute.reconciler.pass();
    const services = (await t.call('GET', '/v2.1/os-services')).json().services;
    assert.deepEqual(services.map((s: any) => s.binary).sort(), ['nova-compute', 'nova-conductor', 'nova-scheduler']);
    assert.equal(typeof services[0].id, 'number');
    const compute = (await t.call('GET', '/v2.1/os-services?binary=nova-compute', undefined, { version: '2.53' })).json().services[0];
    assert.match(compute.id, /^[0-9a-f-]{36}$/);
    assert.equal(compute.state, 'up');
    assert.equal(compute.forced_down, false);
    assert.equal((await t.call('GET', '/v2.1/os-services', undefined, { token: user.token })).statusCode, 403);
    const hyp = (await t.call('GET', '/v2.1/os-hypervisors/detail', undefined, { version: '2.28' })).json().hypervisors[0];
    assert.equal(hyp.hypervisor_hostname, 'host-a');
    assert.equal(hyp.vcpus, 8);
    assert.equal(hyp.memory_mb, 16384);
    assert.deepEqual(hyp.cpu_info, {});
    const byUuid = (await t.call('GET', '/v2.1/os-hypervisors', undefined, { version: '2.53' })).json().hypervisors[0];
    assert.match(byUuid.id, /^[0-9a-f-]{36}$/);
    const shown = (await t.call('GET', `/v2.1/os-hypervisors/${byUuid.id}`, undefined, { version: '2.53' })).json().hypervisor;
    assert.equal(shown.service.host, 'host-a');
    assert.equal((await t.call('GET', '/v2.1/os-hypervisors/not-a-uuid', undefined, { version: '2.53' })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/os-hypervisors/99999')).statusCode, 404);
    const stats = (await t.call('GET', '/v2.1/os-hypervisors/statistics')).json().hypervisor_statistics;
    assert.equal(stats.count, 1);
    assert.equal((await t.call('GET', '/v2.1/os-hypervisors/host/search')).json().hypervisors.length, 1);
    const conductor = services.find((s: any) => s.binary === 'nova-conductor');
    assert.equal((await t.call('PUT', '/v2.1/os-services/disable', { host: conductor.host, binary: 'nova-conductor' })).statusCode, 400);
  });

  it('server groups: policies before 2.64, policy and rules from it', async () => {
    let r = await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'old', policies: ['anti-affinity'] } }, { token: user.token });
    assert.deepEqual(Object.keys(r.json().server_group).sort(), ['id', 'members', 'metadata', 'name', 'policies']);
    r = await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'new', policy: 'anti-affinity', rules: { max_server_per_host: 2 } } }, { token: user.token, version: '2.64' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().server_group.rules, { max_server_per_host: 2 });
    assert.equal(r.json().server_group.project_id, user.projectId);
    assert.equal((await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } } }, { token: user.token, version: '2.64' })).statusCode, 400);
    assert.equal((await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'x', policies: ['soft-affinity'] } }, { token: user.token, version: '2.14' })).statusCode, 400);
    assert.equal((await t.call('POST', '/v2.1/os-server-groups', { server_group: { name: 'x', policies: ['soft-affinity'] } }, { token: user.token, version: '2.15' })).statusCode, 200);
    const list = (await t.call('GET', '/v2.1/os-server-groups', undefined, { token: user.token })).json().server_groups;
    assert.equal(list.length, 3);
    const other = await t.identity.makeUser({ name: 'api-other' });
    assert.equal((await t.call('GET', `/v2.1/os-server-groups/${list[0].id}`, undefined, { token: other.token })).statusCode, 403);
    assert.deepEqual((await t.call('GET', '/v2.1/os-server-groups', undefined, { token: other.token })).json().server_groups, []);
    assert.equal((await t.call('DELETE', `/v2.1/os-server-groups/${list[0].id}`, undefined, { token: user.token })).statusCode, 204);
    assert.equal((await t.call('GET', `/v2.1/os-server-groups/${list[0].id}`, undefined, { token: user.token })).statusCode, 404);
  });

  it('filters, sorts and pages server lists', async () => {
    const a = await boot('list-a', { metadata: { tier: 'web' } });
    const b = await boot('list-b', { tags: ['blue', 'green'] });
    const c = await boot('other-c', { tags: ['blue'] });
    await t.converge('host-a');
    await t.call('POST', `/v2.1/servers/${c}/action`, { 'os-stop': null }, { token: user.token });
    await t.converge('host-a');
    const q = async (query: string, version = V): Promise<string[]> => {
      const r = await t.call('GET', `/v2.1/servers/detail?${query}`, undefined, { token: user.token, version });
      assert.equal(r.statusCode, 200, `${query}: ${r.body}`);
      return r.json().servers.map((s: any) => s.name);
    };
    assert.deepEqual(await q('name=^list-'), ['list-b', 'list-a'], 'newest first by default');
    assert.deepEqual(await q('name=list&sort_key=display_name&sort_dir=asc'), ['list-a', 'list-b']);
    assert.deepEqual(await q('status=SHUTOFF'), ['other-c']);
    assert.deepEqual(await q('status=ACTIVE&name=list'), ['list-b', 'list-a']);
    assert.deepEqual(await q('tags=blue,green'), ['list-b']);
    assert.deepEqual(await q('tags-any=blue'), ['other-c', 'list-b']);
    assert.deepEqual(await q('not-tags-any=blue&name=list'), ['list-a']);
    assert.deepEqual(await q(`image=${t.imageId}&flavor=1&name=^list`), ['list-b', 'list-a']);
    assert.deepEqual(await q('flavor=2'), []);
    const ip = (await t.call('GET', `/v2.1/servers/${a}`, undefined, { token: user.token })).json().server.addresses.auto_allocated_network[0].addr;
    assert.deepEqual(await q(`ip=${ip.replace(/\./g, '\\.')}$`), ['list-a']);
    assert.equal((await t.call('GET', '/v2.1/servers?status=NOPE', undefined, { token: user.token, version: '2.38' })).statusCode, 400);
    assert.deepEqual((await t.call('GET', '/v2.1/servers?status=NOPE', undefined, { token: user.token, version: '2.37' })).json().servers, []);
    assert.equal((await t.call('GET', '/v2.1/servers?bogus=1', undefined, { token: user.token, version: '2.75' })).statusCode, 400);
    assert.equal((await t.call('GET', '/v2.1/servers?bogus=1', undefined, { token: user.token, version: '2.74' })).statusCode, 200);
    assert.equal((await t.call('GET', '/v2.1/servers?sort_key=host', undefined, { token: user.token })).statusCode, 403);
    assert.equal((await t.call('GET', '/v2.1/servers?name=(', undefined, { token: user.token })).statusCode, 400);
    const page1 = (await t.call('GET', '/v2.1/servers?limit=2', undefined, { token: user.token })).json();
    assert.equal(page1.servers.length, 2);
    const next = page1.servers_links[0].href.replace('http://localhost:80', '');
    const page2 = (await t.call('GET', next, undefined, { token: user.token })).json();
    assert.ok(page2.servers.length >= 1);
    assert.ok(!page2.servers.some((s: any) => page1.servers.some((p: any) => p.id === s.id)));
    assert.equal((await t.call('GET', '/v2.1/servers?marker=nope', undefined, { token: user.token })).statusCode, 400);
    const old = (await t.call('GET', `/v2.1/servers/${b}`, undefined, { token: user.token, version: '2.1' })).json().server;
    assert.deepEqual(Object.keys(old.flavor).sort(), ['id', 'links']);
    assert.equal(old.tags, undefined);
    assert.equal(old.locked, undefined);
  });

  it('metadata and tags', async () => {
    const id = await boot('meta');
    await t.converge('host-a');
    const base = `/v2.1/servers/${id}`;
    let r = await t.call('POST', `${base}/metadata`, { metadata: { a: '1', b: '2' } }, { token: user.token });
    assert.deepEqual(r.json(), { metadata: { a: '1', b: '2' } });
    r = await t.call('PUT', `${base}/metadata`, { metadata: { c: '3' } }, { token: user.token });
    assert.deepEqual(r.json(), { metadata: { c: '3' } });
    assert.deepEqual((await t.call('GET', `${base}/metadata`, undefined, { token: user.token })).json(), { metadata: { c: '3' } });
    assert.deepEqual((await t.call('PUT', `${base}/metadata/d`, { meta: { d: '4' } }, { token: user.token })).json(), { meta: { d: '4' } });
    assert.equal((await t.call('PUT', `${base}/metadata/d`, { meta: { e: '4' } }, { token: user.token })).statusCode, 400);
    assert.deepEqual((await t.call('GET', `${base}/metadata/d`, undefined, { token: user.token })).json(), { meta: { d: '4' } });
    assert.equal((await t.call('DELETE', `${base}/metadata/d`, undefined, { token: user.token })).statusCode, 204);
    assert.equal((await t.call('GET', `${base}/metadata/d`, undefined, { token: user.token })).json().itemNotFound.message, 'Metadata item was not found');
    assert.equal((await t.call('POST', `${base}/metadata`, { metadata: { 'bad/key': 'x' } }, { token: user.token })).statusCode, 400);
    const spec = (await t.desired('host-a')).servers.find((s) => s.id === id)!;
    assert.deepEqual(spec.metadata, { c: '3' }, 'the agent sees metadata changes');

    assert.equal((await t.call('GET', `${base}/tags`, undefined, { token: user.token })).statusCode, 404, 'tags need 2.26');
    const tv = { token: user.token, version: '2.26' };
    assert.deepEqual((await t.call('PUT', `${base}/tags`, { tags: ['b', 'a'] }, tv)).json(), { tags: ['a', 'b'] });
    assert.equal((await t.call('PUT', `${base}/tags/c`, undefined, tv)).statusCode, 201);
    assert.equal((await t.call('PUT', `${base}/tags/c`, undefined, tv)).statusCode, 204);
    assert.equal((await t.call('GET', `${base}/tags/c`, undefined, tv)).statusCode, 204);
    assert.equal((await t.call('GET', `${base}/tags/zz`, undefined, tv)).statusCode, 404);
    assert.equal((await t.call('DELETE', `${base}/tags/c`, undefined, tv)).statusCode, 204);
    assert.deepEqual((await t.call('GET', `${base}/tags`, undefined, tv)).json(), { tags: ['a', 'b'] });
    assert.equal((await t.call('DELETE', `${base}/tags`, undefined, tv)).statusCode, 204);
    assert.deepEqual((await t.call('GET', base, undefined, tv)).json().server.tags, []);
  });

  it('admin resets state; security groups are `default` only until Neutron; password is empty', async () => {
    const id = await boot('reset');
    await t.converge('host-a');
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-resetState': { state: 'error' } }, { token: user.token })).statusCode, 403);
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-resetState': { state: 'error' } })).statusCode, 202);
    let s = (await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).json().server;
    assert.equal(s.status, 'ERROR');
    assert.ok(!('fault' in s));
    assert.deepEqual((await t.call('GET', '/v2.1/servers?status=ERROR', undefined, { token: user.token })).json().servers.map((x: any) => x.id), [id]);
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-resetState': { state: 'active' } })).statusCode, 202);
    assert.equal((await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).json().server.status, 'ACTIVE');
    await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-resetState': { state: 'error' } });
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { rebuild: { imageRef: t.imageId } }, { token: user.token })).statusCode, 202);
    await t.converge('host-a');
    assert.equal((await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).json().server.status, 'ACTIVE', 'the next action supersedes the reset');

    const sg = (body: unknown) => t.call('POST', `/v2.1/servers/${id}/action`, body, { token: user.token });
    assert.equal((await sg({ addSecurityGroup: { name: 'web' } })).statusCode, 404);
    assert.equal((await sg({ addSecurityGroup: { name: 'default' } })).statusCode, 400);
    assert.equal((await sg({ removeSecurityGroup: { name: 'default' } })).statusCode, 202);
    s = (await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).json().server;
    assert.ok(!('security_groups' in s));
    assert.equal((await sg({ removeSecurityGroup: { name: 'default' } })).statusCode, 400);
    assert.equal((await sg({ addSecurityGroup: { name: 'default' } })).statusCode, 202);
    const noSg = await t.call('POST', '/v2.1/servers', { server: { name: 'x', imageRef: t.imageId, flavorRef: '1', security_groups: [{ name: 'nope' }] } }, { token: user.token });
    assert.equal(noSg.statusCode, 400);
    assert.deepEqual((await t.call('GET', `/v2.1/servers/${id}/os-server-password`, undefined, { token: user.token })).json(), { password: '' });
    assert.equal((await t.call('DELETE', `/v2.1/servers/${id}/os-server-password`, undefined, { token: user.token })).statusCode, 204);
    assert.equal((await sg({ forceDelete: null })).statusCode, 409);
    assert.equal((await sg({ restore: null })).statusCode, 409);
    const ipv6 = await t.call('PUT', `/v2.1/servers/${id}`, { server: { accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2' } }, { token: user.token });
    assert.equal(ipv6.json().server.accessIPv6, '::babe:dc0c:1602');
    assert.equal((await t.call('GET', '/v2.1/servers?changes-since=2011/01/01', undefined, { token: user.token })).statusCode, 400);
    assert.ok((await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token })).headers['x-compute-request-id']);
  });

  it('locks: a locked server refuses its owner, not an admin', async () => {
    const id = await boot('locked');
    await t.converge('host-a');
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { lock: { locked_reason: 'maintenance' } }, { token: user.token, version: '2.73' })).statusCode, 202);
    const s = (await t.call('GET', `/v2.1/servers/${id}`, undefined, { token: user.token, version: '2.73' })).json().server;
    assert.equal(s.locked, true);
    assert.equal(s.locked_reason, 'maintenance');
    const refused = await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': null }, { token: user.token });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().conflictingRequest.message, `Instance ${id} is locked`);
    assert.equal((await t.call('DELETE', `/v2.1/servers/${id}`, undefined, { token: user.token })).statusCode, 409);
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': null })).statusCode, 202, 'admins pass');
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { unlock: null }, { token: user.token })).statusCode, 202);
    assert.equal((await t.call('GET', `/v2.1/servers?locked=true`, undefined, { token: user.token, version: '2.73' })).json().servers.length, 0);
  });

  it('reads the console through the agent\'s socket', async () => {
    const id = await boot('console');
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': {} }, { token: user.token })).statusCode, 409, 'not built yet');
    await t.converge('host-a');
    let r = await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: 2 } }, { token: user.token });
    assert.equal(r.statusCode, 200, r.body);
    // Nova's tail splits on newlines: the empty string after the last one counts as a line.
    assert.deepEqual(r.json(), { output: 'line 3\n' });
    r = await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: 3 } }, { token: user.token });
    assert.equal(r.json().output.split('\n').length, 3);
    r = await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: -1 } }, { token: user.token });
    assert.equal(r.json().output, 'line 1\nline 2\nline 3\n');
    assert.equal((await t.call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: 'x' } }, { token: user.token })).statusCode, 400);
  });

  it('answers bad input with Nova\'s 4xx bodies', async () => {
    const cases: Array<[unknown, number, RegExp?]> = [
      [{}, 400],
      [{ server: {} }, 400, /'name' is a required property/],
      [{ server: { name: 'x', flavorRef: '1' } }, 400, /Missing imageRef attribute|'networks' is a required property/],
      [{ server: { name: 'x', flavorRef: '1', imageRef: 'not-a-uuid', networks: 'auto' } }, 400],
      [{ server: { name: 'x', flavorRef: '999', imageRef: t.imageId, networks: 'auto' } }, 400, /Flavor 999 could not be found/],
      [{ server: { name: 'x', flavorRef: '1', imageRef: '6d5c8d3a-5a56-4b8a-9d0e-8f6b0f5d6a11', networks: 'auto' } }, 400, /Can not find requested image/],
      [{ server: { name: 'x', flavorRef: '1', imageRef: t.imageId, networks: 'auto', key_name: 'nope' } }, 400, /Invalid key_name provided/],
      [{ server: { name: 'x', flavorRef: '1', imageRef: t.imageId, networks: 'auto', user_data: 'not base64!' } }, 400],
      [{ server: { name: 'x', flavorRef: '1', imageRef: t.imageId, networks: 'auto', min_count: 3, max_count: 2 } }, 400, /min_count must be <= max_count/],
      [{ server: { name: 'x', flavorRef: '1', imageRef: t.imageId, networks: [{ uuid: '6d5c8d3a-5a56-4b8a-9d0e-8f6b0f5d6a11' }] } }, 400, /Network .* could not be found/],
      [{ server: { name: 'x', flavorRef: '1', imageRef: t.imageId, networks: 'everywhere' } }, 400],
      [{ server: { name: ' x', flavorRef: '1', imageRef: t.imageId, networks: 'auto' } }, 400],
      [{ server: { name: 'x', flavorRef: '1', imageRef: t.imageId, networks: 'auto', bogus: 1 } }, 400, /Additional properties/],
    ];
    for (const [body, status, message] of cases) {
      const r = await t.call('POST', '/v2.1/servers', body, { token: user.token, version: V });
      assert.equal(r.statusCode, status, `${JSON.stringify(body)}: ${r.body}`);
      if (message) assert.match(r.json().badRequest.message, message);
    }
    const id = await boot('bad-actions');
    const actions: Array<[unknown, number]> = [
      [{ nonsense: null }, 400], [{ reboot: {} }, 400], [{ reboot: { type: 'GENTLE' } }, 400], [{ resize: {} }, 400],
      [{ resize: { flavorRef: '999' } }, 400], [{ rebuild: {} }, 400], [{ createImage: {} }, 400], [{ confirmResize: null }, 400],
      [{ changePassword: { adminPass: 'x' } }, 501],
    ];
    for (const [body, status] of actions) {
      const r = await t.call('POST', `/v2.1/servers/${id}/action`, body, { token: user.token, version: V });
      assert.equal(r.statusCode, status, `${JSON.stringify(body)}: ${r.body}`);
    }
    const bad = await t.call('GET', '/v2.1/servers/not-there', undefined, { token: user.token });
    assert.deepEqual(bad.json(), { itemNotFound: { code: 404, message: 'Instance not-there could not be found.' } });
    const broken = await t.call('POST', '/v2.1/servers', undefined, { token: user.token, headers: { 'content-type': 'application/json' } });
    assert.equal(broken.statusCode, 400);
  });

  it('auto: the project\'s one network, made by get-me-a-network on first use; os-networks shows it before 2.36', async () => {
    const first = await boot('auto-1');
    const nets = (await t.call('GET', '/v2.1/os-networks', undefined, { token: user.token })).json().networks;
    assert.equal(nets.length, 1);
    assert.equal(nets[0].label, 'auto_allocated_network');
    const again = await boot('auto-2');
    const specs = (await t.desired('host-a')).servers;
    const [a, b] = [first, again].map((id) => specs.find((s) => s.id === id)!.ports[0]!);
    assert.equal(a!.networkId, nets[0].id, 'the second boot finds the same network');
    assert.equal(b!.networkId, nets[0].id);
    const other = await t.identity.makeUser({ name: 'net-other' });
    assert.deepEqual((await t.call('GET', '/v2.1/os-tenant-networks', undefined, { token: other.token })).json().networks, [], 'none of another project\'s');
    const r = await t.call('POST', '/v2.1/servers', { server: { name: 'theirs', imageRef: t.imageId, flavorRef: '1', networks: 'auto' } }, { token: other.token, version: V });
    assert.equal(r.statusCode, 202, r.body);
    const c = (await t.desired('host-a')).servers.find((s) => s.id === r.json().server.id)!.ports[0]!;
    assert.notEqual(c.networkId, a!.networkId, 'each project gets its own network');
    assert.notEqual(c.cidr, a!.cidr, 'and its own /24 of the routed pool');
    const theirs = (await t.call('GET', '/v2.1/os-tenant-networks', undefined, { token: other.token })).json().networks;
    assert.deepEqual(theirs, [{ id: c.networkId, cidr: 'None', label: 'auto_allocated_network' }]);
    assert.equal((await t.call('GET', `/v2.1/os-networks/${nets[0].id}`, undefined, { token: user.token })).json().network.id, nets[0].id);
    assert.equal((await t.call('GET', `/v2.1/os-networks/${nets[0].id}`, undefined, { token: other.token })).statusCode, 404);
    assert.equal((await t.call('GET', '/v2.1/os-networks', undefined, { token: user.token, version: '2.36' })).statusCode, 404);
    // A second network of the project's own makes `auto` ambiguous, as in Nova.
    const net = await fetch(`${t.networkUrl}/v2.0/networks`, { method: 'POST', headers: { 'x-auth-token': user.token, 'content-type': 'application/json' }, body: JSON.stringify({ network: { name: 'second' } }) });
    assert.equal(net.status, 201);
    const amb = await t.call('POST', '/v2.1/servers', { server: { name: 'amb', imageRef: t.imageId, flavorRef: '1', networks: 'auto' } }, { token: user.token, version: V });
    assert.equal(amb.statusCode, 409, amb.body);
    assert.match(amb.body, /Multiple possible networks found/);
    const second = (await net.json() as { network: { id: string } }).network.id;
    assert.equal((await fetch(`${t.networkUrl}/v2.0/networks/${second}`, { method: 'DELETE', headers: { 'x-auth-token': user.token } })).status, 204);
  });

  it('quota classes: the default class sets every project\'s defaults', async () => {
    const shown = (await t.call('GET', '/v2.1/os-quota-class-sets/default', undefined, { version: '2.50' })).json().quota_class_set;
    assert.equal(shown.id, 'default');
    assert.equal(shown.server_groups, 10);
    assert.equal(shown.fixed_ips, undefined);
    const r = await t.call('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { key_pairs: 7 } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().quota_class_set.key_pairs, 7);
    const fresh = await t.identity.makeUser({ name: 'class-user' });
    assert.equal((await t.call('GET', `/v2.1/os-quota-sets/${fresh.projectId}`, undefined, { token: fresh.token })).json().quota_set.key_pairs, 7);
    assert.equal((await t.call('GET', `/v2.1/os-quota-sets/${fresh.projectId}/defaults`, undefined, { token: fresh.token })).json().quota_set.key_pairs, 7);
    assert.equal((await t.call('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { key_pairs: 7 } }, { token: user.token })).statusCode, 403);
    await t.call('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { key_pairs: 100 } });
  });

  it('proxies images before 2.36 and image metadata before 2.39', async () => {
    const id = await t.makeImage(user.token, { name: 'proxied', min_ram: 64, color: 'blue' });
    const list = (await t.call('GET', '/v2.1/images', undefined, { token: user.token })).json().images;
    assert.ok(list.some((i: any) => i.id === id && i.name === 'proxied'));
    const shown = (await t.call('GET', `/v2.1/images/${id}`, undefined, { token: user.token })).json().image;
    assert.equal(shown.status, 'ACTIVE');
    assert.equal(shown.progress, 100);
    assert.equal(shown.minRam, 64);
    assert.deepEqual(shown.metadata, { color: 'blue' });
    assert.deepEqual((await t.call('GET', '/v2.1/images/detail?minRam=64', undefined, { token: user.token })).json().images.map((i: any) => i.id), [id]);
    assert.equal((await t.call('GET', `/v2.1/images/${id}`, undefined, { token: user.token, version: '2.36' })).statusCode, 404);
    const base = `/v2.1/images/${id}/metadata`;
    assert.deepEqual((await t.call('POST', base, { metadata: { shape: 'xl' } }, { token: user.token })).json(), { metadata: { color: 'blue', shape: 'xl' } });
    assert.deepEqual((await t.call('PUT', `${base}/color`, { meta: { color: 'red' } }, { token: user.token })).json(), { meta: { color: 'red' } });
    assert.deepEqual((await t.call('GET', `${base}/color`, undefined, { token: user.token })).json(), { meta: { color: 'red' } });
    assert.deepEqual((await t.call('PUT', base, { metadata: { only: 'this' } }, { token: user.token })).json(), { metadata: { only: 'this' } });
    assert.equal((await t.call('DELETE', `${base}/only`, undefined, { token: user.token })).statusCode, 204);
    assert.deepEqual((await t.call('GET', base, undefined, { token: user.token })).json(), { metadata: {} });
    assert.equal((await t.call('DELETE', `${base}/only`, undefined, { token: user.token })).statusCode, 404);
    const other = await t.identity.makeUser({ name: 'img-other' });
    assert.equal((await t.call('GET', `/v2.1/images/${id}`, undefined, { token: other.token })).statusCode, 404);
    assert.equal((await t.call('DELETE', `/v2.1/images/${id}`, undefined, { token: user.token })).statusCode, 204);
    assert.equal((await t.call('GET', `/v2.1/images/${id}`, undefined, { token: user.token })).statusCode, 404);
  });

  it('reports usage per project: hours of launched servers in the period', async () => {
    const start = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    const r = await t.call('GET', `/v2.1/os-simple-tenant-usage/${user.projectId}?start=${start}&end=${end}`, undefined, { token: user.token });
    assert.equal(r.statusCode, 200, r.body);
    const usage = r.json().tenant_usage;
    assert.equal(usage.tenant_id, user.projectId);
    assert.ok(usage.server_usages.length >= 4);
    assert.ok(usage.total_hours > 0);
    assert.equal(usage.server_usages[0].flavor, 'm1.tiny');
    const all = (await t.call('GET', `/v2.1/os-simple-tenant-usage?start=${start}&end=${end}&detailed=1`)).json().tenant_usages;
    assert.ok(all.some((u: any) => u.tenant_id === user.projectId));
    assert.equal((await t.call('GET', '/v2.1/os-simple-tenant-usage', undefined, { token: user.token })).statusCode, 403);
    assert.equal((await t.call('GET', `/v2.1/os-simple-tenant-usage/${user.projectId}?start=${end}&end=${start}`, undefined, { token: user.token })).statusCode, 400);
    assert.equal((await t.call('GET', `/v2.1/os-simple-tenant-usage/${user.projectId}?start=yesterday`, undefined, { token: user.token })).statusCode, 400);
  });
});
