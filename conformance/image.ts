/**
 * The image conformance suite: every Glance v2 API test of Tempest (`tempest.api.image.v2`), checked
 * against the ratchet in conformance/image.txt. The whole selection runs, not only the ratchet, so the
 * counts are honest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { CONFORMANCE_DIR } from './identity.js';
import { checkRatchet, growRatchet, readRatchet, type RatchetCheck } from './ratchet.js';
import { buildReport, formatSummary, writeReport, type SuiteReport } from './report.js';
import { packageVersions, runTempest, tempestUnavailable, type TempestRun } from './tempest.js';

export const IMAGE_SELECTION = '^tempest\\.api\\.image\\.v2\\.';
export const IMAGE_RATCHET = path.join(CONFORMANCE_DIR, 'image.txt');
export const IMAGE_RESULTS = path.join(CONFORMANCE_DIR, 'results', 'image.json');
const PACKAGES = ['tempest'] as const;

/** Why the image suite cannot run here, or undefined. */
export function imageSuiteUnavailable(): string | undefined {
  return tempestUnavailable();
}

export interface ImageSuiteResult {
  run: TempestRun;
  check: RatchetCheck;
  report: SuiteReport;
}

/** Runs the whole image selection against a running Flotilla and checks it against the ratchet. */
export async function runImageSuite(opts: {
  identityUrl: string;
  adminPassword: string;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<ImageSuiteResult> {
  const run = await runTempest({ ...opts, regex: IMAGE_SELECTION });
  const ratchet = readRatchet(IMAGE_RATCHET);
  const check = checkRatchet(ratchet, run.tests);
  const report = buildReport({
    suite: 'image',
    selection: IMAGE_SELECTION,
    run,
    packages: packageVersions(PACKAGES),
    ratchetFile: 'conformance/image.txt',
    ratchetSize: ratchet.length,
    check,
  });
  return { run, check, report };
}

/**
 * `node dist/conformance/cli.js image [--grow]`: runs the suite against a throwaway cloud (or the one
 * given), writes conformance/results/image.json, and with --grow adds the passing tests to the ratchet.
 * Returns the exit code: 1 when a ratchet test did not pass.
 */
export async function runImageCli(opts: {
  grow: boolean;
  identityUrl?: string | undefined;
  adminPassword?: string | undefined;
  concurrency: number;
  keepWorkspace: boolean;
}): Promise<number> {
  const unavailable = imageSuiteUnavailable();
  if (unavailable) {
    process.stderr.write(`cannot run the image suite: ${unavailable}\n`);
    return 2;
  }
  let cloud: TestCloud | undefined;
  let { identityUrl, adminPassword } = opts;
  if (!identityUrl || adminPassword === undefined) {
    cloud = await startTestCloud();
    ({ identityUrl, adminPassword } = cloud);
    process.stdout.write(`started a throwaway cloud at ${identityUrl} (data in ${cloud.dataDir})\n`);
  }
  try {
    const { run, check, report } = await runImageSuite({
      identityUrl, adminPassword, concurrency: opts.concurrency,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    writeReport(IMAGE_RESULTS, report);
    process.stdout.write(`${formatSummary(report)}\nwrote ${IMAGE_RESULTS}\n`);
    if (opts.keepWorkspace) process.stdout.write(`workspace kept at ${run.workspace}\n`);
    else run.dispose();
    if (run.foreignHosts.length > 0) {
      process.stderr.write(`Tempest called hosts other than 127.0.0.1: ${run.foreignHosts.join(', ')}\n`);
      return 1;
    }
    if (opts.grow) process.stdout.write(`added ${growRatchet(IMAGE_RATCHET, check.newlyPassing)} tests to ${IMAGE_RATCHET}\n`);
    return check.regressed.length === 0 && check.unknown.length === 0 ? 0 : 1;
  } finally {
    if (cloud) {
      await cloud.stop();
      fs.rmSync(cloud.dataDir, { recursive: true, force: true });
    }
  }
}
