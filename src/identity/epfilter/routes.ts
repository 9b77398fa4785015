/**
 * OS-EP-FILTER: endpoint groups, and the endpoints / endpoint groups a project's token catalog is
 * limited to (the limiting itself happens in the token service, through filter.ts).
 */
import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, query, type IdentityContext } from '../context.js';
import type { Project } from '../model.js';
import { renderEndpoint } from '../catalog/routes.js';
import { renderProject } from '../resource/render.js';
import { EndpointFilterStore, type EndpointGroup, type EndpointGroupFilters } from './store.js';
import { endpointsForProject, matchesFilters } from './filter.js';

const PREFIX = '/v3/OS-EP-FILTER';

function renderGroup(ctx: IdentityContext, g: EndpointGroup): Record<string, unknown> {
  return { id: g.id, name: g.name, description: g.description, filters: g.filters, links: { self: link(ctx, `OS-EP-FILTER/endpoint_groups/${g.id}`) } };
}

type GroupParams = { endpoint_group_id: string };
type ProjectParams = { project_id: string };
type EndpointParams = { endpoint_id: string };
type GroupProjectParams = GroupParams & ProjectParams;
type ProjectEndpointParams = ProjectParams & EndpointParams;

export function epFilterRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new EndpointFilterStore(ctx.db);

  /** Projects by id, skipping any deleted since (their associations go with them). */
  async function projects(ids: string[]): Promise<Project[]> {
    const out: Project[] = [];
    for (const pid of ids) {
      const p = await ctx.resources.find(pid);
      if (p && !p.isDomain) out.push(p);
    }
    return out;
  }

  // --- endpoint groups ---

  app.get(`${PREFIX}/endpoint_groups`, async (request) => {
    enforce(ctx, request, 'identity:list_endpoint_groups');
    const q = query(request);
    const groups = await store.listGroups(q.name !== undefined ? { name: q.name } : {});
    return listBody(ctx, request, 'endpoint_groups', groups.map((g) => renderGroup(ctx, g)));
  });

  app.post(`${PREFIX}/endpoint_groups`, { schema: { body: schemas.endpointGroupCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_endpoint_group');
    const body = (request.body as { endpoint_group: { name: string; description?: string | null; filters: EndpointGroupFilters } }).endpoint_group;
    const group: EndpointGroup = { id: newHexId(), name: body.name, description: body.description ?? null, filters: body.filters };
    await store.insertGroup(group);
    return reply.code(201).send({ endpoint_group: renderGroup(ctx, group) });
  });

  app.get<{ Params: GroupParams }>(`${PREFIX}/endpoint_groups/:endpoint_group_id`, async (request) => {
    enforce(ctx, request, 'identity:get_endpoint_group');
    return { endpoint_group: renderGroup(ctx, await store.getGroup(request.params.endpoint_group_id)) };
  });

  app.patch<{ Params: GroupParams }>(`${PREFIX}/endpoint_groups/:endpoint_group_id`, { schema: { body: schemas.endpointGroupUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_endpoint_group');
    const current = await store.getGroup(request.params.endpoint_group_id);
    const body = (request.body as { endpoint_group: Partial<Pick<EndpointGroup, 'name' | 'description' | 'filters'>> }).endpoint_group;
    const next: EndpointGroup = {
      ...current,
      name: body.name ?? current.name,
      description: body.description === undefined ? current.description : body.description,
      filters: body.filters ?? current.filters,
    };
    return { endpoint_group: renderGroup(ctx, await store.updateGroup(next)) };
  });

  app.delete<{ Params: GroupParams }>(`${PREFIX}/endpoint_groups/:endpoint_group_id`, async (request, reply) => {
    enforce(ctx, request, 'identity:delete_endpoint_group');
    await store.getGroup(request.params.endpoint_group_id);
    await store.deleteGroup(request.params.endpoint_group_id);
    return reply.code(204).send();
  });

  app.get<{ Params: GroupParams }>(`${PREFIX}/endpoint_groups/:endpoint_group_id/endpoints`, async (request) => {
    enforce(ctx, request, 'identity:list_endpoints_associated_with_endpoint_group');
    const group = await store.getGroup(request.params.endpoint_group_id);
    const endpoints = (await ctx.catalog.listEndpoints()).filter((e) => matchesFilters(e, group.filters));
    return listBody(ctx, request, 'endpoints', endpoints.map((e) => renderEndpoint(ctx, e)));
  });

  app.get<{ Params: GroupParams }>(`${PREFIX}/endpoint_groups/:endpoint_group_id/projects`, async (request) => {
    enforce(ctx, request, 'identity:list_projects_associated_with_endpoint_group');
    const found = await projects(await store.projectIdsOfGroup(request.params.endpoint_group_id));
    return listBody(ctx, request, 'projects', found.map((p) => renderProject(ctx, p)));
  });

  // --- endpoint group <-> project ---

  const groupProject = `${PREFIX}/endpoint_groups/:endpoint_group_id/projects/:project_id`;

  app.put<{ Params: GroupProjectParams }>(groupProject, async (request, reply) => {
    enforce(ctx, request, 'identity:add_endpoint_group_to_project');
    await ctx.resources.getProject(request.params.project_id);
    await store.getGroup(request.params.endpoint_group_id);
    await store.addGroup(request.params.project_id, request.params.endpoint_group_id);
    return reply.code(204).send();
  });

  app.get<{ Params: GroupProjectParams }>(groupProject, async (request) => {
    enforce(ctx, request, 'identity:get_endpoint_group_in_project');
    const { project_id: projectId, endpoint_group_id: groupId } = request.params;
    await ctx.resources.getProject(projectId);
    await store.getGroup(groupId);
    if (!(await store.hasGroup(projectId, groupId))) throw new NotFound('Endpoint Group Project Association not found');
    return {
      project_endpoint_group: {
        endpoint_group_id: groupId,
        project_id: projectId,
        links: { self: link(ctx, `OS-EP-FILTER/endpoint_groups/${groupId}/projects/${projectId}`) },
      },
    };
  });

  app.delete<{ Params: GroupProjectParams }>(groupProject, async (request, reply) => {
    enforce(ctx, request, 'identity:remove_endpoint_group_from_project');
    const { project_id: projectId, endpoint_group_id: groupId } = request.params;
    await ctx.resources.getProject(projectId);
    await store.getGroup(groupId);
    if (!(await store.removeGroup(projectId, groupId))) throw new NotFound('Endpoint Group Project Association not found');
    return reply.code(204).send();
  });

  app.get<{ Params: ProjectParams }>(`${PREFIX}/projects/:project_id/endpoint_groups`, async (request) => {
    enforce(ctx, request, 'identity:list_endpoint_groups_for_project');
    await ctx.resources.getProject(request.params.project_id);
    const groups = await store.listGroups({ ids: await store.groupIdsOf(request.params.project_id) });
    return listBody(ctx, request, 'endpoint_groups', groups.map((g) => renderGroup(ctx, g)));
  });

  // --- project <-> endpoint ---

  const projectEndpoint = `${PREFIX}/projects/:project_id/endpoints/:endpoint_id`;
  const notInProject = (p: ProjectEndpointParams): NotFound => new NotFound(`Endpoint ${p.endpoint_id} not found in project ${p.project_id}`);

  app.put<{ Params: ProjectEndpointParams }>(projectEndpoint, async (request, reply) => {
    enforce(ctx, request, 'identity:add_endpoint_to_project');
    await ctx.catalog.getEndpoint(request.params.endpoint_id);
    await ctx.resources.getProject(request.params.project_id);
    await store.addEndpoint(request.params.project_id, request.params.endpoint_id);
    return reply.code(204).send();
  });

  app.get<{ Params: ProjectEndpointParams }>(projectEndpoint, async (request, reply) => {
    enforce(ctx, request, 'identity:check_endpoint_in_project');
    await ctx.catalog.getEndpoint(request.params.endpoint_id);
    await ctx.resources.getProject(request.params.project_id);
    if (!(await store.hasEndpoint(request.params.project_id, request.params.endpoint_id))) throw notInProject(request.params);
    return reply.code(204).send();
  });

  app.delete<{ Params: ProjectEndpointParams }>(projectEndpoint, async (request, reply) => {
    enforce(ctx, request, 'identity:remove_endpoint_from_project');
    if (!(await store.removeEndpoint(request.params.project_id, request.params.endpoint_id))) throw notInProject(request.params);
    return reply.code(204).send();
  });

  app.get<{ Params: ProjectParams }>(`${PREFIX}/projects/:project_id/endpoints`, async (request) => {
    enforce(ctx, request, 'identity:list_endpoints_for_project');
    await ctx.resources.getProject(request.params.project_id);
    const endpoints = await endpointsForProject(store, ctx.catalog, request.params.project_id);
    return listBody(ctx, request, 'endpoints', endpoints.map((e) => renderEndpoint(ctx, e)));
  });

  app.get<{ Params: EndpointParams }>(`${PREFIX}/endpoints/:endpoint_id/projects`, async (request) => {
    enforce(ctx, request, 'identity:list_projects_for_endpoint');
    await ctx.catalog.getEndpoint(request.params.endpoint_id);
    const found = await projects(await store.projectIdsOfEndpoint(request.params.endpoint_id));
    return listBody(ctx, request, 'projects', found.map((p) => renderProject(ctx, p)));
  });
}
