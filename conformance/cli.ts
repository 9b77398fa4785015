/**
 * Runs a conformance suite by hand and, with --grow, adds the tests that passed to its ratchet.
 *
 *   npm run build
 *   node dist/conformance/cli.js identity                  # starts a throwaway cloud, runs, reports
 *   node dist/conformance/cli.js identity --grow           # same, then appends passing tests to identity.txt
 *   node dist/conformance/cli.js identity --identity-url http://127.0.0.1:PORT/v3 --admin-password PW
 *   node dist/conformance/cli.js image [--grow]            # the image suite (tempest.api.image.v2)
 *   node dist/conformance/cli.js compute [--grow]          # the compute suite (conformance/compute.ts)
 *   node dist/conformance/cli.js network [--grow]          # the network suite (tempest.api.network)
 *   node dist/conformance/cli.js orchestration [--grow]    # heat_tempest_plugin's API tests (conformance/orchestration.ts)
 *   node dist/conformance/cli.js container-infra [--grow]  # magnum_tempest_plugin's API tests (conformance/container-infra.ts)
 *
 * Writes conformance/results/<suite>.json like the tests do. Exits 1 when a ratchet test did not pass.
 */
import { parseArgs } from 'node:util';
import { COMPUTE_SUITE } from './compute.js';
import { IDENTITY_SUITE } from './identity.js';
import { IMAGE_SUITE } from './image.js';
import { NETWORK_SUITE } from './network.js';
import { ORCHESTRATION_SUITE } from './orchestration.js';
import { CONTAINER_INFRA_SUITE } from './container-infra.js';
import { runSuiteCli, type Suite } from './suite.js';

const SUITES: Readonly<Record<string, Suite>> = {
  identity: IDENTITY_SUITE, image: IMAGE_SUITE, compute: COMPUTE_SUITE, network: NETWORK_SUITE, orchestration: ORCHESTRATION_SUITE,
  'container-infra': CONTAINER_INFRA_SUITE,
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      grow: { type: 'boolean', default: false },
      'identity-url': { type: 'string' },
      'admin-password': { type: 'string' },
      concurrency: { type: 'string' },
      'keep-workspace': { type: 'boolean', default: false },
    },
  });
  const suite = positionals.length === 1 && Object.hasOwn(SUITES, positionals[0]!) ? SUITES[positionals[0]!] : undefined;
  if (!suite) {
    process.stderr.write(`usage: cli.js ${Object.keys(SUITES).join('|')} [--grow] [--identity-url URL --admin-password PW] [--concurrency N] [--keep-workspace]\n`);
    return 2;
  }
  return runSuiteCli(suite, {
    grow: values.grow, identityUrl: values['identity-url'], adminPassword: values['admin-password'],
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}), keepWorkspace: values['keep-workspace'],
  });
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
