/**
 * The swarm-mode driver's rendering, without a cloud: the stack it renders passes the orchestration
 * API's /validate (an in-process service), its parameters follow the cluster's inputs, and the boot
 * scripts are valid sh whose JSON and token handling works under the real /bin/sh, sed and awk.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asId } from '../../../platform/ids.js';
import type { ClusterTemplate } from '../../model.js';
import { createTestOrchestration, type TestOrchestration } from '../../../orchestration/testing.js';
import { defaultDrivers, DriverError, KUBERNETES_UNAVAILABLE, type StackInput } from '../index.js';
import { readOutputs, render, swarmModeDriver } from './index.js';
import { MASTER_SH, NODE_SH, TOKEN_PORT } from './fragments.js';
import { NODE_BUSYBOX } from '../../../base-images/docker-node.js';
import { MASTER_SCRIPT_NAME, NODE_SCRIPT_NAME, NODE_TEMPLATE_NAME } from './templates.js';

const TEMPLATE: ClusterTemplate = {
  uuid: asId<'ClusterTemplateId'>('2b9e1f0a-0000-4000-8000-000000000001'), name: 'swarm', projectId: 'p', userId: 'u', coe: 'swarm-mode',
  imageId: 'debian-12-docker', clusterDistro: 'debian', serverType: 'vm', flavorId: 'm1.small', masterFlavorId: 'm1.small', keypairId: null,
  dnsNameserver: null, externalNetworkId: 'public', fixedNetwork: null, fixedSubnet: null, networkDriver: 'docker', volumeDriver: null,
  apiserverPort: null, dockerVolumeSize: null, dockerStorageDriver: null, httpProxy: null, httpsProxy: null, noProxy: null, registryEnabled: false,
  insecureRegistry: null, labels: {}, tlsDisabled: false, public: false, hidden: false, masterLbEnabled: false, floatingIpEnabled: true, tags: null,
  createdAt: '2026-01-01T00:00:00Z', updatedAt: null,
};

function input(over: Partial<StackInput> = {}): StackInput {
  return {
    cluster: {
      uuid: asId<'ClusterId'>('5c1a7e2b-0000-4000-8000-000000000002'), name: 'c1', keypair: null, fixedNetwork: null, fixedSubnet: null,
      floatingIpEnabled: true, masterLbEnabled: false, dockerVolumeSize: null, createTimeout: 60,
    },
    template: TEMPLATE,
    nodegroups: [
      { role: 'master', name: 'default-master', count: 1, flavorId: 'm1.small', imageId: 'debian-12-docker' },
      { role: 'worker', name: 'default-worker', count: 2, flavorId: 'm1.small', imageId: 'debian-12-docker' },
    ],
    labels: {},
    tlsDisabled: false,
    caCertPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    nodeSigningSecret: 'mcs.secret',
    ...over,
  };
}

describe('swarm-mode rendering', () => {
  it('maps the cluster onto the template\'s parameters', () => {
    const d = render(input({ labels: { fixed_subnet_cidr: '10.9.0.0/24', swarm_strategy: 'spread', docker_volume_size: '5' } }));
    assert.equal(d.parameters.fixed_subnet_cidr, '10.9.0.0/24');
    assert.equal(d.parameters.number_of_nodes, 2);
    assert.equal(d.parameters.number_of_secondary_masters, 0);
    assert.equal(d.parameters.external_network, 'public');
    assert.equal(d.parameters.tls_disabled, false);
    assert.equal(d.parameters.signing_secret, 'mcs.secret');
    assert.equal(d.parameters.wait_timeout, 3600);
    assert.deepEqual(Object.keys(d.files).sort(), [MASTER_SCRIPT_NAME, NODE_SCRIPT_NAME, NODE_TEMPLATE_NAME].sort());
    assert.ok(d.notes.some((n) => n.startsWith('label swarm_strategy=spread ignored')), d.notes.join('\n'));
    assert.ok(d.notes.some((n) => n.startsWith('docker_volume_size=5 ignored')), d.notes.join('\n'));
  });

  it('passes nodes_to_remove, extra masters, registries and no TLS', () => {
    const d = render(input({
      tlsDisabled: true, caCertPem: null, nodeSigningSecret: null, registries: ['10.0.0.1:5000'],
      template: { ...TEMPLATE, insecureRegistry: 'reg.example:5000' },
      nodegroups: [
        { role: 'master', name: 'default-master', count: 3, flavorId: 'm1.small', imageId: 'img' },
        { role: 'worker', name: 'default-worker', count: 1, flavorId: 'm1.medium', imageId: 'img2', nodesToRemove: ['s-1', 's-2'] },
      ],
    }));
    assert.equal(d.parameters.nodes_to_remove, 's-1,s-2');
    assert.equal(d.parameters.number_of_secondary_masters, 2);
    assert.equal(d.parameters.node_flavor, 'm1.medium');
    assert.equal(d.parameters.tls_disabled, true);
    assert.equal(d.parameters.ca_cert, '');
    assert.equal(d.parameters.insecure_registries, '10.0.0.1:5000,reg.example:5000');
  });

  it('refuses what it cannot make', () => {
    assert.throws(() => render(input({ caCertPem: null })), DriverError);
    assert.throws(() => render(input({ template: { ...TEMPLATE, externalNetworkId: null } })), /external_network_id/);
    assert.throws(() => render(input({ labels: { fixed_subnet_cidr: 'ten' } })), /fixed_subnet_cidr/);
    assert.throws(() => render(input({ nodegroups: [] })), /one master node group/);
  });

  it('the registry picks drivers by (server_type, os_distro, coe); Kubernetes refuses with its reason', () => {
    const reg = defaultDrivers();
    assert.equal(reg.forTemplate(TEMPLATE), swarmModeDriver);
    assert.equal(reg.forTemplate({ ...TEMPLATE, clusterDistro: 'windows' }), undefined);
    const k8s = reg.forTemplate({ ...TEMPLATE, coe: 'kubernetes' });
    assert.ok(k8s);
    assert.throws(() => k8s.stack(input()), (err: Error) => err instanceof DriverError && err.message === KUBERNETES_UNAVAILABLE);
  });

  it('reads the stack\'s outputs as the cluster\'s facts', () => {
    const f = readOutputs({
      api_address: 'tcp://198.19.0.5:2376', swarm_masters: ['198.19.0.5'], swarm_masters_private: ['10.0.0.3'], master_ids: ['m0'], master_names: ['c1-abc-master-0'],
      swarm_nodes: ['198.19.0.6', '198.19.0.7'], swarm_nodes_private: ['10.0.0.4', '10.0.0.5'], node_ids: ['n0', 'n1'], node_names: ['c1-abc-node-0', 'c1-abc-node-1'],
    });
    assert.equal(f.apiAddress, 'tcp://198.19.0.5:2376');
    assert.deepEqual(f.nodeIds, ['n0', 'n1']);
    assert.deepEqual(f.nodes.map((n) => [n.serverId, n.name, n.role, n.privateAddress]), [
      ['m0', 'c1-abc-master-0', 'master', '10.0.0.3'], ['n0', 'c1-abc-node-0', 'worker', '10.0.0.4'], ['n1', 'c1-abc-node-1', 'worker', '10.0.0.5'],
    ]);
  });
});

describe('swarm-mode templates through the orchestration API', () => {
  let o: TestOrchestration;
  before(async () => { o = await createTestOrchestration(); });
  after(async () => { await o?.close(); });

  for (const [what, over] of [
    ['TLS, floating IPs', {}],
    ['no TLS, no floating IPs, a fixed network', { tlsDisabled: true, caCertPem: null, nodeSigningSecret: null }],
  ] as const) {
    it(`validates (${what})`, async () => {
      const d = render(input(over));
      const params = { ...d.parameters };
      if (what.includes('fixed network')) Object.assign(params, { floating_ip_enabled: false, fixed_network: 'net1', fixed_subnet: 'sub1' });
      const v = await o.ok(200, 'POST', `/v1/${o.adminProject}/validate`, { template: d.template, files: d.files, environment: d.environment, parameters: params });
      assert.ok(v.Parameters.number_of_nodes, JSON.stringify(v));
      assert.equal(v.Parameters.signing_secret.NoEcho, 'true');
    });
  }
});

/** A rendered script with its placeholders filled as str_replace would. */
function fill(script: string, values: Record<string, string>): string {
  let out = script;
  for (const [k, v] of Object.entries(values)) out = out.split(`@@${k}@@`).join(v);
  return out;
}

describe('swarm-mode boot scripts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-scripts-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const common = { CLUSTER_UUID: 'u', FIXED_IP: '10.0.0.3', FLOATING_IP: '', TLS: 'on', CA_CERT: 'x', SIGNING_SECRET: 's', INSECURE_REGISTRIES: '', WC_NOTIFY: 'curl -i -X POST http://x', ROLE: 'worker', MANAGER_ADDRESS: '10.0.0.3', SWARM_JOIN: '{}', WAIT_TIMEOUT: '60' };

  it('are valid sh with every placeholder filled', () => {
    for (const [name, script] of [['master', MASTER_SH], ['node', NODE_SH]]) {
      const filled = fill(script!, common);
      assert.doesNotMatch(filled, /@@[A-Z_]+@@/, `${name}: a placeholder left`);
      const file = path.join(dir, `${name}.sh`);
      fs.writeFileSync(file, filled);
      const r = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  });

  /** The script's line that matches `re`, run by /bin/sh (dash on Debian, as on the nodes) between `setup` and `then`. */
  const runLine = (script: string, re: RegExp, setup: string, then = ''): string => {
    const line = script.split('\n').find((l) => re.test(l));
    assert.ok(line, `no line ${re} in the script`);
    const file = path.join(dir, 'line.sh');
    fs.writeFileSync(file, `${setup}\n${line}\n${then}\n`);
    return execFileSync('sh', [file], { encoding: 'utf8' });
  };

  it('take the join token for their role from the wait condition data', () => {
    // As WaitCondition's data attribute has it: {"<signal id>": <the master's data>}.
    const data = JSON.stringify({ 1: { worker: 'SWMTKN-1-abc-w0rk', manager: 'SWMTKN-1-abc-m4n', address: '10.0.0.3:2377' } });
    for (const role of ['worker', 'manager']) {
      const token = runLine(NODE_SH, /^token=/, `JOIN_DATA='${data}'; ROLE=${role}`, 'printf %s "$token"');
      assert.equal(token, role === 'worker' ? 'SWMTKN-1-abc-w0rk' : 'SWMTKN-1-abc-m4n');
    }
  });

  // The node image's static busybox (nc, timeout) where this host has Debian's, else only the curl path runs.
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
  for (const via of ['curl', 'busybox nc'] as const) {
    it(`let a worker ask the master for its join token with ${via} until it answers, and give up after the wait timeout, also when the master never answers`, { skip: via === 'busybox nc' && !busybox ? 'no busybox on this host' : false }, async () => {
      const fn = /fetch_worker_token\(\) \{\n[\s\S]*?\n\}/.exec(NODE_SH)![0];
      let asked = 0;
      // The master's token service as a worker meets it: not there yet, then the token.
      const server = http.createServer((req, res) => {
        if (req.url === '/worker-token') asked++;
        if (req.url !== '/worker-token' || asked < 3) { res.writeHead(404).end(); return; }
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('SWMTKN-1-abc-w0rk\n');
      });
      // A master whose answer never comes: the connection is taken, nothing is sent back.
      const held: net.Socket[] = [];
      const silent = net.createServer((socket) => { held.push(socket); });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const portOf = (s: net.Server): number => (s.address() as AddressInfo).port;
      const run = (seconds: number, port: number, path = '/worker-token') => {
        const body = via === 'curl'
          ? fn.replaceAll(NODE_BUSYBOX, '/nonexistent/busybox')
          : fn.replaceAll(NODE_BUSYBOX, busybox!).replace(`"$MANAGER" ${TOKEN_PORT}`, `"$MANAGER" ${port}`).replace('GET /worker-token', `GET ${path}`);
        const script = `say() { echo "$*"; }\nNL='\n'\nMANAGER=127.0.0.1\nTOKEN_URL='http://127.0.0.1:${port}${path}'\n${body}\nfetch_worker_token ${seconds}`;
        // A hang is killed (and fails the test) after 30 s.
        return promisify(execFile)('sh', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
      };
      try {
        assert.equal((await run(30, portOf(server))).stdout, 'SWMTKN-1-abc-w0rk\n');
        assert.equal(asked, 3);
        await assert.rejects(run(1, portOf(server), '/elsewhere'), (err: { code?: number }) => err.code === 1);
        await assert.rejects(run(1, portOf(silent)), (err: { code?: number; killed?: boolean }) => !err.killed && err.code === 1);
        assert.ok(held.length > 0, 'the silent master was asked');
      } finally {
        for (const socket of held) socket.destroy();
        server.close();
        silent.close();
      }
    });
  }

  it('escape a CSR into JSON and read the PEM back out of the API\'s answer', () => {
    const pem = '-----BEGIN CERTIFICATE REQUEST-----\nMIIC/ab+c\nZZ==\n-----END CERTIFICATE REQUEST-----\n';
    fs.writeFileSync(path.join(dir, 'server.csr'), pem);
    const escaped = runLine(MASTER_SH, /^\s*csr=\$\(awk/, `D=${dir}`, 'printf %s "$csr"');
    assert.deepEqual(JSON.parse(`{"csr": "${escaped}"}`), { csr: pem });
    // The API's answer as curl -w '\n%{http_code}' leaves it: Magnum's certificate body (the CSR, then the PEM), then the status.
    const cert = pem.replace(/ REQUEST/g, '');
    const answer = `${JSON.stringify({ cluster_uuid: 'u', csr: pem, pem: cert, links: [{ href: 'http://x/v1/certificates/u', rel: 'self' }] })}\n201`;
    fs.writeFileSync(path.join(dir, 'answer'), answer);
    runLine(MASTER_SH, /sed -n 's\/\.\*"pem"/, `D=${dir}; answer=$(cat ${dir}/answer)`);
    assert.equal(fs.readFileSync(path.join(dir, 'server.pem.new'), 'utf8'), cert);
  });

  it('signal a reason that stays valid JSON whatever a failing command printed', () => {
    const fn = /notify\(\) \{\n[\s\S]*?\n\}/.exec(NODE_SH)![0].replace('@@WC_NOTIFY@@', 'capture');
    const out = path.join(dir, 'body.json');
    // The body is the argument after --data-binary, wherever the command line puts it.
    execFileSync('sh', ['-c', `capture() { while [ $# -gt 0 ]; do [ "$1" = --data-binary ] && { printf '%s' "$2" > ${out}; return 0; }; shift; done; return 1; }\n${fn}\nnotify FAILURE "$(printf 'join: \\"bad\\" \\\\ x\\nnext line')" null`]);
    const body = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(body, { status: 'FAILURE', reason: 'join: bad  x next line', data: null, id: '1' });
  });

  it('signal again while the cloud does not answer, until the wait condition\'s timeout', () => {
    const fns = [/waited_out\(\) \{.*\}/, /notify\(\) \{\n[\s\S]*?\n\}/].map((re) => re.exec(NODE_SH)![0]).join('\n').replace('@@WC_NOTIFY@@', 'attempt');
    const counter = path.join(dir, 'attempts');
    // `attempt` fails until its $OK-th call, as a signal URL does while the cloud restarts.
    const attempt = `attempt() { n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${counter}; [ $n -ge "$OK" ]; }`;
    const run = (ok: number, waitTimeout: number) => {
      fs.rmSync(counter, { force: true });
      const r = spawnSync('sh', ['-c', `say() { echo "$*"; }\nt0=$(date +%s%N)\nWAIT_TIMEOUT=${waitTimeout}\nOK=${ok}\n${attempt}\n${fns}\nnotify SUCCESS ok null`], { encoding: 'utf8', timeout: 30_000 });
      return { status: r.status, out: r.stdout, attempts: Number(fs.readFileSync(counter, 'utf8')) };
    };
    const late = run(4, 60);
    assert.equal(late.status, 0, late.out);
    assert.equal(late.attempts, 4);
    const never = run(1_000_000, 1);
    assert.equal(never.status, 1, never.out);
    assert.match(never.out, /could not signal the wait condition within 1 s/);
    assert.ok(never.attempts >= 2, `asked ${never.attempts} times`);
  });

  it('write the registries as a JSON list', () => {
    const fn = /json_list\(\) \{\n([\s\S]*?)\n\}/.exec(MASTER_SH)![0];
    for (const [given, want] of [['', []], ['a:5000', ['a:5000']], ['a:5000, b:5000', ['a:5000', 'b:5000']]] as const) {
      const out = execFileSync('sh', ['-c', `${fn}\njson_list '${given}'`], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(out), want);
    }
  });
});
