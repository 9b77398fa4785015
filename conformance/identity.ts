/**
 * The identity conformance suite: every Keystone v3 API test of Tempest (`tempest.api.identity`) and
 * of keystone_tempest_plugin (`keystone_tempest_plugin.tests.api`), checked against the ratchet in
 * conformance/identity.txt. The whole selection runs, not only the ratchet, so the counts are honest.
 */
import fs from 'node:fs';
import type { Suite } from './suite.js';
import { tempestUnavailable } from './tempest.js';

const PLUGIN_DIR = '/usr/lib/python3/dist-packages/keystone_tempest_plugin';

/**
 * Lockout and password history are off by default (as in Keystone); the conformance cloud turns them on
 * so that Tempest's security-compliance tests run against them. A short lockout keeps the locked test
 * user from slowing anything else.
 */
export const IDENTITY_SECURITY_COMPLIANCE = { lockoutFailureAttempts: 2, lockoutDuration: 10, uniqueLastPasswordCount: 2 } as const;

/** Environment for the cloud the identity suite runs against. */
export const IDENTITY_CLOUD_ENV: Readonly<Record<string, string>> = {
  FLOTILLA_LOCKOUT_FAILURE_ATTEMPTS: String(IDENTITY_SECURITY_COMPLIANCE.lockoutFailureAttempts),
  FLOTILLA_LOCKOUT_DURATION: String(IDENTITY_SECURITY_COMPLIANCE.lockoutDuration),
  FLOTILLA_UNIQUE_LAST_PASSWORD_COUNT: String(IDENTITY_SECURITY_COMPLIANCE.uniqueLastPasswordCount),
};

export const IDENTITY_SUITE: Suite = {
  name: 'identity',
  selection: '^(tempest\\.api\\.identity|keystone_tempest_plugin\\.tests\\.api)\\.',
  packages: ['tempest', 'keystone-tempest-plugin'],
  unavailable: () => tempestUnavailable()
    ?? (fs.existsSync(PLUGIN_DIR) ? undefined : `${PLUGIN_DIR} not found (apt-get install keystone-tempest-plugin)`),
  cloudEnv: IDENTITY_CLOUD_ENV,
  target: async () => ({ securityCompliance: IDENTITY_SECURITY_COMPLIANCE }),
};
