/** Version discovery: GET / (300 Multiple Choices) and GET /v3. */
import type { FastifyInstance } from 'fastify';
import type { IdentityContext } from './context.js';

export const IDENTITY_API_VERSION = 'v3.14';

export function versionDocument(baseUrl: string): Record<string, unknown> {
  return {
    id: IDENTITY_API_VERSION,
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function versionRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  app.get('/', { config: { public: true } }, async (_request, reply) =>
    reply.code(300).send({ versions: { values: [versionDocument(ctx.baseUrl)] } }));
  app.get('/v3', { config: { public: true } }, async () => ({ version: versionDocument(ctx.baseUrl) }));
}
