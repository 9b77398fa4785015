/**
 * Crash safety of the identity service, with SIGKILL against the real server process:
 * (a) during first-run bootstrap, at many moments, each time on a fresh data dir and database; the
 *     restart must finish the bootstrap and leave exactly one of everything it makes;
 * (b) during a burst of concurrent writes; after the restart every acknowledged write is there,
 *     nothing in flight is half-made, tokens issued before the kill still validate, new writes work.
 * On SQLite always, and on PostgreSQL (a database per run) when FLOTILLA_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { SERVICE_USERS } from '../src/main.js';
import { freePort, REPO_ROOT, servicePortsEnv, startTestCloud, type TestCloud } from './support/cloud.js';
import { Burst, call, login } from './support/crash-burst.js';
import { createScratchDatabase, postgresSkipReason, type ScratchDatabase } from './support/pg-database.js';

const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'main.js');
const ADMIN_PASSWORD = 'crash-admin-password';

type Engine = 'sqlite' | 'postgres';

/** A data dir and, on PostgreSQL, a database of its own. */
interface Place { dataDir: string; database?: ScratchDatabase; }

async function newPlace(engine: Engine, label: string): Promise<Place> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-crash-${label}-`));
  if (engine === 'sqlite') return { dataDir };
  return { dataDir, database: await createScratchDatabase(process.env.FLOTILLA_TEST_DATABASE_URL!, `crash_${label}`) };
}

async function dropPlace(place: Place): Promise<void> {
  await place.database?.drop();
  fs.rmSync(place.dataDir, { recursive: true, force: true });
}

/** Where the server had got to, judged by what it printed. */
function phaseOf(output: string, ready: boolean): string {
  if (ready) return 'ready';
  if (output.includes('identity listening')) return 'listening';
  if (output.includes('bootstrapping identity')) return 'bootstrapping';
  if (output.includes('data in')) return 'opening the database';
  return 'starting node';
}

/** When to kill: after the spawn, or after the server says it opened its database or began the bootstrap. */
type KillAt =
  | { afterSpawnMs: number }
  | { afterLine: 'data in' | 'bootstrapping identity' | 'identity listening'; ms: number }
  /** After a SQLite file appears: the database file (then the migrations), or its WAL (the first write). */
  | { afterFile: 'identity.sqlite' | 'identity.sqlite-wal'; ms: number };

/** Starts the server and SIGKILLs it at the given moment; returns the phase it was in. */
async function startAndKill(place: Place, killAt: KillAt, envPassword: boolean): Promise<string> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FLOTILLA_DATA_DIR: place.dataDir,
    ...(await servicePortsEnv(port)),
    FLOTILLA_SCRYPT_LOG_N: '12',
    FLOTILLA_BASE_IMAGES: 'none',
    FLOTILLA_COMPUTE_HOST: 'none',
  };
  delete env.FLOTILLA_DATABASE_URL;
  delete env.FLOTILLA_ADMIN_PASSWORD;
  if (envPassword) env.FLOTILLA_ADMIN_PASSWORD = ADMIN_PASSWORD;
  if (place.database) env.FLOTILLA_DATABASE_URL = place.database.url;
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let phase = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (): void => {
    if (phase) return;
    phase = phaseOf(output, fs.existsSync(path.join(place.dataDir, 'clouds.yaml')));
    child.kill('SIGKILL');
  };
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    if ('afterLine' in killAt && output.includes(killAt.afterLine)) setTimeout(kill, killAt.ms);
  });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  if ('afterSpawnMs' in killAt) setTimeout(kill, killAt.afterSpawnMs);
  const watcher = 'afterFile' in killAt
    ? fs.watch(place.dataDir, (_event, file) => { if (file === killAt.afterFile) setTimeout(kill, killAt.ms); })
    : undefined;
  // Never wait forever for a line that does not come.
  const guard = setTimeout(kill, 20000);
  await exited;
  clearTimeout(guard);
  watcher?.close();
  return phase || `exited by itself: ${output.slice(-300)}`;
}

async function restart(place: Place, envPassword: boolean): Promise<{ cloud: TestCloud; password: string }> {
  const cloud = await startTestCloud({
    dataDir: place.dataDir,
    ...(place.database ? { databaseUrl: place.database.url } : {}),
    adminPassword: ADMIN_PASSWORD,
    ...(envPassword ? {} : { env: { FLOTILLA_ADMIN_PASSWORD: '' } }),
  });
  const password = envPassword ? ADMIN_PASSWORD : fs.readFileSync(path.join(place.dataDir, 'admin-password'), 'utf8').trim();
  return { cloud, password };
}

/** Everything wrong with a bootstrapped service, as sentences. */
async function bootstrapProblems(cloud: TestCloud, password: string): Promise<string[]> {
  const base = new URL(cloud.identityUrl);
  const problems: string[] = [];
  const auth = await call(base, 'POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } });
  if (auth?.status !== 201) return [`admin cannot get a project token: ${auth?.status} ${JSON.stringify(auth?.body)}`];
  const token = auth.headers['x-subject-token']!;
  const get = async (p: string): Promise<any> => {
    const res = await call(base, 'GET', p, undefined, token);
    if (res?.status !== 200) throw new Error(`GET ${p}: ${res?.status}`);
    return res.body;
  };
  const count = (xs: unknown[], n: number, what: string): void => { if (xs.length !== n) problems.push(`${xs.length} ${what}, expected ${n}`); };
  count((await get('/domains')).domains, 1, 'domains');
  count((await get('/domains?name=Default')).domains, 1, 'Default domains');
  count((await get('/projects?name=admin')).projects, 1, 'admin projects');
  // Besides the operator's admin: the `service` project and one user per service of the cloud itself.
  const projects = ((await get('/projects')).projects as Array<{ name: string }>).map((p) => p.name).sort();
  if (JSON.stringify(projects) !== JSON.stringify(['admin', 'service'])) problems.push(`projects ${JSON.stringify(projects)}, expected admin and service`);
  const users = ((await get('/users')).users as Array<{ name: string }>).map((u) => u.name).sort();
  const wantUsers = ['admin', ...SERVICE_USERS].sort();
  if (JSON.stringify(users) !== JSON.stringify(wantUsers)) problems.push(`users ${JSON.stringify(users)}, expected ${JSON.stringify(wantUsers)}`);
  const roles = (await get('/roles')).roles as Array<{ id: string; name: string }>;
  for (const name of ['admin', 'manager', 'member', 'reader', 'service']) count(roles.filter((r) => r.name === name), 1, `${name} roles`);
  count(roles, 5, 'roles');
  const byId = new Map(roles.map((r) => [r.id, r.name]));
  const implied: Record<string, string[]> = {};
  for (const inf of (await get('/role_inferences')).role_inferences) {
    implied[byId.get(inf.prior_role.id) ?? '?'] = inf.implies.map((r: { id: string }) => byId.get(r.id) ?? '?').sort();
  }
  const wantImplied = { admin: ['manager', 'member'], manager: ['member'], member: ['reader'] };
  if (JSON.stringify(implied, Object.keys(implied).sort()) !== JSON.stringify(wantImplied)) problems.push(`role implications ${JSON.stringify(implied)}, expected ${JSON.stringify(wantImplied)}`);
  count((await get('/regions')).regions, 1, 'regions');
  const services = (await get('/services?type=identity')).services;
  count(services, 1, 'identity services');
  if (services[0]) {
    const endpoints = (await get(`/endpoints?service_id=${services[0].id}`)).endpoints as Array<{ interface: string; url: string }>;
    count(endpoints, 3, 'identity endpoints');
    if (endpoints.some((e) => e.url !== cloud.identityUrl)) problems.push(`identity endpoints ${JSON.stringify(endpoints.map((e) => e.url))}, expected ${cloud.identityUrl}`);
  }
  const catalog = (await get('/auth/catalog')).catalog as Array<{ type: string; endpoints: unknown[] }>;
  if (catalog.find((c) => c.type === 'identity')?.endpoints.length !== 3) problems.push(`catalog: ${JSON.stringify(catalog)}`);
  const assignments = (await get('/role_assignments?include_names')).role_assignments as Array<{ role: { name: string }; scope: Record<string, unknown> }>;
  count(assignments, 2 + SERVICE_USERS.length, 'role assignments');
  for (const name of SERVICE_USERS) {
    if (!assignments.some((a) => a.role.name === 'service' && (a as { user?: { name?: string } }).user?.name === name && 'project' in a.scope)) problems.push(`${name} has no service role on project service`);
  }
  if (!assignments.some((a) => a.role.name === 'admin' && 'system' in a.scope)) problems.push('admin has no system admin role');
  if (!assignments.some((a) => a.role.name === 'admin' && 'project' in a.scope)) problems.push('admin has no admin role on project admin');
  const system = await call(base, 'POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } }, scope: { system: { all: true } } } });
  if (system?.status !== 201) problems.push(`admin cannot get a system token: ${system?.status}`);
  return problems;
}

/** Rows that a half-done write would leave, read straight from the database. */
async function halfMadeRows(place: Place): Promise<string[]> {
  const queries: Array<[string, string]> = [
    ['users with a password but no password history', 'SELECT id FROM identity_user u WHERE password_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM password_history h WHERE h.user_id = u.id)'],
    ['application credentials without roles', 'SELECT id FROM application_credential a WHERE NOT EXISTS (SELECT 1 FROM application_credential_role r WHERE r.application_credential_id = a.id)'],
    ['live trusts on a project without roles', 'SELECT id FROM trust t WHERE project_id IS NOT NULL AND deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM trust_role r WHERE r.trust_id = t.id)'],
    ['assignments naming no user or group', "SELECT actor_id AS id FROM assignment a WHERE NOT EXISTS (SELECT 1 FROM identity_user u WHERE u.id = a.actor_id) AND NOT EXISTS (SELECT 1 FROM identity_group g WHERE g.id = a.actor_id)"],
    ['assignments on no project or domain', "SELECT target_id AS id FROM assignment a WHERE target_id <> 'system' AND NOT EXISTS (SELECT 1 FROM project p WHERE p.id = a.target_id)"],
  ];
  const out: string[] = [];
  if (place.database) {
    const client = new pg.Client({ connectionString: place.database.url, options: '-c search_path=identity' });
    await client.connect();
    try {
      for (const [what, q] of queries) {
        const rows = (await client.query<{ id: string }>(q)).rows;
        if (rows.length) out.push(`${rows.length} ${what}: ${rows.slice(0, 5).map((r) => r.id).join(', ')}`);
      }
    } finally {
      await client.end();
    }
    return out;
  }
  const db = new SQLite(path.join(place.dataDir, 'identity.sqlite'), { readonly: true, fileMustExist: true });
  try {
    for (const [what, q] of queries) {
      const rows = db.prepare(q).all() as Array<{ id: string }>;
      if (rows.length) out.push(`${rows.length} ${what}: ${rows.slice(0, 5).map((r) => r.id).join(', ')}`);
    }
  } finally {
    db.close();
  }
  return out;
}

const ENGINES: Array<{ engine: Engine; skip?: string }> = [
  { engine: 'sqlite' },
  { engine: 'postgres', ...(postgresSkipReason() ? { skip: postgresSkipReason()! } : {}) },
];

for (const { engine, skip } of ENGINES) {
  describe(`identity crash safety (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    // Restarts that cannot even migrate are a bug of their own (see the TODO test below).
    const halfMigrated: string[] = [];

    test('SIGKILL during first-run bootstrap, then restart: the bootstrap completes, exactly once', async () => {
      // Node itself takes a few hundred milliseconds to load the server, so the moments that matter
      // are taken from what the server prints: 'data in' (migrations and keys follow) and the bootstrap.
      const moments: KillAt[] = [
        ...[0, 150, 300, 1000].map((afterSpawnMs) => ({ afterSpawnMs })),
        ...[0, 10, 40].map((ms) => ({ afterLine: 'data in' as const, ms })),
        ...[0, 2, 5, 10, 20, 40, 80].map((ms) => ({ afterLine: 'bootstrapping identity' as const, ms })),
        { afterLine: 'identity listening', ms: 0 },
        ...(engine === 'sqlite' ? [0, 10, 20, 30].map((ms) => ({ afterFile: 'identity.sqlite' as const, ms })) : []),
        ...(engine === 'sqlite' ? [0, 1, 2, 4, 8, 16].map((ms) => ({ afterFile: 'identity.sqlite-wal' as const, ms })) : []),
      ];
      const rows: string[] = [];
      const failures: string[] = [];
      for (const [i, killAt] of moments.entries()) {
        // Alternate: the operator's password from the environment, and a generated one kept in the data dir.
        const envPassword = i % 2 === 0;
        const place = await newPlace(engine, `boot${i}`);
        const when = 'afterSpawnMs' in killAt ? `${killAt.afterSpawnMs} ms after spawn`
          : 'afterLine' in killAt ? `${killAt.ms} ms after '${killAt.afterLine}'` : `${killAt.ms} ms after ${killAt.afterFile} appeared`;
        let phase = 'not killed';
        try {
          phase = await startAndKill(place, killAt, envPassword);
          const { cloud, password } = await restart(place, envPassword);
          try {
            const problems = [...(await bootstrapProblems(cloud, password)), ...(await halfMadeRows(place))];
            rows.push(`  ${when.padEnd(34)} killed while ${phase.padEnd(22)} → ${problems.length ? problems.join('; ') : 'ok'}`);
            if (problems.length) failures.push(`${when} (${phase}): ${problems.join('; ')}`);
          } finally {
            await cloud.stop();
          }
        } catch (err) {
          const message = (err as Error).message;
          rows.push(`  ${when.padEnd(34)} killed while ${phase.padEnd(22)} → restart failed: ${message.split('\n').find((l) => l.includes('failed to start')) ?? message.slice(0, 200)}`);
          if (/migration \S+ failed: .*already exists/.test(message)) halfMigrated.push(`${when}: ${message.split('\n').find((l) => l.includes('migration')) ?? message}`);
          else failures.push(`${when}: ${message}`);
        } finally {
          await dropPlace(place);
        }
      }
      console.log(`bootstrap crashes on ${engine}:\n${rows.join('\n')}`);
      assert.deepEqual(failures, []);
    });

    // Once a bug on SQLite: migrations ran outside a transaction, and a kill in 0001_init bricked the data dir.
    test('a SIGKILL during the first migration leaves a database the next start can migrate', () => {
      assert.deepEqual(halfMigrated, []);
    });

    // One run of kill-and-restart cycles; the tests after it judge its findings by kind.
    const found = { lost: [] as string[], halfMade: [] as string[], tokens: [] as string[], newWrites: [] as string[], other: [] as string[] };
    const kindOf = (p: string): keyof typeof found =>
      /acknowledged/.test(p) ? 'lost'
        : /half-made|has no roles|without roles|no password history|naming no|on no project|cannot log in/.test(p) ? 'halfMade'
          : /token issued before/.test(p) ? 'tokens'
            : /after the restart/.test(p) ? 'newWrites' : 'other';

    test('SIGKILL during bursts of concurrent writes, and restart each time', async () => {
      const place = await newPlace(engine, 'burst');
      let cloud: TestCloud | undefined;
      try {
        ({ cloud } = await restart(place, true));
        for (const [cycle, burstMs] of [250, 500, 800, 1200, 1700, 2500].entries()) {
          const base = new URL(cloud.identityUrl);
          const adminToken = await login(base, (await adminId(base)), ADMIN_PASSWORD, await adminProject(base));
          assert.ok(adminToken, 'admin login before the burst');
          const burst = await Burst.prepare(base, adminToken, `c${cycle}`);
          const running = burst.run(16);
          await new Promise((r) => setTimeout(r, burstMs));
          await cloud.stop('SIGKILL');
          await running;
          ({ cloud } = await restart(place, true));
          const after = new URL(cloud.identityUrl);
          const token = await login(after, await adminId(after), ADMIN_PASSWORD, await adminProject(after));
          assert.ok(token, 'admin login after the restart');
          const problems = [...(await burst.verify(after, token)), ...(await halfMadeRows(place))];
          const p = await call(after, 'POST', '/projects', { project: { name: `after-${cycle}`, tags: ['x'] } }, token);
          if (p?.status !== 201) problems.push(`creating a project after the restart: ${p?.status}`);
          const u = await call(after, 'POST', '/users', { user: { name: `after-${cycle}`, password: 'after-pw' } }, token);
          if (u?.status !== 201 || !(await login(after, u.body.user.id, 'after-pw'))) problems.push(`creating a user after the restart: ${u?.status}`);
          console.log(`burst ${cycle} on ${engine}: killed after ${burstMs} ms; ${burst.summary()}; ${problems.length} problems`);
          for (const problem of problems) found[kindOf(problem)].push(`burst ${cycle} (${burstMs} ms): ${problem}`);
        }
      } finally {
        await cloud?.stop();
        await dropPlace(place);
      }
      assert.deepEqual(found.other, []);
    });

    test('every write acknowledged before the kill is still there', () => {
      assert.deepEqual(found.lost, []);
    });

    test('tokens issued before the kill still validate', () => {
      assert.deepEqual(found.tokens, []);
    });

    test('new writes work after the restart', () => {
      assert.deepEqual(found.newWrites, []);
    });

    // Once a bug: a project and its tags were separate statements (a project without tags after a kill).
    test('nothing in flight at the kill is half-made', () => {
      assert.deepEqual(found.halfMade, []);
    });
  });
}

/** Ids the admin needs for a login before it has a token: read with a fresh login by name. */
async function adminId(base: URL): Promise<string> {
  const res = await call(base, 'POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } } } });
  if (res?.status !== 201) throw new Error(`admin login: ${res?.status}`);
  return res.body.token.user.id as string;
}

async function adminProject(base: URL): Promise<string> {
  const res = await call(base, 'POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
  if (res?.status !== 201) throw new Error(`admin project login: ${res?.status}`);
  return res.body.token.project.id as string;
}
