/**
 * The identity bench's figures as written to bench/results/*.json, and the targets they are held to.
 */
import type { ProfileSummary, Window } from '../lib/cpuprofile.js';
import type { CpuUse } from '../lib/cpu.js';
import type { LoadResult } from '../lib/wrk.js';
import type { CaseId } from './cases.js';
import type { Engine, Product } from './target.js';

export interface CaseResult {
  case: CaseId;
  title: string;
  detail: string;
  connections: number;
  /** The median of the measured runs. */
  load: LoadResult;
  /** req/s of every measured run, in order. */
  runsPerSecond: number[];
  /** Server RSS peak during the measured run: sum over its processes of VmHWM, reset just before. */
  peakRssMiB: number;
  /** Largest summed VmRSS seen by sampling every 100 ms (a lower bound of the true peak). */
  sampledPeakRssMiB: number;
  /** False when the kernel refused to reset VmHWM: then peakRssMiB includes startup. */
  peakResetWorked: boolean;
  helpersPeakRssMiB: Record<string, number>;
  /** 1-minute load average when the case started: the machine may be shared. */
  loadAverageAtStart: number;
  /** Cores' worth of CPU used during the measured run by the server, its helpers, wrk and other work. */
  cpu: CpuUse;
  /** Seconds spent waiting for other work to calm down before the case, and what was last seen. */
  quietWait: { waitedS: number; otherCores: number };
  /** The password hash cost, on the password case. */
  kdf?: string;
  /** With --profile: the measured run's window, then where the server's CPU time went in it. */
  window?: Window;
  profile?: ProfileSummary;
}

export interface TargetResult {
  /** e.g. "flotilla/sqlite". */
  label: string;
  product: Product;
  engine: Engine;
  description: Readonly<Record<string, string | number>>;
  kdf: string;
  /** Server RSS a few seconds after it became ready, before the bench made any fixture. */
  idleRssMiB: number;
  /** The idle RSS split: anonymous (own heap) and file-backed (binary and libraries, shareable). */
  idleRssSplitMiB: { anon: number; file: number };
  helpersIdleRssMiB: Record<string, number>;
  cases: CaseResult[];
}

export interface TargetCheck {
  what: string;
  target: string;
  label: string;
  value: number;
  unit: string;
  met: boolean;
}

export interface Ratio {
  case: CaseId | 'idle-rss';
  /** Which Flotilla run is compared (same engine as Keystone when it ran). */
  flotilla: string;
  /** Flotilla's figure divided by Keystone's. */
  requestsPerSecond?: number;
  p99?: number;
  rss: number;
}

export interface BenchReport {
  benchmark: 'identity';
  startedAt: string;
  finishedAt: string;
  machine: {
    cores: number;
    cpuModel: string;
    memoryGiB: number;
    kernel: string;
    node: string;
    wrk: string;
    postgresql?: string;
    loadAverageAtStart: number[];
  };
  settings: {
    connections: number;
    durationS: number;
    /** Measured seconds for the password case: its answers come slowly and in bunches. */
    kdfDurationS: number;
    warmupS: number;
    repeat: number;
    timeoutS: number;
    /** Longest wait per case for the machine's other work to drop below a quarter core. */
    quietWaitS: number;
    loadGenerator: string;
    scryptLogN: number;
    baseline?: 'keystone';
    /** The Flotilla server ran under --cpu-prof, which slows it: figures not comparable. */
    profiled?: boolean;
  };
  targets: TargetResult[];
  checks: TargetCheck[];
  ratios: Ratio[];
}

const VALIDATION_TARGET = 5000;
const TOKEN_ISSUE_TARGET = 2000;
const IDLE_RSS_TARGET_MIB = 80;

/** Flotilla's targets on a 2-core machine, checked for each Flotilla run. */
export function checkTargets(targets: readonly TargetResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const t of targets.filter((x) => x.product === 'flotilla')) {
    for (const c of t.cases) {
      if (c.case === 'validate-same' || c.case === 'validate-other') {
        checks.push({ what: `${c.title}`, target: `≥ ${VALIDATION_TARGET}/s`, label: t.label, value: round(c.load.okPerSecond), unit: '/s', met: c.load.okPerSecond >= VALIDATION_TARGET });
      }
      if (c.case === 'issue-token') {
        checks.push({ what: c.title, target: `≥ ${TOKEN_ISSUE_TARGET}/s`, label: t.label, value: round(c.load.okPerSecond), unit: '/s', met: c.load.okPerSecond >= TOKEN_ISSUE_TARGET });
      }
    }
    checks.push({ what: 'idle RSS', target: `≤ ${IDLE_RSS_TARGET_MIB} MiB`, label: t.label, value: t.idleRssMiB, unit: 'MiB', met: t.idleRssMiB <= IDLE_RSS_TARGET_MIB });
  }
  return checks;
}

/** Flotilla over Keystone, per case; Flotilla on Keystone's engine (PostgreSQL) when it ran. */
export function ratios(targets: readonly TargetResult[]): Ratio[] {
  const keystone = targets.find((t) => t.product === 'keystone');
  if (!keystone) return [];
  const flotilla = targets.find((t) => t.product === 'flotilla' && t.engine === keystone.engine) ?? targets.find((t) => t.product === 'flotilla');
  if (!flotilla) return [];
  const out: Ratio[] = [{ case: 'idle-rss', flotilla: flotilla.label, rss: round2(flotilla.idleRssMiB / keystone.idleRssMiB) }];
  for (const k of keystone.cases) {
    const f = flotilla.cases.find((c) => c.case === k.case);
    if (!f) continue;
    out.push({
      case: k.case,
      flotilla: flotilla.label,
      // No ratio against a run where nothing completed.
      ...(k.load.okPerSecond > 0 ? { requestsPerSecond: round2(f.load.okPerSecond / k.load.okPerSecond) } : {}),
      ...(k.load.latencyMs.p99 > 0 && f.load.latencyMs.p99 > 0 ? { p99: round2(f.load.latencyMs.p99 / k.load.latencyMs.p99) } : {}),
      rss: round2(f.peakRssMiB / k.peakRssMiB),
    });
  }
  return out;
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function round2(n: number): number {
  return Math.round(n * 1000) / 1000;
}
