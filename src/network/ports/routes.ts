/**
 * /v2.0/ports: list, show, create, update, delete, and their tags.
 */
import type { FastifyInstance } from 'fastify';
import { inTransaction } from '../../platform/db/database.js';
import { callerOf, requestBase, type NetworkContext } from '../context.js';
import { httpBadRequest, servicePortInUse } from '../errors.js';
import { bumpPlan } from '../quotas/service.js';
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_INTF } from '../routers/store.js';
import { disassociatePort } from '../floating-ips/service.js';
import { bulkItems, createBulk } from '../common.js';
import { listPage, requestedFields, selectFields, type ListSpec } from '../listing.js';
import { deleteTags, tagRoutes } from '../tags.js';
import { getVisiblePort, portTarget, renderPorts, visiblePorts } from './store.js';
import { createPort, updatePort } from './service.js';

const FIXED_IP_KEYS = ['ip_address', 'subnet_id', 'ip_address_substr'];

/**
 * `fixed_ips=ip_address=…`, `fixed_ips=subnet_id=…` and `fixed_ips=ip_address_substr=…`: a port matches if
 * one of its addresses satisfies every key given (a key repeated is an OR).
 */
function fixedIpsFilter(item: Record<string, unknown>, values: readonly string[]): boolean {
  const wanted = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq < 0 ? '' : v.slice(0, eq);
    if (!FIXED_IP_KEYS.includes(key)) throw httpBadRequest(`Invalid fixed_ips filter '${v}': use ip_address=, subnet_id= or ip_address_substr=`);
    wanted.set(key, [...(wanted.get(key) ?? []), v.slice(eq + 1)]);
  }
  const ips = item.fixed_ips as Array<{ ip_address: string; subnet_id: string }>;
  return ips.some((ip) => [...wanted].every(([k, vals]) => (k === 'ip_address_substr'
    ? vals.some((part) => ip.ip_address.includes(part))
    : vals.includes(k === 'ip_address' ? ip.ip_address : ip.subnet_id))));
}

const LIST: ListSpec = {
  filters: {
    id: 'string', name: 'string', description: 'string', tenant_id: 'string', project_id: 'string', network_id: 'string',
    mac_address: 'string', admin_state_up: 'boolean', status: 'string', device_id: 'string', device_owner: 'string',
    port_security_enabled: 'boolean', 'binding:host_id': 'string', 'binding:vnic_type': 'string', revision_number: 'int',
  },
  custom: { fixed_ips: fixedIpsFilter },
  sortable: new Set(['id', 'name', 'description', 'tenant_id', 'project_id', 'network_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner', 'created_at', 'updated_at', 'revision_number']),
};

type IdParams = { Params: { id: string } };

export function portRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/ports', async (request) => {
    const caller = callerOf(ctx, request);
    const all = await renderPorts(ctx.db, caller, await visiblePorts(ctx.db, caller));
    const page = listPage(request, requestBase(ctx, request), all, LIST);
    const fields = requestedFields(request);
    return { ports: page.items.map((p) => selectFields(p, fields)), ...(page.links.length > 0 ? { ports_links: page.links } : {}) };
  });

  app.get<IdParams>('/v2.0/ports/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const [rendered] = await renderPorts(ctx.db, caller, [await getVisiblePort(ctx.db, caller, request.params.id)]);
    return { port: selectFields(rendered!, requestedFields(request)) };
  });

  app.post('/v2.0/ports', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const bulk = bulkItems(request.body, 'ports');
    if (bulk) {
      const made = await createBulk(ctx.db, bulk, (tx, item) => createPort(tx, caller, { port: item }));
      return reply.code(201).send({ ports: await renderPorts(ctx.db, caller, made) });
    }
    const created = await createPort(ctx.db, caller, request.body);
    const [rendered] = await renderPorts(ctx.db, caller, [created]);
    return reply.code(201).send({ port: rendered });
  });

  app.put<IdParams>('/v2.0/ports/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const { port, network } = await getVisiblePort(ctx.db, caller, request.params.id);
    const updated = await updatePort(ctx.db, caller, port, network, request.body);
    const [rendered] = await renderPorts(ctx.db, caller, [{ port: updated, network }]);
    return { port: rendered };
  });

  app.delete<IdParams>('/v2.0/ports/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { port, network } = await getVisiblePort(ctx.db, caller, request.params.id);
    caller.authorize(['delete_port'], portTarget(port.projectId, port.deviceOwner, network));
    await inTransaction(ctx.db, async (tx) => {
      // A router's or floating IP's own port goes only through the router and floating IP APIs
      // (prevent_l3_port_deletion); one whose router or floating IP is gone may be cleaned up.
      const owner = port.deviceOwner;
      const holder = owner === DEVICE_OWNER_ROUTER_INTF || owner === DEVICE_OWNER_ROUTER_GW
        ? await tx.selectFrom('router').select('id').where('id', '=', port.deviceId).executeTakeFirst()
        : owner === DEVICE_OWNER_FLOATINGIP ? await tx.selectFrom('floating_ip').select('id').where('floating_port_id', '=', port.id).executeTakeFirst() : undefined;
      if (holder) throw servicePortInUse(port.id, owner);
      await disassociatePort(tx, port.id);
      await deleteTags(tx, [port.id]);
      await tx.deleteFrom('port').where('id', '=', port.id).execute();
      await bumpPlan(tx);
    });
    return reply.code(204).send();
  });

  tagRoutes(app, ctx, 'ports', async (request, id) => {
    const caller = callerOf(ctx, request);
    const { port, network } = await getVisiblePort(ctx.db, caller, id);
    return { authorizeUpdate: () => caller.authorize(['update_port'], portTarget(port.projectId, port.deviceOwner, network)) };
  });
}
