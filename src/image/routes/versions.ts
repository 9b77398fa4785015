/**
 * Version discovery, as Glance's version negotiation answers it: `/versions` lists the versions (200),
 * and any path that names no known version (`/`, `/v1/…`) answers the same list with 300.
 */
import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../platform/errors.js';
import type { ImageContext } from '../context.js';

/** The v2 minor versions Flotilla implements; 2.7 (hidden images, multihash) is the newest. */
const VERSIONS = ['2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];
const KNOWN = new Set(['versions', 'v2', ...VERSIONS.map((v) => `v${v}`)]);

export function versionsDocument(baseUrl: string): { versions: Array<{ id: string; status: string; links: Array<{ rel: string; href: string }> }> } {
  return {
    versions: VERSIONS.map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${baseUrl}/v2/` }],
    })),
  };
}

export function versionRoutes(app: FastifyInstance, ctx: ImageContext): void {
  const doc = versionsDocument(ctx.baseUrl);
  app.get('/versions', { config: { public: true } }, async () => doc);
  app.get('/', { config: { public: true } }, async (_request, reply) => reply.code(300).send(doc));
  // Any other path whose first segment is no version gets the choices too; under v2, no route is a 404.
  app.all('/*', { config: { public: true } }, async (request, reply) => {
    const first = request.url.split('?')[0]!.split('/')[1] ?? '';
    if (KNOWN.has(first)) throw new NotFound('The resource could not be found.');
    return reply.code(300).send(doc);
  });
}
