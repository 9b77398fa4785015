/** Finding a template, cluster or node group named in a path by uuid or name, within what the caller sees. */
import type { Caller, ContainerInfraContext } from '../context.js';
import type { Cluster, ClusterTemplate, NodeGroup } from '../model.js';
import { ambiguous, MagnumFault, notFound } from '../errors.js';

/** A template the caller sees (its project's and public ones; admins every one); 404 or 409 otherwise. */
export async function templateFor(ctx: ContainerInfraContext, caller: Caller, ident: string, opts: { missingStatus?: 400 | 404 } = {}): Promise<ClusterTemplate> {
  const found = await ctx.store.findTemplates(ident, { projectId: caller.isAdmin ? null : caller.projectId });
  if (found.length > 1) throw ambiguous('cluster template');
  if (found.length === 0) {
    if (opts.missingStatus === 400) throw new MagnumFault(400, 'ClusterTemplateNotFound', `ClusterTemplate ${ident} could not be found.`);
    throw notFound('ClusterTemplate', ident);
  }
  return found[0]!;
}

/** A cluster the caller sees (its project's; admins every one); 404 or 409 otherwise. */
export async function clusterFor(ctx: ContainerInfraContext, caller: Caller, ident: string, opts: { missingStatus?: 400 | 404 } = {}): Promise<Cluster> {
  const found = await ctx.store.findClusters(ident, { projectId: caller.isAdmin ? null : caller.projectId });
  if (found.length > 1) throw ambiguous('cluster');
  if (found.length === 0) {
    if (opts.missingStatus === 400) throw new MagnumFault(400, 'ClusterNotFound', `Cluster ${ident} could not be found.`);
    throw notFound('Cluster', ident);
  }
  return found[0]!;
}

/** A node group of the cluster by uuid or name. */
export async function nodeGroupFor(ctx: ContainerInfraContext, cluster: Cluster, ident: string): Promise<NodeGroup> {
  const found = await ctx.store.findNodeGroups(cluster.uuid, ident);
  if (found.length > 1) throw ambiguous('nodegroup');
  if (found.length === 0) throw new MagnumFault(404, 'NodeGroupNotFound', `Nodegroup ${ident} could not be found.`);
  return found[0]!;
}

/** The policy target of a record: its project and owner. */
export const targetOf = (r: { projectId: string; userId?: string }): Record<string, unknown> => ({ project_id: r.projectId, user_id: r.userId ?? '' });
