/**
 * Runs a conformance suite by hand and, with --grow, adds the tests that passed to its ratchet.
 *
 *   npm run build
 *   node dist/conformance/cli.js identity                  # starts a throwaway cloud, runs, reports
 *   node dist/conformance/cli.js identity --grow           # same, then appends passing tests to identity.txt
 *   node dist/conformance/cli.js identity --identity-url http://127.0.0.1:PORT/v3 --admin-password PW
 *   node dist/conformance/cli.js image [--grow]            # the image suite (tempest.api.image.v2)
 *   node dist/conformance/cli.js compute [--grow]          # the compute suite (conformance/compute.ts)
 *
 * Writes conformance/results/identity.json like the test does. Exits 1 when a ratchet test did not pass.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { IDENTITY_CLOUD_ENV, IDENTITY_RATCHET, IDENTITY_RESULTS, identitySuiteUnavailable, runIdentitySuite } from './identity.js';
import { runImageCli } from './image.js';
import { runComputeCli } from './compute.js';
import { growRatchet } from './ratchet.js';
import { formatSummary, writeReport } from './report.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      grow: { type: 'boolean', default: false },
      'identity-url': { type: 'string' },
      'admin-password': { type: 'string' },
      concurrency: { type: 'string', default: '2' },
      'keep-workspace': { type: 'boolean', default: false },
    },
  });
  if ((positionals[0] === 'image' || positionals[0] === 'compute') && positionals.length === 1) {
    return (positionals[0] === 'image' ? runImageCli : runComputeCli)({
      grow: values.grow, identityUrl: values['identity-url'], adminPassword: values['admin-password'],
      concurrency: Number(values.concurrency), keepWorkspace: values['keep-workspace'],
    });
  }
  if (positionals[0] !== 'identity' || positionals.length !== 1) {
    process.stderr.write('usage: cli.js identity|image|compute [--grow] [--identity-url URL --admin-password PW] [--concurrency N] [--keep-workspace]\n');
    return 2;
  }
  const unavailable = identitySuiteUnavailable();
  if (unavailable) {
    process.stderr.write(`cannot run the identity suite: ${unavailable}\n`);
    return 2;
  }
  let cloud: TestCloud | undefined;
  let identityUrl = values['identity-url'];
  let adminPassword = values['admin-password'];
  if (!identityUrl || adminPassword === undefined) {
    cloud = await startTestCloud({ env: { ...IDENTITY_CLOUD_ENV } });
    ({ identityUrl, adminPassword } = cloud);
    process.stdout.write(`started a throwaway cloud at ${identityUrl} (data in ${cloud.dataDir})\n`);
  }
  try {
    const { run, check, report } = await runIdentitySuite({
      identityUrl, adminPassword, concurrency: Number(values.concurrency),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    writeReport(IDENTITY_RESULTS, report);
    process.stdout.write(`${formatSummary(report)}\nwrote ${IDENTITY_RESULTS}\n`);
    if (values['keep-workspace']) process.stdout.write(`workspace kept at ${run.workspace}\n`);
    else run.dispose();
    if (run.foreignHosts.length > 0) {
      process.stderr.write(`Tempest called hosts other than 127.0.0.1: ${run.foreignHosts.join(', ')}\n`);
      return 1;
    }
    if (values.grow) {
      const added = growRatchet(IDENTITY_RATCHET, check.newlyPassing);
      process.stdout.write(`added ${added} tests to ${IDENTITY_RATCHET}\n`);
    }
    return check.regressed.length === 0 && check.unknown.length === 0 ? 0 : 1;
  } finally {
    if (cloud) {
      await cloud.stop();
      fs.rmSync(cloud.dataDir, { recursive: true, force: true });
    }
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
