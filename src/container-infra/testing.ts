/**
 * Test support: a container-infra service built in-process on a throwaway database (SQLite, or a
 * PostgreSQL schema of its own), validating tokens with a real identity service built beside it, driven
 * through Fastify's inject() so no port is needed. Without compute, image and network services beside it,
 * the resource checks read a fixed catalog (`CATALOG`); clusters get no trusts and no conductor runs:
 * operations stay in their rows, where tests read them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/log.js';
import type { Engine } from '../platform/db/database.js';
import { openTestDatabase } from '../platform/db/testing.js';
import { IdentityClient } from '../identity/client.js';
import { ServiceSession } from '../platform/auth/service-session.js';
import { createTestIdentity, type TestIdentity } from '../identity/testing.js';
import { createContainerInfraService } from './index.js';
import type { ContainerInfraStore } from './store.js';
import type { ContainerInfraTables } from './tables.js';
import type { ClusterId } from './model.js';
import type { ResourceChecks } from './validation.js';
import { MagnumFault } from './errors.js';

export { TEST_ENGINES as ENGINES } from '../platform/db/testing.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read loosely
export type Response = LightMyRequestResponse & { json: () => any };

export interface TestUser { userId: string; projectId: string; token: string }

/** What the fixed-catalog checks know: images (with os_distro or not), flavors, keypairs, networks. */
export const CATALOG = {
  images: { 'debian-12-docker': 'debian', 'fedora-coreos': 'fedora-coreos', 'no-distro': null } as Record<string, string | null>,
  flavors: ['m1.small', 'm1.tiny'],
  keypairs: ['kp1'],
  externalNetworks: ['public'],
  networks: ['private', 'public'],
  subnets: ['private-subnet'],
};

const bad = (type: string, message: string): MagnumFault => new MagnumFault(400, type, message);

/** Resource checks over CATALOG, with Magnum's faults. */
export const catalogChecks: ResourceChecks = {
  async imageDistro(_t, image) {
    if (!(image in CATALOG.images)) throw bad('ImageNotFound', `Image ${image} could not be found.`);
    const distro = CATALOG.images[image];
    if (!distro) throw bad('OSDistroFieldNotFound', `Image ${image} doesn't contain os_distro field.`);
    return distro;
  },
  async flavor(_t, f) { if (!CATALOG.flavors.includes(f)) throw bad('FlavorNotFound', `Unable to find flavor ${f}.`); },
  async keypair(_t, k) { if (!CATALOG.keypairs.includes(k)) throw bad('KeyPairNotFound', `Unable to find keypair ${k}.`); },
  async externalNetwork(_t, n) {
    if (!CATALOG.networks.includes(n)) throw bad('ExternalNetworkNotFound', `External network ${n} could not be found.`);
    if (!CATALOG.externalNetworks.includes(n)) throw bad('InvalidParameterValue', `${n} is not an external network.`);
  },
  async fixedNetwork(_t, n) { if (!CATALOG.networks.includes(n)) throw bad('FixedNetworkNotFound', `Fixed network ${n} could not be found.`); },
  async fixedSubnet(_t, n) { if (!CATALOG.subnets.includes(n)) throw bad('FixedSubnetNotFound', `Fixed subnet ${n} could not be found.`); },
};

export interface TestContainerInfra {
  readonly identity: TestIdentity;
  readonly store: ContainerInfraStore;
  /** The HTTP app, for raw requests. */
  readonly app: import('fastify').FastifyInstance;
  /** Clusters the API kicked the conductor for, in order. */
  readonly kicked: ClusterId[];
  /** Sends a request at microversion `version` (default latest; null sends no header); `token` defaults to the admin's. */
  call(method: InjectOptions['method'], url: string, body?: unknown, token?: string | null, version?: string | null): Promise<Response>;
  /** Like call, but throws unless the status is `status`; returns the parsed body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ok(status: number, method: InjectOptions['method'], url: string, body?: unknown, token?: string | null, version?: string | null): Promise<any>;
  user(name: string, opts?: { role?: string; project?: string }): Promise<TestUser>;
  close(): Promise<void>;
}

export async function createTestContainerInfra(engine: Engine = 'sqlite'): Promise<TestContainerInfra> {
  const url = engine === 'postgres' ? process.env.FLOTILLA_TEST_DATABASE_URL : undefined;
  const identity = await createTestIdentity(url ? { databaseUrl: url } : {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-coe-test-'));
  const config = loadConfig({ FLOTILLA_DATA_DIR: dataDir });
  const db = await openTestDatabase<ContainerInfraTables>({ service: 'container_infra', engine, dataDir });
  const unused = new IdentityClient('http://127.0.0.1:9/v3');
  const kicked: ClusterId[] = [];
  const service = await createContainerInfraService({
    config, logger: silentLogger(), database: db.database, validator: identity.service.validator,
    identity: unused, session: new ServiceSession(unused, { user: 'magnum', password: 'unused', project: 'service' }),
  }, {
    trusts: false, checks: catalogChecks,
    projectExists: async (token, projectId) => (await identity.call('GET', `/v3/projects/${encodeURIComponent(projectId)}`, undefined, token)).statusCode === 200,
    conductor: { kick: (id) => { kicked.push(id); }, start: async () => {}, close: async () => {} },
  });
  await service.start();

  const call: TestContainerInfra['call'] = async (method, u, body, token, version = 'latest') => {
    const h: Record<string, string> = { accept: 'application/json' };
    const t = token === undefined ? identity.adminToken : token;
    if (t) h['x-auth-token'] = t;
    if (version !== null) h['openstack-api-version'] = `container-infra ${version}`;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    if (payload !== undefined) h['content-type'] = 'application/json';
    const res = await service.app.inject({ method, url: u, headers: h, ...(payload !== undefined ? { payload } : {}) });
    return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
  };
  const ok: TestContainerInfra['ok'] = async (status, method, u, body, token, version) => {
    const r = await call(method, u, body, token, version);
    if (r.statusCode !== status) throw new Error(`${method} ${u}: expected ${status}, got ${r.statusCode} ${r.body}`);
    return r.json();
  };
  return {
    identity, store: service.store, app: service.app, kicked, call, ok,
    user: (name, opts = {}) => identity.makeUser({ name, role: opts.role ?? 'member', ...(opts.project ? { project: opts.project } : {}) }),
    async close() {
      await service.close();
      await db.close();
      await identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
