/**
 * The internal agent API (AGENT_API_PREFIX, `service` role only; src/compute/agent-protocol.ts):
 * registration and heartbeat, the desired servers of a host (long poll by revision), observed state.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import { enforce, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import { AGENT_API_PREFIX, type HostRegistration, type ObservedServer, type ObservedState } from '../agent-protocol.js';
import type { AgentSync } from '../servers/agent-sync.js';

type HostParams = { host: string };
type ServerParams = { host: string; id: string };

const HOST_NAME = /^[a-zA-Z0-9._-]{1,255}$/;
const OBSERVED: readonly ObservedState[] = ['running', 'stopped', 'paused', 'absent', 'error'];
/** The longest long poll compute holds open. */
const MAX_WAIT_S = 60;

function hostName(raw: string): string {
  if (!HOST_NAME.test(raw)) throw new BadRequest(`Invalid host name ${JSON.stringify(raw)}.`);
  return raw;
}

function count(obj: v.JsonObject, key: string, min = 0): number {
  const n = obj[key];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new BadRequest(`'${key}' must be an integer >= ${min}.`);
  return n;
}

function parseRegistration(body: unknown): HostRegistration {
  if (!v.isObject(body)) throw new BadRequest('The registration must be a JSON object.');
  const resources = body.resources;
  if (!v.isObject(resources)) throw new BadRequest("'resources' must be an object.");
  return {
    zone: v.name(body.zone ?? 'nova', 'zone'),
    resources: { vcpus: count(resources, 'vcpus', 1), memoryMb: count(resources, 'memoryMb', 1), diskGb: count(resources, 'diskGb', 0) },
    agentSocket: v.str(body.agentSocket, 'agentSocket', 1, 4096),
    version: v.str(body.version, 'version', 0, 64),
  };
}

function parseObserved(body: unknown): ObservedServer {
  if (!v.isObject(body)) throw new BadRequest('The observation must be a JSON object.');
  if (!OBSERVED.includes(body.state as ObservedState)) throw new BadRequest(`'state' must be one of ${OBSERVED.join(', ')}.`);
  let fault: ObservedServer['fault'];
  if (body.fault !== undefined && body.fault !== null) {
    if (!v.isObject(body.fault)) throw new BadRequest("'fault' must be an object.");
    fault = {
      code: count(body.fault, 'code'),
      message: v.str(body.fault.message, 'fault.message', 0, 4096),
      ...(body.fault.details !== undefined && body.fault.details !== null ? { details: v.str(body.fault.details, 'fault.details', 0, 65535) } : {}),
    };
  }
  return {
    state: body.state as ObservedState,
    generation: count(body, 'generation'),
    ...(fault ? { fault } : {}),
    ...(typeof body.startedAt === 'string' ? { startedAt: body.startedAt } : {}),
    ...(typeof body.snapshotDone === 'string' ? { snapshotDone: body.snapshotDone } : {}),
    rebootCount: body.rebootCount === undefined ? 0 : count(body, 'rebootCount'),
    rebuildCount: body.rebuildCount === undefined ? 0 : count(body, 'rebuildCount'),
  };
}

export function agentRoutes(app: FastifyInstance, ctx: ComputeContext, sync: AgentSync): void {
  const agentOnly = (request: FastifyRequest): void => { enforce(ctx, request, 'flotilla:agent'); };

  app.put<{ Params: HostParams }>(`${AGENT_API_PREFIX}/hosts/:host`, async (request) => {
    agentOnly(request);
    const host = hostName(request.params.host);
    const reply = await ctx.hosts.register(host, parseRegistration(request.body));
    return reply;
  });

  app.get<{ Params: HostParams; Querystring: Record<string, string> }>(`${AGENT_API_PREFIX}/hosts/:host/servers`, async (request, reply) => {
    agentOnly(request);
    const host = hostName(request.params.host);
    const since = request.query.since === undefined ? -1 : Number(request.query.since);
    const wait = request.query.wait === undefined ? 0 : Number(request.query.wait);
    if (!Number.isFinite(since) || !Number.isFinite(wait) || wait < 0) throw new BadRequest("'since' and 'wait' must be numbers, 'wait' >= 0.");
    if (wait > 0) {
      const closed = new AbortController();
      // The agent went away (or the server is stopping): stop waiting for it.
      reply.raw.once('close', () => closed.abort());
      await ctx.notifier.waitFor(host, since, Math.min(wait, MAX_WAIT_S) * 1000, () => ctx.hosts.revision(host), closed.signal);
    }
    return sync.desired(host);
  });

  app.put<{ Params: ServerParams }>(`${AGENT_API_PREFIX}/hosts/:host/servers/:id/observed`, async (request, reply) => {
    agentOnly(request);
    const host = hostName(request.params.host);
    await sync.observe(host, request.params.id, parseObserved(request.body));
    return reply.code(204).send();
  });
}
