/**
 * /v2/images: create, list, show, update (JSON patch), delete, deactivate/reactivate and tags.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import type { ImageContext } from '../context.js';
import { applyChanges, newImage } from '../domain.js';
import { parsePatch } from '../patch.js';
import { parseImageQuery } from '../query.js';
import { imageView } from '../render.js';
import { imageSchema, validate } from '../schemas.js';
import { assertTransition, nowIso } from '../model.js';
import { callerOf, imageIdOf, queryOf, rejectOtherMethods } from './http.js';
import { IMPORT_METHODS } from './import.js';

export function imageRoutes(app: FastifyInstance, ctx: ImageContext): void {
  const { store, access } = ctx;

  app.post('/v2/images', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const image = newImage(access, caller, request.body);
    await store.create(image);
    return reply.code(201).header('location', `${ctx.baseUrl}/v2/images/${image.id}`)
      .header('openstack-image-import-methods', IMPORT_METHODS.join(','))
      .send(imageView(image));
  });

  app.get('/v2/images', async (request) => {
    const caller = callerOf(ctx, request);
    access.authorizeList(caller);
    const params = queryOf(request);
    const query = parseImageQuery(params, access.viewer(caller));
    if (query.marker !== undefined) {
      // The marker must be an image the caller could see (Glance looks it up as the caller).
      const marker = await store.find(query.marker);
      if (!marker || !(await access.canSee(caller, marker))) throw new BadRequest(`No image found with ID ${query.marker}`);
    }
    const { images, full } = await store.query(query);
    const visible = [];
    for (const image of images) if (await access.canSee(caller, image)) visible.push(image);
    params.delete('marker');
    const rest = params.toString();
    const body: Record<string, unknown> = {
      images: visible.map(imageView),
      first: `/v2/images${rest ? `?${rest}` : ''}`,
      schema: '/v2/schemas/images',
    };
    // A full page may have more after it; Glance decides on the page before its per-image policy check.
    if (full && visible.length > 0) {
      params.set('marker', visible[visible.length - 1]!.id);
      body.next = `/v2/images?${params.toString()}`;
    }
    return body;
  });
  rejectOtherMethods(app, '/v2/images', ['GET', 'POST']);

  app.get('/v2/images/:id', async (request) => {
    const caller = callerOf(ctx, request);
    return imageView(await access.load(caller, imageIdOf(request)));
  });

  app.patch('/v2/images/:id', async (request) => {
    const caller = callerOf(ctx, request);
    const changes = parsePatch(request.headers['content-type'], request.body);
    const image = await access.load(caller, imageIdOf(request));
    const status = image.status;
    applyChanges(access, caller, image, changes);
    if (changes.length > 0) await store.save(image, status);
    return imageView(image);
  });

  app.delete('/v2/images/:id', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const image = await access.load(caller, imageIdOf(request));
    access.authorize(caller, 'delete_image', image);
    if (image.protected) throw new Forbidden(`Image ${image.id} is protected and cannot be deleted.`);
    const blobs = await store.delete(image.id);
    await ctx.data.collect(blobs);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id', ['GET', 'PATCH', 'DELETE']);

  // Deactivation hides an active image's data from everyone but admins; reactivation undoes it.
  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/v2/images/:id/actions/${action}`, async (request, reply) => {
      const caller = callerOf(ctx, request);
      const image = await access.load(caller, imageIdOf(request));
      access.authorize(caller, action, image);
      const [from, to] = action === 'deactivate' ? ['active', 'deactivated'] as const : ['deactivated', 'active'] as const;
      if (image.status === from) {
        assertTransition(from, to);
        image.status = to;
        image.updatedAt = nowIso();
        await store.save(image, from);
      } else if (image.status !== to) {
        // Glance's domain refuses it as Forbidden (403), not as a bad transition.
        throw new Forbidden(`Not allowed to ${action} image in status '${image.status}'`);
      }
      return reply.code(204).send();
    });
    rejectOtherMethods(app, `/v2/images/:id/actions/${action}`, ['POST']);
  }

  app.put('/v2/images/:id/tags/:tag', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { tag } = request.params as { tag: string };
    validate({ tags: [tag] }, imageSchema());
    const image = await access.load(caller, imageIdOf(request));
    access.authorize(caller, 'modify_image', image, `Not allowed to update tags for image ${image.id}.`);
    if (!image.tags.includes(tag)) {
      const status = image.status;
      applyChanges(access, caller, image, [{ op: 'replace', path: ['tags'], value: [...image.tags, tag], draft: 10 }]);
      await store.save(image, status);
    }
    return reply.code(204).send();
  });

  app.delete('/v2/images/:id/tags/:tag', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { tag } = request.params as { tag: string };
    const image = await access.load(caller, imageIdOf(request));
    access.authorize(caller, 'modify_image', image, `Not allowed to delete tags for image ${image.id}.`);
    if (!image.tags.includes(tag)) throw new NotFound(`Tag ${tag} not found on image ${image.id}.`);
    image.tags = image.tags.filter((t) => t !== tag);
    image.updatedAt = nowIso();
    await store.save(image, image.status);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/tags/:tag', ['PUT', 'DELETE']);
}
