/**
 * Flotilla's identity service as a bench target: the real all-in-one (`node dist/src/main.js`) as a
 * child process on a free loopback port, with its own data dir, on SQLite or on a PostgreSQL database.
 * Ready when clouds.yaml appears, as for every consumer of `npm start`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT, servicePortsEnv } from '../../test/support/cloud.js';
import { SERVER_ENV, serverArgs } from '../../src/platform/runtime.js';
import { createPasswordHasher } from '../../src/identity/passwords.js';
import type { BenchTarget, Engine } from './target.js';

export interface FlotillaTargetOptions {
  engine: Engine;
  /** postgres://… when engine is postgresql. */
  databaseUrl?: string;
  /** log2 of scrypt's N, passed to the server as FLOTILLA_SCRYPT_LOG_N. */
  scryptLogN: number;
  /** Run the server under `node --cpu-prof`, writing its profile here when it stops. */
  cpuProfileDir?: string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

function gitRevision(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** Read once, when the bench starts: dist/ was built from the tree at that commit just before. */
const REVISION = gitRevision();

/** Starts Flotilla and waits until it is ready (clouds.yaml written). */
export async function startFlotilla(opts: FlotillaTargetOptions): Promise<BenchTarget> {
  if (opts.engine === 'postgresql' && !opts.databaseUrl) throw new Error('PostgreSQL target needs a database URL');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-'));
  const adminPassword = 'bench-admin-password';
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOTILLA_DATA_DIR: dataDir,
    ...(await servicePortsEnv(port)),
    FLOTILLA_ADMIN_PASSWORD: adminPassword,
    FLOTILLA_SCRYPT_LOG_N: String(opts.scryptLogN),
    // The identity bench needs no base images (building and uploading them is not what it measures).
    FLOTILLA_BASE_IMAGES: 'none',
    FLOTILLA_COMPUTE_HOST: 'none',
    ...SERVER_ENV,
  };
  // Otherwise the server's defaults: info-level request logging to its log file, as `npm start` runs it.
  delete env.FLOTILLA_DATABASE_URL;
  delete env.FLOTILLA_LOG_LEVEL;
  delete env.FLOTILLA_LOG_STDOUT;
  if (opts.engine === 'postgresql') env.FLOTILLA_DATABASE_URL = opts.databaseUrl;
  // --cpu-prof is refused in NODE_OPTIONS, hence our own spawn rather than test/support/cloud.ts's.
  const execArgs = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  // Started exactly as `npm start` starts it: the bundle with the same Node flags and environment.
  const child = spawn(process.execPath, [...execArgs, ...serverArgs()], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer): void => { output = (output + d.toString()).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // A graceful close waits for keep-alive connections to go idle (Fastify keeps them 72 s); a bench
      // interrupted mid-request may leave some open, so do not wait for ever.
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!fs.existsSync(path.join(dataDir, 'clouds.yaml'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Flotilla ${child.exitCode !== null ? `exited with ${child.exitCode}` : 'not ready in time'}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  const origin = `http://127.0.0.1:${port}`;
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    product: 'flotilla',
    engine: opts.engine,
    origin,
    identityUrl: `${origin}/v3`,
    adminPassword,
    // The same factory the server uses, so r and p are the server's own defaults, not a copy of them.
    kdf: createPasswordHasher(opts.scryptLogN).cost,
    description: {
      version: `${pkg.version} (${REVISION})`,
      server: `node ${process.version}, one process`,
      database: opts.engine === 'sqlite' ? 'SQLite (better-sqlite3, file in the data dir)' : 'PostgreSQL (unix socket, same host)',
    },
    serverPids: () => [pid],
    helperPids: () => ({}),
    stop,
  };
}
