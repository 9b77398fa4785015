/**
 * /v1/clusters (and the legacy /v1/bays): list, detail, show, create (202 {"uuid"}: validated, quota
 * checked, a trust made, the row stored with its default node groups and operation `create`), JSON-Patch
 * update (node_count resizes default-worker; health_status and its reason are just saved), delete (any
 * state), and Flotilla's own /v1/clusters/{ident}/events for progress.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newUuid } from '../../platform/ids.js';
import { callerOf, requestBase, type Caller, type ContainerInfraContext } from '../context.js';
import { HEALTH_STATUSES, UPDATABLE, type Cluster, type ClusterOperation, type HealthStatus, type NodeGroup } from '../model.js';
import { defaultNodeGroups } from '../store.js';
import { invalid, MagnumFault, operationInProgress, statusNotSupported } from '../errors.js';
import { applyPatch, generatedName, nextLink, pageQuery, queryOne, readBody, readLabels, readPatch, type FieldSpec, type Json } from './common.js';
import { clusterFor, targetOf, templateFor } from './lookup.js';
import { bayJson, clusterJson, clusterSummary, eventJson } from './render.js';
import { atLeast } from './versions.js';

type Ident = { Params: { ident: string } };

/** Magnum's `[quotas] max_clusters_per_project`. */
export const DEFAULT_CLUSTER_QUOTA = 20;
const NAME = { type: 'string', min: 1, max: 242, pattern: /^[a-zA-Z][a-zA-Z0-9_.-]*$/ } as const;
const STR = { type: 'string', max: 255 } as const;
const CLUSTER_FIELDS: Readonly<Record<string, FieldSpec>> = {
  name: NAME, cluster_template_id: { type: 'string', min: 1, max: 255 }, keypair: STR, node_count: { type: 'int', min: 0, max: 1000 },
  master_count: { type: 'int', min: 1, max: 100 }, docker_volume_size: { type: 'int', min: 1, max: 2 ** 31 - 1 }, labels: { type: 'labels' },
  master_flavor_id: STR, flavor_id: STR, create_timeout: { type: 'int', min: 0, max: 2 ** 31 - 1 }, discovery_url: STR,
  fixed_network: STR, fixed_subnet: STR, floating_ip_enabled: { type: 'bool' }, master_lb_enabled: { type: 'bool' }, merge_labels: { type: 'bool' },
};
const BAY_FIELDS: Readonly<Record<string, FieldSpec>> = {
  name: NAME, baymodel_id: { type: 'string', min: 1, max: 255 }, node_count: { type: 'int', min: 1, max: 1000 }, master_count: { type: 'int', min: 1, max: 100 },
  docker_volume_size: { type: 'int', min: 1, max: 2 ** 31 - 1 }, labels: { type: 'labels' }, master_flavor_id: STR, flavor_id: STR,
  bay_create_timeout: { type: 'int', min: 0, max: 2 ** 31 - 1 }, discovery_url: STR, keypair: STR, fixed_network: STR, fixed_subnet: STR,
  floating_ip_enabled: { type: 'bool' }, master_lb_enabled: { type: 'bool' },
};
const READ_ONLY = ['uuid', 'project_id', 'user_id', 'created_at', 'updated_at', 'links', 'status', 'status_reason', 'stack_id', 'api_address', 'node_addresses', 'master_addresses', 'coe_version', 'container_version', 'health_status', 'health_status_reason', 'faults', 'bay_faults', 'labels_overridden', 'labels_added', 'labels_skipped'];
export const CLUSTER_SORT_KEYS = ['id', 'uuid', 'name', 'status', 'created_at', 'updated_at', 'cluster_template_id', 'keypair', 'create_timeout', 'stack_id', 'health_status', 'master_flavor_id', 'flavor_id', 'project_id'];
const PATCHABLE = new Set(['node_count', 'health_status', 'health_status_reason']);

/** Operations a new resize may take over (a declarative resize supersedes an older one); others block. */
const SUPERSEDABLE: ReadonlySet<ClusterOperation['kind']> = new Set(['resize', 'heal']);

/** Refuses a new operation on a cluster busy with one it may not replace (a delete always may). */
export function assertIdle(c: Cluster, next: ClusterOperation['kind']): void {
  if (c.operation === null || next === 'delete') return;
  if (c.operation.kind === 'delete') throw operationInProgress(c.name);
  if (next === 'resize' && SUPERSEDABLE.has(c.operation.kind)) return;
  throw operationInProgress(c.name);
}

/** Stores the operation and pokes the conductor. */
export async function startOperation(ctx: ContainerInfraContext, c: Cluster, op: ClusterOperation, patch: Partial<Cluster> = {}): Promise<Cluster> {
  const stored = await ctx.store.setOperation(c.uuid, op, { patch });
  ctx.kick(c.uuid);
  return stored ?? c;
}

/** Resizes a node group: the group's desired count is stored with the operation, as Magnum's conductor saves it. */
export async function resize(ctx: ContainerInfraContext, c: Cluster, ng: NodeGroup, nodeCount: number, nodesToRemove: string[]): Promise<void> {
  assertIdle(c, 'resize');
  await ctx.store.updateNodeGroup(ng.uuid, { nodeCount, status: 'UPDATE_IN_PROGRESS', statusReason: null });
  await startOperation(ctx, c, { kind: 'resize', nodegroup: ng.uuid, nodeCount, nodesToRemove });
}

async function withGroups(ctx: ContainerInfraContext, clusters: Cluster[]): Promise<Map<string, NodeGroup[]>> {
  return ctx.store.nodeGroupsOf(clusters.map((c) => c.uuid));
}

async function createCluster(ctx: ContainerInfraContext, caller: Caller, body: unknown, asBay: boolean): Promise<Cluster> {
  caller.authorize('cluster:create');
  const d = readBody(body, asBay ? 'bay' : 'cluster', asBay ? BAY_FIELDS : CLUSTER_FIELDS, READ_ONLY);
  const templateRef = (asBay ? d.baymodel_id : d.cluster_template_id) as string | undefined;
  if (templateRef === undefined) throw invalid(`Invalid input for field/attribute ${asBay ? 'baymodel_id' : 'cluster_template_id'}. Value: None. Mandatory field missing.`);
  const nodeCount = (d.node_count as number | undefined) ?? 1;
  if (nodeCount === 0 && !atLeast(caller.version, 10)) {
    throw new MagnumFault(400, 'ZeroNodeCountNotSupported', 'node_count must be greater than or equal to 1 (zero requires microversion 1.10).');
  }
  const masterCount = (d.master_count as number | undefined) ?? 1;
  const template = await templateFor(ctx, caller, templateRef, { missingStatus: 400 });
  const masterLb = (d.master_lb_enabled as boolean | undefined) ?? template.masterLbEnabled;
  if (masterCount > 1 && !masterLb) throw invalid('master_lb_enabled must be True to create a cluster with master_count > 1.');
  const limit = (await ctx.store.getQuota(caller.projectId, 'Cluster'))?.hardLimit ?? DEFAULT_CLUSTER_QUOTA;
  if ((await ctx.store.countClusters(caller.projectId)) >= limit) {
    throw new MagnumFault(403, 'ResourceLimitExceeded', `You have reached the maximum clusters per project, ${limit}. You may delete a cluster to make room for a new one.`);
  }
  const token = caller.auth.token;
  const keypair = (d.keypair as string | undefined) ?? template.keypairId;
  if (d.keypair !== undefined) await ctx.checks.keypair(token, String(d.keypair));
  const flavorId = (d.flavor_id as string | undefined) ?? template.flavorId;
  const masterFlavorId = (d.master_flavor_id as string | undefined) ?? template.masterFlavorId;
  if (d.flavor_id !== undefined) await ctx.checks.flavor(token, String(d.flavor_id));
  if (d.master_flavor_id !== undefined) await ctx.checks.flavor(token, String(d.master_flavor_id));
  if (d.fixed_network !== undefined) await ctx.checks.fixedNetwork(token, String(d.fixed_network));
  if (d.fixed_subnet !== undefined) await ctx.checks.fixedSubnet(token, String(d.fixed_subnet));
  const given = d.labels as Record<string, string> | undefined;
  const labels = given === undefined ? template.labels : d.merge_labels === true ? { ...template.labels, ...given } : given;
  const timeout = (asBay ? d.bay_create_timeout : d.create_timeout) as number | undefined;
  const trustId = ctx.trusts ? await ctx.trusts.create(caller.auth) : null;
  const now = new Date().toISOString();
  const c: Cluster = {
    uuid: newUuid(), name: (d.name as string | undefined) ?? generatedName(asBay ? 'bay' : 'cluster'), projectId: caller.projectId,
    userId: caller.userId, clusterTemplateId: template.uuid, keypair, labels, masterFlavorId, flavorId,
    dockerVolumeSize: (d.docker_volume_size as number | undefined) ?? template.dockerVolumeSize, createTimeout: timeout || 60,
    fixedNetwork: (d.fixed_network as string | undefined) ?? template.fixedNetwork, fixedSubnet: (d.fixed_subnet as string | undefined) ?? template.fixedSubnet,
    floatingIpEnabled: (d.floating_ip_enabled as boolean | undefined) ?? template.floatingIpEnabled, masterLbEnabled: masterLb,
    discoveryUrl: (d.discovery_url as string | undefined) ?? null, status: 'CREATE_IN_PROGRESS', statusReason: null, healthStatus: null,
    healthStatusReason: null, apiAddress: null, masterAddresses: [], nodeAddresses: [], coeVersion: null, containerVersion: null,
    stackId: null, trustId, operation: { kind: 'create' }, generation: 1, createdAt: now, updatedAt: null,
  };
  await ctx.store.createCluster(c, defaultNodeGroups(c, { imageId: template.imageId, masterCount, nodeCount, newId: () => newUuid() }));
  ctx.kick(c.uuid);
  return c;
}

async function patchCluster(ctx: ContainerInfraContext, caller: Caller, ident: string, body: unknown, request: FastifyRequest): Promise<Cluster> {
  const ops = readPatch(body);
  const rollback = queryOne(request, 'rollback');
  if (rollback !== undefined && !atLeast(caller.version, 3)) throw invalid('rollback is supported from microversion 1.3.');
  const c = await clusterFor(ctx, caller, ident);
  const groups = (await ctx.store.listNodeGroups(c.uuid));
  const worker = groups.find((g) => g.isDefault && g.role !== 'master');
  const before: Json = {
    node_count: worker?.nodeCount ?? 0, health_status: c.healthStatus, health_status_reason: c.healthStatusReason ?? {},
  };
  for (const o of ops) {
    const field = o.path.slice(1).split('/')[0]!;
    if (!PATCHABLE.has(field)) throw invalid(`cannot change cluster property(ies) ${field}.`);
  }
  const after = applyPatch(before, ops, ['/node_count']);
  const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  const healthOnly = changed.every((k) => k !== 'node_count');
  caller.authorize(healthOnly && changed.length > 0 ? 'cluster:update_health_status' : 'cluster:update', targetOf(c));
  if (changed.includes('health_status') || changed.includes('health_status_reason')) {
    const hs = after.health_status;
    if (hs !== null && !(HEALTH_STATUSES as readonly unknown[]).includes(hs)) throw invalid(`Invalid health_status ${JSON.stringify(hs)?.slice(0, 50)}: one of ${HEALTH_STATUSES.join(', ')}.`);
    const reason = after.health_status_reason === null ? {} : readLabels('health_status_reason', after.health_status_reason);
    await ctx.store.updateCluster(c.uuid, { healthStatus: hs as HealthStatus | null, healthStatusReason: reason });
  }
  if (changed.includes('node_count')) {
    const n = after.node_count;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1000) throw invalid(`Invalid input for field/attribute node_count. Value: ${JSON.stringify(n)?.slice(0, 50)}.`);
    if (n === 0 && !atLeast(caller.version, 10)) throw new MagnumFault(400, 'ZeroNodeCountNotSupported', 'Resizing a nodegroup to zero is not supported in the provided microversion.');
    if (!UPDATABLE.includes(c.status)) throw statusNotSupported(c.status);
    if (!worker) throw invalid('The cluster has no default worker node group.');
    await resize(ctx, c, worker, n, []);
  }
  return (await ctx.store.getCluster(c.uuid)) ?? c;
}

async function deleteCluster(ctx: ContainerInfraContext, caller: Caller, ident: string): Promise<void> {
  const c = await clusterFor(ctx, caller, ident);
  caller.authorize('cluster:delete', targetOf(c));
  await startOperation(ctx, c, { kind: 'delete' });
}

function register(app: FastifyInstance, ctx: ContainerInfraContext, resource: 'clusters' | 'bays'): void {
  const asBay = resource === 'bays';
  const list = async (request: FastifyRequest, detail: boolean): Promise<Json> => {
    const caller = callerOf(ctx, request);
    caller.authorize(detail ? 'cluster:detail' : 'cluster:get_all');
    const page = pageQuery(request, CLUSTER_SORT_KEYS);
    const base = requestBase(ctx, request);
    const items = await ctx.store.listClusters({ projectId: caller.isAdmin ? null : caller.projectId }, page);
    const groups = await withGroups(ctx, items);
    const templates = new Map<string, Awaited<ReturnType<typeof ctx.store.getTemplate>>>();
    if (detail) for (const c of items) if (!templates.has(c.clusterTemplateId)) templates.set(c.clusterTemplateId, await ctx.store.getTemplate(c.clusterTemplateId));
    return {
      [resource]: items.map((c) => {
        const g = groups.get(c.uuid) ?? [];
        if (asBay) return bayJson(c, g, templates.get(c.clusterTemplateId), base, detail);
        return detail ? clusterJson(c, g, templates.get(c.clusterTemplateId), base) : clusterSummary(c, g, base);
      }),
      ...nextLink(base, detail ? `${resource}/detail` : resource, page, items),
    };
  };
  const show = async (request: FastifyRequest, c: Cluster): Promise<Json> => {
    const base = requestBase(ctx, request);
    const groups = await ctx.store.listNodeGroups(c.uuid);
    const template = await ctx.store.getTemplate(c.clusterTemplateId);
    return asBay ? bayJson(c, groups, template, base, true) : clusterJson(c, groups, template, base);
  };
  app.get(`/v1/${resource}`, async (request) => list(request, false));
  app.get(`/v1/${resource}/detail`, async (request) => list(request, true));
  app.get<Ident>(`/v1/${resource}/:ident`, async (request) => {
    const caller = callerOf(ctx, request);
    const c = await clusterFor(ctx, caller, request.params.ident);
    caller.authorize('cluster:get', targetOf(c));
    return show(request, c);
  });
  // Bays at 1.1 answer synchronously-looking: 201 (POST) and 200 (PATCH) with the object; from 1.2 as clusters.
  const legacySync = (request: FastifyRequest): boolean => asBay && !atLeast(callerOf(ctx, request).version, 2);
  app.post(`/v1/${resource}`, async (request, reply: FastifyReply) => {
    const c = await createCluster(ctx, callerOf(ctx, request), request.body, asBay);
    if (legacySync(request)) return reply.code(201).header('location', `${requestBase(ctx, request)}/v1/bays/${c.uuid}`).send(await show(request, c));
    return reply.code(202).send({ uuid: c.uuid });
  });
  app.patch<Ident>(`/v1/${resource}/:ident`, async (request, reply) => {
    const c = await patchCluster(ctx, callerOf(ctx, request), request.params.ident, request.body, request);
    if (legacySync(request)) return reply.code(200).send(await show(request, c));
    return reply.code(202).send({ uuid: c.uuid });
  });
  app.delete<Ident>(`/v1/${resource}/:ident`, async (request, reply) => {
    await deleteCluster(ctx, callerOf(ctx, request), request.params.ident);
    return reply.code(204).send();
  });
}

export function clusterRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  register(app, ctx, 'clusters');
  register(app, ctx, 'bays');
  app.get<Ident>('/v1/clusters/:ident/events', async (request) => {
    const caller = callerOf(ctx, request);
    const c = await clusterFor(ctx, caller, request.params.ident);
    caller.authorize('cluster:get', targetOf(c));
    const marker = queryOne(request, 'marker');
    if (marker !== undefined && !/^\d{1,15}$/.test(marker)) throw invalid('marker must be an event id (a non-negative integer).');
    const limitRaw = queryOne(request, 'limit');
    if (limitRaw !== undefined && !/^\d{1,4}$/.test(limitRaw)) throw invalid('limit must be an integer from 1 to 1000.');
    const limit = limitRaw === undefined ? 1000 : Math.min(Math.max(Number(limitRaw), 1), 1000);
    const events = await ctx.store.listEvents(c.uuid, { ...(marker !== undefined ? { after: Number(marker) } : {}), limit });
    return { events: events.map(eventJson) };
  });
}
