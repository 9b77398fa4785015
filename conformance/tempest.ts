/**
 * Runs Debian's Tempest against a running Flotilla and reports one outcome per test.
 *
 * Each run gets a throwaway workspace (`tempest init` in a temp dir, registered in a workspace file of
 * its own so ~/.tempest is never touched), a tempest.conf from tempest-conf.ts, and the subunit v2
 * stream of `tempest run --subunit`. Tests that never produced a result of their own (their class's
 * setUpClass skipped or failed) inherit the outcome of that fixture, so the counts cover every test
 * Tempest lists, not only those that started.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTests, type SubunitTest } from './subunit.js';
import { renderTempestConf, type TempestTarget } from './tempest-conf.js';

const TEMPEST = '/usr/bin/tempest';

export type Outcome = 'pass' | 'fail' | 'skip';

/** One test's result. `detail` is the skip reason or the failure's traceback. */
export interface TestOutcome {
  /** Tempest's id without the `[id-…,tags]` suffix, e.g. `tempest.api.identity.v3.test_tokens.TokensV3Test.test_validate_token`. */
  name: string;
  /** The full id as Tempest lists it, suffix included. */
  id: string;
  status: Outcome;
  detail?: string;
  /** The class or module fixture (`setUpClass (…)`) whose skip or failure decided this test's outcome. */
  fixture?: string;
  /** For a failure: the last request that got a 4xx/5xx, e.g. `404 POST http://127.0.0.1:5000/v3/OS-OAUTH1/consumers`. */
  failedRequest?: string;
}

export interface TempestRun {
  /** The workspace directory: tempest.conf under etc/, tempest.log, the raw subunit stream. */
  readonly workspace: string;
  /** Every test Tempest listed for the selection, in listing order. */
  readonly tests: readonly TestOutcome[];
  /** Class or module fixtures (tearDownClass, …) that failed outside any single test. */
  readonly fixtureFailures: readonly TestOutcome[];
  /** Hosts other than 127.0.0.1 that Tempest's request log shows it called; must be empty. */
  readonly foreignHosts: readonly string[];
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** Deletes the workspace. */
  dispose(): void;
}

export interface TempestRunOptions {
  identityUrl: string;
  adminPassword: string;
  /** The cloud's [security_compliance] settings, if it runs with them on (see tempest-conf.ts). */
  securityCompliance?: TempestTarget['securityCompliance'];
  /** The compute service's boot images and flavors, when the cloud runs a compute host (see tempest-conf.ts). */
  compute?: TempestTarget['compute'];
  /** The network service's extensions and external network, when the suite tests Neutron. */
  network?: TempestTarget['network'];
  /** The account heat_tempest_plugin's API tests act as, when the suite tests orchestration. */
  orchestration?: TempestTarget['orchestration'];
  /** What magnum_tempest_plugin's templates are made of, when the suite tests container-infra. */
  containerInfra?: TempestTarget['containerInfra'];
  /** stestr selection regex. */
  regex: string;
  /** Worker processes; 2 suits the project's 2-core machines. */
  concurrency?: number;
  /** Whole run, listing included; the process group is killed past it. */
  timeoutMs?: number;
  /** Progress lines for a human. */
  log?: (line: string) => void;
}

/** Installed versions of Debian packages (tempest, its plugins), for the record of a run. */
export function packageVersions(packages: readonly string[]): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const p of packages) {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', p], { encoding: 'utf8' });
    versions[p] = r.status === 0 && r.stdout ? r.stdout : 'not installed';
  }
  return versions;
}

/** Why Tempest cannot run here, or undefined. */
export function tempestUnavailable(): string | undefined {
  return fs.existsSync(TEMPEST) ? undefined : `${TEMPEST} not found (apt-get install tempest)`;
}

/** Drops the `[id-…,tags]` suffix Tempest appends to test ids. */
export function testName(id: string): string {
  const bracket = id.indexOf('[');
  return bracket === -1 ? id : id.slice(0, bracket);
}

/**
 * Tempest's environment: Debian's Python only (the python3 first on PATH may be another one, and
 * stestr honours $PYTHON), and no proxy, so every request goes straight to 127.0.0.1.
 */
function tempestEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` };
  for (const key of ['PYTHON', 'PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'TEMPEST_CONFIG', 'TEMPEST_CONFIG_DIR',
    'http_proxy', 'https_proxy', 'all_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) delete env[key];
  env.no_proxy = env.NO_PROXY = '127.0.0.1,localhost';
  return env;
}

interface Exit { code: number | null; stdout: Buffer; stderr: string; }

/** Runs a command in its own process group so a timeout can stop stestr's workers too. */
function run(args: string[], cwd: string, deadline: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(TEMPEST, args, { cwd, env: tempestEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
      reject(new Error(`tempest ${args.join(' ')} did not finish in time:\n${stderr.slice(-4000)}`));
    }, Math.max(0, deadline - Date.now()));
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout: Buffer.concat(out), stderr }); });
  });
}

/** `setUpClass (pkg.module.Class)` and friends: unittest's names for class and module fixtures. */
const FIXTURE = /^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.+)\)$/;

function outcomeOf(test: SubunitTest): TestOutcome {
  const status: Outcome =
    test.status === 'success' || test.status === 'xfail' ? 'pass'
    : test.status === 'skip' ? 'skip'
    : 'fail';
  const detail = status === 'skip' ? test.attachments.get('reason')
    : status === 'fail' ? test.attachments.get('traceback')
      ?? (test.status === 'uxsuccess' ? 'unexpected success' : `no final result (last status: ${test.status})`)
    : undefined;
  const failedRequest = status === 'fail' ? lastFailedRequest(test) : undefined;
  return { id: test.id, name: testName(test.id), status, ...(detail ? { detail: detail.trim() } : {}), ...(failedRequest ? { failedRequest } : {}) };
}

/** The function a Python traceback starts in: the test method, or `tearDown`, `setUpClass`, … */
export function outermostFrame(traceback: string): string | undefined {
  return /^ {2}File .*, in (\w+)$/m.exec(traceback)?.[1];
}

/**
 * The request behind a test's REST error, from its captured log (`Request (Class:method): 404 GET url`).
 * Preferred: one logged by the function the traceback starts in with the status the error carries
 * (`Details: {'code': 404, …}`); then any with that status; then the last 4xx/5xx.
 */
function lastFailedRequest(test: SubunitTest): string | undefined {
  const traceback = test.attachments.get('traceback') ?? '';
  // Only Tempest's REST errors come from a response; an assertion about a 200 has no failed request.
  if (!traceback.includes('tempest.lib.exceptions.')) return undefined;
  const code = /'code': (\d{3})/.exec(traceback)?.[1];
  const caller = outermostFrame(traceback);
  let any: string | undefined;
  let withCode: string | undefined;
  let fromCaller: string | undefined;
  for (const [name, text] of test.attachments) {
    if (!name.startsWith('pythonlogging')) continue;
    for (const m of text.matchAll(/Request \(\w+:(\w+)\): ([45]\d\d) ([A-Z]+ \S+)/g)) {
      const request = `${m[2]} ${m[3]}`;
      any = request;
      if (m[2] !== code) continue;
      withCode = request;
      if (m[1] === caller) fromCaller = request;
    }
  }
  return fromCaller ?? withCode ?? any;
}

/**
 * Joins Tempest's listing with its results. A listed test with no result of its own takes the
 * result of the setUpClass/setUpModule that kept it from running; one with neither failed to run.
 */
export function combineResults(listed: readonly string[], results: readonly SubunitTest[]): { tests: TestOutcome[]; fixtureFailures: TestOutcome[] } {
  const byId = new Map<string, TestOutcome>();
  const setups: Array<{ scope: string; outcome: TestOutcome }> = [];
  const fixtureFailures: TestOutcome[] = [];
  for (const result of results) {
    // stestr announces every test it will hand a worker as `exists`; only later packets are results.
    if (result.status === 'exists') continue;
    const outcome = outcomeOf(result);
    const fixture = FIXTURE.exec(result.id);
    if (!fixture) byId.set(result.id, outcome);
    else if (fixture[1]!.startsWith('setUp')) setups.push({ scope: fixture[2]!, outcome });
    else if (outcome.status === 'fail') fixtureFailures.push(outcome);
  }
  const tests = listed.map((id): TestOutcome => {
    const own = byId.get(id);
    if (own) return own;
    const setup = setups.find((s) => id.startsWith(`${s.scope}.`));
    if (setup) {
      const { id: fixture, status, detail, failedRequest } = setup.outcome;
      return { id, name: testName(id), status: status === 'skip' ? 'skip' : 'fail', fixture, ...(detail ? { detail } : {}), ...(failedRequest ? { failedRequest } : {}) };
    }
    return { id, name: testName(id), status: 'fail', detail: 'listed by Tempest but no result was reported (worker crashed or run timed out?)' };
  });
  // Results Tempest did not list (it should not happen) still count, so nothing hides.
  const listedIds = new Set(listed);
  for (const [id, outcome] of byId) if (!listedIds.has(id)) tests.push(outcome);
  return { tests, fixtureFailures };
}

/**
 * Hosts named in Tempest's request log lines (`Request (Test:test_x): 200 GET http://host:port/...`) and
 * in urllib3's connection lines (`Starting new HTTP connection (1): host:port`), which are all that
 * plugins driving HTTP themselves (heat's gabbi tests) leave when urllib3 logs at DEBUG.
 */
export function requestHosts(log: string): Set<string> {
  const hosts = new Set<string>();
  for (const m of log.matchAll(/Request \([^)]*\): \d+ [A-Z]+ (\w+:\/\/[^\s]+)/g)) hosts.add(new URL(m[1]!).hostname);
  for (const m of log.matchAll(/Starting new HTTPS? connection \(\d+\): (\[[^\]]+\]|[^\s:]+)/g)) hosts.add(m[1]!);
  return hosts;
}

/** Creates a workspace, runs the selection and returns every listed test's outcome. */
export async function runTempest(opts: TempestRunOptions): Promise<TempestRun> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 30 * 60_000);
  const log = opts.log ?? (() => {});
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-tempest-'));
  const workspace = path.join(root, 'workspace');
  const dispose = (): void => fs.rmSync(root, { recursive: true, force: true });
  try {
    const init = await run(['init', '--workspace-path', path.join(root, 'workspaces.yaml'), workspace], root, deadline);
    if (init.code !== 0) throw new Error(`tempest init failed (${init.code}):\n${init.stderr}`);
    const conf = path.join(workspace, 'etc', 'tempest.conf');
    fs.writeFileSync(conf, renderTempestConf({
      identityUrl: opts.identityUrl, adminPassword: opts.adminPassword, workspace,
      ...(opts.securityCompliance ? { securityCompliance: opts.securityCompliance } : {}),
      ...(opts.compute ? { compute: opts.compute } : {}),
      ...(opts.network ? { network: opts.network } : {}),
      ...(opts.orchestration ? { orchestration: opts.orchestration } : {}),
      ...(opts.containerInfra ? { containerInfra: opts.containerInfra } : {}),
    }), { mode: 0o600 });
    // The logging.conf `tempest init` copies makes every worker truncate one tempest.log; without it,
    // oslo.log appends to [DEFAULT] log_dir/log_file and the request log stays whole.
    fs.rmSync(path.join(workspace, 'etc', 'logging.conf'), { force: true });

    const listing = await run(['run', '--config-file', conf, '--list-tests', '--regex', opts.regex], workspace, deadline);
    const listed = listing.stdout.toString().split('\n').map((l) => l.trim()).filter((l) => /^[A-Za-z_][\w.]*\.\w+(\[[^\]]*\])?$/.test(l));
    if (listing.code !== 0 || listed.length === 0) throw new Error(`tempest listed no tests for ${opts.regex} (${listing.code}):\n${listing.stderr.slice(-4000)}`);
    log(`tempest: ${listed.length} tests selected, running with concurrency ${opts.concurrency ?? 2}`);

    const result = await run(['run', '--config-file', conf, '--subunit', '--concurrency', String(opts.concurrency ?? 2), '--regex', opts.regex], workspace, deadline);
    fs.writeFileSync(path.join(workspace, 'results.subunit'), result.stdout);
    fs.writeFileSync(path.join(workspace, 'run.stderr'), result.stderr);
    const results = readTests(result.stdout);
    if (results.length === 0) throw new Error(`tempest run produced no results (${result.code}):\n${result.stderr.slice(-4000)}`);
    const { tests, fixtureFailures } = combineResults(listed, results);

    const logFile = path.join(workspace, 'logs', 'tempest.log');
    const hosts = requestHosts(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
    if (hosts.size === 0) throw new Error(`no requests found in ${logFile}; cannot confirm Tempest stayed on 127.0.0.1`);
    const foreignHosts = [...hosts].filter((h) => h !== '127.0.0.1');
    return { workspace, tests, fixtureFailures, foreignHosts, exitCode: result.code, durationMs: Date.now() - started, dispose };
  } catch (err) {
    log(`tempest: workspace kept for inspection at ${workspace}`);
    throw err;
  }
}
