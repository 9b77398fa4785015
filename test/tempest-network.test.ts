/**
 * Tempest conformance for networks: starts the real cloud, runs Tempest's Neutron API tests
 * (tempest.api.network, Debian's package; conformance/network.ts) against it, prints the counts, records
 * them in conformance/results/network.json and fails if any test of the ratchet (conformance/network.txt)
 * did not pass.
 */
import { describe, it } from 'node:test';
import { NETWORK_SUITE } from '../conformance/network.js';
import { checkRatchetFile, describeTempestRun } from './support/tempest-suite.js';

describe('network ratchet', () => {
  it('has names that are unique, sorted and all under tempest.api.network', () => checkRatchetFile(NETWORK_SUITE));
});

describeTempestRun(NETWORK_SUITE, 30 * 60_000);
