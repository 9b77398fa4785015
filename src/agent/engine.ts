/**
 * The host's private Docker engine: a dockerd the agent starts inside the host's network namespace, with
 * its own data root, exec root, pid file and socket under the agent's directory, so several engines (one per
 * simulated host, plus any system engine) run side by side. The agent adopts an engine of its own that
 * survived an agent crash instead of starting a second one, restarts it if it dies, and stops it on close.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../platform/log.js';
import { Unavailable } from '../platform/errors.js';
import { DockerApi } from './docker-api.js';
import type { AgentLayout } from './layout.js';
import { ensureNamespace, processAlive, processArgs } from './netns.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * The OCI runtime for servers: crun when it is installed and usable, else Docker's runc. crun is C where
 * runc is Go (three Go start-ups per container start); measured on a 2-core VM, a start costs 190 ms of
 * CPU instead of 260, and boots are CPU-bound when several run at once. On cgroup v1 crun needs the hugetlb
 * hierarchy mounted (Debian's docker.io does not mount it), which this mounts once per machine boot.
 */
export function chooseRuntime(log?: Logger): { name: string; path: string } | undefined {
  const crun = ['/usr/bin/crun', '/usr/local/bin/crun'].find((p) => fs.existsSync(p));
  if (!crun) return undefined;
  const hugetlb = '/sys/fs/cgroup/hugetlb';
  const v1 = fs.existsSync('/sys/fs/cgroup/memory');
  if (v1 && !fs.existsSync(path.join(hugetlb, 'tasks'))) {
    const known = fs.readFileSync('/proc/cgroups', 'utf8').split('\n').some((l) => /^hugetlb\s+\d+\s+\d+\s+1$/.test(l));
    if (!known) { log?.info('crun found but the kernel has no hugetlb cgroup: servers use runc'); return undefined; }
    try {
      fs.mkdirSync(hugetlb, { recursive: true });
      execFileSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', hugetlb], { stdio: 'pipe' });
    } catch (err) {
      if (!fs.existsSync(path.join(hugetlb, 'tasks'))) {
        log?.warn({ err: (err as Error).message }, 'could not mount the hugetlb cgroup crun needs: servers use runc');
        return undefined;
      }
    }
  }
  return { name: 'crun', path: crun };
}

/** dockerd's arguments: no networking of its own (the agent plumbs ports), cgroupfs, bounded logs. */
export function dockerdArgs(layout: AgentLayout, runtime?: { name: string; path: string }): string[] {
  const e = layout.engine;
  return [
    ...(runtime ? ['--add-runtime', `${runtime.name}=${runtime.path}`, '--default-runtime', runtime.name] : []),
    '--data-root', e.dataRoot,
    '--exec-root', e.execRoot,
    '--pidfile', e.pidFile,
    '-H', `unix://${e.socket}`,
    '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip-forward=false', '--userland-proxy=false',
    '--exec-opt', 'native.cgroupdriver=cgroupfs',
    '--cgroup-parent', e.cgroupParent,
    '--log-driver', 'json-file', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=2',
    '--log-level', 'warn',
  ];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(file: string, bytes = 2000): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
  } catch { return ''; }
}

export class Engine {
  readonly api: DockerApi;
  readonly #layout: AgentLayout;
  readonly #log: Logger;
  #pid = 0;
  #child: ChildProcess | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #restarting: Promise<void> | undefined;
  #closed = false;
  #failures = 0;
  readonly #listeners: Array<() => void> = [];

  private constructor(layout: AgentLayout, logger: Logger) {
    this.#layout = layout;
    this.#log = logger.child({ component: 'engine' });
    this.api = new DockerApi(layout.engine.socket);
  }

  /** Adopts this agent's running engine, or starts one; resolves when it answers. */
  static async start(layout: AgentLayout, logger: Logger): Promise<Engine> {
    const engine = new Engine(layout, logger);
    await engine.#ensureRunning();
    engine.#watchdog = setInterval(() => engine.#check(), 1000);
    engine.#watchdog.unref();
    return engine;
  }

  /** The engine's pid (for tests and measurements). */
  get pid(): number { return this.#pid; }

  /** Called after the engine was restarted (event streams must be opened again). */
  onRestart(listener: () => void): void { this.#listeners.push(listener); }

  /** A running dockerd of this agent, found by its pid file and command line. */
  #findOwn(): number | undefined {
    let pid: number;
    try { pid = Number(fs.readFileSync(this.#layout.engine.pidFile, 'utf8').trim()); } catch { return undefined; }
    if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return undefined;
    const args = processArgs(pid);
    return args.some((a) => a.endsWith('dockerd')) && args.includes(this.#layout.engine.dataRoot) ? pid : undefined;
  }

  async #ensureRunning(): Promise<void> {
    const own = this.#findOwn();
    if (own !== undefined) {
      try {
        await this.#waitReady(own, 10_000);
        this.#pid = own;
        this.#log.info({ pid: own }, 'adopted the running engine');
        return;
      } catch (err) {
        this.#log.warn({ err, pid: own }, 'the running engine does not answer; replacing it');
        await this.#kill(own);
      }
    }
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    const e = this.#layout.engine;
    for (const dir of [e.dataRoot, e.execRoot, path.dirname(e.socket)]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    await ensureNamespace(this.#layout.hostNamespace);
    const logFd = fs.openSync(e.logFile, 'a', 0o600);
    // nsenter execs dockerd (no fork), so the child's pid is dockerd's. Detached: a Ctrl-C to the agent's
    // terminal must not stop the engine behind the agent's back; close() stops it in order.
    const child = spawn('nsenter', [`--net=/run/netns/${this.#layout.hostNamespace}`, 'dockerd', ...dockerdArgs(this.#layout, chooseRuntime(this.#log))], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    child.unref();
    this.#child = child;
    const pid = child.pid;
    if (pid === undefined) throw new Unavailable('could not start dockerd (is docker.io installed?)');
    child.once('error', (err) => this.#log.error({ err }, 'dockerd failed to start'));
    await this.#waitReady(pid, READY_TIMEOUT_MS);
    this.#pid = pid;
    this.#log.info({ pid }, 'engine started');
  }

  async #waitReady(pid: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!processAlive(pid)) throw new Unavailable(`dockerd exited while starting: ${tail(this.#layout.engine.logFile)}`);
      try { await this.api.ping(500); return; } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Unavailable(`dockerd did not answer within ${timeoutMs} ms: ${tail(this.#layout.engine.logFile)}`);
      await sleep(50);
    }
  }

  #check(): void {
    if (this.#closed || this.#restarting || processAlive(this.#pid)) return;
    this.#log.warn({ pid: this.#pid }, 'the engine died; restarting it');
    this.#restarting = (async () => {
      for (;;) {
        if (this.#closed) return;
        try {
          await this.#ensureRunning();
          this.#failures = 0;
          for (const l of this.#listeners) l();
          return;
        } catch (err) {
          this.#failures += 1;
          const delay = Math.min(30_000, 1000 * 2 ** (this.#failures - 1));
          this.#log.error({ err, retryInMs: delay }, 'engine restart failed');
          await sleep(delay);
        }
      }
    })().finally(() => { this.#restarting = undefined; });
  }

  async #kill(pid: number): Promise<void> {
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (processAlive(pid) && Date.now() < deadline) await sleep(100);
    if (processAlive(pid)) {
      this.#log.warn({ pid }, 'dockerd ignored SIGTERM; killing it');
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      while (processAlive(pid)) await sleep(50);
    }
  }

  /** Stops the engine (its containers stop with it) and waits until it has exited. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    await this.#restarting;
    this.api.close();
    if (this.#pid) await this.#kill(this.#pid);
    this.#child = undefined;
  }

  /** Kills the engine without ceremony (tests of the restart path). */
  killForTest(): void {
    try { process.kill(this.#pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
