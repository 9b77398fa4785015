/**
 * Resident memory of the processes under test, read from /proc/<pid>/status: VmRSS now, VmHWM the
 * peak. The peak is reset before each measured run (writing 5 to /proc/<pid>/clear_refs, Linux ≥ 4.0),
 * so it covers that run only, not startup. A server made of several processes (uwsgi's master and
 * workers) is reported as the sum over them.
 */
import fs from 'node:fs';

export type Kib = number;

type StatusField = 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile';

function statusField(pid: number, field: StatusField): Kib | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // the process has gone
  }
}

/** The pid and every live descendant of it (uwsgi's workers are children of its master). */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: parse after its closing ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch { /* exited while we looked */ }
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Sum of VmRSS over the processes. */
export function rssNow(pids: readonly number[]): Kib {
  return pids.reduce((sum, pid) => sum + (statusField(pid, 'VmRSS') ?? 0), 0);
}

/**
 * Sum of RssAnon (heap, stacks: the process's own) and of RssFile (mapped files such as the node or
 * python binary and shared libraries, whose pages other processes running them share).
 */
export function rssSplit(pids: readonly number[]): { anon: Kib; file: Kib } {
  return {
    anon: pids.reduce((sum, pid) => sum + (statusField(pid, 'RssAnon') ?? 0), 0),
    file: pids.reduce((sum, pid) => sum + (statusField(pid, 'RssFile') ?? 0), 0),
  };
}

/** Sum of VmHWM (each process's peak since start or since resetPeaks). */
export function rssPeakSum(pids: readonly number[]): Kib {
  return pids.reduce((sum, pid) => sum + (statusField(pid, 'VmHWM') ?? 0), 0);
}

/** Resets each process's VmHWM to its current RSS; false if the kernel refused (not root, old kernel). */
export function resetPeaks(pids: readonly number[]): boolean {
  let ok = true;
  for (const pid of pids) {
    try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { ok = false; }
  }
  return ok;
}

/**
 * Samples the summed RSS while load runs. For several processes the sum of their peaks can exceed any
 * moment's total, so the sampled maximum is kept beside it.
 */
export class RssSampler {
  readonly #pids: () => readonly number[];
  readonly #timer: NodeJS.Timeout;
  #max: Kib = 0;

  constructor(pids: () => readonly number[], intervalMs = 100) {
    this.#pids = pids;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    this.#max = Math.max(this.#max, rssNow(this.#pids()));
  }

  /** Stops sampling; returns the largest total seen. */
  stop(): Kib {
    clearInterval(this.#timer);
    this.#sample();
    return this.#max;
  }
}

/** KiB to MiB with one decimal. */
export function mib(kib: Kib): number {
  return Math.round((kib / 1024) * 10) / 10;
}
