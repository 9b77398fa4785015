/**
 * /v2.0/security-groups and /v2.0/security-group-rules. A project's `default` group appears on its first
 * use (listing or creating groups, creating networks or ports); new groups start with Neutron's two egress
 * rules; the default group cannot be renamed, nor removed except by an admin.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inTransaction } from '../../platform/db/database.js';
import { callerOf, now, requestBase, type NetworkContext } from '../context.js';
import { name, parseBody, projectId, type ResourceSpec } from '../attributes.js';
import { actionsFor, ownerProject } from '../common.js';
import {
  securityGroupCannotRemoveDefault, securityGroupCannotUpdateDefault, securityGroupDefaultAlreadyExists, securityGroupInUse,
  securityGroupNotFound, securityGroupRuleExists, securityGroupRuleNotFound,
} from '../errors.js';
import { listPage, requestedFields, selectFields, type ListSpec } from '../listing.js';
import { bumpPlan, checkQuota, lockProject } from '../quotas/service.js';
import { deleteTags, tagRoutes } from '../tags.js';
import {
  DEFAULT_GROUP_NAME, ensureDefaultGroup, getVisibleGroup, hasDefaultGroup, groupTarget, isDefaultGroup, renderGroups, renderRule, ruleTarget, visibleGroups,
  type RuleRow, type SecurityGroupRow,
} from './store.js';
import { checkRule, RULE_SPEC } from './rules.js';

const READ_ONLY = { post: false, put: false } as const;

const GROUP_SPEC: ResourceSpec = {
  id: READ_ONLY,
  name: { post: true, put: true, default: () => '', validate: name },
  description: { post: true, put: true, default: () => '', validate: name },
  project_id: { post: true, put: false, validate: projectId },
  security_group_rules: READ_ONLY,
  tags: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

const GROUP_LIST: ListSpec = {
  filters: { id: 'string', name: 'string', description: 'string', tenant_id: 'string', project_id: 'string', revision_number: 'int' },
  sortable: new Set(['id', 'name', 'description', 'tenant_id', 'project_id', 'created_at', 'updated_at', 'revision_number']),
};

const RULE_LIST: ListSpec = {
  filters: {
    id: 'string', tenant_id: 'string', project_id: 'string', security_group_id: 'string', direction: 'string', ethertype: 'string',
    protocol: 'string', port_range_min: 'int', port_range_max: 'int', remote_ip_prefix: 'string', remote_group_id: 'string',
    description: 'string', revision_number: 'int',
  },
  sortable: new Set(['id', 'tenant_id', 'project_id', 'security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'created_at', 'updated_at', 'revision_number']),
};

type IdParams = { Params: { id: string } };

/** The rule and its group's project if the caller may see the rule; SecurityGroupRuleNotFound otherwise. */
async function visibleRule(ctx: NetworkContext, caller: ReturnType<typeof callerOf>, id: string): Promise<{ rule: RuleRow; groupProject: string }> {
  const rule = await ctx.db.selectFrom('security_group_rule').selectAll().where('id', '=', id).executeTakeFirst();
  const group = rule && await ctx.db.selectFrom('security_group').select('project_id').where('id', '=', rule.security_group_id).executeTakeFirst();
  if (!rule || !group || !caller.can('get_security_group_rule', ruleTarget(rule, group.project_id))) throw securityGroupRuleNotFound(id);
  return { rule, groupProject: group.project_id };
}

export function securityGroupRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/v2.0/security-groups', async (request) => {
    const caller = callerOf(ctx, request);
    // A project's first look at its groups already shows its default one, as in Neutron.
    if (caller.projectId !== '' && !(await hasDefaultGroup(ctx.db, caller.projectId))) {
      await inTransaction(ctx.db, async (tx) => { await lockProject(tx, caller.projectId); await ensureDefaultGroup(tx, caller.projectId); });
    }
    const all = await renderGroups(ctx.db, await visibleGroups(ctx.db, caller));
    const page = listPage(request, requestBase(ctx, request), all, GROUP_LIST);
    const fields = requestedFields(request);
    return { security_groups: page.items.map((g) => selectFields(g, fields)), ...(page.links.length > 0 ? { security_groups_links: page.links } : {}) };
  });

  app.get<IdParams>('/v2.0/security-groups/:id', async (request) => {
    const [g] = await renderGroups(ctx.db, [await getVisibleGroup(ctx.db, callerOf(ctx, request), request.params.id)]);
    return { security_group: selectFields(g!, requestedFields(request)) };
  });

  app.post('/v2.0/security-groups', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const body = parseBody(request.body, 'security_group', GROUP_SPEC, 'create');
    const v = body.values;
    const project = ownerProject(caller, v);
    caller.authorize(actionsFor('create', 'security_group', GROUP_SPEC, body), { project_id: project, tenant_id: project });
    if ((v.name as string).toLowerCase() === DEFAULT_GROUP_NAME) throw securityGroupDefaultAlreadyExists();
    const t = now();
    const group: SecurityGroupRow = {
      id: randomUUID(), project_id: project, name: v.name as string, description: v.description as string, stateful: 1, created_at: t, updated_at: t, revision_number: 1,
    };
    await inTransaction(ctx.db, async (tx) => {
      await lockProject(tx, project);
      await ensureDefaultGroup(tx, project);
      await checkQuota(tx, project, 'security_group');
      await tx.insertInto('security_group').values(group).execute();
      // Every new group lets its members send anything (Neutron adds these two egress rules).
      for (const ethertype of ['IPv4', 'IPv6']) {
        await tx.insertInto('security_group_rule').values({
          id: randomUUID(), project_id: project, security_group_id: group.id, direction: 'egress', ethertype, protocol: null,
          port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, description: '', created_at: t, updated_at: t, revision_number: 1,
        }).execute();
      }
    });
    const [rendered] = await renderGroups(ctx.db, [group]);
    return reply.code(201).send({ security_group: rendered });
  });

  app.put<IdParams>('/v2.0/security-groups/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const existing = await getVisibleGroup(ctx.db, caller, request.params.id);
    const body = parseBody(request.body, 'security_group', GROUP_SPEC, 'update');
    caller.authorize(actionsFor('update', 'security_group', GROUP_SPEC, body), groupTarget(existing));
    const v = body.values;
    if ('name' in v && v.name !== existing.name) {
      if (await isDefaultGroup(ctx.db, existing.id)) throw securityGroupCannotUpdateDefault();
      if ((v.name as string).toLowerCase() === DEFAULT_GROUP_NAME) throw securityGroupDefaultAlreadyExists();
    }
    const g: SecurityGroupRow = {
      ...existing,
      ...('name' in v ? { name: v.name as string } : {}),
      ...('description' in v ? { description: v.description as string } : {}),
      updated_at: now(),
      revision_number: existing.revision_number + 1,
    };
    await ctx.db.updateTable('security_group').set({ name: g.name, description: g.description, updated_at: g.updated_at, revision_number: g.revision_number }).where('id', '=', g.id).execute();
    const [rendered] = await renderGroups(ctx.db, [g]);
    return { security_group: rendered };
  });

  app.delete<IdParams>('/v2.0/security-groups/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const g = await getVisibleGroup(ctx.db, caller, request.params.id);
    caller.authorize(['delete_security_group'], groupTarget(g));
    if (!caller.isAdmin && await isDefaultGroup(ctx.db, g.id)) throw securityGroupCannotRemoveDefault();
    await inTransaction(ctx.db, async (tx) => {
      const used = await tx.selectFrom('port_security_group').select('port_id').where('security_group_id', '=', g.id).executeTakeFirst();
      if (used) throw securityGroupInUse(g.id);
      const rules = await tx.selectFrom('security_group_rule').select('id').where('security_group_id', '=', g.id).execute();
      await deleteTags(tx, [g.id, ...rules.map((r) => r.id)]);
      await tx.deleteFrom('security_group').where('id', '=', g.id).execute();
      // Other groups' rules naming this one as remote group go with it (a cascade), which agents must see.
      await bumpPlan(tx);
    });
    return reply.code(204).send();
  });

  tagRoutes(app, ctx, 'security-groups', async (request, id) => {
    const caller = callerOf(ctx, request);
    const g = await getVisibleGroup(ctx.db, caller, id);
    return { authorizeUpdate: () => caller.authorize(['update_security_group'], groupTarget(g)) };
  });

  app.get('/v2.0/security-group-rules', async (request) => {
    const caller = callerOf(ctx, request);
    let q = ctx.db.selectFrom('security_group_rule').innerJoin('security_group', 'security_group.id', 'security_group_rule.security_group_id')
      .selectAll('security_group_rule').select('security_group.project_id as group_project');
    if (!caller.isAdmin) q = q.where((eb) => eb.or([eb('security_group_rule.project_id', '=', caller.projectId), eb('security_group.project_id', '=', caller.projectId)]));
    const rows = await q.orderBy('security_group_rule.created_at').orderBy('security_group_rule.id').execute();
    const all = rows.filter((r) => caller.can('get_security_group_rule', ruleTarget(r, r.group_project))).map(({ group_project: _g, ...r }) => renderRule(r));
    const page = listPage(request, requestBase(ctx, request), all, RULE_LIST);
    const fields = requestedFields(request);
    return { security_group_rules: page.items.map((r) => selectFields(r, fields)), ...(page.links.length > 0 ? { security_group_rules_links: page.links } : {}) };
  });

  app.get<IdParams>('/v2.0/security-group-rules/:id', async (request) => {
    const { rule } = await visibleRule(ctx, callerOf(ctx, request), request.params.id);
    return { security_group_rule: selectFields(renderRule(rule), requestedFields(request)) };
  });

  app.post('/v2.0/security-group-rules', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const body = parseBody(request.body, 'security_group_rule', RULE_SPEC, 'create');
    const v = body.values;
    const group = await ctx.db.selectFrom('security_group').selectAll().where('id', '=', v.security_group_id as string).executeTakeFirst();
    if (!group || !caller.can('get_security_group', groupTarget(group))) throw securityGroupNotFound(v.security_group_id as string);
    // A rule belongs to its group's project (an admin adding one to another project's group adds it there).
    const project = 'project_id' in v ? ownerProject(caller, v) : group.project_id;
    caller.authorize(actionsFor('create', 'security_group_rule', RULE_SPEC, body), { project_id: project, tenant_id: project, 'security_group:project_id': group.project_id });
    checkRule(v);
    if (v.remote_group_id !== null) {
      const remote = await ctx.db.selectFrom('security_group').selectAll().where('id', '=', v.remote_group_id as string).executeTakeFirst();
      if (!remote || !caller.can('get_security_group', groupTarget(remote))) throw securityGroupNotFound(v.remote_group_id as string);
    }
    const t = now();
    const rule: RuleRow = {
      id: randomUUID(), project_id: project, security_group_id: group.id, direction: v.direction as string, ethertype: v.ethertype as string,
      protocol: v.protocol as string | null, port_range_min: v.port_range_min as number | null, port_range_max: v.port_range_max as number | null,
      remote_ip_prefix: v.remote_ip_prefix as string | null, remote_group_id: v.remote_group_id as string | null,
      description: v.description as string, created_at: t, updated_at: t, revision_number: 1,
    };
    await inTransaction(ctx.db, async (tx) => {
      await lockProject(tx, project);
      const same = await tx.selectFrom('security_group_rule').selectAll().where('security_group_id', '=', group.id).execute();
      const dup = same.find((r) => r.direction === rule.direction && r.ethertype === rule.ethertype && r.protocol === rule.protocol
        && r.port_range_min === rule.port_range_min && r.port_range_max === rule.port_range_max
        && r.remote_ip_prefix === rule.remote_ip_prefix && r.remote_group_id === rule.remote_group_id);
      if (dup) throw securityGroupRuleExists(dup.id);
      await checkQuota(tx, project, 'security_group_rule');
      await tx.insertInto('security_group_rule').values(rule).execute();
      await tx.updateTable('security_group').set({ revision_number: group.revision_number + 1, updated_at: t }).where('id', '=', group.id).execute();
      await bumpPlan(tx);
    });
    return reply.code(201).send({ security_group_rule: renderRule(rule) });
  });

  app.delete<IdParams>('/v2.0/security-group-rules/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { rule, groupProject } = await visibleRule(ctx, caller, request.params.id);
    caller.authorize(['delete_security_group_rule'], ruleTarget(rule, groupProject));
    await inTransaction(ctx.db, async (tx) => {
      await deleteTags(tx, [rule.id]);
      await tx.deleteFrom('security_group_rule').where('id', '=', rule.id).execute();
      await bumpPlan(tx);
    });
    return reply.code(204).send();
  });
}
