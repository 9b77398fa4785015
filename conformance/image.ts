/**
 * The image conformance suite: every Glance v2 API test of Tempest (`tempest.api.image.v2`), checked
 * against the ratchet in conformance/image.txt. The whole selection runs, not only the ratchet, so the
 * counts are honest.
 */
import type { Suite } from './suite.js';
import { tempestUnavailable } from './tempest.js';

export const IMAGE_SUITE: Suite = {
  name: 'image',
  selection: '^tempest\\.api\\.image\\.v2\\.',
  packages: ['tempest'],
  unavailable: tempestUnavailable,
};
