/**
 * Rules for creating, changing and deleting domains and projects (Keystone's resource manager):
 * hierarchy depth, immutable attributes, enabling along the tree, and the cleanup a deletion implies.
 */
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import type { IdentityContext } from '../context.js';
import { MAX_PROJECT_TREE_DEPTH, MAX_TAGS_PER_PROJECT, ROOT_DOMAIN_ID, type Extra, type Project } from '../model.js';

/** Keystone booleans in bodies may be JSON booleans or strings such as "true"/"no" (see schemas.ts). */
export function bodyBool(v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['true', 't', 'yes', 'y', 'on', '1'].includes(v.toLowerCase());
  return Boolean(v);
}

export function validateTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new BadRequest("Invalid input for field 'tags': must be a list");
  if (tags.length > MAX_TAGS_PER_PROJECT) throw new BadRequest(`Invalid input for field 'tags': a project may have at most ${MAX_TAGS_PER_PROJECT} tags`);
  for (const t of tags) {
    if (typeof t !== 'string' || t.length < 1 || t.length > 255 || /[/,]/.test(t)) {
      throw new BadRequest(`Invalid input for field 'tags': ${JSON.stringify(t)} is not a valid tag (1-255 characters, no '/' or ',')`);
    }
  }
  return tags as string[];
}

const RESERVED = new Set(['id', 'name', 'description', 'enabled', 'domain_id', 'parent_id', 'is_domain', 'tags', 'options', 'links', 'explicit_domain_id']);

/** The attributes of a body Keystone keeps as free-form extras. */
export function extrasOf(body: Record<string, unknown>, reserved: ReadonlySet<string> = RESERVED): Extra {
  const extra: Extra = {};
  for (const [k, v] of Object.entries(body)) if (!reserved.has(k)) extra[k] = v;
  return extra;
}

export class ResourceService {
  constructor(private readonly ctx: IdentityContext) {}

  async createDomain(body: Record<string, unknown>): Promise<Project> {
    const id = typeof body.explicit_domain_id === 'string' ? body.explicit_domain_id : newHexId();
    const domain: Project = {
      id,
      name: String(body.name),
      description: typeof body.description === 'string' ? body.description : '',
      enabled: bodyBool(body.enabled, true),
      domainId: ROOT_DOMAIN_ID,
      parentId: null,
      isDomain: true,
      tags: body.tags === undefined ? [] : validateTags(body.tags),
      extra: extrasOf(body),
    };
    return this.ctx.resources.insert(domain);
  }

  async createProject(body: Record<string, unknown>, defaultDomainId: string): Promise<Project> {
    if (bodyBool(body.is_domain, false)) {
      if (body.parent_id !== undefined && body.parent_id !== null) throw new BadRequest('Domains cannot have a parent.');
      return this.createDomain(body);
    }
    let domainId = typeof body.domain_id === 'string' ? body.domain_id : undefined;
    let parentId = typeof body.parent_id === 'string' ? body.parent_id : undefined;
    if (parentId !== undefined) {
      const parent = await this.ctx.resources.find(parentId);
      if (!parent) throw new NotFound(`Could not find project: ${parentId}.`);
      const parentDomain = parent.isDomain ? parent.id : parent.domainId;
      if (domainId !== undefined && domainId !== parentDomain) {
        throw new BadRequest('Cannot create project, the parent and the project are in different domains.');
      }
      domainId = parentDomain;
      if (!parent.isDomain) {
        const depth = (await this.ctx.resources.parents(parent)).length + 2;
        if (depth > MAX_PROJECT_TREE_DEPTH) throw new Forbidden(`Max hierarchy depth reached for ${parentId} branch.`);
      }
    }
    domainId ??= defaultDomainId;
    const domain = await this.ctx.resources.find(domainId);
    if (!domain?.isDomain) throw new NotFound(`Could not find domain: ${domainId}.`);
    parentId ??= domainId;
    const project: Project = {
      id: newHexId(),
      name: String(body.name),
      description: typeof body.description === 'string' ? body.description : '',
      enabled: bodyBool(body.enabled, true),
      domainId,
      parentId,
      isDomain: false,
      tags: body.tags === undefined ? [] : validateTags(body.tags),
      extra: extrasOf(body),
    };
    return this.ctx.resources.insert(project);
  }

  /** Applies an update body to a project or domain. */
  async update(current: Project, body: Record<string, unknown>): Promise<Project> {
    if (body.domain_id !== undefined && body.domain_id !== current.domainId && !(current.isDomain && body.domain_id === null)) {
      throw new BadRequest('Update of `domain_id` is not allowed.');
    }
    if (body.parent_id !== undefined && body.parent_id !== current.parentId) throw new BadRequest('Update of `parent_id` is not allowed.');
    if (body.is_domain !== undefined && bodyBool(body.is_domain, current.isDomain) !== current.isDomain) throw new BadRequest('Update of `is_domain` is not allowed.');
    const next: Project = {
      ...current,
      name: typeof body.name === 'string' ? body.name : current.name,
      description: body.description === undefined ? current.description : (typeof body.description === 'string' ? body.description : ''),
      enabled: bodyBool(body.enabled, current.enabled),
      tags: body.tags === undefined ? current.tags : validateTags(body.tags),
      extra: { ...current.extra, ...extrasOf(body) },
    };
    if (!current.isDomain && next.enabled !== current.enabled) {
      if (next.enabled) {
        for (const parent of await this.ctx.resources.parents(current)) {
          if (!parent.enabled) throw new Forbidden(`Cannot enable project ${current.id} since it has disabled parents.`);
        }
      } else if ((await this.ctx.resources.subtree(current.id)).some((p) => p.enabled)) {
        throw new Forbidden(`Cannot disable project ${current.id} since its subtree contains enabled projects.`);
      }
    }
    await this.ctx.resources.update(next);
    if (current.enabled && !next.enabled) {
      await this.ctx.revocations.revoke(current.isDomain ? { domain_id: current.id } : { project_id: current.id });
    }
    return next;
  }

  async deleteProject(project: Project): Promise<void> {
    if ((await this.ctx.resources.children(project.id)).length > 0) {
      throw new Forbidden(`Cannot delete the project ${project.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`);
    }
    await this.#purgeProject(project.id);
    await this.ctx.revocations.revoke({ project_id: project.id });
  }

  async #purgeProject(projectId: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.ctx.assignments.deleteForTarget(projectId, tx);
      await tx.deleteFrom('project_endpoint').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('project_endpoint_group').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('application_credential').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('credential').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('limit_').where('project_id', '=', projectId).execute();
      await this.ctx.resources.delete(projectId, tx);
    });
  }

  /** Deletes a disabled domain and everything that lives in it. */
  async deleteDomain(domain: Project): Promise<void> {
    if (domain.enabled) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.');
    const projects = (await this.ctx.resources.subtree(domain.id)).reverse();
    for (const p of projects) await this.#purgeProject(p.id);
    const users = await this.ctx.users.list({ domainId: domain.id });
    const groups = await this.ctx.users.listGroups({ domainId: domain.id });
    const roles = await this.ctx.assignments.listRoles({ domainId: domain.id });
    await this.ctx.db.transaction().execute(async (tx) => {
      for (const u of users) {
        await this.ctx.assignments.deleteForActor(u.id, tx);
        await this.ctx.users.delete(u.id, tx);
      }
      for (const g of groups) {
        await this.ctx.assignments.deleteForActor(g.id, tx);
        await this.ctx.users.deleteGroup(g.id, tx);
      }
      for (const r of roles) await this.ctx.assignments.deleteRole(r.id, tx);
      await this.ctx.assignments.deleteForTarget(domain.id, tx);
      await tx.deleteFrom('domain_config').where('domain_id', '=', domain.id).execute();
      await tx.deleteFrom('limit_').where('domain_id', '=', domain.id).execute();
      await this.ctx.resources.delete(domain.id, tx);
    });
    await this.ctx.revocations.revoke({ domain_id: domain.id });
  }
}
