/**
 * What the load cases need, made through the public v3 API so that Flotilla and Keystone get exactly
 * the same: a project, users with the member role on it, and a pool of valid project-scoped tokens.
 */
import { KeystoneClient } from '../../test/support/keystone.js';
import type { BenchTarget } from './target.js';

/** Users made for the bench; password cases cycle through them. */
export const BENCH_USERS = 16;
/** Distinct project tokens in the pool (several per user, rescoped from its password token). */
export const TOKEN_POOL = 64;

export interface BenchUser {
  id: string;
  name: string;
  password: string;
}

export interface Fixtures {
  /** Admin's token scoped to project admin: the caller that validates other users' tokens. */
  adminToken: string;
  projectId: string;
  users: BenchUser[];
  /** Valid tokens scoped to projectId, spread over the users. */
  tokens: string[];
}

function expectStatus(what: string, res: { status: number; body: unknown }, status: number): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
}

/** A project-scoped token by the token method: the same request shape the token-issue case sends. */
export function rescopeBody(token: string, projectId: string): string {
  return JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: projectId } } } });
}

/** A project-scoped token by password, the user named in the Default domain. */
export function passwordBody(user: BenchUser, projectId: string): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } },
      scope: { project: { id: projectId } },
    },
  });
}

/** Runs `work` over items with at most `limit` in flight (password hashing is slow on both servers). */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Creates the bench project, users, role assignments and tokens. */
export async function makeFixtures(target: BenchTarget): Promise<Fixtures> {
  const anonymous = new KeystoneClient(target.identityUrl);
  const admin = new KeystoneClient(target.identityUrl);
  const adminToken = await admin.login('admin', target.adminPassword, { project: 'admin' });

  const project = await admin.request('POST', '/projects', { project: { name: 'bench', domain_id: 'default', description: 'load test' } });
  expectStatus('create project', project, 201);
  const projectId = (project.body as { project: { id: string } }).project.id;

  const roles = await admin.request('GET', '/roles?name=member');
  expectStatus('find role member', roles, 200);
  const memberRole = (roles.body as { roles: { id: string }[] }).roles[0]?.id;
  if (!memberRole) throw new Error('no role named member');

  const users: BenchUser[] = [];
  await eachLimited(Array.from({ length: BENCH_USERS }, (_, i) => i), 4, async (i) => {
    const name = `bench-user-${i}`;
    const password = `bench-password-${i}-${Math.random().toString(36).slice(2)}`;
    const created = await admin.request('POST', '/users', { user: { name, domain_id: 'default', password, enabled: true } });
    expectStatus(`create user ${name}`, created, 201);
    const id = (created.body as { user: { id: string } }).user.id;
    const grant = await admin.request('PUT', `/projects/${projectId}/users/${id}/roles/${memberRole}`);
    expectStatus(`grant member to ${name}`, grant, 204);
    users.push({ id, name, password });
  });

  const tokens: string[] = [];
  await eachLimited(users, 4, async (user) => {
    const res = await anonymous.request('POST', '/auth/tokens', passwordBody(user, projectId));
    expectStatus(`password token for ${user.name}`, res, 201);
    tokens.push(res.headers.get('x-subject-token')!);
  });
  // The rest of the pool by rescoping: distinct tokens (own audit id and issue time) at no KDF cost.
  const base = [...tokens];
  for (let i = 0; tokens.length < TOKEN_POOL; i++) {
    const res = await anonymous.request('POST', '/auth/tokens', rescopeBody(base[i % base.length]!, projectId));
    expectStatus('rescoped token', res, 201);
    tokens.push(res.headers.get('x-subject-token')!);
  }
  return { adminToken, projectId, users, tokens };
}
