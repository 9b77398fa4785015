/**
 * Interoperable image import, glance-direct only: data staged with PUT /v2/images/{id}/stage becomes the
 * image's on POST /v2/images/{id}/import. (web-download, glance-download and copy-image need other
 * clouds or the internet and are not offered; /v2/info/import says so.)
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, Conflict } from '../../platform/errors.js';
import type { ImageContext } from '../context.js';
import { callerOf, imageIdOf, rejectOtherMethods } from './http.js';

/** The import methods this deployment offers. */
export const IMPORT_METHODS = ['glance-direct'] as const;

export function importRoutes(app: FastifyInstance, ctx: ImageContext): void {
  const { access, store } = ctx;

  app.get('/v2/info/import', async () => ({
    'import-methods': { description: 'Import methods available.', type: 'array', value: [...IMPORT_METHODS] },
  }));
  rejectOtherMethods(app, '/v2/info/import', ['GET']);

  app.post('/v2/images/:id/import', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const body = request.body;
    if (body === undefined) throw new BadRequest('Body expected in request.');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest("Import request requires a 'method' field.");
    const b = body as Record<string, unknown>;
    const method = b.method;
    if (typeof method !== 'object' || method === null || Array.isArray(method)) throw new BadRequest("Import request requires a 'method' field.");
    const name = (method as Record<string, unknown>).name;
    if (name === undefined) throw new BadRequest("Import request requires a 'name' field.");
    if (!(IMPORT_METHODS as readonly unknown[]).includes(name)) throw new BadRequest(`Unknown import method name '${String(name)}'.`);
    for (const flag of ['all_stores_must_succeed', 'all_stores']) {
      if (flag in b && typeof b[flag] !== 'boolean') throw new BadRequest(`'${flag}' must be boolean value only`);
    }
    const image = await access.load(caller, imageIdOf(request));
    if (image.status === 'active') throw new Conflict('Image with status active cannot be target for import');
    if (image.status !== 'uploading') throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
    if (!image.containerFormat) throw new Conflict("'container_format' needs to be set before import");
    if (!image.diskFormat) throw new Conflict("'disk_format' needs to be set before import");
    access.authorize(caller, 'modify_image', image);
    // Staged data is already in the blob store, so the import completes before the 202 is sent.
    if (!(await store.importStaged(image.id))) throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
    return reply.code(202).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/import', ['POST']);
}
