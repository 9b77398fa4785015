/**
 * Tempest conformance for orchestration: starts the real cloud, runs heat_tempest_plugin's API tests
 * (Debian's package; conformance/orchestration.ts) against it, prints the counts, records them in
 * conformance/results/orchestration.json and fails if any test of the ratchet
 * (conformance/orchestration.txt) did not pass.
 */
import { describe, it } from 'node:test';
import { ORCHESTRATION_SUITE } from '../conformance/orchestration.js';
import { checkRatchetFile, describeTempestRun } from './support/tempest-suite.js';

describe('orchestration ratchet', () => {
  it('has names that are unique, sorted and all under heat_tempest_plugin.tests.api', () => checkRatchetFile(ORCHESTRATION_SUITE));
});

describeTempestRun(ORCHESTRATION_SUITE, 15 * 60_000);
