/**
 * What a conformance run amounts to: counts, a one-line reason per failing or skipped test, and the
 * JSON record kept under conformance/results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RatchetCheck } from './ratchet.js';
import { outermostFrame, type TempestRun, type TestOutcome } from './tempest.js';

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Percent of the tests that ran (not skipped) that passed, one decimal. */
  passRate: number;
}

/** Counts outcomes. */
export function countOutcomes(tests: readonly TestOutcome[]): Counts {
  const passed = tests.filter((t) => t.status === 'pass').length;
  const failed = tests.filter((t) => t.status === 'fail').length;
  const skipped = tests.filter((t) => t.status === 'skip').length;
  const ran = passed + failed;
  return { total: tests.length, passed, failed, skipped, passRate: ran === 0 ? 0 : Math.round((passed / ran) * 1000) / 10 };
}

const MAX_REASON = 240;

/** The error a Python traceback ends with: the unindented lines after the last stack frame. */
function finalError(traceback: string): string {
  const lines = traceback.split('\n');
  let lastFrame = -1;
  lines.forEach((line, i) => { if (/^\s/.test(line) || line.startsWith('Traceback (')) lastFrame = i; });
  return lines.slice(lastFrame + 1).filter((l) => l.trim() !== '').join('\n');
}

/**
 * One line saying why a test did not pass. For Tempest's REST errors (`tempest.lib.exceptions.NotFound:
 * Object not found` + `Details: {... 'message': '…'}`) that is the short class name, the API's own
 * message and the request that failed; for assertion errors, the mismatch.
 */
export function oneLineReason(t: TestOutcome): string {
  if (t.status === 'skip') return `${(t.detail ?? 'skipped').split('\n')[0]}${t.fixture ? ` (in ${t.fixture.split(' ')[0]})` : ''}`;
  // Say where it broke when that is not the test body: its class's setUpClass, or its own tearDown.
  const frame = t.fixture?.split(' ')[0] ?? outermostFrame(t.detail ?? '');
  const via = frame && frame !== t.name.split('.').pop() ? ` (in ${frame})` : '';
  const error = finalError(t.detail ?? '');
  const first = error.split('\n')[0] ?? '';
  // `tempest.lib.exceptions.NotFound: Object not found` -> `NotFound`, `Object not found`.
  const parsed = /^([\w.]+)(?::\s*(.*))?$/.exec(first);
  const klass = parsed?.[1]?.split('.').pop();
  const apiMessage = /'message': '((?:[^'\\]|\\.)*)'/.exec(error)?.[1] ?? /"message": "((?:[^"\\]|\\.)*)"/.exec(error)?.[1];
  // assertRaises failing prints the whole response; what matters is that the call did not fail.
  const noRaise = /^<bound method (\w+)\.(\w+) of .*> returned /.exec(parsed?.[2] ?? '');
  const text = noRaise ? `${klass}: expected an error, but ${noRaise[1]}.${noRaise[2]} succeeded`
    : klass ? `${klass}: ${apiMessage ?? parsed?.[2] ?? ''}`
    : (first || t.detail?.split('\n')[0] || 'failed');
  const request = t.failedRequest?.replace(/^(\d+ [A-Z]+ )\w+:\/\/[^/]+/, '$1');
  const reason = `${request ? `[${request}] ` : ''}${text}${via}`.replace(/\s+/g, ' ');
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

export interface SuiteReport {
  suite: string;
  selection: string;
  ranAt: string;
  durationSeconds: number;
  packages: Record<string, string>;
  counts: Counts;
  ratchet: { file: string; size: number; regressed: string[]; unknown: string[]; passingNotListed: number };
  fixtureFailures: Array<{ fixture: string; reason: string }>;
  failing: Array<{ test: string; reason: string }>;
  skipped: Array<{ test: string; reason: string }>;
}

/** Builds the JSON record of a run. */
export function buildReport(args: {
  suite: string; selection: string; run: TempestRun; packages: Record<string, string>;
  ratchetFile: string; ratchetSize: number; check: RatchetCheck;
}): SuiteReport {
  const { run, check } = args;
  const byName = (a: { test: string }, b: { test: string }): number => a.test.localeCompare(b.test);
  return {
    suite: args.suite,
    selection: args.selection,
    ranAt: new Date().toISOString(),
    durationSeconds: Math.round(run.durationMs / 100) / 10,
    packages: args.packages,
    counts: countOutcomes(run.tests),
    ratchet: {
      file: args.ratchetFile,
      size: args.ratchetSize,
      regressed: check.regressed.map((t) => t.name),
      unknown: check.unknown,
      passingNotListed: check.newlyPassing.length,
    },
    fixtureFailures: run.fixtureFailures.map((t) => ({ fixture: t.id, reason: oneLineReason(t) })),
    failing: run.tests.filter((t) => t.status === 'fail').map((t) => ({ test: t.name, reason: oneLineReason(t) })).sort(byName),
    skipped: run.tests.filter((t) => t.status === 'skip').map((t) => ({ test: t.name, reason: oneLineReason(t) })).sort(byName),
  };
}

/** Writes the record as pretty JSON (a stable shape, so diffs between runs read well). */
export function writeReport(file: string, report: SuiteReport): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** The human summary: counts on one line, then the failures with their reasons. */
export function formatSummary(report: SuiteReport): string {
  const c = report.counts;
  const lines = [
    `tempest ${report.suite}: ${c.total} tests: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped; ` +
      `${c.passRate}% of the ${c.passed + c.failed} that ran pass (${report.durationSeconds} s)`,
    `ratchet ${report.ratchet.file}: ${report.ratchet.size} tests, ${report.ratchet.regressed.length} not passing, ` +
      `${report.ratchet.unknown.length} unknown; ${report.ratchet.passingNotListed} passing tests not yet listed`,
  ];
  for (const f of report.failing) lines.push(`  FAIL ${f.test}: ${f.reason}`);
  for (const f of report.fixtureFailures) lines.push(`  FIXTURE ${f.fixture}: ${f.reason}`);
  return lines.join('\n');
}
