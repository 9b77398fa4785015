/**
 * Renders a BenchReport as the text table `npm run bench` prints.
 */
import type { BenchReport } from './results.js';

function pad(s: string, width: number, right = false): string {
  return right ? s.padStart(width) : s.padEnd(width);
}

function num(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Columns, header, rows; the columns listed in `right` (numbers) right-aligned. */
function grid(header: string[], rows: string[][], right: readonly number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => pad(c, widths[i]!, right.includes(i))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderReport(r: BenchReport): string {
  const m = r.machine;
  const s = r.settings;
  const out: string[] = [];
  out.push(`identity bench: ${m.cores} cores (${m.cpuModel}), node ${m.node}, ${m.wrk}`);
  out.push(`${s.connections} connections, ${s.warmupS} s warm-up then ${s.durationS} s per case (${s.kdfDurationS} s for password issue); load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  const foreign = Math.max(0, ...r.targets.flatMap((t) => t.cases.map((c) => c.cpu.other)));
  if (foreign >= 0.2) out.push(`NOTE: other work on the machine used up to ${foreign.toFixed(2)} of its ${m.cores} cores during a case (column "other CPU"): those figures understate the server.`);
  if (s.profiled) out.push('NOTE: Flotilla ran under --cpu-prof, which slows it: not comparable figures.');
  out.push('');

  const rows: string[][] = [];
  for (const t of r.targets) {
    for (const c of t.cases) {
      const e = c.load.errors;
      const errors = e.status + e.timeout + e.connect + e.read + e.write;
      rows.push([
        t.label, c.title, num(c.load.okPerSecond, c.load.okPerSecond < 100 ? 1 : 0), num(c.load.latencyMs.p50, 1), num(c.load.latencyMs.p99, 1),
        num(errors), num(c.peakRssMiB, 1), num(c.cpu.server, 2), num(c.cpu.helpers, 2), num(c.cpu.loadGenerator, 2), num(c.cpu.other, 2), c.kdf ?? '',
      ]);
    }
  }
  out.push(grid(['target', 'case', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MiB', 'server CPU', 'db/cache CPU', 'wrk CPU', 'other CPU', 'note'], rows, [2, 3, 4, 5, 6, 7, 8, 9, 10]));
  out.push('(CPU columns: cores used on average during the run; "other" is work outside the bench sharing the machine)');
  out.push('');

  out.push(grid(['target', 'idle RSS MiB', 'anon + file', 'helpers idle', 'server'], r.targets.map((t) => [
    t.label, num(t.idleRssMiB, 1), `${num(t.idleRssSplitMiB.anon, 1)} + ${num(t.idleRssSplitMiB.file, 1)}`,
    Object.entries(t.helpersIdleRssMiB).map(([k, v]) => `${k} ${num(v, 1)} MiB`).join(', ') || '-',
    `${t.description.version}; ${t.description.server}`,
  ]), [1, 2]));
  out.push('');

  if (r.checks.length > 0) {
    out.push('targets (2-core machine):');
    for (const c of r.checks) out.push(`  ${c.met ? 'met   ' : 'MISSED'}  ${c.label}  ${c.what} ${c.target}: ${num(c.value, c.unit === 'MiB' ? 1 : 0)} ${c.unit === '/s' ? 'req/s' : c.unit}`);
    out.push('');
  }

  if (r.ratios.length > 0) {
    out.push(`Flotilla / Keystone (${r.ratios[0]!.flotilla} vs keystone/postgresql):`);
    out.push(grid(['case', 'req/s ×', 'p99 ×', 'RSS ×'], r.ratios.map((x) => [
      x.case,
      x.requestsPerSecond !== undefined ? num(x.requestsPerSecond, 1) : x.case === 'idle-rss' ? '' : 'n/a',
      x.p99 !== undefined ? num(x.p99, 3) : x.case === 'idle-rss' ? '' : 'n/a',
      num(x.rss, 2),
    ]), [1, 2, 3]));
    out.push('');
  }
  return out.join('\n');
}
