/**
 * /v2.0/networks: list, show, create, update, delete, and their tags.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inTransaction } from '../../platform/db/database.js';
import type { Kysely } from 'kysely';
import type { NetworkTables } from '../tables.js';
import { callerOf, now, requestBase, type Caller, type NetworkContext } from '../context.js';
import { boolean, name, parseBody, projectId, type ResourceSpec } from '../attributes.js';
import { actionsFor, bulkItems, createBulk, ownerProject, retryOnConflict } from '../common.js';
import { externalNetworkInUse, NeutronFault, networkInUse } from '../errors.js';
import { listPage, requestedFields, selectFields, type ListSpec } from '../listing.js';
import { bumpPlan, checkQuota, lockProject, lockVniAllocation } from '../quotas/service.js';
import { ensureDefaultGroup } from '../security-groups/store.js';
import { deleteTags, tagRoutes } from '../tags.js';
import {
  freeVni, getVisibleNetwork, networkTarget, networkToRow, renderNetworks, visibleNetworks, VXLAN_MTU, type Network,
} from './store.js';

const READ_ONLY = { post: false, put: false } as const;

export const NETWORK_SPEC: ResourceSpec = {
  id: READ_ONLY,
  name: { post: true, put: true, default: () => '', validate: name },
  description: { post: true, put: true, default: () => '', validate: name },
  admin_state_up: { post: true, put: true, default: () => true, validate: boolean },
  shared: { post: true, put: true, default: () => false, validate: boolean },
  'router:external': { post: true, put: true, default: () => false, validate: boolean },
  port_security_enabled: { post: true, put: true, default: () => true, validate: boolean },
  project_id: { post: true, put: false, validate: projectId },
  status: READ_ONLY,
  subnets: READ_ONLY,
  mtu: READ_ONLY,
  'provider:network_type': READ_ONLY,
  'provider:physical_network': READ_ONLY,
  'provider:segmentation_id': READ_ONLY,
  tags: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

const LIST: ListSpec = {
  filters: {
    id: 'string', name: 'string', description: 'string', tenant_id: 'string', project_id: 'string', status: 'string',
    admin_state_up: 'boolean', shared: 'boolean', 'router:external': 'boolean', port_security_enabled: 'boolean', mtu: 'int',
    revision_number: 'int', 'provider:network_type': 'string', 'provider:physical_network': 'string', 'provider:segmentation_id': 'int',
  },
  sortable: new Set(['id', 'name', 'description', 'tenant_id', 'project_id', 'status', 'admin_state_up', 'shared', 'mtu', 'created_at', 'updated_at', 'revision_number']),
};

type IdParams = { Params: { id: string } };

/** Creates a network for the caller from a request body (in the caller's transaction, if any). */
export async function createNetwork(db: Kysely<NetworkTables>, caller: Caller, rawBody: unknown): Promise<Network> {
  const body = parseBody(rawBody, 'network', NETWORK_SPEC, 'create');
  const v = body.values;
  const project = ownerProject(caller, v);
  const external = v['router:external'] as boolean;
  caller.authorize(actionsFor('create', 'network', NETWORK_SPEC, body), { project_id: project, tenant_id: project, shared: v.shared, 'router:external': external });
  const t = now();
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockProject(tx, project);
    await checkQuota(tx, project, 'network');
    await ensureDefaultGroup(tx, project);
    const n: Network = {
      id: randomUUID(), projectId: project, name: v.name as string, description: v.description as string,
      adminStateUp: v.admin_state_up as boolean, shared: v.shared as boolean, external,
      mtu: VXLAN_MTU, portSecurityEnabled: v.port_security_enabled as boolean,
      networkType: 'vxlan', physicalNetwork: null, segmentationId: await lockVniAllocation(tx).then(() => freeVni(tx)),
      createdAt: t, updatedAt: t, revision: 1,
    };
    await tx.insertInto('network').values(networkToRow(n)).execute();
    return n;
  }));
}

export function networkRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/networks', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const all = await renderNetworks(ctx.db, caller, await visibleNetworks(ctx.db, caller));
    const page = listPage(request, requestBase(ctx, request), all, LIST);
    const fields = requestedFields(request);
    return reply.send({ networks: page.items.map((n) => selectFields(n, fields)), ...(page.links.length > 0 ? { networks_links: page.links } : {}) });
  });

  app.get<IdParams>('/v2.0/networks/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const [n] = await renderNetworks(ctx.db, caller, [await getVisibleNetwork(ctx.db, caller, request.params.id)]);
    return { network: selectFields(n!, requestedFields(request)) };
  });

  app.post('/v2.0/networks', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const bulk = bulkItems(request.body, 'networks');
    if (bulk) {
      const made = await createBulk(ctx.db, bulk, (tx, item) => createNetwork(tx, caller, { network: item }));
      return reply.code(201).send({ networks: await renderNetworks(ctx.db, caller, made) });
    }
    const [rendered] = await renderNetworks(ctx.db, caller, [await createNetwork(ctx.db, caller, request.body)]);
    return reply.code(201).send({ network: rendered });
  });

  app.put<IdParams>('/v2.0/networks/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const existing = await getVisibleNetwork(ctx.db, caller, request.params.id);
    const body = parseBody(request.body, 'network', NETWORK_SPEC, 'update');
    caller.authorize(actionsFor('update', 'network', NETWORK_SPEC, body), networkTarget(existing));
    const v = body.values;
    const updated = await inTransaction(ctx.db, async (tx) => {
      const n = { ...existing };
      if (v.shared === false && existing.shared) {
        // Neutron refuses to unshare a network other projects are using (InvalidSharedSetting).
        const foreign = await tx.selectFrom('port').select('id').where('network_id', '=', n.id).where('project_id', '!=', n.projectId).executeTakeFirst()
          ?? await tx.selectFrom('subnet').select('id').where('network_id', '=', n.id).where('project_id', '!=', n.projectId).executeTakeFirst();
        if (foreign) throw new NeutronFault(409, 'InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${n.id}. Multiple tenants are using it.`);
      }
      if ('name' in v) n.name = v.name as string;
      if ('description' in v) n.description = v.description as string;
      if ('admin_state_up' in v) n.adminStateUp = v.admin_state_up as boolean;
      if ('shared' in v) n.shared = v.shared as boolean;
      if ('router:external' in v) n.external = v['router:external'] as boolean;
      if (existing.external && !n.external) {
        const gw = await tx.selectFrom('port').select('id').where('network_id', '=', n.id).where('device_owner', '=', 'network:router_gateway').executeTakeFirst();
        if (gw) throw externalNetworkInUse(n.id);
      }
      if ('port_security_enabled' in v) n.portSecurityEnabled = v.port_security_enabled as boolean;
      n.updatedAt = now();
      n.revision = existing.revision + 1;
      const { id: _id, ...row } = networkToRow(n);
      await tx.updateTable('network').set(row).where('id', '=', n.id).execute();
      await bumpPlan(tx);
      return n;
    });
    const [rendered] = await renderNetworks(ctx.db, caller, [updated]);
    return { network: rendered };
  });

  app.delete<IdParams>('/v2.0/networks/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const n = await getVisibleNetwork(ctx.db, caller, request.params.id);
    caller.authorize(['delete_network'], networkTarget(n));
    await inTransaction(ctx.db, async (tx) => {
      // Ports the network service made for itself (DHCP, and the ports holding floating IPs, which go with
      // their external network as in Neutron's L3 plugin) go with the network; any other port keeps it.
      const inUse = await tx.selectFrom('port').select('id').where('network_id', '=', n.id).where('device_owner', 'not in', ['network:dhcp', 'network:floatingip']).executeTakeFirst();
      if (inUse) throw networkInUse(n.id);
      const subnets = await tx.selectFrom('subnet').select('id').where('network_id', '=', n.id).execute();
      const ports = await tx.selectFrom('port').select('id').where('network_id', '=', n.id).execute();
      const floating = await tx.selectFrom('floating_ip').select('id').where('floating_network_id', '=', n.id).execute();
      await deleteTags(tx, [n.id, ...subnets.map((s) => s.id), ...ports.map((p) => p.id), ...floating.map((f) => f.id)]);
      await tx.deleteFrom('floating_ip').where('floating_network_id', '=', n.id).execute();
      if (floating.length > 0) await bumpPlan(tx);
      await tx.deleteFrom('network').where('id', '=', n.id).execute();
    });
    return reply.code(204).send();
  });

  tagRoutes(app, ctx, 'networks', async (request, id) => {
    const caller = callerOf(ctx, request);
    const n = await getVisibleNetwork(ctx.db, caller, id);
    return { authorizeUpdate: () => caller.authorize(['update_network'], networkTarget(n)) };
  });
}
