/**
 * Tempest conformance for compute: starts the real cloud with its own compute host (agent + private
 * Docker engine) and the busybox image, runs Tempest's Nova tests for servers, flavors, key pairs,
 * limits, quotas, availability zones and server groups (conformance/compute.ts) against it, prints the
 * counts, records them in conformance/results/compute.json and fails if any test of the ratchet
 * (conformance/compute.txt) did not pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { TestCloud } from './support/cloud.js';
import {
  COMPUTE_RATCHET, COMPUTE_RESULTS, COMPUTE_SELECTION, computeSuiteUnavailable, runComputeSuite, startComputeCloud, stopComputeCloud,
} from '../conformance/compute.js';
import { readRatchet } from '../conformance/ratchet.js';
import { formatSummary, oneLineReason, writeReport } from '../conformance/report.js';

describe('compute ratchet', () => {
  it('has names that are unique, sorted and all inside the compute selection', () => {
    const names = readRatchet(COMPUTE_RATCHET);
    assert.ok(names.length > 0, `${COMPUTE_RATCHET} lists tests`);
    assert.deepEqual(names, [...new Set(names)].sort(), 'one name per test, sorted (growRatchet writes it so)');
    const selection = new RegExp(COMPUTE_SELECTION);
    for (const n of names) assert.match(n, selection);
  });
});

describe('Tempest compute conformance', { skip: computeSuiteUnavailable() }, () => {
  let cloud: TestCloud | undefined;
  before(async () => { cloud = await startComputeCloud(); });
  after(async () => { if (cloud) await stopComputeCloud(cloud); });

  it('passes every test in conformance/compute.txt', { timeout: 40 * 60_000 }, async (t) => {
    const { run, check, report } = await runComputeSuite({
      identityUrl: cloud!.identityUrl,
      adminPassword: cloud!.adminPassword,
      concurrency: 2,
      log: (line) => t.diagnostic(line),
    });
    writeReport(COMPUTE_RESULTS, report);
    for (const line of formatSummary(report).split('\n')) t.diagnostic(line);
    t.diagnostic(`wrote ${path.relative(process.cwd(), COMPUTE_RESULTS)}`);

    const ok = run.foreignHosts.length === 0 && check.regressed.length === 0 && check.unknown.length === 0;
    if (ok) run.dispose();
    else t.diagnostic(`Tempest workspace kept at ${run.workspace} (tempest.log, results.subunit)`);
    assert.deepEqual(run.foreignHosts, [], 'Tempest talked only to 127.0.0.1');
    assert.deepEqual(check.unknown, [], 'every ratchet test still exists in Tempest');
    assert.deepEqual(check.regressed.map((r) => `${r.name}: ${oneLineReason(r)}`), [], 'every ratchet test passed');
  });
});
