/**
 * /v1/clusters/{cluster}/nodegroups (≥1.9): list (?role), show, create (202 with the row), PATCH of
 * min_node_count/max_node_count only (202), delete of a non-default group (204). The conductor learns of
 * both through a `resize` of the group: a new group (CREATE_IN_PROGRESS, no nodes yet) to its node_count;
 * a deleted one (DELETE_IN_PROGRESS) to zero, after which the conductor removes its row.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newUuid } from '../../platform/ids.js';
import { callerOf, requestBase, type Caller, type ContainerInfraContext } from '../context.js';
import type { Cluster, NodeGroup } from '../model.js';
import { NodeGroupExists } from '../store.js';
import { conflict, invalid, MagnumFault } from '../errors.js';
import { applyPatch, queryOne, readBody, readField, readPatch } from './common.js';
import { clusterFor, nodeGroupFor, targetOf } from './lookup.js';
import { nodeGroupJson } from './render.js';
import { assertIdle, startOperation } from './clusters.js';
import { atLeast, requireVersion } from './versions.js';

type ClusterParams = { Params: { cluster: string } };
type NgParams = { Params: { cluster: string; ng: string } };

function checkBounds(min: number, max: number | null, count: number): void {
  if (max !== null && min > max) throw conflict('NodeGroupInvalidInput', `Min_node_count (${min}) should be less or equal to max_node_count (${max}).`);
  if (count < min) throw conflict('NodeGroupInvalidInput', `node_count (${count}) should be greater or equal to min_node_count (${min}).`);
  if (max !== null && count > max) throw conflict('NodeGroupInvalidInput', `node_count (${count}) should be less or equal to max_node_count (${max}).`);
}

export function nodeGroupRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  const clusterOf = async (request: FastifyRequest<ClusterParams>, action: 'nodegroup:get' | 'nodegroup:get_all' | 'nodegroup:create' | 'nodegroup:update' | 'nodegroup:delete'): Promise<{ caller: Caller; cluster: Cluster }> => {
    requireVersion(request, 9, 'nodegroups');
    const caller = callerOf(ctx, request);
    const cluster = await clusterFor(ctx, caller, request.params.cluster);
    caller.authorize(action, targetOf(cluster));
    return { caller, cluster };
  };

  app.get<ClusterParams>('/v1/clusters/:cluster/nodegroups', async (request) => {
    const { cluster } = await clusterOf(request, 'nodegroup:get_all');
    const role = queryOne(request, 'role');
    const groups = await ctx.store.listNodeGroups(cluster.uuid, role ? { role } : {});
    const base = requestBase(ctx, request);
    return { nodegroups: groups.map((g) => nodeGroupJson(g, base, false)) };
  });
  app.get<ClusterParams>('/v1/clusters/:cluster/nodegroups/detail', async (request) => {
    const { cluster } = await clusterOf(request, 'nodegroup:get_all');
    const base = requestBase(ctx, request);
    return { nodegroups: (await ctx.store.listNodeGroups(cluster.uuid)).map((g) => nodeGroupJson(g, base, true)) };
  });
  app.get<NgParams>('/v1/clusters/:cluster/nodegroups/:ng', async (request) => {
    const { cluster } = await clusterOf(request, 'nodegroup:get');
    return nodeGroupJson(await nodeGroupFor(ctx, cluster, request.params.ng), requestBase(ctx, request), true);
  });

  app.post<ClusterParams>('/v1/clusters/:cluster/nodegroups', async (request, reply) => {
    const { caller, cluster } = await clusterOf(request, 'nodegroup:create');
    const d = readBody(request.body, 'nodegroup', {
      name: { type: 'string', min: 1, max: 255, pattern: /^[a-zA-Z][a-zA-Z0-9_.-]*$/ }, flavor_id: { type: 'string', max: 255 }, image_id: { type: 'string', max: 255 },
      docker_volume_size: { type: 'int', min: 1, max: 2 ** 31 - 1 }, labels: { type: 'labels' }, node_count: { type: 'int', min: 0, max: 1000 },
      min_node_count: { type: 'int', min: 0, max: 1000 }, max_node_count: { type: 'int', min: 0, max: 1000 }, role: { type: 'string', min: 1, max: 255 },
      merge_labels: { type: 'bool' },
    }, ['uuid', 'cluster_id', 'project_id', 'links', 'created_at', 'updated_at', 'status', 'status_reason', 'stack_id', 'node_addresses', 'is_default', 'version']);
    if (d.name === undefined) throw invalid('Invalid input for field/attribute name. Value: None. Mandatory field missing.');
    const role = (d.role as string | undefined) ?? 'worker';
    if (role === 'master') throw new MagnumFault(400, 'CreateMasterNodeGroup', 'Creating master nodegroups is currently not supported.');
    const nodeCount = (d.node_count as number | undefined) ?? 1;
    if (nodeCount === 0 && !atLeast(caller.version, 10)) throw new MagnumFault(400, 'ZeroNodeCountNotSupported', 'A node group of zero nodes needs microversion 1.10.');
    const min = (d.min_node_count as number | undefined) ?? 0;
    const max = (d.max_node_count as number | undefined) ?? null;
    checkBounds(min, max, nodeCount);
    if (!cluster.apiAddress) throw conflict('ClusterAPIAddressUnavailable', 'Create nodegroup failed because the cluster API address is unavailable. The cluster may still be creating.');
    assertIdle(cluster, 'resize');
    const token = caller.auth.token;
    if (d.flavor_id !== undefined) await ctx.checks.flavor(token, String(d.flavor_id));
    const template = await ctx.store.getTemplate(cluster.clusterTemplateId);
    if (d.image_id !== undefined) await ctx.checks.imageDistro(token, String(d.image_id));
    const given = d.labels as Record<string, string> | undefined;
    const labels = given === undefined ? cluster.labels : d.merge_labels === true ? { ...cluster.labels, ...given } : given;
    const g: NodeGroup = {
      uuid: newUuid(), clusterId: cluster.uuid, projectId: cluster.projectId, name: d.name as string, role, isDefault: false,
      flavorId: (d.flavor_id as string | undefined) ?? cluster.flavorId, imageId: (d.image_id as string | undefined) ?? template?.imageId ?? '',
      dockerVolumeSize: (d.docker_volume_size as number | undefined) ?? cluster.dockerVolumeSize, labels, nodeCount, minNodeCount: min,
      maxNodeCount: max, nodeAddresses: [], nodes: [], stackId: null, status: 'CREATE_IN_PROGRESS', statusReason: null, version: null,
      createdAt: new Date().toISOString(), updatedAt: null,
    };
    try {
      await ctx.store.createNodeGroup(g);
    } catch (err) {
      if (err instanceof NodeGroupExists) throw conflict('NodeGroupAlreadyExists', `A node group with name ${g.name} already exists in the cluster ${cluster.uuid}.`);
      throw err;
    }
    await startOperation(ctx, cluster, { kind: 'resize', nodegroup: g.uuid, nodeCount: g.nodeCount, nodesToRemove: [] });
    return reply.code(202).send(nodeGroupJson(g, requestBase(ctx, request), true));
  });

  app.patch<NgParams>('/v1/clusters/:cluster/nodegroups/:ng', async (request, reply) => {
    const ops = readPatch(request.body, ['/cluster_id', '/role', '/is_default', '/stack_id', '/status', '/status_reason', '/node_addresses', '/version']);
    const { cluster } = await clusterOf(request, 'nodegroup:update');
    const g = await nodeGroupFor(ctx, cluster, request.params.ng);
    for (const o of ops) {
      if (o.path !== '/min_node_count' && o.path !== '/max_node_count') throw invalid(`'${o.path}' is an internal attribute and can not be updated`);
    }
    const after = applyPatch({ min_node_count: g.minNodeCount, max_node_count: g.maxNodeCount }, ops, ['/min_node_count']);
    const min = readField('min_node_count', { type: 'int', min: 0, max: 1000 }, after.min_node_count) as number | undefined;
    const max = readField('max_node_count', { type: 'int', min: 0, max: 1000 }, after.max_node_count) as number | undefined;
    checkBounds(min ?? 0, max ?? null, g.nodeCount);
    await ctx.store.updateNodeGroup(g.uuid, { minNodeCount: min ?? 0, maxNodeCount: max ?? null });
    const stored = (await ctx.store.getNodeGroup(g.uuid)) ?? g;
    return reply.code(202).send(nodeGroupJson(stored, requestBase(ctx, request), true));
  });

  app.delete<NgParams>('/v1/clusters/:cluster/nodegroups/:ng', async (request, reply) => {
    const { cluster } = await clusterOf(request, 'nodegroup:delete');
    const g = await nodeGroupFor(ctx, cluster, request.params.ng);
    if (g.isDefault) throw new MagnumFault(400, 'DeletingDefaultNGNotSupported', 'Deleting a default nodegroup is not supported.');
    assertIdle(cluster, 'resize');
    await ctx.store.updateNodeGroup(g.uuid, { status: 'DELETE_IN_PROGRESS', statusReason: null });
    await startOperation(ctx, cluster, { kind: 'resize', nodegroup: g.uuid, nodeCount: 0, nodesToRemove: [] });
    return reply.code(204).send();
  });
}
