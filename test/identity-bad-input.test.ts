/**
 * Bad input against the real identity server (node dist/src/main.js): well over a thousand malformed
 * or hostile requests across every Keystone v3 route family, generated from a fixed seed. Every one
 * must get an HTTP response that is not a 5xx; every error must be Keystone's body with its status,
 * a 401 must say WWW-Authenticate, every response must carry x-openstack-request-id; the process
 * must stay up, and what the admin API showed before must still be there, unchanged, afterwards.
 * Runs on SQLite, and on PostgreSQL when FLOTILLA_TEST_DATABASE_URL is set.
 *
 * Replay one run with FLOTILLA_FUZZ_SEED=<seed>; the summary prints the seed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { KeystoneClient } from './support/keystone.js';
import { send, sendRaw, type WireResult } from './support/wire.js';
import { buildCases, MALLEABLE_TOKEN_LABEL, type Expect, type HostileCase } from './support/hostile-cases.js';
import { ROUTES } from './support/identity-routes.js';
import { lostOrChanged, takeSnapshot, type Snapshot } from './support/identity-snapshot.js';
import { createScratchDatabase, postgresSkipReason, type ScratchDatabase } from './support/pg-database.js';
import { KeyRepository } from '../src/identity/keys.js';
import { newAuditId, sealToken } from '../src/identity/tokens/format.js';

const SEED = Number(process.env.FLOTILLA_FUZZ_SEED ?? 20150601);
const CONCURRENCY = 8;

interface Outcome { c: HostileCase; r: WireResult; }

/** A known, reported bug: the violations it explains are listed under its own TODO test. */
interface KnownBug {
  id: string;
  engines: ReadonlyArray<'sqlite' | 'postgres'>;
  /** True when this outcome is explained by the bug. Keep it narrow: it hides failures. */
  explains(o: Outcome): boolean;
}

/**
 * Bugs this suite found and that are still open. Fixed ones were removed from this list (so the
 * suite now fails if they come back): tokens with a stray base64url character, a missing password or
 * secret (500), deeply nested attributes (500, and a stored one breaking GET /v3/projects), NUL,
 * over-long and over-large values on PostgreSQL (500), racing tag and domain-config replacements on
 * PostgreSQL (500), Fastify's own body for malformed HTTP and CONNECT, Node's bare 417 for an
 * unsupported Expect header, and a reset instead of the 413 while an oversized upload still arrives.
 */
const KNOWN_BUGS: readonly KnownBug[] = [];

// ---------------------------------------------------------------------------------------------

async function post(k: KeystoneClient, p: string, body: unknown): Promise<any> {
  const res = await k.request('POST', p, body);
  if (res.status !== 201) throw new Error(`fixture POST ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function put(k: KeystoneClient, p: string, body?: unknown): Promise<void> {
  const res = await k.request('PUT', p, body);
  if (res.status >= 300) throw new Error(`fixture PUT ${p}: ${res.status} ${JSON.stringify(res.body)}`);
}

interface Fixtures {
  values: Record<string, string>;
  /** Victims: objects the hostile requests may legitimately change (never compared). */
  victims: Set<string>;
  revokedToken: string;
  otherUserToken: string;
}

/** Two tenants, a group, roles, catalog entries, a trust, an application credential and victims. */
async function makeFixtures(cloud: TestCloud): Promise<Fixtures> {
  const admin = new KeystoneClient(cloud.identityUrl);
  const adminToken = await admin.login('admin', cloud.adminPassword, { project: 'admin' });
  const systemToken = await new KeystoneClient(cloud.identityUrl).login('admin', cloud.adminPassword, { system: true });
  const role = async (name: string): Promise<string> => (await admin.request('GET', `/roles?name=${name}`)).body.roles[0].id;
  const project = async (name: string): Promise<string> => (await post(admin, '/projects', { project: { name, domain_id: 'default' } })).project.id;
  const user = async (name: string, password: string): Promise<string> => (await post(admin, '/users', { user: { name, password, domain_id: 'default' } })).user.id;
  const memberRole = await role('member');
  const adminRole = await role('admin');
  const adminUser = (await admin.request('GET', '/users?name=admin')).body.users[0].id;

  const D = (await post(admin, '/domains', { domain: { name: 'bi-domain' } })).domain.id;
  const VD = (await post(admin, '/domains', { domain: { name: 'bi-victim-domain' } })).domain.id;
  const P = await project('bi-p');
  const Q = await project('bi-q');
  const VP = await project('bi-victim-p');
  await put(admin, `/projects/${P}/tags/bi-tag`);
  const U = await user('bi-u', 'bi-u-password');
  const V = await user('bi-v', 'bi-v-password');
  const W = await user('bi-w', 'bi-w-password');
  const VU = await user('bi-victim-u', 'bi-victim-password');
  await put(admin, `/projects/${P}/users/${U}/roles/${memberRole}`);
  await put(admin, `/projects/${Q}/users/${V}/roles/${memberRole}`);
  await put(admin, `/projects/${Q}/users/${W}/roles/${memberRole}`);
  const G = (await post(admin, '/groups', { group: { name: 'bi-g' } })).group.id;
  const VG = (await post(admin, '/groups', { group: { name: 'bi-victim-g' } })).group.id;
  await put(admin, `/groups/${G}/users/${U}`);
  const R = (await post(admin, '/roles', { role: { name: 'bi-r' } })).role.id;
  const R2 = (await post(admin, '/roles', { role: { name: 'bi-r2' } })).role.id;
  const VR = (await post(admin, '/roles', { role: { name: 'bi-victim-r' } })).role.id;
  await put(admin, `/roles/${R}/implies/${R2}`);
  const RG = (await post(admin, '/regions', { region: { id: 'bi-region' } })).region.id;
  const VRG = (await post(admin, '/regions', { region: { id: 'bi-victim-region' } })).region.id;
  const S = (await post(admin, '/services', { service: { type: 'bi-type', name: 'bi' } })).service.id;
  const VS = (await post(admin, '/services', { service: { type: 'bi-victim-type' } })).service.id;
  const E = (await post(admin, '/endpoints', { endpoint: { service_id: S, interface: 'public', url: 'http://127.0.0.1:9/e', region_id: RG } })).endpoint.id;
  const VE = (await post(admin, '/endpoints', { endpoint: { service_id: VS, interface: 'public', url: 'http://127.0.0.1:9/ve' } })).endpoint.id;

  const member = new KeystoneClient(cloud.identityUrl);
  const memberToken = await member.login('bi-u', 'bi-u-password', { project: 'bi-p' });
  const other = new KeystoneClient(cloud.identityUrl);
  const otherToken = await other.login('bi-v', 'bi-v-password', { project: 'bi-q' });
  // W is in the other tenant and no party to the trust: it must not reach U's things.
  const outsiderToken = await new KeystoneClient(cloud.identityUrl).login('bi-w', 'bi-w-password', { project: 'bi-q' });
  const subjectToken = await new KeystoneClient(cloud.identityUrl).login('bi-u', 'bi-u-password', { project: 'bi-p' });
  const deleteSubjectToken = await new KeystoneClient(cloud.identityUrl).login('bi-u', 'bi-u-password', { project: 'bi-p' });
  const T = (await post(member, '/OS-TRUST/trusts', { trust: { trustor_user_id: U, trustee_user_id: V, project_id: P, impersonation: false, roles: [{ name: 'member' }] } })).trust.id;
  const acSecret = 'bi-app-cred-secret';
  const ac = (await post(member, `/users/${U}/application_credentials`, {
    application_credential: { name: 'bi-ac', secret: acSecret, access_rules: [{ service: 'identity', method: 'GET', path: '/v3/auth/projects' }] },
  })).application_credential;

  const revoked = new KeystoneClient(cloud.identityUrl);
  const revokedToken = await revoked.login('bi-u', 'bi-u-password', { project: 'bi-p' });
  const del = await admin.request('DELETE', '/auth/tokens', undefined, { 'x-subject-token': revokedToken });
  if (del.status !== 204) throw new Error(`revoking a token: ${del.status}`);

  return {
    values: {
      ADMIN_TOKEN: adminToken, SYSTEM_TOKEN: systemToken, MEMBER_TOKEN: memberToken, V_TOKEN: otherToken,
      SUBJECT_TOKEN: subjectToken, DELETE_SUBJECT_TOKEN: deleteSubjectToken,
      D, VD, P, Q, VP, U, V, VU, G, VG, R, R2, VR, RG, VRG, S, VS, E, VE, T,
      AC: ac.id, AC_NAME: 'bi-ac', AC_SECRET: acSecret, AR: ac.access_rules[0].id,
      TAG: 'bi-tag', UNAME: 'bi-u', UPW: 'bi-u-password', PNAME: 'bi-p', VU_PW: 'bi-victim-password',
      MEMBER_ROLE: memberRole, ADMIN_ROLE: adminRole, ADMIN_USER: adminUser,
    },
    victims: new Set([VD, VP, VU, VG, VR, VRG, VS, VE]),
    revokedToken,
    otherUserToken: outsiderToken,
  };
}

/** A well-formed token for a real user, sealed with a key this server never had. */
function foreignToken(userId: string, projectId: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-foreign-keys-'));
  try {
    const keys = KeyRepository.open(dir);
    const now = Date.now();
    return sealToken(keys, { userId, methods: ['password'], scope: { kind: 'project', projectId }, issuedAt: now, expiresAt: now + 3600_000, auditIds: [newAuditId()] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

/** Sends every case, CONCURRENCY at a time, the `late` ones after the others. */
async function runCases(base: URL, all: readonly HostileCase[]): Promise<Outcome[]> {
  return [
    ...(await runBatch(base, all.filter((c) => !c.late))),
    ...(await runBatch(base, all.filter((c) => c.late))),
  ];
}

async function runBatch(base: URL, cases: readonly HostileCase[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      const r = c.raw !== undefined
        ? await sendRaw(base, c.raw, { timeoutMs: 10000, ...(c.halfClose ? { halfClose: true } : {}) })
        : await send(base, { method: c.method, path: c.path, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}), timeoutMs: 30000 });
      out[i] = { c, r };
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

function statusMatches(expect: Expect, status: number): boolean {
  if (expect === 'any') return status < 500;
  if (expect === '4xx') return status >= 400 && status < 500;
  return expect.includes(status);
}

/** Everything wrong with one outcome, as sentences; empty when it is fine. */
function violations(o: Outcome): string[] {
  const { c, r } = o;
  if (r.kind === 'failure') return [`no HTTP response (${r.reason})`];
  const out: string[] = [];
  if (!statusMatches(c.expect, r.status)) out.push(`status ${r.status}, expected ${Array.isArray(c.expect) ? c.expect.join('/') : c.expect}`);
  if (!r.headers['x-openstack-request-id']) out.push('no x-openstack-request-id');
  if (r.status === 401 && !r.headers['www-authenticate']) out.push('401 without WWW-Authenticate');
  if (r.status >= 400 && c.method !== 'HEAD') {
    let body: any;
    try { body = JSON.parse(r.text); } catch { /* checked below */ }
    const e = body?.error;
    if (!e || typeof e !== 'object') out.push(`error body is not Keystone's: ${r.text.slice(0, 120)}`);
    else {
      if (e.code !== r.status) out.push(`error.code ${String(e.code)} differs from status ${r.status}`);
      if (typeof e.title !== 'string' || e.title === '') out.push('error.title missing');
      if (typeof e.message !== 'string' || e.message === '') out.push('error.message missing');
    }
  }
  return out;
}

function summarize(engine: string, outcomes: readonly Outcome[]): string {
  const byFamily = new Map<string, Map<string, number>>();
  for (const { c, r } of outcomes) {
    const s = r.kind === 'response' ? String(r.status) : 'none';
    const m = byFamily.get(c.family) ?? new Map<string, number>();
    m.set(s, (m.get(s) ?? 0) + 1);
    byFamily.set(c.family, m);
  }
  const lines = [`bad input on ${engine}: ${outcomes.length} requests, seed ${SEED}`];
  for (const [family, m] of [...byFamily].sort(([a], [b]) => a.localeCompare(b))) {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    const statuses = [...m].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}×${n}`).join(' ');
    lines.push(`  ${family.padEnd(24)} ${String(total).padStart(5)}  ${statuses}`);
  }
  return lines.join('\n');
}

const describeOutcome = (o: Outcome, why: string[]): string =>
  `[${o.c.family}] ${o.c.label} → ${o.r.kind === 'response' ? o.r.status : 'no response'}: ${why.join('; ')}`;

// ---------------------------------------------------------------------------------------------

const ENGINES: Array<{ engine: 'sqlite' | 'postgres'; skip?: string }> = [
  { engine: 'sqlite' },
  { engine: 'postgres', ...(postgresSkipReason() ? { skip: postgresSkipReason()! } : {}) },
];

for (const { engine, skip } of ENGINES) {
  describe(`identity bad input (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let cloud: TestCloud;
    let database: ScratchDatabase | undefined;
    let fixtures: Fixtures;
    let before0: Snapshot;
    let after0: Snapshot;
    let outcomes: Outcome[] = [];
    let aliveAfter = false;

    before(async () => {
      if (engine === 'postgres') database = await createScratchDatabase(process.env.FLOTILLA_TEST_DATABASE_URL!, 'bad_input');
      cloud = await startTestCloud(database ? { databaseUrl: database.url } : {});
      fixtures = await makeFixtures(cloud);
      const admin = new KeystoneClient(cloud.identityUrl, fixtures.values.ADMIN_TOKEN);
      before0 = await takeSnapshot(admin);
      const cases = buildCases({
        values: fixtures.values,
        foreignToken: foreignToken(fixtures.values.ADMIN_USER!, fixtures.values.P!),
        revokedToken: fixtures.revokedToken,
        otherUserToken: fixtures.otherUserToken,
        seed: SEED,
      });
      outcomes = await runCases(new URL(cloud.identityUrl), cases);
      aliveAfter = cloud.process.exitCode === null && cloud.process.signalCode === null;
      if (aliveAfter) after0 = await takeSnapshot(admin);
      console.log(summarize(engine, outcomes));
    });

    after(async () => {
      await cloud?.stop();
      await database?.drop();
      if (cloud) fs.rmSync(cloud.dataDir, { recursive: true, force: true });
    });

    const unexplained = (family?: string): string[] => outcomes
      .filter((o) => family === undefined || o.c.family === family)
      .flatMap((o) => {
        const why = violations(o);
        if (why.length === 0) return [];
        if (KNOWN_BUGS.some((b) => b.engines.includes(engine) && b.explains(o))) return [];
        return [describeOutcome(o, why)];
      });

    test('sends at least 1,000 hostile requests', () => {
      assert.ok(outcomes.length >= 1000, `only ${outcomes.length} cases`);
    });

    for (const family of [...new Set([...ROUTES.map((r) => r.family), 'http'])]) {
      test(`${family}: every hostile request gets a Keystone-shaped 4xx (or a harmless success)`, () => {
        const bad = unexplained(family);
        assert.deepEqual(bad.slice(0, 40), [], `${bad.length} bad responses`);
      });
    }

    test('the server is still up and answering', async () => {
      assert.ok(aliveAfter, `the server exited:\n${cloud.output().slice(-3000)}`);
      const res = await send(new URL(cloud.identityUrl), { method: 'GET', path: '/v3' });
      assert.equal(res.kind === 'response' ? res.status : res.reason, 200);
    });

    test('nothing stored before was lost or changed', () => {
      assert.ok(after0, 'no snapshot after the run (the server died)');
      assert.deepEqual(lostOrChanged(before0, after0, fixtures.victims), []);
    });

    // Once a bug on PostgreSQL: delete-then-insert replacements collided on the primary key (500).
    test('concurrent writes to one project\'s tags and one domain\'s config all succeed', async () => {
      const base = new URL(cloud.identityUrl);
      const headers = { 'x-auth-token': fixtures.values.ADMIN_TOKEN!, 'content-type': 'application/json' };
      const writes = await Promise.all(Array.from({ length: 16 }, (_, i) => [
        send(base, { method: 'PUT', path: `/v3/projects/${fixtures.values.VP}/tags`, headers, body: JSON.stringify({ tags: [`t${i}`, 'shared'] }) }),
        send(base, { method: 'PUT', path: `/v3/domains/${fixtures.values.VD}/config`, headers, body: JSON.stringify({ config: { identity: { driver: 'sql' }, ldap: { url: `ldap://127.0.0.1:${i + 1}` } } }) }),
      ]).flat());
      const statuses = writes.map((w) => (w.kind === 'response' ? w.status : w.reason));
      assert.ok(statuses.every((s) => s === 200 || s === 201 || s === 204), `statuses: ${statuses.join(' ')}`);
    });

    test('a client uploading an oversized body slice by slice reads the 413', async () => {
      const base = new URL(cloud.identityUrl);
      const body = JSON.stringify({ project: { name: 'big', pad: 'p'.repeat(3 * 1024 * 1024) } });
      const request = `POST /v3/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${fixtures.values.ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await sendRaw(base, request, { sliceBytes: 64 * 1024 });
        outcomes.push(r.kind === 'response' ? String(r.status) : r.reason);
      }
      assert.deepEqual(outcomes, Array(10).fill('413'));
    });

    // Last: it leaves the deepest attribute the server accepts on a victim project.
    // Once a bug: an attribute nested just under the depth that failed on write was stored, and then
    // every GET /v3/projects was a 500. Bodies nested deeper than 64 levels are now refused.
    test('a stored, deeply nested attribute does not break listing projects', async () => {
      const admin = new KeystoneClient(cloud.identityUrl, fixtures.values.ADMIN_TOKEN);
      const vp = fixtures.values.VP!;
      const nested = (d: number): string => '['.repeat(d) + ']'.repeat(d);
      let stored = 0;
      let refused = 20000;
      // Exactly the deepest accepted: one level less leaves room for the list's own nesting.
      while (refused - stored > 1) {
        const depth = Math.floor((stored + refused) / 2);
        const res = await admin.request('PATCH', `/projects/${vp}`, `{"project":{"nested_extra":${nested(depth)}}}`);
        if (res.status === 200) stored = depth;
        else refused = depth;
      }
      assert.ok(stored > 0 || refused > 0, 'the search ran');
      if (stored > 0) await admin.request('PATCH', `/projects/${vp}`, `{"project":{"nested_extra":${nested(stored)}}}`);
      const list = await admin.request('GET', '/projects');
      assert.equal(list.status, 200, `after storing depth ${stored}: ${JSON.stringify(list.body)}`);
      const one = await admin.request('GET', `/projects/${vp}`);
      assert.equal(one.status, 200, `after storing depth ${stored}: ${JSON.stringify(one.body)}`);
    });

    for (const bug of KNOWN_BUGS.filter((b) => b.engines.includes(engine))) {
      test(bug.id, { todo: `bug: ${bug.id}` }, () => {
        const hits = outcomes.filter((o) => violations(o).length > 0 && bug.explains(o));
        assert.deepEqual(hits.slice(0, 15).map((o) => describeOutcome(o, violations(o))), [], `${hits.length} requests hit this bug`);
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------

describe('identity bad input: expired tokens and delegations (2-second token lifetime)', () => {
  let cloud: TestCloud;
  const results: Outcome[] = [];

  before(async () => {
    cloud = await startTestCloud({ env: { FLOTILLA_TOKEN_LIFETIME: '2' } });
  });
  after(async () => {
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDir, { recursive: true, force: true });
  });

  test('expired tokens, trusts and application credentials are refused in Keystone\'s shape', async () => {
    const base = new URL(cloud.identityUrl);
    const admin = new KeystoneClient(cloud.identityUrl);
    const adminToken = await admin.login('admin', cloud.adminPassword, { project: 'admin' });
    const adminProject = (await admin.request('GET', '/projects?name=admin')).body.projects[0].id;
    const adminUser = (await admin.request('GET', '/users?name=admin')).body.users[0].id;
    const trustee = (await post(admin, '/users', { user: { name: 'trustee', password: 'trustee-password' } })).user.id;
    const soon = new Date(Date.now() + 1500).toISOString();
    const trust = (await post(admin, '/OS-TRUST/trusts', { trust: { trustor_user_id: adminUser, trustee_user_id: trustee, project_id: adminProject, impersonation: false, roles: [{ name: 'reader' }], expires_at: soon } })).trust.id;
    const ac = (await post(admin, `/users/${adminUser}/application_credentials`, { application_credential: { name: 'short', secret: 'short-secret', expires_at: soon } })).application_credential.id;
    const trusteeToken = await new KeystoneClient(cloud.identityUrl).login('trustee', 'trustee-password');
    const unscoped = await new KeystoneClient(cloud.identityUrl).login('admin', cloud.adminPassword);

    await new Promise((r) => setTimeout(r, 2600));
    const fresh = await new KeystoneClient(cloud.identityUrl).login('admin', cloud.adminPassword, { project: 'admin' });
    const json = { 'content-type': 'application/json' };
    const cases: Array<Omit<HostileCase, 'tags' | 'family'>> = [
      { label: 'GET /v3/projects with an expired token', method: 'GET', path: '/v3/projects', headers: { 'x-auth-token': adminToken }, expect: [401] },
      { label: 'GET /v3/auth/catalog with an expired token', method: 'GET', path: '/v3/auth/catalog', headers: { 'x-auth-token': adminToken }, expect: [401] },
      { label: 'POST /v3/projects with an expired token', method: 'POST', path: '/v3/projects', headers: { 'x-auth-token': adminToken, ...json }, body: JSON.stringify({ project: { name: 'nope' } }), expect: [401] },
      { label: 'validate an expired subject token', method: 'GET', path: '/v3/auth/tokens', headers: { 'x-auth-token': fresh, 'x-subject-token': adminToken }, expect: [404] },
      { label: 'check an expired subject token', method: 'HEAD', path: '/v3/auth/tokens', headers: { 'x-auth-token': fresh, 'x-subject-token': adminToken }, expect: [404] },
      { label: 'revoke an expired subject token', method: 'DELETE', path: '/v3/auth/tokens', headers: { 'x-auth-token': fresh, 'x-subject-token': adminToken }, expect: [404] },
      { label: 'validate an expired subject token with allow_expired', method: 'GET', path: '/v3/auth/tokens?allow_expired=true', headers: { 'x-auth-token': fresh, 'x-subject-token': adminToken }, expect: [200] },
      { label: 'rescope an expired token', method: 'POST', path: '/v3/auth/tokens', headers: json, body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { id: adminProject } } } }), expect: [404] },
      { label: 'use an expired trust', method: 'POST', path: '/v3/auth/tokens', headers: json, body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { id: trustee, password: 'trustee-password' } } }, scope: { 'OS-TRUST:trust': { id: trust } } } }), expect: [401, 404] },
      { label: 'use an expired trust with an expired trustee token', method: 'POST', path: '/v3/auth/tokens', headers: json, body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: trusteeToken } }, scope: { 'OS-TRUST:trust': { id: trust } } } }), expect: [404] },
      { label: 'use an expired application credential', method: 'POST', path: '/v3/auth/tokens', headers: json, body: JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: { id: ac, secret: 'short-secret' } } } }), expect: [401] },
      { label: 'read an expired trust', method: 'GET', path: `/v3/OS-TRUST/trusts/${trust}`, headers: { 'x-auth-token': fresh }, expect: [404] },
    ];
    for (const c of cases) {
      const full: HostileCase = { ...c, family: 'expired', tags: [] };
      results.push({ c: full, r: await send(base, { method: c.method, path: c.path, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}) }) });
    }
    console.log(summarize('sqlite (2 s tokens)', results));
    const bad = results.flatMap((o) => (violations(o).length ? [describeOutcome(o, violations(o))] : []));
    assert.deepEqual(bad, []);
  });
});
