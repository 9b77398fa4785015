/**
 * Orchestration bench (issue 6, must-show 6): what Heat's REST API costs for two stack shapes.
 *
 * It starts the real all-in-one (`node dist/flotilla.mjs`, as `npm start` runs it, without a compute host
 * or base images: these stacks touch no other service) on free loopback ports and a fresh data dir, then,
 * through the public APIs as a member of a project of its own, `--warmup` (3) times unmeasured and then
 * `--runs` (3) times each:
 *  1. a stack of `--resources` (200) independent OS::Heat::RandomString: create, update changing half of
 *     them (their `length`, which RandomString cannot update in place: half are replaced), delete;
 *  2. a `--depth` (50) deep chain of RandomStrings, each `depends_on` the one before: create, update
 *     changing every other one, delete.
 * Each operation is timed from the request being sent until GET /stacks/{name}/{id} first shows its
 * *_COMPLETE (polled every 5 ms with resolve_outputs=false, so the poll itself costs little); the
 * figure is the median of the runs. It also reads the server's idle RSS (VmRSS 3 s after it became
 * ready, before any stack), split into its own (anonymous) and mapped-file pages.
 *
 * The baseline is the issue's: Debian's Heat (Zed: heat-api, two heat-engine workers, RabbitMQ,
 * PostgreSQL) on this kind of machine, printed beside our figures as "Debian Heat (Zed), from the issue".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, startTestCloud, type TestCloud } from '../test/support/cloud.js';
import { processTree, rssNow, rssSplit } from './lib/memory.js';
import { waitForQuiet } from './lib/cpu.js';
import { positive } from './lib/options.js';

const USAGE = `npm run bench -- --only orchestration [options]
  --resources N   RandomStrings in the wide stack (200)
  --depth N       RandomStrings in the depends_on chain (50)
  --runs N        runs of each shape; the median is reported (3)
  --warmup N      unmeasured runs of each shape first (3)
  --no-write      do not write bench/results/orchestration-*.json`;

interface Options { resources: number; depth: number; runs: number; warmup: number; write: boolean }

type Op = 'create' | 'update' | 'delete';
type Shape = 'wide' | 'chain';

/** Debian's Heat (Zed) on this kind of machine, as issue 6 states them (seconds; MiB idle). */
const BASELINE = {
  name: 'Debian Heat (Zed), from the issue',
  convergence: { wide: { create: 206, update: 204, delete: 200 }, chain: { create: 5 } },
  legacy: { wide: { create: 7 }, chain: { create: 52 } },
  idleMiB: 837,
} as const;

/** The issue's targets through the REST API, in seconds. */
const TARGETS = { wideCreate: 0.5, chainCreate: 0.25 } as const;

function parseOptions(argv: string[]): Options {
  // Not strict: `npm run bench` passes every bench the same arguments.
  const { values } = parseArgs({
    args: argv, strict: false,
    options: { resources: { type: 'string' }, depth: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  return {
    resources: positive('resources', values.resources, 200),
    depth: positive('depth', values.depth, 50),
    runs: positive('runs', values.runs, 3),
    warmup: values.warmup === '0' ? 0 : positive('warmup', values.warmup, 3),
    write: !values['no-write'],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (line: string): void => console.log(line);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The template of a shape; `changed` marks the resources whose length differs from the first version. */
function template(shape: Shape, count: number, changed: (i: number) => boolean): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    resources[`r${i}`] = {
      type: 'OS::Heat::RandomString',
      properties: { length: changed(i) ? 24 : 16 },
      ...(shape === 'chain' && i > 0 ? { depends_on: [`r${i - 1}`] } : {}),
    };
  }
  return { heat_template_version: '2021-04-16', resources };
}

/** A member's session against the orchestration endpoint of the cloud's catalog. */
interface Api {
  base: string;
  headers: Record<string, string>;
}

interface TokenBody { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } }

async function memberSession(cloud: TestCloud): Promise<Api> {
  const id = cloud.identityUrl;
  const login = async (body: unknown): Promise<{ token: string; body: TokenBody }> => {
    const r = await fetch(`${id}/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`login: ${r.status} ${await r.text()}`);
    return { token: r.headers.get('x-subject-token')!, body: await r.json() as TokenBody };
  };
  const password = (user: string, pw: string, project: string): unknown => ({
    auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password: pw } } }, scope: { project: { name: project, domain: { id: 'default' } } } },
  });
  const admin = (await login(password('admin', cloud.adminPassword, 'admin'))).token;
  const h = { 'x-auth-token': admin, 'content-type': 'application/json' };
  const post = async (p: string, body: unknown): Promise<string> => {
    const r = await fetch(`${id}${p}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`POST ${p}: ${r.status} ${await r.text()}`);
    return (Object.values(await r.json() as Record<string, { id: string }>)[0]!).id;
  };
  const project = await post('/projects', { project: { name: 'bench-orchestration', domain_id: 'default' } });
  const user = await post('/users', { user: { name: 'bench-orchestration', password: 'bench-password', domain_id: 'default' } });
  const roles = await (await fetch(`${id}/roles?name=member`, { headers: h })).json() as { roles: Array<{ id: string }> };
  const grant = await fetch(`${id}/projects/${project}/users/${user}/roles/${roles.roles[0]!.id}`, { method: 'PUT', headers: h });
  if (!grant.ok) throw new Error(`grant: ${grant.status}`);
  const member = await login(password('bench-orchestration', 'bench-password', 'bench-orchestration'));
  const catalog = member.body.token.catalog;
  const url = catalog.find((s) => s.type === 'orchestration')?.endpoints.find((e) => e.interface === 'public')?.url;
  if (!url) throw new Error('no orchestration endpoint in the catalog');
  return { base: url.replace(/\/$/, ''), headers: { 'x-auth-token': member.token, 'content-type': 'application/json', accept: 'application/json' } };
}

/** Polls the stack until it shows `want`; throws on *_FAILED. Returns when it was first seen. */
async function until(api: Api, stackPath: string, want: string): Promise<number> {
  for (;;) {
    const r = await fetch(`${api.base}/stacks/${stackPath}?resolve_outputs=false`, { headers: api.headers });
    const text = await r.text();
    if (r.status === 200) {
      const { stack } = JSON.parse(text) as { stack: { stack_status: string; stack_status_reason: string } };
      if (stack.stack_status === want) return performance.now();
      if (stack.stack_status.endsWith('_FAILED')) throw new Error(`stack ${stackPath}: ${stack.stack_status}: ${stack.stack_status_reason}`);
    } else if (r.status !== 404) {
      throw new Error(`GET stack ${stackPath}: ${r.status} ${text.slice(0, 300)}`);
    }
    await sleep(5);
  }
}

/** One create → update → delete of a shape, each timed in seconds. */
async function oneRun(api: Api, shape: Shape, count: number, run: number): Promise<Record<Op, number>> {
  const name = `bench-${shape}-${run < 0 ? `warmup${-run}` : run}`;
  let t0 = performance.now();
  const created = await fetch(`${api.base}/stacks`, {
    method: 'POST', headers: api.headers,
    body: JSON.stringify({ stack_name: name, template: template(shape, count, () => false), disable_rollback: true }),
  });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${await created.text()}`);
  const stackPath = `${name}/${(await created.json() as { stack: { id: string } }).stack.id}`;
  const create = (await until(api, stackPath, 'CREATE_COMPLETE')) - t0;

  t0 = performance.now();
  const updated = await fetch(`${api.base}/stacks/${stackPath}`, {
    method: 'PUT', headers: api.headers, body: JSON.stringify({ template: template(shape, count, (i) => i % 2 === 0), parameters: {} }),
  });
  if (updated.status !== 202) throw new Error(`update ${name}: ${updated.status} ${await updated.text()}`);
  const update = (await until(api, stackPath, 'UPDATE_COMPLETE')) - t0;

  t0 = performance.now();
  const deleted = await fetch(`${api.base}/stacks/${stackPath}`, { method: 'DELETE', headers: api.headers });
  if (deleted.status !== 204) throw new Error(`delete ${name}: ${deleted.status} ${await deleted.text()}`);
  const del = (await until(api, stackPath, 'DELETE_COMPLETE')) - t0;
  return { create: create / 1000, update: update / 1000, delete: del / 1000 };
}

function gitRevision(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const revision = gitRevision();
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const cloud = await startTestCloud({ timeoutMs: 120_000 });
  try {
    const pid = cloud.process.pid!;
    await sleep(3000);
    const split = rssSplit(processTree(pid));
    const idle = { rssMiB: rssNow(processTree(pid)) / 1024, anonMiB: split.anon / 1024, fileMiB: split.file / 1024 };
    const api = await memberSession(cloud);
    const quiet = await waitForQuiet(() => processTree(pid), 30);
    say(`machine: ${os.cpus().length} cores, load average ${load} at start; other work ${quiet.otherCores.toFixed(2)} cores after waiting ${quiet.waitedS} s`);

    const shapes: Array<{ shape: Shape; count: number; label: string }> = [
      { shape: 'wide', count: opts.resources, label: `${opts.resources} RandomStrings` },
      { shape: 'chain', count: opts.depth, label: `${opts.depth}-deep depends_on chain` },
    ];
    const results: Partial<Record<Shape, { runs: Array<Record<Op, number>>; median: Record<Op, number> }>> = {};
    for (const { shape, count, label } of shapes) {
      // Unmeasured runs first: V8 compiles the engine's paths over the first few stacks (a 50-deep chain
      // takes about 0.5 s cold, 0.3 s on the second run and under 0.1 s from the fourth, in-process).
      for (let run = 0; run < opts.warmup; run++) await oneRun(api, shape, count, -1 - run);
      const runs: Array<Record<Op, number>> = [];
      for (let run = 1; run <= opts.runs; run++) runs.push(await oneRun(api, shape, count, run));
      const med = { create: median(runs.map((r) => r.create)), update: median(runs.map((r) => r.update)), delete: median(runs.map((r) => r.delete)) };
      results[shape] = { runs, median: med };
      say(`${label}: ${runs.map((r) => `[${r.create.toFixed(3)} / ${r.update.toFixed(3)} / ${r.delete.toFixed(3)}]`).join(' ')} s (create / update / delete per run)`);
    }
    const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');

    const s = (x: number): string => `${x.toFixed(3)} s`;
    const w = results.wide!.median;
    const c = results.chain!.median;
    say('');
    say(`| through the REST API (median of ${opts.runs}) | create | update (half changed) | delete |`);
    say('|---|---|---|---|');
    say(`| Flotilla: ${opts.resources} RandomStrings | ${s(w.create)} | ${s(w.update)} | ${s(w.delete)} |`);
    say(`| ${BASELINE.name}, convergence engine | ${BASELINE.convergence.wide.create} s | ${BASELINE.convergence.wide.update} s | ${BASELINE.convergence.wide.delete} s |`);
    say(`| ${BASELINE.name}, legacy engine | ${BASELINE.legacy.wide.create} s | | |`);
    say(`| Flotilla: ${opts.depth}-deep chain | ${s(c.create)} | ${s(c.update)} | ${s(c.delete)} |`);
    say(`| ${BASELINE.name}, convergence engine | ${BASELINE.convergence.chain.create} s | | |`);
    say(`| ${BASELINE.name}, legacy engine | ${BASELINE.legacy.chain.create} s | | |`);
    say('');
    say(`idle RSS: Flotilla's all-in-one (every service, not only orchestration) ${idle.rssMiB.toFixed(1)} MiB (own ${idle.anonMiB.toFixed(1)}, mapped files ${idle.fileMiB.toFixed(1)}); ${BASELINE.name}: ${BASELINE.idleMiB} MiB (heat-api, heat-engine, RabbitMQ)`);
    say(`load average ${load} before, ${loadAfter} after: figures from a busy machine overstate the times`);
    const targets = [
      { name: `${opts.resources}-resource create ≤ ${TARGETS.wideCreate} s`, value: w.create, met: w.create <= TARGETS.wideCreate },
      { name: `${opts.depth}-deep chain create ≤ ${TARGETS.chainCreate} s`, value: c.create, met: c.create <= TARGETS.chainCreate },
      { name: `beats the better Heat engine on the wide create (${BASELINE.legacy.wide.create} s)`, value: w.create, met: w.create < BASELINE.legacy.wide.create },
      { name: `beats the better Heat engine on the chain create (${BASELINE.convergence.chain.create} s)`, value: c.create, met: c.create < BASELINE.convergence.chain.create },
    ];
    for (const t of targets) say(`${t.met ? '✔' : '✘'} ${t.name}: ${s(t.value)}`);

    if (opts.write) {
      const report = {
        bench: 'orchestration', date: new Date().toISOString(), revision,
        machine: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), loadAverageBefore: load, loadAverageAfter: loadAfter, otherCoresAtStart: quiet.otherCores },
        options: opts,
        seconds: { wide: results.wide, chain: results.chain },
        idle,
        baseline: BASELINE,
        targets,
      };
      const dir = path.join(REPO_ROOT, 'bench', 'results');
      fs.mkdirSync(dir, { recursive: true });
      const day = report.date.slice(0, 10);
      for (const f of [`orchestration-${day}.json`, 'orchestration-latest.json']) fs.writeFileSync(path.join(dir, f), `${JSON.stringify(report, null, 2)}\n`);
      say(`wrote bench/results/orchestration-${day}.json`);
    }
  } finally {
    await cloud.stop();
    fs.rmSync(cloud.dataDir, { recursive: true, force: true });
  }
}

await main();
