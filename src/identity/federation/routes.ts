/**
 * OS-FEDERATION: identity providers and their protocols, mappings, service providers, and the
 * projects and domains a (federated) token may be scoped to. Federated login itself (SAML2/OpenID
 * Connect assertions turned into tokens through the mapping rules) is not served here.
 */
import type { FastifyInstance } from 'fastify';
import { authOf } from '../../platform/auth/middleware.js';
import { enforce, listBody, type IdentityContext } from '../context.js';
import { domainsWithRoles, projectsWithRoles } from '../auth/routes.js';
import { renderDomain, renderProject } from '../resource/render.js';
import { FederationStore } from './store.js';
import { identityProviderRoutes } from './identity-providers.js';
import { mappingRoutes } from './mappings.js';
import { serviceProviderRoutes } from './service-providers.js';

export function federationRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new FederationStore(ctx.db);
  identityProviderRoutes(app, ctx, store);
  mappingRoutes(app, ctx, store);
  serviceProviderRoutes(app, ctx, store);

  // The same answers as /v3/auth/projects and /v3/auth/domains: a federated user's roles come from
  // its groups, which the role resolver already counts.
  app.get('/v3/OS-FEDERATION/projects', async (request) => {
    enforce(ctx, request, 'identity:get_auth_projects');
    const projects = await projectsWithRoles(ctx, authOf(request).user.id);
    return listBody(ctx, request, 'projects', projects.map((p) => renderProject(ctx, p)));
  });

  app.get('/v3/OS-FEDERATION/domains', async (request) => {
    enforce(ctx, request, 'identity:get_auth_domains');
    const domains = await domainsWithRoles(ctx, authOf(request).user.id);
    return listBody(ctx, request, 'domains', domains.map((d) => renderDomain(ctx, d)));
  });
}
