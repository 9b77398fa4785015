/**
 * Test support: an identity service built in-process on a throwaway SQLite file (or a PostgreSQL URL),
 * bootstrapped, driven through Fastify's inject() so no port is needed. For route and store tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/log.js';
import { openDatabase } from '../platform/db/database.js';
import { createIdentityService, type IdentityService } from './index.js';
import type { IdentityTables } from './tables.js';

export const TEST_ADMIN_PASSWORD = 'admin-password';

export interface TestIdentity {
  readonly service: IdentityService;
  readonly dataDir: string;
  readonly adminUserId: string;
  readonly adminProjectId: string;
  /** A project-scoped admin token (admin project), issued once. */
  readonly adminToken: string;
  /** Sends a request; `token` defaults to the admin token (pass null for none). */
  call(method: InjectOptions['method'], url: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<LightMyRequestResponse & { json: () => any }>;
  /** Password login by name in the Default domain; returns the token. Throws unless 201. */
  login(user: string, password: string, scope?: { project?: string; domain?: string; system?: boolean }): Promise<string>;
  /** Creates a user with a role on a new or existing project; returns ids and a project token. */
  makeUser(opts: { name: string; role?: string; project?: string; password?: string }): Promise<{ userId: string; projectId: string; token: string }>;
  close(): Promise<void>;
}

/** Builds and bootstraps an identity service. Pass `databaseUrl` to run on PostgreSQL. */
export async function createTestIdentity(opts: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<TestIdentity> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-identity-test-'));
  const config = loadConfig({ FLOTILLA_DATA_DIR: dataDir, FLOTILLA_SCRYPT_LOG_N: '10', ...opts.env });
  const database = await openDatabase<IdentityTables>({
    service: opts.databaseUrl ? `identity_test_${path.basename(dataDir).replace(/\W/g, '_').toLowerCase()}` : 'identity',
    dataDir,
    url: opts.databaseUrl,
  });
  const service = await createIdentityService({ config, logger: silentLogger(), database });
  const { adminUserId, adminProjectId } = await service.bootstrap({ adminPassword: TEST_ADMIN_PASSWORD, resetPassword: false, region: 'RegionOne', services: [{ type: 'identity', name: 'keystone', url: 'http://127.0.0.1:5000/v3' }] });

  const call: TestIdentity['call'] = async (method, url, body, token, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    const t = token === undefined ? adminToken : token;
    if (t) h['x-auth-token'] = t;
    const res = await service.app.inject({ method, url, headers: h, ...(body !== undefined ? { payload: body as never } : {}) });
    return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
  };
  const login: TestIdentity['login'] = async (user, password, scope) => {
    const auth: Record<string, unknown> = { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } } };
    if (scope?.project) auth.scope = { project: { name: scope.project, domain: { id: 'default' } } };
    if (scope?.domain) auth.scope = { domain: { id: scope.domain } };
    if (scope?.system) auth.scope = { system: { all: true } };
    const res = await service.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth } });
    if (res.statusCode !== 201) throw new Error(`login ${user}: ${res.statusCode} ${res.body}`);
    return res.headers['x-subject-token'] as string;
  };
  let adminToken = '';
  adminToken = await login('admin', TEST_ADMIN_PASSWORD, { project: 'admin' });

  const makeUser: TestIdentity['makeUser'] = async ({ name, role = 'member', project = `${name}-project`, password = `${name}-password` }) => {
    let p = (await call('GET', `/v3/projects?name=${encodeURIComponent(project)}`)).json().projects[0];
    if (!p) p = (await call('POST', '/v3/projects', { project: { name: project } })).json().project;
    const u = (await call('POST', '/v3/users', { user: { name, password } })).json().user;
    const r = (await call('GET', `/v3/roles?name=${role}`)).json().roles[0];
    const g = await call('PUT', `/v3/projects/${p.id}/users/${u.id}/roles/${r.id}`);
    if (g.statusCode !== 204) throw new Error(`grant failed: ${g.statusCode} ${g.body}`);
    return { userId: u.id, projectId: p.id, token: await login(name, password, { project }) };
  };

  return {
    service, dataDir, adminUserId, adminProjectId, adminToken, call, login, makeUser,
    async close() {
      await service.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
