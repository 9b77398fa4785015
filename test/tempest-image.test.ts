/**
 * Tempest conformance for images: starts the real cloud, runs every Glance v2 API test of Tempest
 * (tempest.api.image.v2, Debian's package) against it, prints the counts, records them in
 * conformance/results/image.json and fails if any test of the ratchet (conformance/image.txt) did not
 * pass.
 */
import { describe, it } from 'node:test';
import { IMAGE_SUITE } from '../conformance/image.js';
import { checkRatchetFile, describeTempestRun } from './support/tempest-suite.js';

describe('image ratchet', () => {
  it('has names that are unique, sorted and all under tempest.api.image.v2', () => checkRatchetFile(IMAGE_SUITE));
});

describeTempestRun(IMAGE_SUITE, 20 * 60_000);
