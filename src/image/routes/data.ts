/**
 * /v2/images/{id}/file: upload (PUT, application/octet-stream, streamed to the blob store as it arrives)
 * and download (GET, streamed back; 204 while there is no data; one byte range on request).
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, Forbidden, UnsupportedMediaType } from '../../platform/errors.js';
import type { ImageContext } from '../context.js';
import type { ByteRange } from '../data.js';
import { callerOf, imageIdOf, rejectOtherMethods } from './http.js';

/** Reads `bytes=a-b`, `bytes=a-` or `bytes=-n` against a size; undefined for no (or an unusable) Range. */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export function dataRoutes(app: FastifyInstance, ctx: ImageContext): void {
  const { access } = ctx;

  // Uploads are streamed: in this encapsulated context no body is parsed or buffered, whatever its type;
  // the handler reads the raw request itself (and refuses types other than octet-stream).
  void app.register(async (streamed) => {
    streamed.removeAllContentTypeParsers();
    streamed.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    // PUT /file uploads (queued → active); PUT /stage stages data for a glance-direct import.
    for (const [path, mode] of [['file', 'upload'], ['stage', 'stage']] as const) {
      streamed.put(`/v2/images/:id/${path}`, async (request, reply) => {
        const caller = callerOf(ctx, request);
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/octet-stream') throw new UnsupportedMediaType(`Content type ${type || '(none)'} is not supported, use application/octet-stream`);
        const image = await access.load(caller, imageIdOf(request));
        access.authorize(caller, 'upload_image', image, `Not allowed to upload image data for image ${image.id}`);
        if (image.status === 'queued') {
          const missing = (['disk_format', 'container_format'] as const).filter((k) => (k === 'disk_format' ? image.diskFormat : image.containerFormat) === null);
          if (missing.length > 0) throw new BadRequest(`Propert${missing.length > 1 ? 'ies' : 'y'} ${missing.join(', ')} must be set prior to saving data.`);
        }
        await ctx.data.upload(image, request.raw, mode);
        return reply.code(204).send();
      });
    }
  });

  app.get('/v2/images/:id/file', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const image = await access.load(caller, imageIdOf(request));
    if (image.status === 'deactivated' && !caller.admin) {
      throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
    }
    access.authorize(caller, 'download_image', image);
    // Glance answers 204 No Content while an image has no data (queued, or saving).
    if ((image.status !== 'active' && image.status !== 'deactivated') || image.size === null) return reply.code(204).send();
    const size = image.size;
    const range = parseRange(request.headers.range, size);
    if (range === 'unsatisfiable') {
      return reply.code(416).header('content-range', `bytes */${size}`).send();
    }
    const stream = await ctx.data.open(image, range);
    reply.header('content-type', 'application/octet-stream');
    if (image.checksum) reply.header('content-md5', image.checksum);
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', String(range.end - range.start + 1));
    } else {
      reply.code(200).header('content-length', String(size));
    }
    return reply.send(stream);
  });
  rejectOtherMethods(app, '/v2/images/:id/file', ['GET', 'PUT']);
  rejectOtherMethods(app, '/v2/images/:id/stage', ['PUT']);
}
