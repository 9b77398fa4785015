/**
 * The metadata server's forwarding of wait-condition signals (decision 0013) and of cluster nodes' CSRs
 * (container-infra), on a unix socket with a stand-in API: a known server's POST to
 * /orchestration/v1/…/signal reaches the API's /v1/…/signal, and one to /container-infra/v1/certificates
 * its /v1/certificates, with the token and body, and the API's answer comes back; other methods, other
 * paths and unknown sources do not get through. No kernel needed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ServerSpec } from '../compute/agent-protocol.js';
import { startMetadataServer } from './metadata-server.js';
import { forwardedPath, orchestrationPath } from './metadata-forward.js';

const SIGNAL = '/v1/p1/stacks/app/3f1c/resources/wait_handle/signal';

describe('metadata forwarding to orchestration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-mdfwd-'));
  const socketPath = path.join(dir, 'm.sock');
  const seen: Array<{ method: string; url: string; token: string | undefined; body: string }> = [];
  const api = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', token: req.headers['x-auth-token'] as string | undefined, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('');
    });
  });
  let server: http.Server | undefined;
  after(() => { server?.close(); api.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  const send = (p: string, headers: Record<string, string>, method = 'POST', body?: string): Promise<number> => new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: p, method, headers }, (res) => { res.resume().on('end', () => resolve(res.statusCode!)); });
    req.on('error', reject).end(body);
  });

  test('paths it forwards', () => {
    assert.equal(orchestrationPath(`/orchestration${SIGNAL}`), SIGNAL);
    assert.equal(orchestrationPath('/orchestration/v1/p1/stacks'), undefined);
    assert.equal(orchestrationPath(`/orchestration${SIGNAL}/../../../stacks`), undefined);
    assert.deepEqual(forwardedPath('/container-infra/v1/certificates'), { service: 'container-infra', path: '/v1/certificates' });
    assert.equal(forwardedPath('/container-infra/v1/certificates/c1'), undefined);
    assert.equal(forwardedPath('/container-infra/v1/clusters'), undefined);
    assert.equal(orchestrationPath('/container-infra/v1/certificates'), undefined);
  });

  test('a known server signals through the metadata address; nothing else gets through', async () => {
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const spec = { id: 's1', power: 'running', ports: [{ id: 'port1', source: 'neutron', networkId: 'n1', ip: '10.0.0.5' }] } as unknown as ServerSpec;
    server = await startMetadataServer(socketPath, { find: (n, a) => (n === 'n1' && a === '10.0.0.5' ? { spec, portId: 'port1', address: a } : undefined) }, undefined, { orchestration: url, 'container-infra': url });
    const from = { 'x-flotilla-network': 'n1', 'x-forwarded-for': '10.0.0.5', 'x-auth-token': 'wch.secret', 'content-type': 'application/json' };
    assert.equal(await send(`/orchestration${SIGNAL}`, from, 'POST', '{"status": "SUCCESS"}'), 200);
    assert.deepEqual(seen, [{ method: 'POST', url: SIGNAL, token: 'wch.secret', body: '{"status": "SUCCESS"}' }]);
    assert.equal(await send(`/orchestration${SIGNAL}`, from, 'GET'), 405);
    assert.equal(await send('/orchestration/v1/p1/stacks', from), 404);
    assert.equal(await send(`/orchestration${SIGNAL}`, { ...from, 'x-forwarded-for': '10.0.0.9' }, 'POST', '{}'), 404);
    assert.equal(await send('/openstack/latest/meta_data.json', from, 'POST', '{}'), 405);
    assert.equal(seen.length, 1);
    const csr = '{"cluster_uuid": "c1", "csr": "-----BEGIN CERTIFICATE REQUEST-----"}';
    assert.equal(await send('/container-infra/v1/certificates', { ...from, 'x-auth-token': 'mcs.secret' }, 'POST', csr), 200);
    assert.deepEqual(seen[1], { method: 'POST', url: '/v1/certificates', token: 'mcs.secret', body: csr });
    assert.equal(await send('/container-infra/v1/certificates', from, 'GET'), 405);
    assert.equal(await send('/container-infra/v1/clusters', from, 'POST', '{}'), 404);
    assert.equal(await send('/container-infra/v1/certificates', { ...from, 'x-forwarded-for': '10.0.0.9' }, 'POST', csr), 404);
    assert.equal(seen.length, 2);
  });
});
