/**
 * Flotilla's identity service as a bench target: the real all-in-one (`node dist/src/main.js`) as a
 * child process on a free loopback port, with its own data dir, on SQLite or on a PostgreSQL database.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestCloud, REPO_ROOT } from '../../test/support/cloud.js';
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

function gitRevision(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** Starts Flotilla and waits until it is ready (clouds.yaml written). */
export async function startFlotilla(opts: FlotillaTargetOptions): Promise<BenchTarget> {
  if (opts.engine === 'postgresql' && !opts.databaseUrl) throw new Error('PostgreSQL target needs a database URL');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-'));
  const adminPassword = 'bench-admin-password';
  const cloud = await startTestCloud({
    dataDir,
    adminPassword,
    ...(opts.engine === 'postgresql' ? { databaseUrl: opts.databaseUrl! } : {}),
    // The server's defaults otherwise: info-level request logging to its log file, as `npm start` runs.
    env: {
      FLOTILLA_SCRYPT_LOG_N: String(opts.scryptLogN),
      ...(opts.cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${opts.cpuProfileDir}` } : {}),
    },
  });
  const pid = cloud.process.pid!;
  const origin = cloud.identityUrl.replace(/\/v3$/, '');
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    product: 'flotilla',
    engine: opts.engine,
    origin,
    identityUrl: cloud.identityUrl,
    adminPassword,
    // The same factory the server uses, so r and p are the server's own defaults, not a copy of them.
    kdf: createPasswordHasher(opts.scryptLogN).cost,
    description: {
      version: `${pkg.version} (${gitRevision()})`,
      server: `node ${process.version}, one process`,
      database: opts.engine === 'sqlite' ? 'SQLite (better-sqlite3, file in the data dir)' : 'PostgreSQL 15 (unix socket, same host)',
    },
    serverPids: () => [pid],
    helperPids: () => ({}),
    async stop() {
      await cloud.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
