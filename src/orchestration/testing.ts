/**
 * Test support: an orchestration service built in-process on a throwaway database (SQLite, or a PostgreSQL
 * schema of its own), validating tokens with a real identity service built beside it, driven through
 * Fastify's inject() so no port is needed. Stacks run without trusts (there is no identity API to ask).
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
import type { ServiceHandle } from '../platform/service.js';
import { createTestIdentity, type TestIdentity } from '../identity/testing.js';
import { createOrchestrationService } from './index.js';
import type { OrchestrationTables } from './tables.js';

export { TEST_ENGINES as ENGINES } from '../platform/db/testing.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read loosely
export type Response = LightMyRequestResponse & { json: () => any };

export interface TestUser { userId: string; projectId: string; token: string }

export interface TestOrchestration {
  readonly identity: TestIdentity;
  readonly service: ServiceHandle;
  /** The admin's project. */
  readonly adminProject: string;
  /** Sends a request; `token` defaults to the admin token (null sends none). */
  call(method: InjectOptions['method'], url: string, body?: unknown, token?: string | null): Promise<Response>;
  /** Like call, but throws unless the status is `status`; returns the parsed body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ok(status: number, method: InjectOptions['method'], url: string, body?: unknown, token?: string | null): Promise<any>;
  /** Polls `GET /stacks/{name}/{id}` until the stack leaves IN_PROGRESS; returns the stack. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  settle(project: string, name: string, id: string, token?: string, done?: (status: string) => boolean): Promise<any>;
  user(name: string, opts?: { role?: string; project?: string }): Promise<TestUser>;
  close(): Promise<void>;
}

export async function createTestOrchestration(engine: Engine = 'sqlite'): Promise<TestOrchestration> {
  const url = engine === 'postgres' ? process.env.FLOTILLA_TEST_DATABASE_URL : undefined;
  const identity = await createTestIdentity(url ? { databaseUrl: url } : {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-orchestration-test-'));
  const config = loadConfig({ FLOTILLA_DATA_DIR: dataDir });
  const db = await openTestDatabase<OrchestrationTables>({ service: 'orchestration', engine, dataDir });
  const unused = new IdentityClient('http://127.0.0.1:9/v3');
  const service = await createOrchestrationService({
    config, logger: silentLogger(), database: db.database, validator: identity.service.validator,
    identity: unused, session: new ServiceSession(unused, { user: 'heat', password: 'unused', project: 'service' }),
  }, { trusts: false });
  await service.start();

  const call: TestOrchestration['call'] = async (method, u, body, token) => {
    const h: Record<string, string> = { accept: 'application/json' };
    const t = token === undefined ? identity.adminToken : token;
    if (t) h['x-auth-token'] = t;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    if (payload !== undefined) h['content-type'] = 'application/json';
    const res = await service.app.inject({ method, url: u, headers: h, ...(payload !== undefined ? { payload } : {}) });
    return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
  };
  const ok: TestOrchestration['ok'] = async (status, method, u, body, token) => {
    const r = await call(method, u, body, token);
    if (r.statusCode !== status) throw new Error(`${method} ${u}: expected ${status}, got ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const settle: TestOrchestration['settle'] = async (project, name, id, token, done = (st) => !st.endsWith('_IN_PROGRESS')) => {
    for (let i = 0; i < 2000; i++) {
      const r = await call('GET', `/v1/${project}/stacks/${name}/${id}?resolve_outputs=false`, undefined, token);
      const s = r.json()?.stack;
      if (s && done(String(s.stack_status))) return s;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`stack ${name} stayed in progress`);
  };
  return {
    identity, service, adminProject: identity.adminProjectId, call, ok, settle,
    user: (name, opts = {}) => identity.makeUser({ name, role: opts.role ?? 'member', ...(opts.project ? { project: opts.project } : {}) }),
    async close() {
      await service.close();
      await db.close();
      await identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
