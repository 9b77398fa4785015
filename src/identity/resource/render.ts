/** JSON shapes of domains and projects, as Keystone returns them. */
import { link, type IdentityContext } from '../context.js';
import type { Project } from '../model.js';

export function renderProject(ctx: IdentityContext, p: Project): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.parentId,
    is_domain: p.isDomain,
    tags: p.tags,
    options: {},
    links: { self: link(ctx, `projects/${p.id}`) },
  };
}

export function renderDomain(ctx: IdentityContext, d: Project): Record<string, unknown> {
  return {
    ...d.extra,
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: d.tags,
    options: {},
    links: { self: link(ctx, `domains/${d.id}`) },
  };
}
