/**
 * Test support: a network service built in-process on a throwaway database (SQLite, or a PostgreSQL schema
 * of its own), validating tokens with a real identity service built beside it, driven through Fastify's
 * inject() so no port is needed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/log.js';
import type { Database, Engine } from '../platform/db/database.js';
import { openTestDatabase } from '../platform/db/testing.js';
import { IdentityClient } from '../identity/client.js';
import { ServiceSession } from '../platform/auth/service-session.js';
import type { ServiceHandle } from '../platform/service.js';
import { createTestIdentity, type TestIdentity } from '../identity/testing.js';
import { createNetworkService, type NetworkServiceOptions } from './index.js';
import type { NetworkTables } from './tables.js';

export type { Engine };
export { TEST_ENGINES as ENGINES } from '../platform/db/testing.js';

export type Response = LightMyRequestResponse & { json: () => any };

/** A user with a token scoped to its project. */
export interface TestUser { userId: string; projectId: string; token: string }

export interface TestNetwork {
  readonly identity: TestIdentity;
  readonly service: ServiceHandle;
  readonly database: Database<NetworkTables>;
  /** Sends a request; `token` defaults to the admin token (null sends none). */
  call(method: InjectOptions['method'], url: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<Response>;
  /** Like call, but throws unless the status is `status`; returns the parsed body. */
  ok(status: number, method: InjectOptions['method'], url: string, body?: unknown, token?: string | null): Promise<any>;
  /** A member (by default) of a project of its own. */
  user(name: string, opts?: { role?: string; project?: string }): Promise<TestUser>;
  close(): Promise<void>;
}

/** An identity and a network service on `engine`, sharing nothing but the token validator. */
export async function createTestNetwork(engine: Engine = 'sqlite', options: NetworkServiceOptions = {}): Promise<TestNetwork> {
  const url = engine === 'postgres' ? process.env.FLOTILLA_TEST_DATABASE_URL : undefined;
  const identity = await createTestIdentity(url ? { databaseUrl: url } : {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-network-test-'));
  const config = loadConfig({ FLOTILLA_DATA_DIR: dataDir });
  const db = await openTestDatabase<NetworkTables>({ service: 'network', engine, dataDir });
  const { database } = db;
  const unused = new IdentityClient('http://127.0.0.1:9/v3');
  const service = await createNetworkService({
    config, logger: silentLogger(), database, validator: identity.service.validator,
    // Not called in-process: the validator above checks tokens, and the network service needs no session yet.
    identity: unused, session: new ServiceSession(unused, { user: 'neutron', password: 'unused', project: 'service' }),
  }, options);
  await service.start();

  const call: TestNetwork['call'] = async (method, u, body, token, headers = {}) => {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    const t = token === undefined ? identity.adminToken : token;
    if (t) h['x-auth-token'] = t;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await service.app.inject({ method, url: u, headers: h, ...(payload !== undefined ? { payload } : {}) });
    return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
  };
  const ok: TestNetwork['ok'] = async (status, method, u, body, token) => {
    const r = await call(method, u, body, token);
    if (r.statusCode !== status) throw new Error(`${method} ${u}: expected ${status}, got ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const user: TestNetwork['user'] = (name, opts = {}) => identity.makeUser({ name, role: opts.role ?? 'member', ...(opts.project ? { project: opts.project } : {}) });

  return {
    identity, service, database, call, ok, user,
    async close() {
      await service.close();
      await db.close();
      await identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
