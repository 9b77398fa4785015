/**
 * Tempest conformance for container-infra: starts the real cloud, runs magnum_tempest_plugin's API tests
 * (Debian's package; conformance/container-infra.ts) against it, prints the counts, records them in
 * conformance/results/container-infra.json and fails if any test of the ratchet
 * (conformance/container-infra.txt) did not pass.
 */
import { describe, it } from 'node:test';
import { CONTAINER_INFRA_SUITE } from '../conformance/container-infra.js';
import { checkRatchetFile, describeTempestRun } from './support/tempest-suite.js';

describe('container-infra ratchet', () => {
  it('has names that are unique, sorted and all under magnum_tempest_plugin.tests.api', () => checkRatchetFile(CONTAINER_INFRA_SUITE));
});

describeTempestRun(CONTAINER_INFRA_SUITE, 35 * 60_000);
