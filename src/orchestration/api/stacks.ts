/**
 * /v1/{tenant}/stacks: create, preview, list and detail, show, template/environment/files, update (PUT
 * and PATCH) and its preview, delete, actions, outputs and export.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf, queryBool, queryInt, queryList, queryOne, requestBase, type Caller, type OrchestrationContext } from '../context.js';
import { actionInProgress, badRequest, notSupported, outputNotFound, requestLimitExceeded, stackExists, stackNotFound } from '../errors.js';
import { LIMITS, type Stack } from '../model.js';
import { countStacks, findStackByName, listStacks, stackResources } from '../store.js';
import { prepare, resolveDefinition } from '../engine/definition.js';
import { currentRows } from '../engine/run.js';
import { asBody, createInput, disableRollback, stackName, tags, timeoutMins, updateInput } from './bodies.js';
import { canonicalStack } from './lookup.js';
import { stackDetail, stackOutputs, stackSummary, stackUrl } from './render.js';
import { previewCreate, previewUpdate } from './preview.js';

type TenantParams = { Params: { tenant: string } };
type StackParams = { Params: { tenant: string; name: string; id: string } };
type OutputParams = { Params: { tenant: string; name: string; id: string; key: string } };

const SORT_KEYS = new Set(['stack_name', 'stack_status', 'creation_time', 'updated_time']);

function sortValue(s: Stack, key: string): string {
  switch (key) {
    case 'stack_name': return s.name;
    case 'stack_status': return `${s.action}_${s.status}`;
    case 'updated_time': return s.updatedAt ?? '';
    default: return s.createdAt;
  }
}

/** Heat's stack list: filters, tags, sorting and marker/limit paging over the caller's (or every) project. */
async function listing(ctx: OrchestrationContext, request: FastifyRequest<TenantParams>, caller: Caller): Promise<{ stacks: Stack[]; global: boolean }> {
  const global = queryBool(request, 'global_tenant');
  if (global) caller.authorize('stacks:global_index');
  let stacks = await listStacks(ctx.db, {
    projectId: global ? null : caller.projectId,
    showDeleted: queryBool(request, 'show_deleted'),
    showNested: queryBool(request, 'show_nested'),
  });
  const filters: Array<[string, (s: Stack) => string | readonly string[]]> = [
    ['name', (s) => s.name], ['status', (s) => [s.status, `${s.action}_${s.status}`]], ['action', (s) => s.action], ['id', (s) => s.id],
    ['tenant', (s) => s.projectId], ['username', (s) => s.userId], ['owner_id', (s) => s.ownerId ?? ''],
  ];
  for (const [key, get] of filters) {
    const want = queryList(request, key);
    if (want.length > 0) stacks = stacks.filter((s) => { const v = get(s); return (Array.isArray(v) ? v : [v]).some((x) => want.includes(x)); });
  }
  const allTags = queryList(request, 'tags');
  if (allTags.length > 0) stacks = stacks.filter((s) => allTags.every((t) => s.tags.includes(t)));
  const anyTags = queryList(request, 'tags_any');
  if (anyTags.length > 0) stacks = stacks.filter((s) => anyTags.some((t) => s.tags.includes(t)));
  const notTags = queryList(request, 'not_tags');
  if (notTags.length > 0) stacks = stacks.filter((s) => !notTags.every((t) => s.tags.includes(t)));
  const notAny = queryList(request, 'not_tags_any');
  if (notAny.length > 0) stacks = stacks.filter((s) => !notAny.some((t) => s.tags.includes(t)));
  const keys = queryList(request, 'sort_keys');
  for (const k of keys) if (!SORT_KEYS.has(k)) throw badRequest(`Sort key "${k}" not allowed; use one of ${[...SORT_KEYS].join(', ')}`);
  const dir = queryOne(request, 'sort_dir') ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Unknown sort direction "${dir}", must be "desc" or "asc"`);
  const sortKeys = keys.length > 0 ? keys : ['creation_time'];
  stacks.sort((a, b) => {
    for (const k of sortKeys) {
      const x = sortValue(a, k);
      const y = sortValue(b, k);
      if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
    }
    return a.id < b.id ? -1 : 1;
  });
  const marker = queryOne(request, 'marker');
  if (marker) {
    const at = stacks.findIndex((s) => s.id === marker);
    if (at < 0) throw badRequest(`Invalid marker "${marker}"`);
    stacks = stacks.slice(at + 1);
  }
  const limit = queryInt(request, 'limit');
  if (limit !== undefined) stacks = stacks.slice(0, limit);
  return { stacks, global };
}

/** Heat refuses a new operation while one runs, except delete (which supersedes it). */
function assertIdle(s: Stack): void {
  if (s.status === 'IN_PROGRESS' || s.operation !== null) throw actionInProgress(s.name, s.action);
}

export function stackRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  app.post<TenantParams>('/v1/:tenant/stacks', async (request, reply) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('stacks:create');
    const body = asBody(request.body);
    const name = stackName(body);
    if (await findStackByName(ctx.db, caller.projectId, name)) throw stackExists(name);
    const definition = await resolveDefinition(ctx.engine.registry, createInput(body), { checker: ctx.checkerFor(caller.auth.token) });
    if (await countStacks(ctx.db, caller.projectId) >= LIMITS.maxStacksPerProject) {
      throw requestLimitExceeded(`You have reached the maximum stacks per tenant, ${LIMITS.maxStacksPerProject}. Please delete some stacks.`);
    }
    const trustId = ctx.trusts ? await ctx.trusts.create(caller.auth) : null;
    const s = await ctx.engine.createStack({
      name, projectId: caller.projectId, userId: caller.auth.user.id, definition, trustId,
      disableRollback: disableRollback(body) ?? true, timeoutMins: timeoutMins(body) ?? null, tags: tags(body) ?? [],
    });
    const href = stackUrl(requestBase(ctx, request), s);
    // Heat's StackSerializer.create points Location at the new stack (gabbi and heatclient follow it).
    return reply.code(201).header('location', href).send({ stack: { id: s.id, links: [{ href, rel: 'self' }] } });
  });

  app.post<TenantParams>('/v1/:tenant/stacks/preview', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('stacks:preview');
    const body = asBody(request.body);
    const name = stackName(body);
    const definition = await resolveDefinition(ctx.engine.registry, createInput(body), { checker: ctx.checkerFor(caller.auth.token) });
    return { stack: previewCreate(ctx, requestBase(ctx, request), caller, name, definition, body) };
  });

  const list = (detail: boolean) => async (request: FastifyRequest<TenantParams>) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize(detail ? 'stacks:detail' : 'stacks:index');
    const { stacks, global } = await listing(ctx, request, caller);
    const base = requestBase(ctx, request);
    const out: Record<string, unknown> = {
      stacks: stacks.map((s) => (detail ? { ...stackDetail(base, ctx.engine.registry, s, undefined), ...(global ? { project: s.projectId } : {}) } : stackSummary(base, s, { withProject: global }))),
    };
    if (queryBool(request, 'with_count')) out.count = stacks.length;
    return out;
  };
  app.get<TenantParams>('/v1/:tenant/stacks', list(false));
  app.get<TenantParams>('/v1/:tenant/stacks/detail', list(true));

  const load = async (request: FastifyRequest<StackParams>, action: Parameters<Caller['authorize']>[0]): Promise<{ caller: Caller; stack: Stack }> => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize(action);
    return { caller, stack: await canonicalStack(ctx, caller, request.params.name, request.params.id) };
  };

  app.get<StackParams>('/v1/:tenant/stacks/:name/:id', async (request) => {
    const { stack } = await load(request, 'stacks:show');
    const resolveOutputs = queryBool(request, 'resolve_outputs', true);
    const rows = resolveOutputs ? await stackResources(ctx.db, stack.id) : undefined;
    return { stack: stackDetail(requestBase(ctx, request), ctx.engine.registry, stack, rows) };
  });

  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/template', async (request) => (await load(request, 'stacks:template')).stack.definition.template);
  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/environment', async (request) => {
    const env = (await load(request, 'stacks:environment')).stack.definition.environment;
    return { parameters: {}, parameter_defaults: {}, resource_registry: { resources: {} }, encrypted_param_names: [], event_sinks: [], ...env };
  });
  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/files', async (request) => (await load(request, 'stacks:files')).stack.definition.files);

  const update = (patch: boolean) => async (request: FastifyRequest<StackParams>, reply: import('fastify').FastifyReply) => {
    const { stack, caller } = await load(request, patch ? 'stacks:update_patch' : 'stacks:update');
    if (stack.deletedAt) throw stackNotFound(request.params.name);
    assertIdle(stack);
    const body = asBody(request.body);
    const target = await resolveDefinition(ctx.engine.registry, updateInput(body, stack.definition, patch), { previous: stack.definition.resolved, checker: ctx.checkerFor(caller.auth.token) });
    // Heat keeps the update's disable_rollback for the stack (a later PATCH without it keeps this one).
    stack.disableRollback = disableRollback(body) ?? stack.disableRollback;
    const rollback = !stack.disableRollback;
    const t = timeoutMins(body);
    if (t !== undefined) stack.timeoutMins = t;
    const newTags = tags(body);
    if (newTags) stack.tags = newTags;
    await ctx.engine.begin(stack, { kind: 'update', rollback, target, previous: stack.definition, existing: patch });
    return reply.code(202).send();
  };
  app.put<StackParams>('/v1/:tenant/stacks/:name/:id', update(false));
  app.patch<StackParams>('/v1/:tenant/stacks/:name/:id', update(true));

  const preview = (patch: boolean) => async (request: FastifyRequest<StackParams>) => {
    const { stack, caller } = await load(request, 'stacks:preview_update');
    const body = asBody(request.body);
    const target = await resolveDefinition(ctx.engine.registry, updateInput(body, stack.definition, patch), { previous: stack.definition.resolved, checker: ctx.checkerFor(caller.auth.token) });
    return { resource_changes: await previewUpdate(ctx, stack, target, queryBool(request, 'show_nested')) };
  };
  app.put<StackParams>('/v1/:tenant/stacks/:name/:id/preview', preview(false));
  app.patch<StackParams>('/v1/:tenant/stacks/:name/:id/preview', preview(true));

  app.delete<StackParams>('/v1/:tenant/stacks/:name/:id', async (request, reply) => {
    const { caller, stack } = await load(request, 'stacks:delete');
    if (stack.deletedAt) throw stackNotFound(request.params.name);
    if (stack.operation?.kind !== 'delete') {
      ctx.pendingTrustDeletes.set(stack.id, caller.auth.token);
      await ctx.engine.begin(stack, { kind: 'delete' });
    }
    return reply.code(204).send();
  });

  app.delete<StackParams>('/v1/:tenant/stacks/:name/:id/abandon', async (request) => {
    await load(request, 'stacks:delete');
    throw notSupported('Stack Abandon');
  });

  app.post<StackParams>('/v1/:tenant/stacks/:name/:id/actions', async (request, reply) => {
    const { stack } = await load(request, 'actions:action');
    const body = asBody(request.body);
    const keys = Object.keys(body);
    if (keys.length !== 1) throw badRequest('Multiple actions specified');
    const action = keys[0]!;
    switch (action) {
      case 'suspend': case 'resume': case 'check':
        assertIdle(stack);
        await ctx.engine.begin(stack, { kind: action });
        break;
      case 'cancel_update': case 'cancel_without_rollback':
        if (stack.action !== 'UPDATE' || stack.status !== 'IN_PROGRESS') {
          throw notSupported(`Cancelling update when stack is ${stack.action}_${stack.status}`);
        }
        await ctx.engine.cancelUpdate(stack, action === 'cancel_update');
        break;
      default:
        throw badRequest(`Invalid action ${action}`);
    }
    return reply.code(200).send();
  });

  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/outputs', async (request) => {
    const { stack } = await load(request, 'stacks:list_outputs');
    const p = prepare(ctx.engine.registry, stack.definition);
    return { outputs: Object.values(p.template.outputs).map((o) => ({ output_key: o.name, description: o.description ?? 'No description given' })) };
  });

  app.get<OutputParams>('/v1/:tenant/stacks/:name/:id/outputs/:key', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('stacks:show_output');
    const stack = await canonicalStack(ctx, caller, request.params.name, request.params.id);
    const outputs = stackOutputs(ctx.engine.registry, stack, await stackResources(ctx.db, stack.id));
    const o = outputs.find((x) => x.output_key === request.params.key);
    if (!o) throw outputNotFound(request.params.key, stack.name);
    return { output: o };
  });

  app.get<StackParams>('/v1/:tenant/stacks/:name/:id/export', async (request) => {
    const { stack } = await load(request, 'stacks:export');
    const rows = currentRows(await stackResources(ctx.db, stack.id));
    return {
      name: stack.name, id: stack.id, action: stack.action, status: stack.status, project_id: stack.projectId,
      stack_user_project_id: stack.projectId, template: stack.definition.template, environment: stack.definition.environment,
      files: stack.definition.files,
      resources: Object.fromEntries(rows.map((r) => [r.name, {
        name: r.name, type: r.type, action: r.action, status: r.status, resource_id: r.physicalId, metadata: r.metadata, resource_data: r.data,
      }])),
    };
  });
}
