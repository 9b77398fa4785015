/**
 * Debian's Keystone as the bench's baseline, configured the way its install guide deploys it: fernet
 * tokens, caching in memcached, PostgreSQL, served by uwsgi. Everything listens on loopback only and
 * lives in a temp dir; its database sits in the bench's throwaway PostgreSQL. The uwsgi workers run as
 * the package's `keystone` user, memcached as `memcache`.
 *
 * uwsgi serves HTTP/1.1 with keep-alive, like the Flotilla side. A keep-alive connection holds a worker
 * thread between requests, so processes × threads must cover the load's connections or the surplus
 * connections are never served (their requests would not count, flattering the latency).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/support/cloud.js';
import type { TempPostgres } from '../../test/support/postgres.js';
import type { DisposableStore } from '../../src/platform/lifecycle.js';
import { processTree } from '../lib/memory.js';
import { packageVersion } from './keystone-install.js';
import type { BenchTarget } from './target.js';

export interface KeystoneOptions {
  /** The throwaway server; Keystone gets its own role and database in it. */
  postgres: TempPostgres;
  processes: number;
  threads: number;
  log: (line: string) => void;
  /** Gets the cleanup at once, so an interrupt during the slow setup still stops what was started. */
  disposables: DisposableStore;
}

const KEYSTONE_USER = 'keystone';
const ADMIN_PASSWORD = 'bench-admin-password';
const READY_TIMEOUT_MS = 120_000;

function run(cmd: string, args: string[], opts: { asUser?: string; cwd?: string } = {}): string {
  const [file, argv] = opts.asUser ? ['runuser', ['-u', opts.asUser, '--', cmd, ...args]] : [cmd, args];
  try {
    return execFileSync(file, argv, { cwd: opts.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/** Runs SQL in a database of the throwaway server (each -c its own transaction, as CREATE DATABASE needs). */
function psql(pg: TempPostgres, database: string, ...commands: string[]): string {
  return run('psql', ['-h', pg.dir, '-U', 'postgres', '-X', '-q', '-t', '-A', ...commands.flatMap((c) => ['-c', c]), database], { asUser: 'postgres' });
}

function keystoneConf(dir: string, pg: TempPostgres, memcachedPort: number): string {
  return [
    '[DEFAULT]',
    `log_file = ${path.join(dir, 'keystone.log')}`,
    '[database]',
    `connection = postgresql+psycopg2://keystone@/keystone?host=${pg.dir}`,
    '[token]',
    'provider = fernet',
    '[fernet_tokens]',
    `key_repository = ${path.join(dir, 'fernet-keys')}`,
    '[credential]',
    `key_repository = ${path.join(dir, 'credential-keys')}`,
    '[cache]',
    'enabled = true',
    'backend = oslo_cache.memcache_pool',
    `memcache_servers = 127.0.0.1:${memcachedPort}`,
    '',
  ].join('\n');
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every worker logs this line once it has loaded Keystone (lazy-apps: each loads its own). */
function workersReady(logFile: string): number {
  try {
    return fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith("WSGI app 0 (mountpoint='') ready")).length;
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL to whatever of the tree is left after a grace period. */
async function stopTree(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const tree = processTree(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    for (const pid of tree) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await exited;
  }
  // uwsgi's no-orphans makes workers die with the master; make sure of it.
  for (const pid of tree) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** The cost in a stored bcrypt hash ("$2b$12$…"), read from Keystone's own database. */
function storedKdf(pg: TempPostgres): string {
  const hash = psql(pg, 'keystone', 'SELECT password_hash FROM password ORDER BY created_at_int DESC LIMIT 1').trim();
  const bcrypt = /^\$2[abxy]?\$(\d+)\$/.exec(hash);
  if (bcrypt) return `bcrypt cost ${Number(bcrypt[1])}`;
  return hash.split('$').slice(0, 3).join('$') || 'unknown';
}

/** Sets Keystone up from nothing and starts it; stop() undoes all of it. */
export async function startKeystone(opts: KeystoneOptions): Promise<BenchTarget> {
  const { postgres: pg, log } = opts;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keystone-bench-'));
  const children: ChildProcess[] = [];
  let dbCreated = false;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaned ??= (async () => {
    for (const c of [...children].reverse()) await stopTree(c, 15_000);
    if (dbCreated) {
      try { psql(pg, 'postgres', 'DROP DATABASE IF EXISTS keystone WITH (FORCE)', 'DROP ROLE IF EXISTS keystone'); } catch (err) { log(`could not drop Keystone's database: ${String(err)}`); }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  })());
  opts.disposables.add(cleanup);
  try {
    run('chown', [`${KEYSTONE_USER}:${KEYSTONE_USER}`, dir]);
    const [port, memcachedPort] = [await freePort(), await freePort()];
    const origin = `http://127.0.0.1:${port}`;

    const memcached = spawn('memcached', ['-l', '127.0.0.1', '-p', String(memcachedPort), '-U', '0', '-m', '64', '-u', 'memcache'], { stdio: 'ignore' });
    children.push(memcached);
    await waitForPort(memcachedPort, memcached, 'memcached');

    psql(pg, 'postgres', 'CREATE ROLE keystone LOGIN', 'CREATE DATABASE keystone OWNER keystone');
    dbCreated = true;
    const conf = path.join(dir, 'keystone.conf');
    fs.writeFileSync(conf, keystoneConf(dir, pg, memcachedPort), { mode: 0o640 });
    run('chown', [`${KEYSTONE_USER}:${KEYSTONE_USER}`, conf]);
    const manage = (...args: string[]): string => run('keystone-manage', ['--config-file', conf, ...args], { asUser: KEYSTONE_USER, cwd: dir });
    log('keystone: fernet_setup, credential_setup, db_sync, bootstrap');
    manage('fernet_setup', '--keystone-user', KEYSTONE_USER, '--keystone-group', KEYSTONE_USER);
    manage('credential_setup', '--keystone-user', KEYSTONE_USER, '--keystone-group', KEYSTONE_USER);
    manage('db_sync');
    manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD, '--bootstrap-region-id', 'RegionOne',
      '--bootstrap-admin-url', `${origin}/v3`, '--bootstrap-internal-url', `${origin}/v3`, '--bootstrap-public-url', `${origin}/v3`);
    const kdf = storedKdf(pg);

    const uwsgiLog = path.join(dir, 'uwsgi.log');
    // Debian's keystone-uwsgi.ini, minus apparmor and its log path, with processes and threads from options.
    const uwsgi = spawn('uwsgi', [
      '--plugins', 'python3', '--master', '--http11-socket', `127.0.0.1:${port}`,
      '--wsgi-file', '/usr/bin/keystone-wsgi-public', '--processes', String(opts.processes), '--threads', String(opts.threads),
      '--enable-threads', '--lazy-apps', '--thunder-lock', '--die-on-term', '--no-orphans', '--need-app',
      '--buffer-size', '65535', '--listen', '100', '--uid', KEYSTONE_USER, '--gid', KEYSTONE_USER, '--chdir', dir,
      '--env', `OS_KEYSTONE_CONFIG_FILES=${conf}`, '--logto', uwsgiLog,
    ], { stdio: 'ignore' });
    children.push(uwsgi);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (workersReady(uwsgiLog) < opts.processes) {
      if (uwsgi.exitCode !== null) throw new Error(`uwsgi exited with ${uwsgi.exitCode}: ${fs.readFileSync(uwsgiLog, 'utf8').slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`Keystone's workers not ready within ${READY_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const version = await fetch(`${origin}/v3`);
    if (version.status !== 200) throw new Error(`Keystone answered GET /v3 with ${version.status}`);

    return {
      product: 'keystone',
      engine: 'postgresql',
      origin,
      identityUrl: `${origin}/v3`,
      adminPassword: ADMIN_PASSWORD,
      kdf,
      description: {
        version: `Debian keystone ${packageVersion('keystone')}`,
        server: `uwsgi ${packageVersion('uwsgi-core')}, ${opts.processes} processes × ${opts.threads} threads, HTTP/1.1 keep-alive`,
        database: 'PostgreSQL (unix socket, same host; its own database in the same throwaway server)',
        cache: `memcached ${packageVersion('memcached')} (oslo_cache.memcache_pool)`,
        tokens: 'fernet',
      },
      serverPids: () => processTree(uwsgi.pid!),
      helperPids: () => ({ memcached: memcached.pid !== undefined ? [memcached.pid] : [] }),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
