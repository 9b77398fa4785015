/**
 * A second compute host beside a test cloud: `flotilla agent --host NAME` as its own process, on the
 * cloud's data dir and ports, as on another machine. start() resolves once the agent says it runs;
 * stop() sends SIGTERM and resolves with its exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { serverArgs, SERVER_ENV } from '../../src/platform/runtime.js';
import type { TestCloud } from './cloud.js';

export class HostAgentProcess {
  #process: ChildProcess | undefined;
  #output = '';

  /** `cloud` is read at start(), so the helper can be made before the cloud is. */
  constructor(private readonly cloud: () => TestCloud, readonly host: string) {}

  /** Everything the agent printed, across its starts. */
  get output(): string { return this.#output; }

  async start(): Promise<void> {
    const p = spawn(process.execPath, [...serverArgs(), 'agent', '--host', this.host], {
      env: { ...(process.env as Record<string, string>), ...this.cloud().flotillaEnv, ...SERVER_ENV }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#process = p;
    const from = this.#output.length;
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        this.#output += d.toString();
        if (this.#output.slice(from).includes(`host ${this.host} running`)) resolve();
      };
      p.stdout!.on('data', onData);
      p.stderr!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`agent ${this.host} exited with ${code}:\n${this.#output.slice(from)}`)));
    });
  }

  /** SIGTERM and wait; the exit code (or that of the earlier exit). */
  async stop(): Promise<number | null> {
    const p = this.#process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    return new Promise((resolve) => { p.once('exit', (code) => resolve(code)); p.kill('SIGTERM'); });
  }
}
