/**
 * Image data: uploads streamed into content-addressed blobs (never the whole image in memory) and
 * downloads streamed back from them, byte for byte. An upload moves its image queued → saving → active;
 * one that fails or is cut off leaves the image queued and no blob it alone wrote.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Logger } from '../platform/log.js';
import { BadRequest, Gone, PayloadTooLarge, Unavailable } from '../platform/errors.js';
import { HASH_ALGO, IMAGE_SIZE_CAP, type Image } from './model.js';
import type { ImageStore, Segment } from './store.js';
import type { BlobStore, BlobWriter } from './blobs/store.js';
import { Splitter, type Piece } from './blobs/split.js';

/** Meta bytes (tar headers, padding, small members) are gathered into blobs of up to this size. */
const META_BLOB_MAX = 1024 * 1024;

/** A byte range of a download, inclusive of both ends. */
export interface ByteRange { start: number; end: number; }

export class ImageData {
  constructor(private readonly store: ImageStore, private readonly blobs: BlobStore, private readonly log: Logger) {}

  /**
   * Stores `body` as the image's data: an upload (the image becomes active) or staging for a later
   * glance-direct import (it stays uploading). Conflict unless the image is queued; Gone if it was
   * deleted while the data arrived.
   */
  async upload(image: Image, body: AsyncIterable<Buffer>, mode: 'upload' | 'stage' = 'upload'): Promise<{ size: number; checksum: string }> {
    const uploadId = randomUUID();
    await this.store.beginUpload(image.id, uploadId, mode === 'upload' ? 'saving' : 'uploading');
    const written: Segment[] = [];
    let open: BlobWriter | undefined;
    try {
      const md5 = createHash('md5');
      const sha512 = createHash(HASH_ALGO);
      let size = 0;
      let meta: Buffer[] = [];
      let metaSize = 0;
      const flushMeta = async (): Promise<void> => {
        if (metaSize === 0) return;
        const data = Buffer.concat(meta, metaSize);
        meta = [];
        metaSize = 0;
        written.push(await this.blobs.put(data));
      };
      const apply = async (pieces: Piece[]): Promise<void> => {
        for (const p of pieces) {
          switch (p.kind) {
            case 'meta':
              meta.push(p.data);
              metaSize += p.data.length;
              if (metaSize >= META_BLOB_MAX) await flushMeta();
              break;
            case 'start':
              await flushMeta();
              open = this.blobs.writer();
              break;
            case 'data':
              await open!.write(p.data);
              break;
            case 'end':
              written.push(await open!.finish());
              open = undefined;
              break;
            default: {
              const never: never = p;
              throw new Error(`unknown piece ${String(never)}`);
            }
          }
        }
      };
      const splitter = new Splitter(image.containerFormat === 'docker');
      for await (const chunk of body) {
        size += chunk.length;
        if (size > IMAGE_SIZE_CAP) throw new PayloadTooLarge(`The incoming image is too large: more than ${IMAGE_SIZE_CAP} bytes`);
        md5.update(chunk);
        sha512.update(chunk);
        await apply(splitter.push(chunk));
      }
      await apply(splitter.end());
      await flushMeta();
      const result = { size, checksum: md5.digest('hex'), osHashAlgo: HASH_ALGO, osHashValue: sha512.digest('hex'), segments: written };
      if (!(await this.store.commitUpload(image.id, uploadId, result))) {
        throw new Gone(`Image ${image.id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);
      }
      return { size, checksum: result.checksum };
    } catch (err) {
      await open?.discard().catch(() => {});
      await this.store.abortUpload(image.id, uploadId).catch((e: unknown) => this.log.error({ err: e, image: image.id }, 'could not return the image to queued'));
      if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOSPC') {
        throw new PayloadTooLarge('Image storage media is full', { cause: err });
      }
      if (err instanceof Error && ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || err.message === 'aborted')) {
        throw new BadRequest('The upload was cut off before its end', { cause: err });
      }
      throw err;
    } finally {
      for (const seg of written) this.blobs.unpin(seg.blob);
      // Blobs this upload wrote that no image ended up using (a failed upload's, or duplicates).
      await this.collect(written.map((s) => s.blob));
    }
  }

  /** Removes the given blobs where no image uses them any more. */
  async collect(blobs: readonly string[]): Promise<void> {
    if (blobs.length === 0) return;
    try {
      await this.blobs.collect(blobs, (among) => this.store.referencedBlobs(among));
    } catch (err) {
      // Only space is lost: the next start collects whatever is left over.
      this.log.warn({ err }, 'could not remove unused image blobs');
    }
  }

  /**
   * The image's bytes (or a range of them) as a stream. Unavailable if a blob is missing: the data was
   * lost outside Flotilla's control and no byte is sent.
   */
  async open(image: Image, range?: ByteRange): Promise<Readable> {
    const segments = await this.store.segments(image.id);
    const paths = segments.map((s) => this.blobs.path(s.blob));
    for (const p of paths) {
      if (!fs.existsSync(p)) {
        this.log.error({ image: image.id, blob: p }, 'image data is missing a blob');
        throw new Unavailable(`The data of image ${image.id} is not available`);
      }
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? (image.size ?? 0) - 1;
    async function* bytes(): AsyncGenerator<Buffer> {
      let offset = 0;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const segStart = offset;
        offset += seg.size;
        if (offset <= start || segStart > end) continue;
        const from = Math.max(0, start - segStart);
        const to = Math.min(seg.size - 1, end - segStart);
        if (to < from) continue;
        yield* fs.createReadStream(paths[i]!, { start: from, end: to, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /**
   * Start-up housekeeping, before any request: uploads a crash interrupted go back to queued, their
   * temp files go, and blobs no image refers to (left by a crash between writing and committing, or
   * between a delete and its clean-up) are removed.
   */
  async recover(): Promise<{ reset: number; removed: number }> {
    const reset = await this.store.resetInterruptedUploads();
    await this.blobs.clearTemp();
    const all = await this.blobs.list();
    const referenced = await this.store.referencedBlobs();
    const removed = await this.blobs.collect(all.filter((b) => !referenced.has(b)), async () => new Set());
    if (reset > 0 || removed > 0) this.log.info({ reset, removed }, 'image data recovered after an interrupted run');
    return { reset, removed };
  }
}
