/**
 * The metadata service's paths and documents (no kernel): the listings, the dated aliases, the EC2 tree,
 * 404s, and the HTTP server on its unix socket telling servers apart by the proxy's headers. The kernel
 * side (proxies in segments, anti-spoofing) is src/agent/netplane/metadata.test.ts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ServerSpec } from '../compute/agent-protocol.js';
import { metaData } from './config-drive.js';
import { answerMetadata, findServer, startMetadataServer, type MetadataClient } from './metadata-server.js';

const NET = 'net-1';
const spec: ServerSpec = {
  id: '6f1c2c3e-0000-4000-8000-000000000001', projectId: 'p1', userId: 'u1', name: 'vm1', hostname: 'vm1', generation: 3, power: 'running',
  image: { id: 'img' }, flavor: { id: 'f', name: 'm1.small', vcpus: 1, ramMb: 256, diskGb: 1, extraSpecs: {} },
  keyData: 'ssh-ed25519 AAAAkey k@h\n', keyName: 'k', userData: '#!/bin/sh\necho hi\n', metadata: { a: 'b' }, availabilityZone: 'az1', launchIndex: 1,
  ports: [{ id: 'port-1', source: 'neutron', mac: 'fa:16:3e:00:00:01', ip: '10.0.0.5', prefixLength: 24, gateway: '10.0.0.1', networkId: NET, cidr: '10.0.0.0/24', mtu: 1450 }],
  rebootCount: 0, rebuildCount: 0,
};
const client: MetadataClient = { spec, portId: 'port-1', address: '10.0.0.5', floatingIp: '198.19.128.9' };
const body = (p: string, c = client): string => {
  const a = answerMetadata(p, c);
  assert.equal(a.status, 200, `${p}: ${a.status}`);
  return a.body;
};

describe('metadata documents', () => {
  test('version listings', () => {
    assert.equal(body('/').split('\n').at(-1), 'latest');
    assert.ok(body('/').split('\n').includes('2009-04-04'));
    assert.deepEqual(body('/openstack').split('\n'), ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', 'latest']);
    assert.equal(body('/openstack/'), body('/openstack'));
    assert.deepEqual(body('/openstack/latest/').split('\n'), ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'user_data']);
    assert.deepEqual(body('/openstack/2012-08-10').split('\n'), ['meta_data.json', 'user_data']);
    assert.deepEqual(body('/latest/').split('\n'), ['meta-data/', 'user-data']);
  });

  test('OpenStack documents, dated versions as aliases', () => {
    const md = JSON.parse(body('/openstack/latest/meta_data.json')) as Record<string, unknown>;
    const drive = metaData(spec, 'seed') as Record<string, unknown>;
    assert.deepEqual({ ...md, random_seed: 'seed' }, drive, 'the config drive\'s document');
    assert.equal(answerMetadata('/openstack/latest/meta_data.json', client).type, 'application/json');
    assert.deepEqual({ ...JSON.parse(body('/openstack/2013-04-04/meta_data.json')), random_seed: 'seed' }, drive);
    assert.equal(body('/openstack/latest/user_data'), '#!/bin/sh\necho hi\n');
    assert.equal((JSON.parse(body('/openstack/2018-08-27/network_data.json')) as { links: Array<{ ethernet_mac_address: string }> }).links[0]!.ethernet_mac_address, 'fa:16:3e:00:00:01');
    assert.equal(answerMetadata('/openstack/2013-04-04/network_data.json', client).status, 404, 'network_data.json came in 2015-10-15');
    assert.equal(answerMetadata('/openstack/2011-01-01/meta_data.json', client).status, 404);
    assert.equal(answerMetadata('/openstack/latest/nothing', client).status, 404);
    const bare = { ...client, spec: { ...spec, userData: undefined } };
    assert.equal(answerMetadata('/openstack/latest/user_data', bare).status, 404);
    assert.ok(!body('/openstack/latest', bare).includes('user_data'));
    assert.equal(answerMetadata('/latest/user-data', bare).status, 404);
  });

  test('the EC2 tree', () => {
    const listing = body('/latest/meta-data/').split('\n');
    for (const k of ['instance-id', 'hostname', 'local-hostname', 'local-ipv4', 'public-ipv4', 'placement/', 'public-keys/', 'ami-launch-index', 'instance-type']) assert.ok(listing.includes(k), k);
    assert.match(body('/latest/meta-data/instance-id'), /^i-[0-9a-f]{8}$/);
    assert.equal(body('/2009-04-04/meta-data/hostname'), 'vm1');
    assert.equal(body('/latest/meta-data/local-hostname'), 'vm1');
    assert.equal(body('/latest/meta-data/local-ipv4'), '10.0.0.5');
    assert.equal(body('/latest/meta-data/public-ipv4'), '198.19.128.9');
    assert.equal(body('/latest/meta-data/public-ipv4', { ...client, floatingIp: undefined }), '');
    assert.equal(body('/latest/meta-data/placement/'), 'availability-zone');
    assert.equal(body('/latest/meta-data/placement/availability-zone'), 'az1');
    assert.equal(body('/latest/meta-data/public-keys/'), '0=k');
    assert.equal(body('/latest/meta-data/public-keys/0/'), 'openssh-key');
    assert.equal(body('/latest/meta-data/public-keys/0/openssh-key'), 'ssh-ed25519 AAAAkey k@h');
    assert.equal(body('/latest/meta-data/ami-launch-index'), '1');
    assert.equal(body('/latest/meta-data/instance-type'), 'm1.small');
    assert.equal(body('/1.0/user-data'), '#!/bin/sh\necho hi\n');
    for (const p of ['/latest/meta-data/nothing', '/latest/meta-data/public-keys/0/_name', '/latest/meta-data/hostname/x', '/2020-01-01/meta-data/', '/latest/other']) {
      assert.equal(answerMetadata(p, client).status, 404, p);
    }
  });

  test('findServer: by network and address among the Neutron ports of live servers', () => {
    assert.equal(findServer([spec], NET, '10.0.0.5')?.portId, 'port-1');
    assert.equal(findServer([spec], 'other', '10.0.0.5'), undefined);
    assert.equal(findServer([spec], NET, '10.0.0.6'), undefined);
    assert.equal(findServer([{ ...spec, power: 'deleted' }], NET, '10.0.0.5'), undefined);
    assert.equal(findServer([{ ...spec, ports: [{ ...spec.ports[0]!, source: 'interim' }] }], NET, '10.0.0.5'), undefined);
  });

  describe('over its unix socket', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-metadata-'));
    const socketPath = path.join(dir, 'm.sock');
    let server: http.Server | undefined;
    after(() => { server?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

    const get = (p: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      const req = http.request({ socketPath, path: p, method, headers }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (d: string) => { b += d; }).on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject).end();
    });

    test('answers by the proxy\'s headers: unknown source 404, missing headers 400, other methods 405', async () => {
      server = await startMetadataServer(socketPath, { find: (n, a) => { const f = findServer([spec], n, a); return f && { ...f, address: a }; } });
      assert.equal((fs.statSync(socketPath).mode & 0o777), 0o600);
      const ok = await get('/openstack/latest/meta_data.json', { 'x-flotilla-network': NET, 'x-forwarded-for': '10.0.0.5' });
      assert.equal(ok.status, 200);
      assert.equal((JSON.parse(ok.body) as { uuid: string }).uuid, spec.id);
      assert.equal((await get('/latest/meta-data/hostname', { 'x-flotilla-network': NET, 'x-forwarded-for': '10.0.0.9' })).status, 404);
      assert.equal((await get('/latest/meta-data/hostname', { 'x-flotilla-network': 'net-2', 'x-forwarded-for': '10.0.0.5' })).status, 404);
      assert.equal((await get('/latest/meta-data/hostname', { 'x-forwarded-for': '10.0.0.5' })).status, 400);
      assert.equal((await get('/latest/meta-data/hostname', { 'x-flotilla-network': NET })).status, 400);
      assert.equal((await get('/latest/meta-data/hostname', { 'x-flotilla-network': NET, 'x-forwarded-for': '10.0.0.5' }, 'POST')).status, 405);
    });
  });
});
