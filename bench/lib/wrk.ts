/**
 * Drives load with Debian's `wrk` as a separate process: one thread (the server under test needs the
 * other core), keep-alive connections, requests replayed from a file by bench/lua/replay.lua.
 * Latency percentiles come from wrk's own histogram.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPLAY_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'lua', 'replay.lua');

export type HttpMethod = 'GET' | 'HEAD' | 'POST';

/** One request the load generator sends; a case is a list of them, sent round-robin. */
export interface LoadRequest {
  method: HttpMethod;
  path: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

export interface LoadOptions {
  /** Origin, e.g. http://127.0.0.1:15000; request paths are absolute. */
  origin: string;
  requests: readonly LoadRequest[];
  connections: number;
  durationS: number;
  /** A request slower than this counts as a timeout, not a latency sample. */
  timeoutS: number;
  /** Where the request file is written. */
  workDir: string;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  /** Responses per second that were 2xx/3xx. */
  okPerSecond: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyMs: { min: number; mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: LoadResult['errors'];
  latency_us: { min: number; mean: number; max: number; p50: number; p90: number; p99: number; p999: number };
}

/** wrk's version line, or undefined when wrk is not installed. */
export function wrkVersion(): string | undefined {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  // "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer": keep the part before the copyright.
  return `${r.stdout}${r.stderr}`.split('\n')[0]?.replace(/\s*Copyright.*$/, '').trim();
}

function requestLine(r: LoadRequest): string {
  const fields = [r.method, r.path, r.body ?? ''];
  for (const [name, value] of Object.entries(r.headers)) fields.push(name, value);
  for (const f of fields) if (/[\t\n]/.test(f)) throw new Error(`request field contains a tab or newline: ${f.slice(0, 40)}`);
  return fields.join('\t');
}

let fileCounter = 0;

/** Runs wrk for the given duration and returns its figures. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const file = path.join(opts.workDir, `requests-${process.pid}-${fileCounter++}.tsv`);
  fs.writeFileSync(file, `${opts.requests.map(requestLine).join('\n')}\n`);
  const args = [
    '-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, `--timeout`, `${opts.timeoutS}s`,
    '-s', REPLAY_SCRIPT, `${opts.origin}/`, '--', file,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}:\n${out}`))));
  });
  fs.rmSync(file, { force: true });
  const line = output.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  const w = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkJson;
  const durationS = w.duration_us / 1e6;
  const ms = (us: number): number => Math.round(us / 10) / 100;
  return {
    requests: w.requests,
    durationS,
    okPerSecond: (w.requests - w.errors.status) / durationS,
    errors: w.errors,
    latencyMs: {
      min: ms(w.latency_us.min), mean: ms(w.latency_us.mean), p50: ms(w.latency_us.p50), p90: ms(w.latency_us.p90),
      p99: ms(w.latency_us.p99), p999: ms(w.latency_us.p999), max: ms(w.latency_us.max),
    },
  };
}
