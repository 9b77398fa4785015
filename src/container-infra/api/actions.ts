/**
 * POST /v1/clusters/{ident}/actions/resize (≥1.7) and /actions/upgrade (≥1.8): each stores an operation
 * for the conductor and answers 202 {"uuid"}. Resize: not a master group, within the group's min/max, zero
 * only from 1.10, from Magnum's resizable states. Upgrade: to a template the caller sees; a non-default
 * group only to the cluster's current template.
 */
import type { FastifyInstance } from 'fastify';
import { callerOf, type ContainerInfraContext } from '../context.js';
import { RESIZABLE, UPDATABLE } from '../model.js';
import { invalid, MagnumFault, statusNotSupported } from '../errors.js';
import { readBody } from './common.js';
import { clusterFor, nodeGroupFor, targetOf, templateFor } from './lookup.js';
import { assertIdle, resize, startOperation } from './clusters.js';
import { atLeast, requireVersion } from './versions.js';

type Ident = { Params: { ident: string } };

export function actionRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  app.post<Ident>('/v1/clusters/:ident/actions/resize', async (request, reply) => {
    requireVersion(request, 7, 'resize');
    const caller = callerOf(ctx, request);
    const d = readBody(request.body, 'resize', {
      node_count: { type: 'int', min: 0, max: 1000 }, nodes_to_remove: { type: 'strings' }, nodegroup: { type: 'string', min: 1, max: 255 },
    });
    if (d.node_count === undefined) throw invalid('Invalid input for field/attribute node_count. Value: None. Mandatory field missing.');
    const nodeCount = d.node_count as number;
    const c = await clusterFor(ctx, caller, request.params.ident);
    caller.authorize('cluster:resize', targetOf(c));
    const ng = await nodeGroupFor(ctx, c, (d.nodegroup as string | undefined) ?? 'default-worker');
    if (ng.role === 'master') throw new MagnumFault(400, 'MasterNGResizeNotSupported', 'Resizing a master nodegroup is not supported.');
    if (nodeCount === 0 && !atLeast(caller.version, 10)) throw new MagnumFault(400, 'ZeroNodeCountNotSupported', 'Resizing a nodegroup to zero is not supported in the provided microversion.');
    if (nodeCount < ng.minNodeCount || (ng.maxNodeCount !== null && nodeCount > ng.maxNodeCount)) {
      throw new MagnumFault(400, 'NGResizeOutBounds', `Resizing ${ng.name} outside the allowed range: min_node_count = ${ng.minNodeCount}, max_node_count = ${ng.maxNodeCount ?? 'None'}`);
    }
    if (!RESIZABLE.includes(c.status)) throw statusNotSupported(c.status);
    const remove = (d.nodes_to_remove as string[] | undefined) ?? [];
    if (remove.length > 1000 || remove.some((s) => s.length === 0 || s.length > 255)) throw invalid('nodes_to_remove must list server ids or names.');
    await resize(ctx, c, ng, nodeCount, remove);
    return reply.code(202).send({ uuid: c.uuid });
  });

  app.post<Ident>('/v1/clusters/:ident/actions/upgrade', async (request, reply) => {
    requireVersion(request, 8, 'upgrade');
    const caller = callerOf(ctx, request);
    const d = readBody(request.body, 'upgrade', {
      cluster_template: { type: 'string', min: 1, max: 255 }, max_batch_size: { type: 'int', min: 1, max: 1000 }, nodegroup: { type: 'string', min: 1, max: 255 },
    });
    if (d.cluster_template === undefined) throw invalid('Invalid input for field/attribute cluster_template. Value: None. Mandatory field missing.');
    const c = await clusterFor(ctx, caller, request.params.ident);
    caller.authorize('cluster:upgrade', targetOf(c));
    const template = await templateFor(ctx, caller, d.cluster_template as string);
    const ng = await nodeGroupFor(ctx, c, (d.nodegroup as string | undefined) ?? 'default-worker');
    if (!ng.isDefault && template.uuid !== c.clusterTemplateId) {
      throw new MagnumFault(409, 'InvalidClusterTemplateForUpgrade', `Cluster template ${template.uuid} is not the cluster's current template: a non-default nodegroup can only be upgraded to it.`);
    }
    const current = await ctx.store.getTemplate(c.clusterTemplateId);
    if (current && current.coe !== template.coe) throw new MagnumFault(409, 'InvalidClusterTemplateForUpgrade', `Cluster template ${template.uuid} is for ${template.coe}, the cluster runs ${current.coe}.`);
    if (!UPDATABLE.includes(c.status)) throw statusNotSupported(c.status);
    assertIdle(c, 'upgrade');
    await startOperation(ctx, c, { kind: 'upgrade', templateId: template.uuid, nodegroup: ng.uuid, maxBatchSize: (d.max_batch_size as number | undefined) ?? 1 });
    return reply.code(202).send({ uuid: c.uuid });
  });
}
