/**
 * The internal agent API (agent-protocol.ts), `service` role only, under NETWORK_AGENT_API_PREFIX:
 * a host registers its tunnel endpoint, long-polls its plan by revision, and reports what it applied.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inTransaction } from '../../platform/db/database.js';
import { callerOf, now, type NetworkContext } from '../context.js';
import { httpBadRequest } from '../errors.js';
import { parseIp } from '../ipv4.js';
import { bumpPlan, planRevision } from '../quotas/service.js';
import { placeWaitingRouters } from '../routers/service.js';
import { NETWORK_AGENT_API_PREFIX, type NetworkReport, type TunnelEndpoint } from '../agent-protocol.js';
import { buildPlan } from './plan.js';

type HostParams = { Params: { host: string } };

const HOST_NAME = /^[a-zA-Z0-9._-]{1,255}$/;
/** The longest long poll the service holds open. */
const MAX_WAIT_S = 60;
/** Bounds on a report, so a confused agent cannot make the service store megabytes per host. */
const MAX_REPORTED_IDS = 100_000;

function hostName(raw: string): string {
  if (!HOST_NAME.test(raw)) throw httpBadRequest(`Invalid host name ${JSON.stringify(raw)}.`);
  return raw;
}

function parseEndpoint(body: unknown): TunnelEndpoint {
  const address = (body as { address?: unknown } | null)?.address;
  if (typeof body !== 'object' || body === null || typeof address !== 'string' || parseIp(address) === undefined) {
    throw httpBadRequest("The tunnel endpoint must be {\"address\": \"<IPv4 address>\"}.");
  }
  return { address };
}

function idList(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || v.length > MAX_REPORTED_IDS || !v.every((x) => typeof x === 'string' && x.length <= 64)) {
    throw httpBadRequest(`'${key}' must be a list of ids.`);
  }
  return [...new Set(v as string[])];
}

function parseReport(body: unknown): NetworkReport {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw httpBadRequest('The report must be a JSON object.');
  const o = body as Record<string, unknown>;
  if (typeof o.revision !== 'number' || !Number.isInteger(o.revision) || o.revision < 0) throw httpBadRequest("'revision' must be an integer >= 0.");
  const errors = o.errors === undefined ? [] : o.errors;
  if (!Array.isArray(errors) || errors.length > MAX_REPORTED_IDS
    || !errors.every((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string' && typeof (e as { message?: unknown }).message === 'string')) {
    throw httpBadRequest("'errors' must be a list of {\"id\", \"message\"}.");
  }
  return {
    revision: o.revision,
    activePorts: idList(o.activePorts, 'activePorts'),
    activeRouters: idList(o.activeRouters, 'activeRouters'),
    errors: (errors as Array<{ id: string; message: string }>).map((e) => ({ id: e.id.slice(0, 64), message: e.message.slice(0, 1024) })),
  };
}

function parseCount(v: string | undefined, key: string, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (key === 'revision' ? -1 : 0)) throw httpBadRequest(`'${key}' must be an integer${key === 'wait' ? ' >= 0' : ''}.`);
  return n;
}

export function agentRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  const agentOnly = (request: FastifyRequest): void => callerOf(ctx, request).authorize(['flotilla:agent'], {});
  const prefix = `${NETWORK_AGENT_API_PREFIX}/hosts/:host/network`;

  app.put<HostParams>(`${prefix}/endpoint`, async (request, reply) => {
    agentOnly(request);
    const host = hostName(request.params.host);
    const { address } = parseEndpoint(request.body);
    await inTransaction(ctx.db, async (tx) => {
      const before = await tx.selectFrom('network_host').select('endpoint').where('host', '=', host).executeTakeFirst();
      if (before?.endpoint === address) return;
      await tx.insertInto('network_host').values({ host, endpoint: address, active_ports: '[]', active_routers: '[]', errors: '[]', report_revision: -1, updated_at: now() })
        .onConflict((oc) => oc.column('host').doUpdateSet({ endpoint: address, updated_at: now() })).execute();
      // Routers made while no host had an endpoint get one now.
      await placeWaitingRouters(tx);
      await bumpPlan(tx);
    });
    return reply.code(204).send();
  });

  app.get<HostParams & { Querystring: Record<string, string | undefined> }>(prefix, async (request, reply) => {
    agentOnly(request);
    const host = hostName(request.params.host);
    const since = parseCount(request.query.revision, 'revision', -1);
    const wait = parseCount(request.query.wait, 'wait', 0);
    if (wait > 0) {
      const closed = new AbortController();
      // The agent went away (or the service is stopping): stop waiting for it.
      reply.raw.once('close', () => closed.abort());
      await ctx.plans.waitForChange(since, Math.min(wait, MAX_WAIT_S) * 1000, () => planRevision(ctx.db), closed.signal);
    }
    return buildPlan(ctx.db, host);
  });

  app.put<HostParams>(`${prefix}/report`, async (request, reply) => {
    agentOnly(request);
    const host = hostName(request.params.host);
    const report = parseReport(request.body);
    const row = {
      active_ports: JSON.stringify(report.activePorts), active_routers: JSON.stringify(report.activeRouters),
      errors: JSON.stringify(report.errors ?? []), report_revision: report.revision, updated_at: now(),
    };
    // A report changes statuses, not plans: no plan bump, or agents would chase their own reports.
    await ctx.db.insertInto('network_host').values({ host, endpoint: null, ...row })
      .onConflict((oc) => oc.column('host').doUpdateSet(row)).execute();
    return reply.code(204).send();
  });
}
