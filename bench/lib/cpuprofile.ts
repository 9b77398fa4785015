/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) into where the time went: self time per function and
 * per area (a package in node_modules, our own src/, Node's internals, GC, idle). Enough to say why a
 * figure is what it is without opening a profiler UI.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time. */
  percent: number;
}

/** A span of CLOCK_MONOTONIC time in microseconds, the clock V8 stamps samples with. */
export interface Window {
  startUs: number;
  endUs: number;
}

/** The current CLOCK_MONOTONIC time in µs: comparable with another process's profile timestamps. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileSummary {
  file: string;
  /** Sampled time inside the window (or the whole profile). */
  wallMs: number;
  busyMs: number;
  areas: Share[];
  functions: Share[];
}

/** Which part of the program a frame belongs to. */
function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)' || functionName === '(idle)' || functionName === '(program)') return functionName;
    return '(native)';
  }
  if (url.startsWith('node:')) return 'node internals';
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  const own = /\/dist\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (own) return own[1]!;
  return url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, busy: number, n: number): Share[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percent: Math.round((us / busy) * 1000) / 10 }));
}

/**
 * Reads one .cpuprofile and returns its top areas and functions by self time, counting only samples
 * inside `window` when one is given (so server startup does not blur a case's profile).
 */
export function summariseProfile(file: string, window?: Window, topN = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attributing it to sample i is what DevTools does.
  let t = profile.startTime;
  let first: number | undefined;
  let last = t;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.startUs || t > window.endUs)) return;
    first ??= t - delta;
    last = t;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    total += us;
    if (f.functionName === '(idle)') { idle += us; continue; }
    const area = areaOf(f.url, f.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ` ${area === where ? '' : `[${area}] `}${where}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  return {
    file,
    wallMs: Math.round((last - (first ?? last)) / 1000),
    busyMs: Math.round(busy / 1000),
    areas: top(areas, busy, topN),
    functions: top(functions, busy, topN),
  };
}

/** Renders a summary as a few lines of text. */
export function renderProfile(s: ProfileSummary): string {
  const lines = [`${s.busyMs} ms busy of ${s.wallMs} ms sampled (self time, ${path.basename(s.file)})`, '  by area:'];
  for (const a of s.areas) lines.push(`    ${a.percent.toFixed(1).padStart(5)}%  ${a.name}`);
  lines.push('  by function:');
  for (const f of s.functions) lines.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
  return lines.join('\n');
}
