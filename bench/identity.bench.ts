/**
 * The identity bench: token validation and issue under concurrent load, on Flotilla with SQLite and
 * with PostgreSQL and, with `--baseline keystone`, on Debian's Keystone in the same run. Prints a table
 * and writes bench/results/identity-<date>.json and identity-latest.json. Run it with `npm run bench`
 * (see bench/README.md for the options and how to read the figures).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../test/support/cloud.js';
import { startPostgres, postgresUnavailable, type TempPostgres } from '../test/support/postgres.js';
import { DisposableStore } from '../src/platform/lifecycle.js';
import { startCpuAccounting, waitForQuiet } from './lib/cpu.js';
import { mib, processTree, resetPeaks, rssNow, rssPeakSum, rssSplit, RssSampler } from './lib/memory.js';
import { runLoad, wrkVersion } from './lib/wrk.js';
import { monotonicUs, renderProfile, summariseProfile } from './lib/cpuprofile.js';
import { CASES, CASE_IDS, checkCase, type CaseId } from './identity/cases.js';
import { makeFixtures } from './identity/fixtures.js';
import { startFlotilla } from './identity/flotilla.js';
import { ensureKeystoneInstalled } from './identity/keystone-install.js';
import { startKeystone } from './identity/keystone.js';
import { checkTargets, ratios, type BenchReport, type CaseResult, type TargetResult } from './identity/results.js';
import { renderReport } from './identity/table.js';
import type { BenchTarget, Engine } from './identity/target.js';

const USAGE = `npm run bench -- [options]
  --duration S             measured seconds per case (10)
  --kdf-duration S         measured seconds for password issue (30): with every connection waiting on
                           a slow hash, answers come in bunches seconds apart, so 10 s says little
  --warmup S               warm-up seconds per case, not measured (3)
  --repeat N               measured runs per case; the median is reported (3; 1 for password issue)
  --connections N          concurrent keep-alive connections (32)
  --engines LIST           Flotilla's databases: sqlite,postgresql (both)
  --cases LIST             ${CASE_IDS.join(',')} (all)
  --baseline keystone      also install and run Debian's Keystone, and print Flotilla/Keystone ratios
  --keystone-processes N   uwsgi processes for Keystone (2)
  --keystone-threads N     uwsgi threads per process (connections / processes: each keep-alive
                           connection holds a thread, so fewer would leave connections unserved;
                           more only adds GIL contention)
  --scrypt-log-n N         Flotilla's FLOTILLA_SCRYPT_LOG_N (the server's default, 15)
  --timeout S              a request slower than this counts as an error (60)
  --quiet-wait S           before each case, wait up to S seconds for other work on the machine to
                           drop below a quarter core (30; 0 to start at once)
  --profile                run Flotilla under node --cpu-prof and print where its time went
                           (slows it down; use with --cases to profile one case)
  --no-write               print only; leave bench/results alone`;

interface Options {
  durationS: number;
  kdfDurationS: number;
  warmupS: number;
  repeat: number;
  connections: number;
  engines: Engine[];
  cases: CaseId[];
  baseline: 'keystone' | undefined;
  keystoneProcesses: number;
  keystoneThreads: number;
  scryptLogN: number;
  timeoutS: number;
  quietWaitS: number;
  profile: boolean;
  write: boolean;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

function list<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] {
  if (raw === undefined) return [...allowed];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`--${name}: unknown ${i} (one of ${allowed.join(', ')})`);
  return items as T[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' }, 'kdf-duration': { type: 'string' }, warmup: { type: 'string' }, repeat: { type: 'string' }, connections: { type: 'string' },
      engines: { type: 'string' }, cases: { type: 'string' }, baseline: { type: 'string' },
      'keystone-processes': { type: 'string' }, 'keystone-threads': { type: 'string' },
      'scrypt-log-n': { type: 'string' }, timeout: { type: 'string' }, 'quiet-wait': { type: 'string' }, profile: { type: 'boolean' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  if (values.baseline !== undefined && values.baseline !== 'keystone') throw new Error(`--baseline: only keystone is known, got ${values.baseline}`);
  const opts: Options = {
    durationS: positive('duration', values.duration, 10),
    kdfDurationS: positive('kdf-duration', values['kdf-duration'], 30),
    warmupS: positive('warmup', values.warmup, 3),
    repeat: positive('repeat', values.repeat, 3),
    connections: Math.round(positive('connections', values.connections, 32)),
    engines: list('engines', values.engines, ['sqlite', 'postgresql'] as const),
    cases: list('cases', values.cases, CASE_IDS),
    baseline: values.baseline,
    keystoneProcesses: Math.round(positive('keystone-processes', values['keystone-processes'], 2)),
    keystoneThreads: 0, // filled in below from connections and processes unless given
    scryptLogN: Math.round(positive('scrypt-log-n', values['scrypt-log-n'] ?? process.env.FLOTILLA_SCRYPT_LOG_N, 15)),
    timeoutS: positive('timeout', values.timeout, 60),
    quietWaitS: values['quiet-wait'] === '0' ? 0 : positive('quiet-wait', values['quiet-wait'], 30),
    profile: values.profile === true,
    write: !values['no-write'],
  };
  opts.keystoneThreads = Math.round(positive('keystone-threads', values['keystone-threads'], Math.ceil(opts.connections / opts.keystoneProcesses)));
  return opts;
}

const say = (line: string): void => { process.stdout.write(`bench: ${line}\n`); };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** How long a fresh server sits before its idle RSS is read: startup garbage gets collected meanwhile. */
const IDLE_SETTLE_MS = 3000;

/** A closer that runs once however often it is called (on the normal path and again on a signal). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

function helperRss(target: BenchTarget, read: (pids: number[]) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(target.helperPids()).map(([name, pids]) => [name, mib(read(pids))]));
}

/** The throwaway PostgreSQL's processes: the postmaster (first line of postmaster.pid) and its backends. */
function postgresPids(pg: TempPostgres | undefined): number[] {
  if (!pg) return [];
  try {
    const pid = Number(fs.readFileSync(path.join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? processTree(pid) : [];
  } catch {
    return [];
  }
}

/** Runs every selected case against one started target; `databasePids` are its PostgreSQL's, if it uses one. */
async function measureTarget(target: BenchTarget, opts: Options, workDir: string, databasePids: () => number[]): Promise<TargetResult> {
  const label = `${target.product}/${target.engine}`;
  await sleep(IDLE_SETTLE_MS);
  const idleRssMiB = mib(rssNow(target.serverPids()));
  const split = rssSplit(target.serverPids());
  const idleRssSplitMiB = { anon: mib(split.anon), file: mib(split.file) };
  const helpersIdleRssMiB = helperRss(target, rssNow);
  say(`${label}: idle RSS ${idleRssMiB} MiB; making fixtures`);
  const fixtures = await makeFixtures(target);
  const cases: CaseResult[] = [];
  for (const id of opts.cases) {
    const c = CASES[id];
    await checkCase(target.origin, c, fixtures);
    const requests = c.requests(fixtures);
    const load = { origin: target.origin, requests, connections: opts.connections, timeoutS: opts.timeoutS, workDir };
    const ours = (): number[] => [...target.serverPids(), ...Object.values(target.helperPids()).flat(), ...databasePids()];
    const quietWait = opts.quietWaitS > 0 ? await waitForQuiet(ours, opts.quietWaitS) : { waitedS: 0, otherCores: 0 };
    if (quietWait.waitedS > 2) say(`${label}: waited ${quietWait.waitedS} s for other work to calm down (last seen ${quietWait.otherCores} cores)`);
    const loadAverageAtStart = os.loadavg()[0]!;
    const durationS = c.kdfBound ? opts.kdfDurationS : opts.durationS;
    say(`${label}: ${c.title}: warm-up ${opts.warmupS} s, then ${durationS} s`);
    await runLoad({ ...load, durationS: opts.warmupS });
    // wrk leaves requests in flight when it stops; the server still works them off (a password hash
    // cannot be cancelled). Wait for one more answer, queued behind them, before measuring.
    await checkCase(target.origin, c, fixtures);
    // Repeat the measured run and keep the median: on a shared 2-core machine one run can be off by a
    // third for reasons outside the server (other work, frequency, a GC landing badly).
    const peakResetWorked = resetPeaks(ours());
    const sampler = new RssSampler(() => target.serverPids());
    const window = { startUs: monotonicUs(), endUs: 0 };
    const runs: Array<{ result: Awaited<ReturnType<typeof runLoad>>; cpuUse: ReturnType<ReturnType<typeof startCpuAccounting>> }> = [];
    for (let r = 0; r < (c.kdfBound ? 1 : opts.repeat); r++) {
      const cpu = startCpuAccounting(() => target.serverPids(), () => [...Object.values(target.helperPids()).flat(), ...databasePids()]);
      runs.push({ result: await runLoad({ ...load, durationS }), cpuUse: cpu() });
    }
    window.endUs = monotonicUs();
    const sorted = [...runs].sort((a, b) => a.result.okPerSecond - b.result.okPerSecond);
    const { result, cpuUse } = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const sampledPeak = sampler.stop();
    const peakRssMiB = mib(peakResetWorked ? rssPeakSum(target.serverPids()) : sampledPeak);
    cases.push({
      case: id, title: c.title, detail: c.detail, connections: opts.connections, load: result,
      runsPerSecond: runs.map((x) => Math.round(x.result.okPerSecond * 10) / 10),
      peakRssMiB, sampledPeakRssMiB: mib(sampledPeak), peakResetWorked,
      helpersPeakRssMiB: helperRss(target, peakResetWorked ? rssPeakSum : rssNow),
      loadAverageAtStart, cpu: cpuUse, quietWait,
      ...(c.kdfBound ? { kdf: target.kdf } : {}),
      ...(opts.profile ? { window } : {}),
    });
    say(`${label}: ${c.title}: ${result.okPerSecond.toFixed(1)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, peak RSS ${peakRssMiB} MiB; CPU cores: server ${cpuUse.server}, helpers ${cpuUse.helpers}, wrk ${cpuUse.loadGenerator}, other ${cpuUse.other}`);
  }
  return { label, product: target.product, engine: target.engine, description: target.description, kdf: target.kdf, idleRssMiB, idleRssSplitMiB, helpersIdleRssMiB, cases };
}

/** Attaches to each case where the server's time went in its measured window (from the profile
 * node wrote on exit, named CPU.<date>.<pid>…cpuprofile). */
function addProfiles(result: TargetResult, dir: string): void {
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
  if (!file) { say(`no CPU profile written in ${dir}`); return; }
  for (const c of result.cases) {
    if (!c.window) continue;
    c.profile = summariseProfile(path.join(dir, file), c.window);
    console.log(`\n${result.label}: ${c.title}: ${renderProfile(c.profile)}`);
  }
  say(`CPU profile kept in ${path.join(dir, file)} (open it in Chrome DevTools or speedscope)`);
}

function machineFacts(): BenchReport['machine'] {
  const pg = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    wrk: wrkVersion() ?? 'not installed',
    ...(pg.status === 0 ? { postgresql: pg.stdout.trim() } : {}),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function writeResults(report: BenchReport): string[] {
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const files = [path.join(dir, `identity-${report.startedAt.slice(0, 10)}.json`), path.join(dir, 'identity-latest.json')];
  for (const f of files) fs.writeFileSync(f, text);
  return files.map((f) => path.relative(REPO_ROOT, f));
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!wrkVersion()) throw new Error('wrk is not installed (apt-get install wrk); scripts/bench.mjs installs it');
  const startedAt = new Date().toISOString();
  const machine = machineFacts();
  const disposables = new DisposableStore();
  // One shared promise: the normal path and a signal may both ask, and both must wait for the end.
  let closing: Promise<void> | undefined;
  const closeAll = (): Promise<void> => (closing ??= disposables.close());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true;
      say(`${sig}: stopping what the bench started`);
      void closeAll().finally(() => process.exit(130));
    });
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-work-'));
  disposables.add(() => fs.rmSync(workDir, { recursive: true, force: true }));
  const targets: TargetResult[] = [];
  try {
    if (opts.baseline === 'keystone') ensureKeystoneInstalled(say);
    let pg: TempPostgres | undefined;
    if (opts.engines.includes('postgresql') || opts.baseline === 'keystone') {
      const why = postgresUnavailable();
      if (why) throw new Error(`PostgreSQL is needed (engine postgresql or the Keystone baseline): ${why}`);
      pg = startPostgres();
      const server = pg;
      disposables.add(() => server.stop());
      say(`throwaway PostgreSQL in ${pg.dir}`);
    }
    for (const engine of opts.engines) {
      say(`starting Flotilla on ${engine}`);
      const profileDir = opts.profile ? fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-bench-profile-${engine}-`)) : undefined;
      const target = await startFlotilla({
        engine, scryptLogN: opts.scryptLogN,
        ...(engine === 'postgresql' ? { databaseUrl: pg!.url } : {}),
        ...(profileDir ? { cpuProfileDir: profileDir } : {}),
      });
      const stop = once(() => target.stop());
      disposables.add(stop);
      let result: TargetResult;
      try { result = await measureTarget(target, opts, workDir, () => (engine === 'postgresql' ? postgresPids(pg) : [])); } finally { await stop(); }
      if (profileDir) addProfiles(result, profileDir);
      targets.push(result);
    }
    if (opts.baseline === 'keystone') {
      say(`starting Keystone (uwsgi ${opts.keystoneProcesses}×${opts.keystoneThreads}, memcached, PostgreSQL)`);
      const target = await startKeystone({ postgres: pg!, processes: opts.keystoneProcesses, threads: opts.keystoneThreads, log: say, disposables });
      try { targets.push(await measureTarget(target, opts, workDir, () => postgresPids(pg))); } finally { await target.stop(); }
    }
  } finally {
    await closeAll();
  }

  const report: BenchReport = {
    benchmark: 'identity',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    settings: {
      connections: opts.connections, durationS: opts.durationS, kdfDurationS: opts.kdfDurationS, warmupS: opts.warmupS, repeat: opts.repeat, timeoutS: opts.timeoutS,
      quietWaitS: opts.quietWaitS,
      loadGenerator: 'wrk, 1 thread, keep-alive, requests replayed round-robin (bench/lua/replay.lua)',
      scryptLogN: opts.scryptLogN,
      ...(opts.baseline ? { baseline: opts.baseline } : {}),
      ...(opts.profile ? { profiled: true } : {}),
    },
    targets,
    checks: checkTargets(targets),
    ratios: ratios(targets),
  };
  console.log(`\n${renderReport(report)}`);
  if (opts.profile) say('profiled run: figures not written to bench/results');
  else if (opts.write) say(`wrote ${writeResults(report).join(' and ')}`);
}

/** Set by a signal: the run's failures after it are the interruption's doing, not worth a stack. */
let interrupted = false;

main().catch((err: unknown) => {
  if (interrupted) return; // the signal handler exits once cleanup is done
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
