/**
 * /v2.0/subnets: list, show, create, update, delete, and their tags. IPv4 only for now: an IPv6 subnet is
 * refused with a clear InvalidInput rather than half-served.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inTransaction } from '../../platform/db/database.js';
import type { Kysely } from 'kysely';
import type { NetworkTables } from '../tables.js';
import { callerOf, now, requestBase, type Caller, type NetworkContext } from '../context.js';
import { boolean, ipOrNull, name, parseBody, projectId, subnetCidr, toInt, uuid, values, type ResourceSpec } from '../attributes.js';
import { actionsFor, bulkItems, createBulk, ownerProject } from '../common.js';
import { invalidInput, subnetInUse } from '../errors.js';
import { listPage, requestedFields, selectFields, type ListSpec } from '../listing.js';
import { cidrsOverlap, parseCidr } from '../ipv4.js';
import { bumpPlan, checkQuota, lockProject } from '../quotas/service.js';
import { getVisibleNetwork } from '../networks/store.js';
import { deleteTags, tagRoutes } from '../tags.js';
import { getVisibleSubnet, renderSubnets, subnetTarget, subnetToRow, visibleSubnets, type Subnet } from './store.js';
import { checkGateway, checkPools, checkPrefix, defaultGateway, parseHostRoutes, parseNameservers, parsePools, poolsFor } from './validate.js';

const READ_ONLY = { post: false, put: false } as const;
const asIs = (v: unknown): unknown => v;

export const SUBNET_SPEC: ResourceSpec = {
  id: READ_ONLY,
  name: { post: true, put: true, default: () => '', validate: name },
  description: { post: true, put: true, default: () => '', validate: name },
  network_id: { post: true, put: false, required: true, validate: uuid },
  ip_version: { post: true, put: false, required: true, validate: (v, attr) => values([4, 6])(toInt(v), attr) },
  cidr: { post: true, put: false, required: true, validate: subnetCidr },
  gateway_ip: { post: true, put: true, validate: ipOrNull },
  enable_dhcp: { post: true, put: true, default: () => true, validate: boolean },
  allocation_pools: { post: true, put: true, validate: parsePools },
  dns_nameservers: { post: true, put: true, default: () => [], validate: asIs },
  host_routes: { post: true, put: true, default: () => [], validate: asIs },
  project_id: { post: true, put: false, validate: projectId },
  ipv6_address_mode: READ_ONLY,
  ipv6_ra_mode: READ_ONLY,
  subnetpool_id: READ_ONLY,
  tags: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

const LIST: ListSpec = {
  filters: {
    id: 'string', name: 'string', description: 'string', tenant_id: 'string', project_id: 'string', network_id: 'string',
    ip_version: 'int', cidr: 'string', gateway_ip: 'string', enable_dhcp: 'boolean', revision_number: 'int',
    ipv6_address_mode: 'string', ipv6_ra_mode: 'string', subnetpool_id: 'string',
  },
  sortable: new Set(['id', 'name', 'description', 'tenant_id', 'project_id', 'network_id', 'ip_version', 'cidr', 'gateway_ip', 'enable_dhcp', 'created_at', 'updated_at', 'revision_number']),
};

type IdParams = { Params: { id: string } };

/** Creates a subnet for the caller from a request body (in the caller's transaction, if any). */
export async function createSubnet(db: Kysely<NetworkTables>, caller: Caller, rawBody: unknown): Promise<Subnet> {
  const body = parseBody(rawBody, 'subnet', SUBNET_SPEC, 'create');
  const v = body.values;
  const network = await getVisibleNetwork(db, caller, v.network_id as string);
  const project = ownerProject(caller, v);
  caller.authorize(actionsFor('create', 'subnet', SUBNET_SPEC, body), {
    project_id: project, tenant_id: project, 'network:project_id': network.projectId, 'network:tenant_id': network.projectId, shared: network.shared, 'router:external': network.external,
  });
  if (v.ip_version === 6) throw invalidInput('IPv6 subnets are not supported by this cloud yet (IPv4 only)');
  const cidr = v.cidr as string;
  if (parseCidr(cidr) === undefined) throw invalidInput(`Invalid CIDR ${cidr} for IP version 4`);
  checkPrefix(cidr);
  const id = randomUUID();
  const gateway = 'gateway_ip' in v ? (v.gateway_ip as string | null) : defaultGateway(cidr);
  checkGateway(cidr, gateway);
  const pools = v.allocation_pools !== undefined ? v.allocation_pools as Subnet['allocationPools'] : poolsFor(cidr, gateway);
  checkPools(cidr, pools, gateway);
  const t = now();
  const subnet: Subnet = {
    id, projectId: project, networkId: network.id, name: v.name as string, description: v.description as string, ipVersion: 4, cidr,
    gatewayIp: gateway, enableDhcp: v.enable_dhcp as boolean, allocationPools: pools,
    dnsNameservers: parseNameservers(v.dns_nameservers, 'dns_nameservers', id), hostRoutes: parseHostRoutes(v.host_routes, 'host_routes', id),
    createdAt: t, updatedAt: t, revision: 1,
  };
  await inTransaction(db, async (tx) => {
    await lockProject(tx, project);
    await checkQuota(tx, project, 'subnet');
    const mine = parseCidr(cidr)!.cidr;
    for (const other of await tx.selectFrom('subnet').select('cidr').where('network_id', '=', network.id).execute()) {
      const theirs = parseCidr(other.cidr);
      if (theirs && cidrsOverlap(mine, theirs.cidr)) {
        throw invalidInput(`Requested subnet with cidr: ${cidr} for network: ${network.id} overlaps with another subnet`);
      }
    }
    await tx.insertInto('subnet').values(subnetToRow(subnet)).execute();
    await bumpPlan(tx);
  });
  return subnet;
}

export function subnetRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/subnets', async (request) => {
    const caller = callerOf(ctx, request);
    const all = await renderSubnets(ctx.db, (await visibleSubnets(ctx.db, caller)).map((x) => x.subnet));
    const page = listPage(request, requestBase(ctx, request), all, LIST);
    const fields = requestedFields(request);
    return { subnets: page.items.map((s) => selectFields(s, fields)), ...(page.links.length > 0 ? { subnets_links: page.links } : {}) };
  });

  app.get<IdParams>('/v2.0/subnets/:id', async (request) => {
    const { subnet } = await getVisibleSubnet(ctx.db, callerOf(ctx, request), request.params.id);
    const [rendered] = await renderSubnets(ctx.db, [subnet]);
    return { subnet: selectFields(rendered!, requestedFields(request)) };
  });

  app.post('/v2.0/subnets', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const bulk = bulkItems(request.body, 'subnets');
    if (bulk) {
      const made = await createBulk(ctx.db, bulk, (tx, item) => createSubnet(tx, caller, { subnet: item }));
      return reply.code(201).send({ subnets: await renderSubnets(ctx.db, made) });
    }
    const [rendered] = await renderSubnets(ctx.db, [await createSubnet(ctx.db, caller, request.body)]);
    return reply.code(201).send({ subnet: rendered });
  });

  app.put<IdParams>('/v2.0/subnets/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const { subnet: existing, network } = await getVisibleSubnet(ctx.db, caller, request.params.id);
    const body = parseBody(request.body, 'subnet', SUBNET_SPEC, 'update');
    caller.authorize(actionsFor('update', 'subnet', SUBNET_SPEC, body), subnetTarget(existing, network));
    const v = body.values;
    const s: Subnet = { ...existing };
    if ('name' in v) s.name = v.name as string;
    if ('description' in v) s.description = v.description as string;
    if ('enable_dhcp' in v) s.enableDhcp = v.enable_dhcp as boolean;
    if ('gateway_ip' in v) s.gatewayIp = v.gateway_ip as string | null;
    if ('allocation_pools' in v) s.allocationPools = v.allocation_pools as Subnet['allocationPools'];
    if ('dns_nameservers' in v) s.dnsNameservers = parseNameservers(v.dns_nameservers, 'dns_nameservers', s.id);
    if ('host_routes' in v) s.hostRoutes = parseHostRoutes(v.host_routes, 'host_routes', s.id);
    checkGateway(s.cidr, s.gatewayIp);
    checkPools(s.cidr, s.allocationPools, s.gatewayIp);
    s.updatedAt = now();
    s.revision = existing.revision + 1;
    const { id: _id, ...row } = subnetToRow(s);
    await inTransaction(ctx.db, async (tx) => {
      await tx.updateTable('subnet').set(row).where('id', '=', s.id).execute();
      await bumpPlan(tx);
    });
    const [rendered] = await renderSubnets(ctx.db, [s]);
    return { subnet: rendered };
  });

  app.delete<IdParams>('/v2.0/subnets/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { subnet, network } = await getVisibleSubnet(ctx.db, caller, request.params.id);
    caller.authorize(['delete_subnet'], subnetTarget(subnet, network));
    await inTransaction(ctx.db, async (tx) => {
      const used = await tx.selectFrom('ip_allocation').innerJoin('port', 'port.id', 'ip_allocation.port_id')
        .select('port.id').where('ip_allocation.subnet_id', '=', subnet.id).where('port.device_owner', '!=', 'network:dhcp').executeTakeFirst();
      if (used) throw subnetInUse(subnet.id);
      await deleteTags(tx, [subnet.id]);
      await tx.deleteFrom('subnet').where('id', '=', subnet.id).execute();
      await bumpPlan(tx);
    });
    return reply.code(204).send();
  });

  tagRoutes(app, ctx, 'subnets', async (request, id) => {
    const caller = callerOf(ctx, request);
    const { subnet, network } = await getVisibleSubnet(ctx.db, caller, id);
    return { authorizeUpdate: () => caller.authorize(['update_subnet'], subnetTarget(subnet, network)) };
  });
}

