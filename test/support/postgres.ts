/**
 * A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp dir, listening only on a
 * unix socket in that dir (no TCP port to collide with), trust auth, stopped and deleted afterwards.
 * Uses Debian's postgresql binaries; runs them as the `postgres` user when we are root (initdb refuses root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempPostgres {
  /** postgres://… URL reaching the server through its socket. */
  readonly url: string;
  readonly dir: string;
  stop(): void;
}

function findBin(name: string): string | undefined {
  const dirs = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];
  return dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
}

/** Why PostgreSQL cannot start here, or undefined if it can. */
export function postgresUnavailable(): string | undefined {
  if (!findBin('initdb') || !findBin('pg_ctl')) return 'PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql';
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) return 'running as root and no postgres user to run initdb as';
  return undefined;
}

function runAs(cmd: string, args: string[]): void {
  if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

/** Starts a server with a database named `flotilla`. */
export function startPostgres(): TempPostgres {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pg-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  runAs(findBin('initdb')!, ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync']);
  const opts = `-c listen_addresses='' -c unix_socket_directories='${dir}' -c fsync=off -c max_connections=200 -c shared_buffers=64MB`;
  runAs(findBin('pg_ctl')!, ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
  runAs(findBin('psql') ?? 'psql', ['-h', dir, '-U', 'postgres', '-c', 'CREATE DATABASE flotilla', 'postgres']);
  let stopped = false;
  return {
    url: `postgres://postgres@localhost/flotilla?host=${encodeURIComponent(dir)}`,
    dir,
    stop() {
      if (stopped) return;
      stopped = true;
      try { runAs(findBin('pg_ctl')!, ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
