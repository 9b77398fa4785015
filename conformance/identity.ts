/**
 * The identity conformance suite: every Keystone v3 API test of Tempest (`tempest.api.identity`) and
 * of keystone_tempest_plugin (`keystone_tempest_plugin.tests.api`), checked against the ratchet in
 * conformance/identity.txt. The whole selection runs, not only the ratchet, so the counts are honest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRatchet, readRatchet, type RatchetCheck } from './ratchet.js';
import { buildReport, type SuiteReport } from './report.js';
import { packageVersions, runTempest, tempestUnavailable, type TempestRun } from './tempest.js';

/** The source conformance/ folder, found from here whether this runs from source or from dist/. */
export const CONFORMANCE_DIR = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'conformance');
})();

export const IDENTITY_SELECTION = '^(tempest\\.api\\.identity|keystone_tempest_plugin\\.tests\\.api)\\.';
export const IDENTITY_RATCHET = path.join(CONFORMANCE_DIR, 'identity.txt');
export const IDENTITY_RESULTS = path.join(CONFORMANCE_DIR, 'results', 'identity.json');
const PACKAGES = ['tempest', 'keystone-tempest-plugin'] as const;
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

/** Why the identity suite cannot run here, or undefined. */
export function identitySuiteUnavailable(): string | undefined {
  return tempestUnavailable()
    ?? (fs.existsSync(PLUGIN_DIR) ? undefined : `${PLUGIN_DIR} not found (apt-get install keystone-tempest-plugin)`);
}

export interface IdentitySuiteResult {
  run: TempestRun;
  check: RatchetCheck;
  report: SuiteReport;
}

/** Runs the whole identity selection against a running Flotilla and checks it against the ratchet. */
export async function runIdentitySuite(opts: {
  identityUrl: string;
  adminPassword: string;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<IdentitySuiteResult> {
  const run = await runTempest({ ...opts, regex: IDENTITY_SELECTION, securityCompliance: IDENTITY_SECURITY_COMPLIANCE });
  const ratchet = readRatchet(IDENTITY_RATCHET);
  const check = checkRatchet(ratchet, run.tests);
  const report = buildReport({
    suite: 'identity',
    selection: IDENTITY_SELECTION,
    run,
    packages: packageVersions(PACKAGES),
    ratchetFile: 'conformance/identity.txt',
    ratchetSize: ratchet.length,
    check,
  });
  return { run, check, report };
}
