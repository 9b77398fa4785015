/**
 * Nova's image proxy (/images, 2.1–2.35; /images/{id}/metadata, 2.1–2.38; 404 afterwards, as in Nova):
 * the caller's Glance images in Nova's representation, read and changed through the image API with the
 * caller's own token, so Glance decides what they may see and do.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound } from '../platform/errors.js';
import { authOf } from '../platform/auth/middleware.js';
import { customProperties, type ImagePatchOp, type ImageRecord } from '../image/client.js';
import { limitAndMarker, links, nextLinks, queryAll, requestBase, type ComputeContext } from './context.js';
import { isoSeconds } from './model.js';
import * as v from './validate.js';
import { parseIsoTime } from './servers/list.js';

type IdParams = { id: string };
type KeyParams = { id: string; key: string };

const STATUS: Readonly<Record<string, string>> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Readonly<Record<string, number>> = { queued: 25, saving: 50, active: 100 };

function render(ctx: ComputeContext, request: FastifyRequest, image: ImageRecord, detail: boolean): Record<string, unknown> {
  const base = requestBase(ctx, request);
  const imageLinks = [...links(base, 'images', image.id), { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${ctx.imageUrl.replace(/\/+$/, '')}/images/${image.id}` }];
  if (!detail) return { id: image.id, name: image.name, links: imageLinks };
  const metadata = customProperties(image);
  const out: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    minRam: image.min_ram ?? 0,
    minDisk: image.min_disk ?? 0,
    metadata,
    created: isoSeconds(image.created_at),
    updated: isoSeconds(image.updated_at),
    status: STATUS[image.status] ?? 'UNKNOWN',
    progress: PROGRESS[image.status] ?? 0,
    'OS-EXT-IMG-SIZE:size': image.size ?? 0,
    links: imageLinks,
  };
  if (metadata.instance_uuid !== undefined) out.server = { id: metadata.instance_uuid, links: links(base, 'servers', metadata.instance_uuid) };
  if (metadata.auto_disk_config !== undefined) out['OS-DCF:diskConfig'] = /^(1|t|true|on|y|yes)$/i.test(metadata.auto_disk_config) ? 'AUTO' : 'MANUAL';
  return out;
}

/** A JSON pointer segment for a property name. */
function pointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function imageProxyRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  const proxyVersion = (request: FastifyRequest, max: string): void => {
    if (request.microversion.atLeast(max)) throw new NotFound('The resource could not be found.');
  };
  const get = async (request: FastifyRequest, id: string): Promise<ImageRecord> => {
    try {
      return await ctx.images.get(authOf(request).token, id);
    } catch (err) {
      if (err instanceof NotFound) throw new NotFound('Image not found.');
      if (err instanceof Forbidden) throw new Forbidden(`Not authorized for image ${id}.`);
      throw err;
    }
  };
  const patch = async (request: FastifyRequest, id: string, ops: ImagePatchOp[]): Promise<ImageRecord> => {
    try {
      return ops.length === 0 ? await get(request, id) : await ctx.images.update(authOf(request).token, id, ops);
    } catch (err) {
      if (err instanceof Forbidden) throw new Forbidden(`Not authorized for image ${id}.`);
      throw err;
    }
  };
  const checkQuota = async (request: FastifyRequest, count: number): Promise<void> => {
    if (request.microversion.atLeast('2.39')) return;
    const auth = authOf(request);
    const limit = (await ctx.quotas.limits(auth.scope.kind === 'project' ? auth.scope.project.id : '')).metadata_items;
    if (limit >= 0 && count > limit) throw new Forbidden('Image metadata limit exceeded');
  };

  const list = (detail: boolean) => async (request: FastifyRequest) => {
    proxyVersion(request, '2.36');
    const q = queryAll(request);
    const first = (k: string): string | undefined => q.get(k)?.[0];
    const query: Record<string, string> = {};
    if (first('name') !== undefined) query.name = first('name')!;
    if (first('status') !== undefined) query.status = first('status')!.toLowerCase();
    if (first('server') !== undefined) query.instance_uuid = first('server')!.split('/').pop()!;
    if (first('type') !== undefined) query.image_type = first('type')!;
    for (const [k, vals] of q) if (k.startsWith('property-')) query[k.slice('property-'.length)] = vals[0]!;
    let images = await ctx.images.listAll(authOf(request).token, query);
    const int = (k: string): number | undefined => {
      const raw = first(k);
      if (raw === undefined) return undefined;
      if (!/^\d+$/.test(raw)) throw new BadRequest(`Invalid ${k} filter [${raw}]`);
      return Number(raw);
    };
    const minRam = int('minRam');
    const minDisk = int('minDisk');
    const since = first('changes-since') !== undefined ? parseIsoTime('changes-since', first('changes-since')!) : undefined;
    images = images.filter((i) => (minRam === undefined || (i.min_ram ?? 0) >= minRam) && (minDisk === undefined || (i.min_disk ?? 0) >= minDisk)
      && (since === undefined || new Date(i.updated_at).toISOString() >= since));
    const { limit, marker } = limitAndMarker(request);
    if (marker !== undefined) {
      const at = images.findIndex((i) => i.id === marker);
      if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
      images = images.slice(at + 1);
    }
    images = images.slice(0, limit);
    const out: Record<string, unknown> = { images: images.map((i) => render(ctx, request, i, detail)) };
    const next = nextLinks(requestBase(ctx, request), request, detail ? 'images/detail' : 'images', limit, images.at(-1)?.id, images.length);
    if (next.length > 0) out.images_links = next;
    return out;
  };
  app.get('/images', list(false));
  app.get('/images/detail', list(true));

  app.get<{ Params: IdParams }>('/images/:id', async (request) => {
    proxyVersion(request, '2.36');
    return { image: render(ctx, request, await get(request, request.params.id), true) };
  });

  app.delete<{ Params: IdParams }>('/images/:id', async (request, reply) => {
    proxyVersion(request, '2.36');
    try {
      await ctx.images.delete(authOf(request).token, request.params.id);
    } catch (err) {
      if (err instanceof NotFound) throw new NotFound('Image not found.');
      if (err instanceof Forbidden) throw new Forbidden('You are not allowed to delete the image.');
      throw err;
    }
    return reply.code(204).send();
  });

  // --- image metadata (the image's custom properties) ---

  app.get<{ Params: IdParams }>('/images/:id/metadata', async (request) => {
    proxyVersion(request, '2.39');
    return { metadata: customProperties(await get(request, request.params.id)) };
  });

  app.get<{ Params: KeyParams }>('/images/:id/metadata/:key', async (request) => {
    proxyVersion(request, '2.39');
    const props = customProperties(await get(request, request.params.id));
    if (props[request.params.key] === undefined) throw new NotFound('The resource could not be found.');
    return { meta: { [request.params.key]: props[request.params.key] } };
  });

  app.post<{ Params: IdParams }>('/images/:id/metadata', async (request) => {
    proxyVersion(request, '2.39');
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['metadata'], 'body');
    if (body.metadata === undefined) throw v.invalid('metadata', body, "'metadata' is a required property");
    const meta = v.metadata(body.metadata, 'metadata');
    const image = await get(request, request.params.id);
    const props = customProperties(image);
    await checkQuota(request, Object.keys({ ...props, ...meta }).length);
    const ops: ImagePatchOp[] = Object.entries(meta).map(([k, val]) => ({ op: props[k] === undefined ? 'add' : 'replace', path: pointer(k), value: val }));
    return { metadata: customProperties(await patch(request, image.id, ops)) };
  });

  app.put<{ Params: IdParams }>('/images/:id/metadata', async (request) => {
    proxyVersion(request, '2.39');
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['metadata'], 'body');
    if (body.metadata === undefined) throw v.invalid('metadata', body, "'metadata' is a required property");
    const meta = v.metadata(body.metadata, 'metadata');
    await checkQuota(request, Object.keys(meta).length);
    const image = await get(request, request.params.id);
    const props = customProperties(image);
    const ops: ImagePatchOp[] = [
      ...Object.keys(props).filter((k) => meta[k] === undefined).map((k): ImagePatchOp => ({ op: 'remove', path: pointer(k) })),
      ...Object.entries(meta).map(([k, val]): ImagePatchOp => ({ op: props[k] === undefined ? 'add' : 'replace', path: pointer(k), value: val })),
    ];
    await patch(request, image.id, ops);
    return { metadata: meta };
  });

  app.put<{ Params: KeyParams }>('/images/:id/metadata/:key', async (request) => {
    proxyVersion(request, '2.39');
    const body = v.isObject(request.body) ? request.body : {};
    v.onlyKeys(body, ['meta'], 'body');
    if (body.meta === undefined) throw v.invalid('meta', body, "'meta' is a required property");
    const meta = v.metadata(body.meta, 'meta');
    if (Object.keys(meta).length !== 1) throw v.invalid('meta', body.meta, 'must have exactly one property');
    const value = meta[request.params.key];
    if (value === undefined) throw new BadRequest('Request body and URI mismatch');
    const image = await get(request, request.params.id);
    const props = customProperties(image);
    await checkQuota(request, Object.keys({ ...props, ...meta }).length);
    await patch(request, image.id, [{ op: props[request.params.key] === undefined ? 'add' : 'replace', path: pointer(request.params.key), value }]);
    return { meta };
  });

  app.delete<{ Params: KeyParams }>('/images/:id/metadata/:key', async (request, reply) => {
    proxyVersion(request, '2.39');
    const image = await get(request, request.params.id);
    if (customProperties(image)[request.params.key] === undefined) throw new NotFound('Invalid metadata key');
    await patch(request, image.id, [{ op: 'remove', path: pointer(request.params.key) }]);
    return reply.code(204).send();
  });
}
