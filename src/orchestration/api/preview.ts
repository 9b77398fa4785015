/**
 * Previews: what a create would make (POST /stacks/preview) and what an update would do to each resource
 * (PUT|PATCH …/preview: unchanged, updated in place, replaced, added, deleted), decided with the rules the
 * engine's update follows (engine/run.ts), without touching anything.
 */
import { resolve } from '../hot/index.js';
import type { Caller, OrchestrationContext } from '../context.js';
import { now, type Stack, type StackDefinition } from '../model.js';
import { prepare } from '../engine/definition.js';
import { applySchema, changedProperties } from '../engine/properties.js';
import { currentRow, currentRows, resolveContext } from '../engine/run.js';
import { stackResources } from '../store.js';
import { stackParameters } from './render.js';

/** The stack a create would make, with its resources in INIT_COMPLETE. */
export function previewCreate(ctx: OrchestrationContext, base: string, caller: Caller, name: string, def: StackDefinition, body: Record<string, unknown>): Record<string, unknown> {
  const p = prepare(ctx.engine.registry, def);
  const fake: Stack = {
    id: 'None' as Stack['id'], name, projectId: caller.projectId, userId: caller.auth.user.id, action: 'INIT', status: 'COMPLETE', statusReason: '',
    definition: def, disableRollback: body.disable_rollback !== false, timeoutMins: null, tags: [], ownerId: null, ownerResource: null,
    rootId: 'None' as Stack['id'], nestedDepth: 0, trustId: null, operation: null, createdAt: now(), updatedAt: null, deletedAt: null,
  };
  const reqBy = new Map<string, string[]>();
  for (const [n, deps] of p.requires) for (const d of deps) reqBy.set(d, [...(reqBy.get(d) ?? []), n]);
  const ctxR = resolveContext(fake, p, []);
  return {
    stack_name: name, id: 'None', description: p.template.description ?? '', template_description: p.template.description ?? '',
    disable_rollback: fake.disableRollback, timeout_mins: null, capabilities: [], notification_topics: [], creation_time: fake.createdAt,
    deletion_time: null, updated_time: null, stack_owner: null, parent: null,
    parameters: stackParameters(fake, p),
    links: [{ href: `${base}/v1/${caller.projectId}/stacks/${name}/None`, rel: 'self' }],
    resources: [...p.resources.values()].map((r) => {
      let properties: unknown = {};
      try { properties = resolve(p.template, r.properties ?? {}, ctxR, ['resources', r.name, 'properties']); } catch { properties = r.properties; }
      return {
        resource_name: r.name, resource_type: r.type, resource_action: 'INIT', resource_status: 'COMPLETE', resource_status_reason: '',
        physical_resource_id: '', description: r.description ?? '', metadata: r.metadata ?? {}, properties, required_by: reqBy.get(r.name) ?? [],
        stack_name: name, stack_identity: { stack_name: name, stack_id: 'None', tenant: caller.projectId, path: '' },
      };
    }),
  };
}

type Change = Record<string, unknown>;

/** What an update to `target` would do, per resource. */
export async function previewUpdate(ctx: OrchestrationContext, stack: Stack, target: StackDefinition, _showNested: boolean): Promise<Record<string, Change[]>> {
  const rows = await stackResources(ctx.db, stack.id);
  const p = prepare(ctx.engine.registry, target);
  const out: Record<string, Change[]> = { unchanged: [], updated: [], replaced: [], added: [], deleted: [] };
  const info = (name: string, type: string, physicalId: string | null, status: string): Change => ({
    resource_name: name, resource_type: type, resource_status: status, physical_resource_id: physicalId ?? '',
    stack_name: stack.name, stack_identity: { stack_name: stack.name, stack_id: stack.id, tenant: stack.projectId, path: '' },
    resource_identity: { stack_name: stack.name, stack_id: stack.id, tenant: stack.projectId, path: `/resources/${name}` },
  });
  const rctx = resolveContext(stack, p, rows);
  for (const [name, def] of p.resources) {
    const cur = currentRow(rows, name);
    if (!cur || cur.action === 'INIT') { out.added!.push(info(name, def.type, null, 'INIT_COMPLETE')); continue; }
    const item = info(name, def.type, cur.physicalId, `${cur.action}_${cur.status}`);
    let plugin;
    let props: Record<string, unknown> | undefined;
    try {
      plugin = p.plugin(name);
      props = applySchema(name, plugin.properties, resolve(p.template, def.properties ?? {}, rctx, ['resources', name, 'properties']), plugin.openProperties);
    } catch {
      props = undefined;
    }
    if (!plugin || cur.type !== def.type || cur.status === 'FAILED') { out.replaced!.push(item); continue; }
    const changed = props === undefined ? ['*'] : changedProperties(cur.properties, props);
    if (changed.length === 0) out.unchanged!.push(item);
    else if (plugin.update && changed.every((k) => plugin.openProperties || plugin.properties[k]?.updateAllowed)
      && !(changed.includes('update_replace') && props?.update_replace === true)) out.updated!.push(item);
    else out.replaced!.push(item);
  }
  for (const r of currentRows(rows)) if (!p.resources.has(r.name)) out.deleted!.push(info(r.name, r.type, r.physicalId, `${r.action}_${r.status}`));
  return out;
}
