/**
 * Where the machine's CPU went during a measured run: the server under test, its helpers (database,
 * memcached), the load generator, and everything else. The machine may be shared with other work, and
 * a figure measured while something else used a core says less; this makes that visible instead of
 * leaving it to be guessed from the load average.
 *
 * Counts come from /proc/stat (all CPUs) and /proc/<pid>/stat (a process with all its threads), both
 * in clock ticks. The load generator is a child of this process: once it has exited and been reaped,
 * its time is in our own cutime/cstime, so a snapshot after it exits includes all of it.
 */
import fs from 'node:fs';
import os from 'node:os';

interface Snapshot {
  /** Ticks of all CPUs, busy or not. */
  all: number;
  /** Ticks all CPUs spent busy (not idle, not waiting for I/O). */
  busy: number;
  server: Map<number, number>;
  helpers: Map<number, number>;
  /** This process, its reaped children (the load generator) included. */
  self: number;
}

/** Cores' worth of CPU each party used on average over the run (2.0 = both cores of a 2-core machine). */
export interface CpuUse {
  server: number;
  helpers: number;
  /** wrk, and this bench process reading /proc meanwhile. */
  loadGenerator: number;
  /** Processes that are no part of the bench: other people's work on a shared machine. */
  other: number;
}

function machineTicks(): { all: number; busy: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const all = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
  return { all, busy: all - idle! - iowait! };
}

/** utime + stime (+ cutime + cstime when asked) of a process, 0 if it has gone. */
function processTicks(pid: number | 'self', withChildren = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields after the command name start at field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    return f[11]! + f[12]! + (withChildren ? f[13]! + f[14]! : 0);
  } catch {
    return 0;
  }
}

function perPid(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, processTicks(pid)]));
}

/**
 * Ticks used between two snapshots by the processes alive at the second. A process that started in
 * between counts from zero (PostgreSQL forks a backend per new connection); one that exited in between
 * is lost to this sum and shows up under "other" instead.
 */
function used(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += Math.max(0, t - (before.get(pid) ?? 0));
  return ticks;
}

/** Starts accounting; call the returned function after the load generator has exited. */
export function startCpuAccounting(serverPids: () => readonly number[], helperPids: () => readonly number[]): () => CpuUse {
  const take = (): Snapshot => ({ ...machineTicks(), server: perPid(serverPids()), helpers: perPid(helperPids()), self: processTicks('self', true) });
  const before = take();
  return () => {
    const after = take();
    const cores = os.cpus().length;
    const perCore = (after.all - before.all) / cores;
    const inCores = (ticks: number): number => (perCore > 0 ? Math.round((ticks / perCore) * 100) / 100 : 0);
    const server = used(before.server, after.server);
    const helpers = used(before.helpers, after.helpers);
    const self = after.self - before.self;
    const other = Math.max(0, after.busy - before.busy - server - helpers - self);
    return { server: inCores(server), helpers: inCores(helpers), loadGenerator: inCores(self), other: inCores(other) };
  };
}

/**
 * Waits, probing two seconds at a time, until other work uses less than `thresholdCores`, or until
 * `maxWaitS` has passed. Returns the seconds waited and what the last probe saw.
 */
export async function waitForQuiet(ours: () => readonly number[], maxWaitS: number, thresholdCores = 0.25): Promise<{ waitedS: number; otherCores: number }> {
  const started = Date.now();
  for (;;) {
    const probe = startCpuAccounting(ours, () => []);
    await new Promise((r) => setTimeout(r, 2000));
    const { other } = probe();
    const waitedS = Math.round((Date.now() - started) / 1000);
    if (other < thresholdCores || waitedS >= maxWaitS) return { waitedS, otherCores: other };
  }
}
