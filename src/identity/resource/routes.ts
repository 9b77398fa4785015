/**
 * /v3/domains, /v3/projects and project tags.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import * as schemas from '../schemas.js';
import { enforce, inexactMatch, listBody, query, type IdentityContext } from '../context.js';
import { DEFAULT_DOMAIN_ID, queryBool, type Project } from '../model.js';
import { renderDomain, renderProject } from './render.js';
import { ResourceService, validateTags } from './service.js';

type IdParams = { id: string };
type TagParams = { id: string; tag: string };

/** The domain a new project or user lands in when the body names none: the caller's. */
export function callerDomainId(request: FastifyRequest): string {
  const auth = authOf(request);
  switch (auth.scope.kind) {
    case 'project': return auth.scope.project.domain.id;
    case 'domain': return auth.scope.domain.id;
    default: return DEFAULT_DOMAIN_ID;
  }
}

function matchesTags(p: Project, q: Record<string, string>): boolean {
  const list = (k: string): string[] | undefined => (q[k] === undefined ? undefined : q[k]!.split(',').filter(Boolean));
  const all = list('tags');
  const any = list('tags-any');
  const notAll = list('not-tags');
  const notAny = list('not-tags-any');
  if (all && !all.every((t) => p.tags.includes(t))) return false;
  if (any && !any.some((t) => p.tags.includes(t))) return false;
  if (notAll && notAll.every((t) => p.tags.includes(t))) return false;
  if (notAny && notAny.some((t) => p.tags.includes(t))) return false;
  return true;
}

export function resourceRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const service = new ResourceService(ctx);

  // --- domains ---

  app.get('/v3/domains', async (request) => {
    const q = query(request);
    enforce(ctx, request, 'identity:list_domains', q.id !== undefined ? { domain: { id: q.id } } : {});
    const domains = (await ctx.resources.list({
      isDomain: true,
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.enabled !== undefined ? { enabled: queryBool(q.enabled) } : {}),
    })).filter((d) => inexactMatch(q, 'name', d.name) && matchesTags(d, q));
    return listBody(ctx, request, 'domains', domains.map((d) => renderDomain(ctx, d)));
  });

  app.post('/v3/domains', { schema: { body: schemas.domainCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_domain');
    const body = (request.body as { domain: Record<string, unknown> }).domain;
    const domain = await service.createDomain(body);
    return reply.code(201).send({ domain: renderDomain(ctx, domain) });
  });

  app.get<{ Params: IdParams }>('/v3/domains/:id', async (request) => {
    const domain = await ctx.resources.find(request.params.id);
    if (!domain?.isDomain) throw new NotFound(`Could not find domain: ${request.params.id}.`);
    enforce(ctx, request, 'identity:get_domain', { domain: { id: domain.id } });
    return { domain: renderDomain(ctx, domain) };
  });

  app.patch<{ Params: IdParams }>('/v3/domains/:id', { schema: { body: schemas.domainUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_domain', { domain: { id: request.params.id } });
    const domain = await ctx.resources.getDomain(request.params.id);
    const body = (request.body as { domain: Record<string, unknown> }).domain;
    return { domain: renderDomain(ctx, await service.update(domain, body)) };
  });

  app.delete<{ Params: IdParams }>('/v3/domains/:id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_domain', { domain: { id: request.params.id } });
    await service.deleteDomain(await ctx.resources.getDomain(request.params.id));
    return reply.code(204).send();
  });

  // --- projects ---

  app.get('/v3/projects', async (request) => {
    const q = query(request);
    enforce(ctx, request, 'identity:list_projects', q.domain_id !== undefined ? { domain_id: q.domain_id } : {});
    const isDomain = q.is_domain !== undefined ? queryBool(q.is_domain) : false;
    const projects = (await ctx.resources.list({
      isDomain,
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
      ...(q.parent_id !== undefined ? { parentId: q.parent_id } : {}),
      ...(q.enabled !== undefined ? { enabled: queryBool(q.enabled) } : {}),
    })).filter((p) => inexactMatch(q, 'name', p.name) && matchesTags(p, q));
    return listBody(ctx, request, 'projects', projects.map((p) => renderProject(ctx, p)));
  });

  app.post('/v3/projects', { schema: { body: schemas.projectCreate } }, async (request, reply) => {
    const body = (request.body as { project: Record<string, unknown> }).project;
    const domainId = typeof body.domain_id === 'string' ? body.domain_id : callerDomainId(request);
    enforce(ctx, request, 'identity:create_project', { project: { domain_id: domainId } });
    const project = await service.createProject(body, domainId);
    return reply.code(201).send({ project: renderProject(ctx, project) });
  });

  app.get<{ Params: IdParams }>('/v3/projects/:id', async (request) => {
    const project = await ctx.resources.find(request.params.id);
    if (!project) throw new NotFound(`Could not find project: ${request.params.id}.`);
    enforce(ctx, request, 'identity:get_project', { project: { id: request.params.id, domain_id: project.domainId } });
    const q = query(request);
    const out = renderProject(ctx, project);
    if (q.parents_as_list !== undefined || q.parents_as_ids !== undefined) {
      const parents = await ctx.resources.parents(project);
      if (q.parents_as_list !== undefined) out.parents = parents.map((p) => ({ project: renderProject(ctx, p) }));
      else {
        let nested: Record<string, unknown> | null = null;
        for (const p of [...parents].reverse()) nested = { [p.id]: nested };
        out.parents = nested;
      }
    }
    if (q.subtree_as_list !== undefined) {
      out.subtree = (await ctx.resources.subtree(project.id)).map((p) => ({ project: renderProject(ctx, p) }));
    } else if (q.subtree_as_ids !== undefined) {
      const build = async (id: string): Promise<Record<string, unknown> | null> => {
        const children = await ctx.resources.children(id);
        if (children.length === 0) return null;
        const o: Record<string, unknown> = {};
        for (const c of children) o[c.id] = await build(c.id);
        return o;
      };
      out.subtree = await build(project.id);
    }
    return { project: out };
  });

  app.patch<{ Params: IdParams }>('/v3/projects/:id', { schema: { body: schemas.projectUpdate } }, async (request) => {
    const project = await ctx.resources.find(request.params.id);
    if (!project) throw new NotFound(`Could not find project: ${request.params.id}.`);
    enforce(ctx, request, 'identity:update_project', { project: { id: request.params.id, domain_id: project.domainId } });
    const body = (request.body as { project?: Record<string, unknown> }).project ?? {};
    return { project: renderProject(ctx, await service.update(project, body)) };
  });

  app.delete<{ Params: IdParams }>('/v3/projects/:id', async (request, reply) => {
    const project = await ctx.resources.find(request.params.id);
    if (!project) throw new NotFound(`Could not find project: ${request.params.id}.`);
    enforce(ctx, request, 'identity:delete_project', { project: { id: request.params.id, domain_id: project.domainId } });
    if (project.isDomain) await service.deleteDomain(project);
    else await service.deleteProject(project);
    return reply.code(204).send();
  });

  // --- tags ---

  async function taggedProject(request: FastifyRequest<{ Params: IdParams }>, action: string): Promise<Project> {
    const project = await ctx.resources.find(request.params.id);
    if (!project) throw new NotFound(`Could not find project: ${request.params.id}.`);
    enforce(ctx, request, action, { project: { id: request.params.id, domain_id: project.domainId } });
    return project;
  }

  app.get<{ Params: IdParams }>('/v3/projects/:id/tags', async (request) => {
    const project = await taggedProject(request, 'identity:list_project_tags');
    return { tags: project.tags };
  });

  app.put<{ Params: IdParams }>('/v3/projects/:id/tags', { schema: { body: schemas.projectTagsUpdate } }, async (request) => {
    const project = await taggedProject(request, 'identity:update_project_tags');
    const tags = validateTags((request.body as { tags: unknown }).tags);
    await ctx.resources.setTags(project.id, tags);
    return { tags: [...new Set(tags)].sort() };
  });

  app.delete<{ Params: IdParams }>('/v3/projects/:id/tags', async (request, reply) => {
    const project = await taggedProject(request, 'identity:delete_project_tags');
    await ctx.resources.setTags(project.id, []);
    return reply.code(204).send();
  });

  app.get<{ Params: TagParams }>('/v3/projects/:id/tags/:tag', async (request, reply) => {
    const project = await taggedProject(request, 'identity:get_project_tag');
    if (!project.tags.includes(request.params.tag)) throw new NotFound(`Tag ${request.params.tag} was not found in project ${project.id}.`);
    return reply.code(204).send();
  });

  app.put<{ Params: TagParams }>('/v3/projects/:id/tags/:tag', async (request, reply) => {
    const project = await taggedProject(request, 'identity:create_project_tag');
    const tags = validateTags([...project.tags, request.params.tag]);
    if (!project.tags.includes(request.params.tag)) await ctx.resources.setTags(project.id, tags);
    return reply.code(201).header('location', `${ctx.baseUrl}/v3/projects/${project.id}/tags/${encodeURIComponent(request.params.tag)}`).send();
  });

  app.delete<{ Params: TagParams }>('/v3/projects/:id/tags/:tag', async (request, reply) => {
    const project = await taggedProject(request, 'identity:delete_project_tag');
    if (!project.tags.includes(request.params.tag)) throw new NotFound(`Tag ${request.params.tag} was not found in project ${project.id}.`);
    await ctx.resources.setTags(project.id, project.tags.filter((t) => t !== request.params.tag));
    return reply.code(204).send();
  });

}
