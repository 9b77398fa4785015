/**
 * Test support: a compute service built in-process on a throwaway database (SQLite, or a PostgreSQL schema
 * of its own), with the real services it depends on built beside it: an identity service (tokens are
 * validated by it; project checks go to its API on a loopback port) and an image service on a loopback
 * port (compute checks and creates images through the real client). Requests go through inject(); the
 * agent's part is played through the real internal API with a service-role token.
 */
import type { Kysely } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/log.js';
import type { Database, Engine } from '../platform/db/database.js';
import { openTestDatabase } from '../platform/db/testing.js';
import { IdentityClient } from '../identity/client.js';
import { ServiceSession } from '../platform/auth/service-session.js';
import type { ServiceHandle } from '../platform/service.js';
import { createTestIdentity, type TestIdentity } from '../identity/testing.js';
import { createImageService } from '../image/index.js';
import type { ImageTables } from '../image/tables.js';
import { createNetworkService, type NetworkTables } from '../network/index.js';
import { createComputeService, type ComputeService, type ComputeServiceOptions } from './index.js';
import type { ComputeTables } from './tables.js';
import { computeMigrations } from './migrations/index.js';
import { AGENT_API_PREFIX, type DesiredServers, type HostRegistration, type ObservedServer } from './agent-protocol.js';

export type { Engine };
export { TEST_ENGINES as ENGINES } from '../platform/db/testing.js';

export type Response = LightMyRequestResponse & { json: () => any };

/** A migrated compute database of its own on `engine` (a temp dir; on PostgreSQL a schema of its own). */
export async function openComputeTestDatabase(engine: Engine): Promise<{ database: Database<ComputeTables>; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compute-store-'));
  const db = await openTestDatabase<ComputeTables>({ service: 'compute', engine, dataDir, migrations: computeMigrations });
  return {
    database: db.database,
    async close() {
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A registration as an agent sends it. */
export function registration(overrides: Partial<HostRegistration> = {}): HostRegistration {
  return { zone: 'nova', resources: { vcpus: 8, memoryMb: 16384, diskGb: 200 }, agentSocket: '/nonexistent/agent.sock', version: '0.1.0', ...overrides };
}

export interface TestCompute {
  readonly identity: TestIdentity;
  readonly compute: ComputeService;
  readonly database: Database<ComputeTables>;
  /** A public, active image everyone may boot. */
  readonly imageId: string;
  /** A project-scoped token with the `service` role, as host agents have. */
  readonly agentToken: string;
  /** Sends a compute API request; `token` defaults to the admin token; `version` sets the microversion. */
  call(method: InjectOptions['method'], url: string, body?: unknown, opts?: { token?: string | null; version?: string; headers?: Record<string, string> }): Promise<Response>;
  /** Sends an image API request (as admin by default). */
  image(method: InjectOptions['method'], url: string, body?: unknown, token?: string): Promise<Response>;
  /** The network service's root URL (a real one, beside compute). */
  networkUrl: string;
  /** Plays a host agent: register or heartbeat. */
  register(host: string, reg?: Partial<HostRegistration>): Promise<Response>;
  /** Plays a host agent: the desired servers, once every port allocation on the host settled (no long poll unless given). */
  desired(host: string, since?: number, waitS?: number): Promise<DesiredServers>;
  /** Plays a host agent: reports an observation. */
  report(host: string, serverId: string, obs: Partial<ObservedServer> & Pick<ObservedServer, 'state' | 'generation'>): Promise<Response>;
  /** Reports every desired server of a host as carried out (running/stopped/paused/absent at its generation). */
  converge(host: string): Promise<void>;
  /** Creates an active image with `bytes` of data owned by the token's project. */
  makeImage(token: string, fields?: Record<string, unknown>, bytes?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Waits until no live server on `host` still has its Neutron ports being allocated (compute does that in
 * the background after a create), so an agent's view holds every server created before.
 */
export async function portsSettled(db: Kysely<ComputeTables>, host: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await db.selectFrom('server').select('id').where('host', '=', host).where('deleted', '=', 0).where('ports_pending', '=', 1).executeTakeFirst();
    if (!pending) return;
    if (Date.now() > deadline) throw new Error(`server ${pending.id} on ${host} still waits for its ports after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Builds identity, image and compute for a test; `options` tune compute (reconciler timings). */
export async function createTestCompute(engine: Engine = 'sqlite', options: ComputeServiceOptions = {}): Promise<TestCompute> {
  const url = engine === 'postgres' ? process.env.FLOTILLA_TEST_DATABASE_URL : undefined;
  const identity = await createTestIdentity(url ? { databaseUrl: url } : {});
  await identity.service.app.listen({ host: '127.0.0.1', port: 0 });
  const identityUrl = `http://127.0.0.1:${(identity.service.app.server.address() as AddressInfo).port}/v3`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compute-test-'));
  const config = loadConfig({ FLOTILLA_DATA_DIR: dataDir });
  const imageDb = await openTestDatabase<ImageTables>({ service: 'image', engine, dataDir });
  const networkDb = await openTestDatabase<NetworkTables>({ service: 'network', engine, dataDir });
  const computeDb = await openTestDatabase<ComputeTables>({ service: 'compute', engine, dataDir });
  const identityClient = new IdentityClient(identityUrl);
  const session = (user: string): ServiceSession => new ServiceSession(identityClient, { user, password: 'unused', project: 'service' });

  let image: ServiceHandle | undefined;
  let network: ServiceHandle | undefined;
  let compute: ComputeService | undefined;
  const cleanup = async (): Promise<void> => {
    await compute?.close();
    await network?.close();
    await image?.close();
    await computeDb.close();
    await networkDb.close();
    await imageDb.close();
    await identity.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    image = await createImageService({ config, logger: silentLogger(), database: imageDb.database, validator: identity.service.validator, identity: identityClient, session: session('glance') });
    await image.app.listen({ host: '127.0.0.1', port: 0 });
    const imageUrl = `http://127.0.0.1:${(image.app.server.address() as AddressInfo).port}`;
    // A real network service, and a real `nova` service user: compute allocates Neutron ports with it.
    // With `public` and the routed pool, as the all-in-one has them: `auto` gets a project network.
    network = await createNetworkService({ config, logger: silentLogger(), database: networkDb.database, validator: identity.service.validator, identity: identityClient, session: session('neutron') },
      { external: { adminProjectId: identity.adminProjectId, pool: config.publicPool }, autoPool: config.serverPool.cidr });
    await network.app.listen({ host: '127.0.0.1', port: 0 });
    await network.start();
    const networkUrl = `http://127.0.0.1:${(network.app.server.address() as AddressInfo).port}`;
    await identity.makeUser({ name: 'nova', role: 'service', project: 'service', password: 'nova-password' });
    const nova = new ServiceSession(identityClient, { user: 'nova', password: 'nova-password', project: 'service' });
    compute = await createComputeService(
      { config, logger: silentLogger(), database: computeDb.database, validator: identity.service.validator, identity: identityClient, session: nova },
      { imageUrl, networkUrl, reconcileIntervalMs: 3_600_000, ...options },
    );
    const c = compute;
    const imageApp = image;

    const agent = await identity.makeUser({ name: 'compute-agent', role: 'service', project: 'service' });
    const call: TestCompute['call'] = async (method, u, body, opts = {}) => {
      const h: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
      const t = opts.token === undefined ? identity.adminToken : opts.token;
      if (t) h['x-auth-token'] = t;
      if (opts.version) h['openstack-api-version'] = `compute ${opts.version}`;
      let payload: InjectOptions['payload'];
      if (body !== undefined) {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await c.app.inject({ method, url: u, headers: h, ...(payload !== undefined ? { payload } : {}) });
      return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
    };
    const imageCall: TestCompute['image'] = async (method, u, body, token = identity.adminToken) => {
      const h: Record<string, string> = { 'x-auth-token': token };
      let payload: InjectOptions['payload'];
      if (Buffer.isBuffer(body)) { payload = body; h['content-type'] = 'application/octet-stream'; } else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
      const res = await imageApp.app.inject({ method, url: u, headers: h, ...(payload !== undefined ? { payload } : {}) });
      return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
    };
    const makeImage: TestCompute['makeImage'] = async (token, fields = {}, bytes = 1024) => {
      const created = await imageCall('POST', '/v2/images', { name: 'test-image', container_format: 'bare', disk_format: 'raw', ...fields }, token);
      if (created.statusCode !== 201) throw new Error(`image create: ${created.statusCode} ${created.body}`);
      const id = created.json().id as string;
      const up = await imageCall('PUT', `/v2/images/${id}/file`, Buffer.alloc(bytes, 7), token);
      if (up.statusCode !== 204) throw new Error(`image upload: ${up.statusCode} ${up.body}`);
      return id;
    };
    const imageId = await makeImage(identity.adminToken, { name: 'cirros', visibility: 'public' });

    const register: TestCompute['register'] = (host, reg = {}) => call('PUT', `${AGENT_API_PREFIX}/hosts/${host}`, registration(reg), { token: agent.token });
    const desired: TestCompute['desired'] = async (host, since = -1, waitS = 0) => {
      await portsSettled(computeDb.database.db, host);
      const r = await call('GET', `${AGENT_API_PREFIX}/hosts/${host}/servers?since=${since}&wait=${waitS}`, undefined, { token: agent.token });
      if (r.statusCode !== 200) throw new Error(`desired ${host}: ${r.statusCode} ${r.body}`);
      return r.json() as DesiredServers;
    };
    const report: TestCompute['report'] = (host, id, obs) =>
      call('PUT', `${AGENT_API_PREFIX}/hosts/${host}/servers/${id}/observed`, { rebootCount: 0, rebuildCount: 0, ...obs }, { token: agent.token });
    const converge: TestCompute['converge'] = async (host) => {
      for (const s of (await desired(host)).servers) {
        const state = s.power === 'deleted' ? 'absent' : s.power;
        const r = await report(host, s.id, {
          state, generation: s.generation, rebootCount: s.rebootCount, rebuildCount: s.rebuildCount,
          ...(s.snapshot ? { snapshotDone: s.snapshot.imageId } : {}),
        });
        if (r.statusCode !== 204) throw new Error(`report ${s.id}: ${r.statusCode} ${r.body}`);
      }
    };

    return {
      identity, compute: c, database: computeDb.database, imageId, agentToken: agent.token, networkUrl,
      call, image: imageCall, register, desired, report, converge, makeImage,
      close: cleanup,
    };
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}
