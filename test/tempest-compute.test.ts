/**
 * Tempest conformance for compute: starts the real cloud with its own compute host (agent + private
 * Docker engine) and the busybox image, runs Tempest's Nova tests for servers, flavors, key pairs,
 * limits, quotas, availability zones and server groups (conformance/compute.ts) against it, prints the
 * counts, records them in conformance/results/compute.json and fails if any test of the ratchet
 * (conformance/compute.txt) did not pass.
 */
import { describe, it } from 'node:test';
import { COMPUTE_SUITE } from '../conformance/compute.js';
import { checkRatchetFile, describeTempestRun } from './support/tempest-suite.js';

describe('compute ratchet', () => {
  it('has names that are unique, sorted and all inside the compute selection', () => checkRatchetFile(COMPUTE_SUITE));
});

describeTempestRun(COMPUTE_SUITE, 40 * 60_000);
