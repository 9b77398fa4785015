/**
 * Tempest conformance for images: starts the real cloud, runs every Glance v2 API test of Tempest
 * (tempest.api.image.v2, Debian's package) against it, prints the counts, records them in
 * conformance/results/image.json and fails if any test of the ratchet (conformance/image.txt) did not
 * pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { IMAGE_RATCHET, IMAGE_RESULTS, imageSuiteUnavailable, runImageSuite } from '../conformance/image.js';
import { readRatchet } from '../conformance/ratchet.js';
import { formatSummary, oneLineReason, writeReport } from '../conformance/report.js';

describe('image ratchet', () => {
  it('has names that are unique, sorted and all under tempest.api.image.v2', () => {
    const names = readRatchet(IMAGE_RATCHET);
    assert.ok(names.length > 0, `${IMAGE_RATCHET} lists tests`);
    assert.deepEqual(names, [...new Set(names)].sort(), 'one name per test, sorted (growRatchet writes it so)');
    for (const n of names) assert.match(n, /^tempest\.api\.image\.v2\./);
  });
});

describe('Tempest image conformance', { skip: imageSuiteUnavailable() }, () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud(); });
  after(async () => {
    if (!cloud) return;
    await cloud.stop();
    fs.rmSync(cloud.dataDir, { recursive: true, force: true });
  });

  it('passes every test in conformance/image.txt', { timeout: 20 * 60_000 }, async (t) => {
    const { run, check, report } = await runImageSuite({
      identityUrl: cloud.identityUrl,
      adminPassword: cloud.adminPassword,
      concurrency: 2,
      log: (line) => t.diagnostic(line),
    });
    writeReport(IMAGE_RESULTS, report);
    for (const line of formatSummary(report).split('\n')) t.diagnostic(line);
    t.diagnostic(`wrote ${path.relative(process.cwd(), IMAGE_RESULTS)}`);

    const ok = run.foreignHosts.length === 0 && check.regressed.length === 0 && check.unknown.length === 0;
    if (ok) run.dispose();
    else t.diagnostic(`Tempest workspace kept at ${run.workspace} (tempest.log, results.subunit)`);
    assert.deepEqual(run.foreignHosts, [], 'Tempest talked only to 127.0.0.1');
    assert.deepEqual(check.unknown, [], 'every ratchet test still exists in Tempest');
    assert.deepEqual(check.regressed.map((r) => `${r.name}: ${oneLineReason(r)}`), [], 'every ratchet test passed');
  });
});
