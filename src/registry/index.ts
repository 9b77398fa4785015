/**
 * Flotilla's private image registry: one Debian `docker-registry` (the Docker distribution server, v2
 * API) per cloud, its config and data under `<data dir>/registry/`, listening on the machine at
 * `<bind host>:<registry port>` (FLOTILLA_REGISTRY_PORT, default 5050). Servers reach it at
 * `169.254.169.254:5000` in their own network: each segment's metadata proxy forwards that port to the
 * host agent, which relays it here (src/agent/registry-relay.ts; decision 0016). Container-infra nodes
 * trust it through daemon.json's `insecure-registries`.
 *
 * Crash safety as for the agent's other daemons: the registry is started detached and found again by its
 * command line (`docker-registry serve <config>`), so a cloud restarted after a SIGKILL adopts the one
 * that kept running (or replaces it when its config changed); close() stops it.
 *
 * @example
 *   const registry = await startRegistry({ dataDir, bindHost: '127.0.0.1', port: 5050, logger });
 *   registry?.address   // '127.0.0.1:5050'
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../platform/log.js';
import { writeFileAtomic } from '../platform/files.js';

/** The registry as servers see it: the metadata address on every tenant network, this port. */
export const SERVER_REGISTRY_PORT = 5000;
export const SERVER_REGISTRY_ADDRESS = `169.254.169.254:${SERVER_REGISTRY_PORT}`;

export interface RegistryOptions {
  dataDir: string;
  bindHost: string;
  port: number;
  logger: Logger;
}

export interface Registry {
  /** host:port on the machine, e.g. 127.0.0.1:5050. */
  readonly address: string;
  readonly pid: number;
  close(): Promise<void>;
}

const READY_MS = 15_000;

function findBinary(): string | undefined {
  return ['/usr/bin/docker-registry', '/usr/local/bin/docker-registry'].find((p) => fs.existsSync(p));
}

/** The distribution server's configuration (YAML; only scalars we write ourselves, so no YAML library). */
export function renderRegistryConfig(o: { dataRoot: string; address: string; secret: string }): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(o.dataRoot)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${JSON.stringify(o.address)}`,
    `  secret: ${JSON.stringify(o.secret)}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
}

function pidsServing(binary: string, config: string): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const args = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (args[0] === binary && args[1] === 'serve' && args[2] === config) pids.push(Number(p));
    } catch { /* gone */ }
  }
  return pids;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function stopPids(pids: readonly number[]): Promise<void> {
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids) if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

async function answers(address: string): Promise<boolean> {
  try {
    const r = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(1000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts (or adopts) the cloud's registry; undefined, with the reason logged, where Debian's
 * docker-registry is not installed (`npm start` installs it).
 */
export async function startRegistry(o: RegistryOptions): Promise<Registry | undefined> {
  const log = o.logger.child({ component: 'registry' });
  const binary = findBinary();
  if (!binary) { log.warn('docker-registry is not installed (Debian: docker-registry): no private registry'); return undefined; }
  const dir = path.join(o.dataDir, 'registry');
  const dataRoot = path.join(dir, 'data');
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
  const secretFile = path.join(dir, 'http-secret');
  let secret: string;
  try { secret = fs.readFileSync(secretFile, 'utf8').trim(); } catch { secret = ''; }
  if (!secret) { secret = randomBytes(32).toString('base64url'); writeFileAtomic(secretFile, `${secret}\n`, 0o600); }
  const address = `${o.bindHost}:${o.port}`;
  const config = path.join(dir, 'config.yml');
  const text = renderRegistryConfig({ dataRoot, address, secret });
  let changed = true;
  try { changed = fs.readFileSync(config, 'utf8') !== text; } catch { /* first start */ }
  if (changed) writeFileAtomic(config, text, 0o600);

  let running = pidsServing(binary, config);
  if (changed || running.length > 1 || (running.length === 1 && !(await answers(address)))) {
    await stopPids(running);
    running = [];
  }
  let pid = running[0];
  if (pid !== undefined) {
    log.info({ pid, address }, 'adopted the running registry');
  } else {
    const logFd = fs.openSync(path.join(dir, 'registry.log'), 'a', 0o600);
    const child = spawn(binary, ['serve', config], { detached: true, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    child.unref();
    child.once('error', (err) => log.error({ err }, 'docker-registry failed to start'));
    pid = child.pid;
    if (pid === undefined) { log.error('could not start docker-registry'); return undefined; }
    const deadline = Date.now() + READY_MS;
    while (!(await answers(address))) {
      if (!alive(pid) || Date.now() > deadline) {
        let tail = '';
        try { tail = fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').slice(-600); } catch { /* none */ }
        await stopPids([pid]);
        log.error({ address, tail }, 'docker-registry did not answer: no private registry');
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    log.info({ pid, address }, 'registry started');
  }
  const own = pid;
  return {
    address,
    pid: own,
    close: () => stopPids([own]),
  };
}
