/**
 * Runs the real all-in-one cloud as a child process, started as `npm start` starts it, on free loopback ports
 * with its own data dir, for integration tests that need a real server: the openstack CLI, Tempest,
 * SIGKILL crash tests. Ready when clouds.yaml appears.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimSlot } from './claims.js';
import { SERVER_ENV, serverArgs } from '../../src/platform/runtime.js';
import { DEFAULT_PORTS } from '../../src/platform/config.js';
import { IdentityClient } from '../../src/identity/client.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `count` distinct TCP ports that were free a moment ago on 127.0.0.1 (held together while chosen). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  })));
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * FLOTILLA_<SERVICE>_PORT for every service, each a free loopback port (identity's may be given), so
 * test clouds never collide with each other or with a cloud on the default ports. The ports are chosen
 * together: one at a time, a port just released could be handed out again to the next service.
 */
export async function servicePortsEnv(identityPort?: number): Promise<Record<string, string>> {
  const names = Object.keys(DEFAULT_PORTS);
  // One spare, in case the given identity port (released by whoever chose it) comes back among them.
  const ports = (await freePorts(names.length + 1)).filter((p) => p !== identityPort);
  const env: Record<string, string> = {};
  for (const name of names) {
    const port = name === 'identity' && identityPort !== undefined ? identityPort : ports.shift()!;
    env[`FLOTILLA_${name.toUpperCase().replace(/-/g, '_')}_PORT`] = String(port);
  }
  return env;
}

export interface TestCloudOptions {
  dataDir?: string;
  databaseUrl?: string;
  adminPassword?: string;
  identityPort?: number;
  env?: Record<string, string>;
  /** How long to wait for clouds.yaml. */
  timeoutMs?: number;
}

export interface TestCloud {
  readonly dataDir: string;
  readonly identityUrl: string;
  readonly adminPassword: string;
  readonly cloudsFile: string;
  readonly process: ChildProcess;
  /** Environment for the openstack CLI: OS_CLIENT_CONFIG_FILE and OS_CLOUD. */
  readonly cliEnv: Record<string, string>;
  /** FLOTILLA_DATA_DIR and the FLOTILLA_*_PORT settings it runs with (for a `flotilla agent` beside it). */
  readonly flotillaEnv: Record<string, string>;
  /** The child's stdout and stderr so far. */
  output(): string;
  /** Stops with SIGTERM (or the given signal) and waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Address pools of its own for a test cloud that runs a compute host (see claims.ts): servers take the
 * /20s 198.18.16.0 … 198.18.144.0 (198.18.0.0/20 is left to `npm start`'s default pool, 198.18.160.0 and up
 * to the agent tests), the external network the /21s 198.19.136.0 … 198.19.200.0 of the same slot. A
 * restart on the same data dir keeps its slot; a slot whose data dir is gone is free.
 */
function testPools(dataDir: string): { FLOTILLA_SERVER_POOL: string; FLOTILLA_PUBLIC_POOL: string } {
  const pools = (slot: number): { FLOTILLA_SERVER_POOL: string; FLOTILLA_PUBLIC_POOL: string } => ({
    FLOTILLA_SERVER_POOL: `198.18.${slot * 16}.0/20`, FLOTILLA_PUBLIC_POOL: `198.19.${128 + slot * 8}.0/21`,
  });
  // A slot whose pools the root namespace still routes is in use, claimed or not: a killed cloud's host
  // may have left its routes behind, and they would shadow the new cloud's (the lower metric wins).
  const routed = (slot: number): boolean => Object.values(pools(slot))
    .some((cidr) => (spawnSync('ip', ['-4', 'route', 'show', 'root', cidr], { encoding: 'utf8' }).stdout ?? '').trim() !== '');
  const slot = claimSlot({
    kind: 'server-pools', slots: [1, 2, 3, 4, 5, 6, 7, 8, 9], key: dataDir,
    stale: (c) => c.key === undefined || !fs.existsSync(c.key), busy: routed, whenFull: 'oldest',
  });
  return pools(slot);
}

/** Starts the cloud and waits until it is ready. */
export async function startTestCloud(opts: TestCloudOptions = {}): Promise<TestCloud> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-test-'));
  const port = opts.identityPort ?? (await freePort());
  const ports = await servicePortsEnv(port);
  const adminPassword = opts.adminPassword ?? 'test-admin-password';
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FLOTILLA_DATA_DIR: dataDir,
    ...ports,
    FLOTILLA_ADMIN_PASSWORD: adminPassword,
    FLOTILLA_SCRYPT_LOG_N: process.env.FLOTILLA_SCRYPT_LOG_N ?? '12',
    // Test clouds build and upload no base images unless a test asks for them (env FLOTILLA_BASE_IMAGES).
    FLOTILLA_BASE_IMAGES: 'none',
    // …and run no compute host (no private engine to start, or to orphan when a test kills the cloud).
    FLOTILLA_COMPUTE_HOST: 'none',
    ...(opts.databaseUrl ? { FLOTILLA_DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  if (!opts.databaseUrl && !opts.env?.FLOTILLA_DATABASE_URL) delete env.FLOTILLA_DATABASE_URL;
  if (env.FLOTILLA_COMPUTE_HOST !== 'none' && !opts.env?.FLOTILLA_SERVER_POOL) Object.assign(env, testPools(dataDir));
  const cloudsFile = path.join(dataDir, 'clouds.yaml');
  fs.rmSync(cloudsFile, { force: true });
  const child = spawn(process.execPath, serverArgs(), { env: { ...env, ...SERVER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  while (!fs.existsSync(cloudsFile)) {
    if (child.exitCode !== null) throw new Error(`cloud exited with ${child.exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cloud not ready within ${opts.timeoutMs ?? 60000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dataDir,
    identityUrl: `http://127.0.0.1:${port}/v3`,
    adminPassword,
    cloudsFile,
    process: child,
    cliEnv: { OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: 'flotilla' },
    flotillaEnv: { FLOTILLA_DATA_DIR: dataDir, ...ports },
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A password login to a test cloud: its token, project and the public URL of each service in its catalog. */
export async function loginTo(cloud: TestCloud, user = 'admin', password = cloud.adminPassword, project = 'admin'): Promise<{ token: string; projectId: string; url: (type: string) => string }> {
  const issued = await new IdentityClient(cloud.identityUrl).passwordToken({ user, password, project });
  const catalog = (await (await fetch(`${cloud.identityUrl}/auth/catalog`, { headers: { 'x-auth-token': issued.token } })).json()) as {
    catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>;
  };
  const url = (type: string): string => catalog.catalog.find((c) => c.type === type)!.endpoints.find((e) => e.interface === 'public')!.url;
  return { token: issued.token, projectId: issued.body.project!.id, url };
}
