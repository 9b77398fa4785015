/**
 * `/v2.0/agents`, read-only: the host agents as Neutron lists its L2/L3 agents. Each host that registered
 * a tunnel endpoint is one agent doing both jobs (segments with VXLAN, security groups, routers). Only
 * admins see agents (Neutron's get_agent is admin-only), so everyone else gets an empty list. Updating
 * and deleting agents, and the `agent` extension's scheduler APIs, are not offered.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { callerOf, type NetworkContext } from '../context.js';
import { NeutronFault } from '../errors.js';
import type { NetworkTables } from '../tables.js';
import type { Selectable } from 'kysely';

/** A host that has not reported in this long is shown as not alive (Neutron's agent_down_time is 75 s). */
const ALIVE_WITHIN_MS = 120_000;

/** A stable agent id per host (Neutron's are uuids): the host name's hash, in uuid form. */
function agentId(host: string): string {
  const h = createHash('sha256').update(`flotilla-agent:${host}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function agentView(row: Selectable<NetworkTables['network_host']>): Record<string, unknown> {
  const seen = row.updated_at.replace('T', ' ').replace(/\.\d+Z?$|Z$/, '');
  return {
    id: agentId(row.host),
    agent_type: 'Flotilla host agent',
    binary: 'flotilla-agent',
    host: row.host,
    topic: 'N/A',
    admin_state_up: true,
    alive: Date.now() - Date.parse(row.updated_at) < ALIVE_WITHIN_MS,
    availability_zone: null,
    configurations: { tunnel_types: ['vxlan'], tunneling_ip: row.endpoint, l2_population: true },
    created_at: seen,
    started_at: seen,
    heartbeat_timestamp: seen,
    description: null,
    resources_synced: null,
  };
}

export function agentListRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/agents', async (request) => {
    const caller = callerOf(ctx, request);
    if (!caller.isAdmin) return { agents: [] };
    const rows = await ctx.db.selectFrom('network_host').selectAll().where('endpoint', 'is not', null).orderBy('host').execute();
    return { agents: rows.map(agentView) };
  });

  app.get<{ Params: { id: string } }>('/v2.0/agents/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const rows = caller.isAdmin ? await ctx.db.selectFrom('network_host').selectAll().where('endpoint', 'is not', null).execute() : [];
    const row = rows.find((r) => agentId(r.host) === request.params.id);
    if (!row) throw new NeutronFault(404, 'AgentNotFound', `Agent ${request.params.id} could not be found.`);
    return { agent: agentView(row) };
  });
}
