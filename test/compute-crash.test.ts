/**
 * Crash safety of compute with its host (issue 4, item 5), with SIGKILL against the real all-in-one process,
 * whose in-process agent dies with it while the agent's engine (its own process group) survives: ten
 * concurrent creates, then deletes of some ACTIVE and some still-BUILD servers, and a SIGKILL at a chosen
 * moment; restarted on the same data dir, every server ends ACTIVE, or ERROR with a fault; every
 * acknowledged delete finishes (404); nothing stays in a task_state; `docker ps -a` on the engine lists
 * exactly the servers compute lists; no network namespace of this data dir is left that no server needs.
 * On SQLite, and on PostgreSQL (a database per run) when FLOTILLA_TEST_DATABASE_URL is set.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../src/agent/netns.js';
import { containerName } from '../src/agent/layout.js';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { cleanupHost, computeUnavailable, engineContainers, hostLayout, hostNamespaces } from './support/compute.js';
import { createScratchDatabase, postgresSkipReason, type ScratchDatabase } from './support/pg-database.js';

const HOST = 'h1';
const why = computeUnavailable();
if (why) console.log(`# compute crash test skipped: ${why}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A JSON request; undefined when the server gave no answer (it is dead). */
async function call(url: string, method: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any; headers: Headers } | undefined> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(token ? { 'x-auth-token': token } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    return { status: res.status, body: parsed, headers: res.headers };
  } catch {
    return undefined;
  }
}

/** The admin's project token and the compute endpoint of a running cloud. */
async function session(cloud: TestCloud): Promise<{ token: string; compute: string; image: string }> {
  const res = await call(`${cloud.identityUrl}/auth/tokens`, 'POST', undefined, {
    auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: cloud.adminPassword } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } },
  });
  assert.equal(res?.status, 201, `admin login: ${JSON.stringify(res?.body)}`);
  return {
    token: res.headers.get('x-subject-token')!,
    compute: `http://127.0.0.1:${cloud.flotillaEnv.FLOTILLA_COMPUTE_PORT}/v2.1`,
    image: `http://127.0.0.1:${cloud.flotillaEnv.FLOTILLA_IMAGE_PORT}`,
  };
}

type Server = { id: string; name: string; status: string; 'OS-EXT-STS:task_state': string | null; fault?: { message: string } };

async function listServers(s: { token: string; compute: string }): Promise<Server[] | undefined> {
  const res = await call(`${s.compute}/servers/detail`, 'GET', s.token);
  return res?.status === 200 ? res.body.servers as Server[] : undefined;
}

/** When, in a round, the cloud is killed: at a point of the burst, `ms` after it. */
interface Moment {
  at: 'creates in flight' | 'builds running' | 'deletes acknowledged' | 'deletes running';
  ms: number;
  /** Kill the restarted cloud too, as soon as it is ready (its agent in the middle of converging). */
  twice?: boolean;
}

/** What one round sent and what the cloud acknowledged before it died. */
interface Round {
  moment: Moment['at'];
  creates: Array<{ name: string; id?: string }>;
  deletes: Array<{ id: string; was: string; acked: boolean }>;
  atKill: Record<string, number>;
}

const ENGINES: Array<{ engine: 'sqlite' | 'postgres'; skip?: string }> = [
  { engine: 'sqlite' },
  { engine: 'postgres', ...(postgresSkipReason() ? { skip: postgresSkipReason()! } : {}) },
];

for (const { engine, skip } of ENGINES) {
  describe(`compute crash safety with a real engine (${engine})`, { skip: why ?? skip, concurrency: false }, () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compute-crash-'));
    const layout = hostLayout(dataDir, HOST);
    let database: ScratchDatabase | undefined;
    let cloud: TestCloud | undefined;

    const start = async (): Promise<TestCloud> => {
      if (engine === 'postgres' && !database) database = await createScratchDatabase(process.env.FLOTILLA_TEST_DATABASE_URL!, 'compute_crash');
      cloud = await startTestCloud({
        dataDir, ...(database ? { databaseUrl: database.url } : {}), timeoutMs: 180_000,
        env: { FLOTILLA_COMPUTE_HOST: HOST, FLOTILLA_BASE_IMAGES: 'busybox' },
      });
      return cloud;
    };

    after(async () => {
      await cloud?.stop();
      await cleanupHost(layout);
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('SIGKILL amid concurrent creates and deletes, restart: servers, engine and namespaces converge', { timeout: 1_800_000 }, async () => {
      await start();
      let s = await session(cloud!);
      const images = await call(`${s.image}/v2/images?name=busybox`, 'GET', s.token);
      const imageRef = images?.body?.images?.[0]?.id as string;
      assert.ok(imageRef, 'busybox is registered');
      const flavors = await call(`${s.compute}/flavors`, 'GET', s.token);
      const flavorRef = (flavors?.body?.flavors as Array<{ id: string; name: string }>).find((f) => f.name === 'm1.tiny')!.id;

      const rows: string[] = [];
      const problems: string[] = [];
      const moments: Moment[] = [
        { at: 'creates in flight', ms: 0 },
        { at: 'builds running', ms: 100 },
        { at: 'builds running', ms: 400 },
        { at: 'builds running', ms: 1200 },
        { at: 'deletes acknowledged', ms: 0 },
        { at: 'deletes running', ms: 0 },
        { at: 'deletes acknowledged', ms: 200, twice: true },
      ];
      for (const [i, { at: moment, ms, twice }] of moments.entries()) {
        const round: Round = { moment, creates: [], deletes: [], atKill: {} };
        const enginePid = Number(fs.readFileSync(layout.engine.pidFile, 'utf8'));
        const victim = cloud!;
        let killed = false;
        const kill = async (): Promise<void> => {
          if (killed) return;
          killed = true;
          // What the servers looked like just before.
          for (const x of (await listServers(s)) ?? []) round.atKill[x.status] = (round.atKill[x.status] ?? 0) + 1;
          await victim.stop('SIGKILL');
        };

        // Ten creates at once; the first moment kills while they are still being answered.
        let acked = 0;
        const creating = Array.from({ length: 10 }, async (_, n) => {
          const c: Round['creates'][number] = { name: `r${i}-s${n}` };
          round.creates.push(c);
          const res = await call(`${s.compute}/servers`, 'POST', s.token, { server: { name: c.name, imageRef, flavorRef } });
          if (res?.status === 202) {
            c.id = res.body.server.id;
            acked += 1;
            if (moment === 'creates in flight' && acked === 5) { await sleep(ms); await kill(); }
          }
        });
        await Promise.all(creating);
        if (moment === 'builds running') { await sleep(ms); await kill(); }

        if (!killed) {
          // Wait until some are ACTIVE while others still build, then delete three of each kind.
          let list: Server[] = [];
          const deadline = Date.now() + 60_000;
          do {
            list = ((await listServers(s)) ?? []).filter((x) => x.name.startsWith(`r${i}-`));
            if (list.filter((x) => x.status === 'ACTIVE').length >= 3) break;
            await sleep(100);
          } while (Date.now() < deadline);
          const active = list.filter((x) => x.status === 'ACTIVE').slice(0, 3);
          const building = list.filter((x) => x.status === 'BUILD').slice(0, 3);
          const doomed = [...active, ...building];
          await Promise.all(doomed.map(async (x) => {
            const d = { id: x.id, was: x.status, acked: false };
            round.deletes.push(d);
            const res = await call(`${s.compute}/servers/${x.id}`, 'DELETE', s.token);
            d.acked = res?.status === 204;
          }));
          if (moment === 'deletes running') {
            // Until the first deleted container is gone from the engine: removals are under way.
            const names = new Set(doomed.map((x) => containerName(x.id)));
            const until = Date.now() + 10_000;
            while (Date.now() < until && (await engineContainers(layout)).filter((n) => names.has(n)).length >= active.length) await sleep(20);
          }
          await sleep(ms);
          await kill();
        }
        const engineSurvived = processAlive(enginePid);

        // Restart on the same data dir; measure how long until everything has converged.
        const t0 = Date.now();
        await start();
        if (twice) {
          await cloud!.stop('SIGKILL');
          await start();
        }
        const restartS = (Date.now() - t0) / 1000;
        s = await session(cloud!);
        const adopted = Number(fs.readFileSync(layout.engine.pidFile, 'utf8')) === enginePid;
        let list: Server[] = [];
        let containers: string[] = [];
        let namespaces: string[] = [];
        let files: string[] = [];
        // The host's own namespace only: servers' networks are Neutron's segments (the network crash test
        // owns those), and no namespace of compute's former interim network may appear.
        const expectedNamespaces = (): number => 1;
        const deletedIds = new Set(round.deletes.filter((d) => d.acked).map((d) => d.id));
        const converged = (): boolean => list.every((x) => (x.status === 'ACTIVE' || (x.status === 'ERROR' && !!x.fault)) && x['OS-EXT-STS:task_state'] === null)
          && !list.some((x) => deletedIds.has(x.id))
          && JSON.stringify(containers) === JSON.stringify(list.map((x) => containerName(x.id)).sort())
          && namespaces.length === expectedNamespaces()
          && JSON.stringify(files) === JSON.stringify(list.map((x) => x.id).sort());
        const deadline = Date.now() + 120_000;
        for (;;) {
          list = (await listServers(s)) ?? [];
          containers = await engineContainers(layout);
          namespaces = hostNamespaces(layout).sort();
          files = fs.readdirSync(layout.serversDir).sort();
          if (converged() || Date.now() > deadline) break;
          await sleep(500);
        }
        const convergeS = (Date.now() - t0) / 1000;
        const count = (st: string): number => list.filter((x) => x.name.startsWith(`r${i}-`) && x.status === st).length;
        const ackedCreates = round.creates.filter((c) => c.id).length;
        const present = round.creates.filter((c) => list.some((x) => x.name === c.name)).length;
        rows.push([
          `${i}`.padEnd(2), `${moment} +${ms}ms${twice ? ' ×2' : ''}`.padEnd(31),
          `${ackedCreates}/10`.padEnd(7), `${round.deletes.filter((d) => d.acked).length}/${round.deletes.length} (${round.deletes.map((d) => d.was[0]).join('')})`.padEnd(12),
          JSON.stringify(round.atKill).padEnd(34),
          `${engineSurvived ? 'alive' : 'dead'}/${adopted ? 'adopted' : 'new'}`.padEnd(14),
          `${restartS.toFixed(1)}`.padStart(6), `${convergeS.toFixed(1)}`.padStart(7),
          `${present}: ${count('ACTIVE')} ACTIVE ${count('ERROR')} ERROR`.padEnd(22),
          `${containers.length}/${list.length}`.padEnd(7), `${namespaces.length}`,
        ].join(' '));

        // Every problem of this round, as sentences.
        for (const x of list) {
          if (x.status !== 'ACTIVE' && !(x.status === 'ERROR' && x.fault)) problems.push(`round ${i} (${moment}): ${x.name} ended ${x.status}${x.fault ? '' : ' without a fault'}`);
          if (x['OS-EXT-STS:task_state'] !== null) problems.push(`round ${i} (${moment}): ${x.name} stuck in task_state ${x['OS-EXT-STS:task_state']}`);
          if (deletedIds.has(x.id)) problems.push(`round ${i} (${moment}): ${x.name} was deleted (204) but is still listed as ${x.status}`);
        }
        for (const c of round.creates) {
          if (c.id && !list.some((x) => x.id === c.id) && !deletedIds.has(c.id) && !round.deletes.some((d) => d.id === c.id)) problems.push(`round ${i} (${moment}): ${c.name} was acknowledged (202) but is gone`);
        }
        for (const d of round.deletes.filter((x) => x.acked)) {
          const res = await call(`${s.compute}/servers/${d.id}`, 'GET', s.token);
          if (res?.status !== 404) problems.push(`round ${i} (${moment}): deleted server ${d.id} answers ${res?.status}, not 404`);
        }
        const want = list.map((x) => containerName(x.id)).sort();
        const orphans = containers.filter((n) => !want.includes(n));
        const missing = want.filter((n) => !containers.includes(n));
        if (orphans.length) problems.push(`round ${i} (${moment}): orphan containers ${orphans.join(', ')}`);
        if (missing.length) problems.push(`round ${i} (${moment}): servers without a container ${missing.join(', ')}`);
        if (namespaces.length !== expectedNamespaces() || !namespaces.includes(layout.hostNamespace)) problems.push(`round ${i} (${moment}): namespaces ${namespaces.join(', ')}; expected the host's and ${expectedNamespaces() - 1} network's`);
        if (JSON.stringify(files) !== JSON.stringify(list.map((x) => x.id).sort())) problems.push(`round ${i} (${moment}): the agent's server files ${files.join(', ')} are not the servers ${list.map((x) => x.id).join(', ')}`);
        if (!engineSurvived || !adopted) problems.push(`round ${i} (${moment}): the engine was ${engineSurvived ? 'alive but not adopted' : 'dead after the kill'}`);

        // The next round starts clean: delete what is left (which also shows deletes work after the restart).
        await Promise.all(list.map((x) => call(`${s.compute}/servers/${x.id}`, 'DELETE', s.token)));
        const until = Date.now() + 60_000;
        while (((await listServers(s)) ?? []).length > 0 && Date.now() < until) await sleep(300);
        const left = (await listServers(s)) ?? [];
        if (left.length) problems.push(`round ${i}: cleanup deletes did not finish: ${left.map((x) => `${x.name} ${x.status}`).join(', ')}`);
      }
      console.log([
        `compute crash rounds on ${engine} (deletes: A = was ACTIVE, B = was BUILD; restart and converge in s from the restart; containers/servers):`,
        'n  moment                          acked  deletes      servers at kill                    engine         restart converge after                  ctr/srv ns',
        ...rows,
      ].join('\n'));
      assert.deepEqual(problems, []);
    });
  });
}
