/**
 * Test helper: a throwaway Docker engine (Debian's docker.io) with everything of its own under one temp
 * dir (socket, data root, exec root, pid file, config), no bridge and no iptables rules, so it touches
 * nothing of the machine or of other engines; stopping it removes every trace.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from './executables.js';

const run = promisify(execFile);

export interface ThrowawayDockerd {
  /** `unix://…`, for `docker -H`. */
  readonly host: string;
  /** Runs the docker CLI against this engine. */
  docker(args: readonly string[], opts?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /** Stops the engine and removes its directory (and any mount or process left under it). */
  stop(): Promise<void>;
}

/** Why no throwaway engine can run here, or undefined. Installs docker.io with apt-get when root and missing. */
export function dockerdUnavailable(): string | undefined {
  if (!findExecutable('dockerd')) {
    if (process.getuid?.() !== 0) return 'dockerd is not installed and this is not root (apt-get install docker.io)';
    const r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'docker.io'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' });
    if (r.status !== 0 || !findExecutable('dockerd')) return `dockerd is not installed and apt-get install docker.io failed: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  }
  if (process.getuid?.() !== 0) return 'a Docker engine needs root';
  if (!dockerCli()) return 'the docker CLI is not installed';
  return undefined;
}

/** Debian's client (same release as the engine) when there, else any on PATH. */
function dockerCli(): string | undefined {
  return fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : findExecutable('docker');
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

/** Mount points at or under `dir`, deepest first (from this process's mount table). */
function mountsUnder(dir: string): string[] {
  const table = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = table.map((l) => l.split(' ')[4]).filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Processes whose command line names `dir` (the engine's own containerd and shims, if it died first). */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

/** Starts an engine under a new temp dir named with `prefix` and waits until it answers. */
export async function startThrowawayDockerd(prefix = 'fl-bi-dockerd-'): Promise<ThrowawayDockerd> {
  // Short path: containerd's sockets live under the exec root and unix socket paths are limited to 108 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const socket = path.join(dir, 'docker.sock');
  const config = path.join(dir, 'daemon.json');
  fs.writeFileSync(config, '{}\n');
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  const child = spawn(findExecutable('dockerd')!, [
    `--host=unix://${socket}`, `--data-root=${path.join(dir, 'data')}`, `--exec-root=${path.join(dir, 'exec')}`,
    `--pidfile=${path.join(dir, 'dockerd.pid')}`, `--config-file=${config}`,
    '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false', '--log-level=warn',
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const cli = dockerCli()!;
  const host = `unix://${socket}`;

  const stop = async (): Promise<void> => {
    if (!(await exited(child, 0))) {
      child.kill('SIGTERM');
      if (!(await exited(child, 20_000))) { child.kill('SIGKILL'); await exited(child, 5_000); }
    }
    for (const pid of processesUsing(dir)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  while (!(await ping(socket))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = fs.existsSync(path.join(dir, 'dockerd.log')) ? fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-2000) : '';
      await stop();
      throw new Error(`dockerd did not start:\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    docker: (args, opts = {}) => run(cli, ['-H', host, ...args], { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20 }),
    stop,
  };
}
