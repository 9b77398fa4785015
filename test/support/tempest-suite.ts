/**
 * The two checks every conformance suite gets in `npm test`: its ratchet is well formed, and a run of its
 * whole Tempest selection against a throwaway cloud passes every test the ratchet lists (the counts are
 * printed and recorded in the suite's results file).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { TestCloud } from './cloud.js';
import { readRatchet } from '../../conformance/ratchet.js';
import { formatSummary, oneLineReason, writeReport } from '../../conformance/report.js';
import { ratchetFile, resultsFile, runSuite, startSuiteCloud, stopSuiteCloud, type Suite } from '../../conformance/suite.js';

/** The ratchet's names are unique, sorted (growRatchet writes them so) and all inside the selection. */
export function checkRatchetFile(suite: Suite): void {
  const file = ratchetFile(suite);
  const names = readRatchet(file);
  assert.ok(names.length > 0, `${file} lists tests`);
  assert.deepEqual(names, [...new Set(names)].sort(), 'one name per test, sorted (growRatchet writes it so)');
  const selection = new RegExp(suite.selection);
  for (const n of names) assert.match(n, selection);
}

/** `Tempest <name> conformance`: the run, skipped with the reason when the suite cannot run here. */
export function describeTempestRun(suite: Suite, timeoutMs: number): void {
  describe(`Tempest ${suite.name} conformance`, { skip: suite.unavailable() }, () => {
    let cloud: TestCloud | undefined;
    before(async () => { cloud = await startSuiteCloud(suite); });
    after(async () => { if (cloud) await stopSuiteCloud(cloud); });

    it(`passes every test in conformance/${suite.name}.txt`, { timeout: timeoutMs }, async (t) => {
      const { run, check, report } = await runSuite(suite, {
        identityUrl: cloud!.identityUrl,
        adminPassword: cloud!.adminPassword,
        log: (line) => t.diagnostic(line),
      });
      writeReport(resultsFile(suite), report);
      for (const line of formatSummary(report).split('\n')) t.diagnostic(line);
      t.diagnostic(`wrote ${path.relative(process.cwd(), resultsFile(suite))}`);

      const ok = run.foreignHosts.length === 0 && check.regressed.length === 0 && check.unknown.length === 0;
      if (ok) run.dispose();
      else t.diagnostic(`Tempest workspace kept at ${run.workspace} (tempest.log, results.subunit)`);
      assert.deepEqual(run.foreignHosts, [], 'Tempest talked only to 127.0.0.1');
      assert.deepEqual(check.unknown, [], 'every ratchet test still exists in Tempest');
      assert.deepEqual(check.regressed.map((r) => `${r.name}: ${oneLineReason(r)}`), [], 'every ratchet test passed');
    });
  });
}
