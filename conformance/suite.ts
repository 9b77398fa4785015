/**
 * One conformance suite, whichever API it measures: a Tempest selection run whole against a cloud, its
 * outcomes checked against the suite's ratchet and recorded in its results file. identity.ts, image.ts
 * and compute.ts each describe a Suite; running it, by hand (cli.ts) or in `npm test`, is the same code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { cleanupHost, hostLayout } from '../test/support/compute.js';
import { checkRatchet, growRatchet, readRatchet, type RatchetCheck } from './ratchet.js';
import { buildReport, formatSummary, writeReport, type SuiteReport } from './report.js';
import { packageVersions, runTempest, type TempestRun, type TempestRunOptions } from './tempest.js';

/** The source conformance/ folder, found from here whether this runs from source or from dist/. */
export const CONFORMANCE_DIR = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'conformance');
})();

export interface Suite {
  /** Names the ratchet (conformance/<name>.txt) and the results (conformance/results/<name>.json). */
  readonly name: string;
  /** stestr regex: the whole selection runs, not only the ratchet, so the counts are honest. */
  readonly selection: string;
  /** Debian packages whose versions the results record. */
  readonly packages: readonly string[];
  /** Why the suite cannot run here, or undefined. */
  unavailable(): string | undefined;
  /** Settings of the throwaway cloud it runs against, and how long that cloud may take to be ready. */
  readonly cloudEnv?: Readonly<Record<string, string>>;
  readonly cloudTimeoutMs?: number;
  /**
   * Tempest workers when neither the caller nor the CLI says (2 otherwise). A suite whose tests mostly
   * wait rather than work can run more at once without loading the machine.
   */
  readonly concurrency?: number;
  /** How long the whole Tempest run may take (runTempest's default otherwise). */
  readonly timeoutMs?: number;
  /** What tempest.conf needs beyond the identity URL and admin password, read from the running cloud. */
  target?(identityUrl: string, adminPassword: string): Promise<Pick<TempestRunOptions, 'securityCompliance' | 'compute' | 'network' | 'orchestration' | 'containerInfra'>>;
}

export const ratchetFile = (suite: Suite): string => path.join(CONFORMANCE_DIR, `${suite.name}.txt`);
export const resultsFile = (suite: Suite): string => path.join(CONFORMANCE_DIR, 'results', `${suite.name}.json`);

export interface SuiteResult {
  run: TempestRun;
  check: RatchetCheck;
  report: SuiteReport;
}

/** Runs the suite's whole selection against a running Flotilla and checks it against the ratchet. */
export async function runSuite(suite: Suite, opts: {
  identityUrl: string;
  adminPassword: string;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<SuiteResult> {
  const target = suite.target ? await suite.target(opts.identityUrl, opts.adminPassword) : {};
  const run = await runTempest({
    ...opts, ...target, regex: suite.selection,
    concurrency: opts.concurrency ?? suite.concurrency ?? 2,
    ...(suite.timeoutMs !== undefined ? { timeoutMs: suite.timeoutMs } : {}),
  });
  const ratchet = readRatchet(ratchetFile(suite));
  const check = checkRatchet(ratchet, run.tests);
  const report = buildReport({
    suite: suite.name,
    selection: suite.selection,
    run,
    packages: packageVersions(suite.packages),
    ratchetFile: `conformance/${suite.name}.txt`,
    ratchetSize: ratchet.length,
    check,
  });
  return { run, check, report };
}

/** Starts the throwaway cloud the suite runs against. */
export function startSuiteCloud(suite: Suite): Promise<TestCloud> {
  return startTestCloud({
    env: { ...suite.cloudEnv },
    ...(suite.cloudTimeoutMs !== undefined ? { timeoutMs: suite.cloudTimeoutMs } : {}),
  });
}

/**
 * Stops the cloud and removes its data, and destroys what its compute hosts left in the kernel (their
 * engines' mounts, network namespaces, their place on the machine's underlay): a stopped agent keeps
 * those for its next start, and this cloud has none.
 */
export async function stopSuiteCloud(cloud: TestCloud): Promise<void> {
  await cloud.stop();
  const hostsDir = path.join(cloud.dataDir, 'hosts');
  const hosts = fs.existsSync(hostsDir) ? fs.readdirSync(hostsDir) : [];
  for (const host of hosts) await cleanupHost(hostLayout(cloud.dataDir, host));
  fs.rmSync(cloud.dataDir, { recursive: true, force: true });
}

/**
 * `node dist/conformance/cli.js <suite> [--grow]`: runs the suite against a throwaway cloud (or the one
 * given, which must be set up as the suite's cloud is), writes its results file, and with --grow adds the
 * passing tests to the ratchet. Returns the exit code: 2 when it cannot run here, 1 when a ratchet test
 * did not pass or Tempest called a host other than 127.0.0.1.
 */
export async function runSuiteCli(suite: Suite, opts: {
  grow: boolean;
  identityUrl?: string | undefined;
  adminPassword?: string | undefined;
  concurrency?: number;
  keepWorkspace: boolean;
}): Promise<number> {
  const unavailable = suite.unavailable();
  if (unavailable) {
    process.stderr.write(`cannot run the ${suite.name} suite: ${unavailable}\n`);
    return 2;
  }
  let cloud: TestCloud | undefined;
  let { identityUrl, adminPassword } = opts;
  if (!identityUrl || adminPassword === undefined) {
    cloud = await startSuiteCloud(suite);
    ({ identityUrl, adminPassword } = cloud);
    process.stdout.write(`started a throwaway cloud at ${identityUrl} (data in ${cloud.dataDir})\n`);
  }
  try {
    const { run, check, report } = await runSuite(suite, {
      identityUrl, adminPassword, ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    writeReport(resultsFile(suite), report);
    process.stdout.write(`${formatSummary(report)}\nwrote ${resultsFile(suite)}\n`);
    if (opts.keepWorkspace) process.stdout.write(`workspace kept at ${run.workspace}\n`);
    else run.dispose();
    if (run.foreignHosts.length > 0) {
      process.stderr.write(`Tempest called hosts other than 127.0.0.1: ${run.foreignHosts.join(', ')}\n`);
      return 1;
    }
    if (opts.grow) process.stdout.write(`added ${growRatchet(ratchetFile(suite), check.newlyPassing)} tests to ${ratchetFile(suite)}\n`);
    return check.regressed.length === 0 && check.unknown.length === 0 ? 0 : 1;
  } finally {
    if (cloud) await stopSuiteCloud(cloud);
  }
}
