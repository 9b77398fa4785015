/**
 * Glance images in the host's engine: downloaded from the image service and `docker load`ed once, tagged
 * by image id (flotilla-image:<id>); and snapshots, which go the other way (commit, save, upload).
 * Only `docker save` archives (container_format docker) can boot as system containers.
 */
import { Conflict, NotFound, Unavailable } from '../platform/errors.js';
import type { Logger } from '../platform/log.js';
import type { ImageClient } from '../image/client.js';
import { EngineError, type DockerApi } from './docker-api.js';
import { ServerFault } from './faults.js';
import { KeyedMutex } from './keyed-mutex.js';
import { imageRef } from './layout.js';

const TRANSIENT_IMAGE_STATUSES = new Set(['queued', 'saving', 'uploading', 'importing']);

export class ImageCache {
  readonly #lock = new KeyedMutex();

  constructor(
    private readonly docker: () => DockerApi,
    private readonly images: ImageClient,
    private readonly token: () => Promise<string>,
    private readonly log: Logger,
  ) {}

  /** Makes flotilla-image:<id> present in the engine, loading it from the image service if needed. */
  ensure(imageId: string): Promise<void> {
    // Concurrent boots of one image share one download.
    return this.#lock.run(imageId, async () => {
      const api = this.docker();
      if (await api.findImage(imageRef(imageId))) return;
      const token = await this.token();
      let record;
      try {
        record = await this.images.get(token, imageId);
      } catch (err) {
        if (err instanceof NotFound) throw new ServerFault(`Image ${imageId} could not be found.`, 404);
        throw err;
      }
      if (TRANSIENT_IMAGE_STATUSES.has(record.status)) throw new Unavailable(`image ${imageId} is ${record.status}; waiting for its data`);
      if (record.status !== 'active') throw new ServerFault(`Image ${imageId} is ${record.status} and cannot be booted.`);
      if (record.container_format !== 'docker') {
        throw new ServerFault(
          `Image ${imageId} (container_format ${record.container_format ?? 'none'}, disk_format ${record.disk_format ?? 'none'}) cannot boot on this host: `
          + 'only docker archives (container_format docker, the output of docker save) boot as system containers.',
        );
      }
      const started = Date.now();
      let download;
      try {
        download = await this.images.download(token, imageId);
      } catch (err) {
        if (err instanceof NotFound || err instanceof Conflict) throw new ServerFault(`The data of image ${imageId} cannot be downloaded: ${(err as Error).message}`);
        throw err;
      }
      let loaded: string[];
      try {
        loaded = await api.loadImage(download.stream);
      } catch (err) {
        download.stream.destroy();
        if (err instanceof EngineError && err.status < 500) throw new ServerFault(`Image ${imageId} is not a valid docker archive: ${err.message}`);
        if (err instanceof EngineError && err.status === 500) throw new ServerFault(`Image ${imageId} could not be loaded: ${err.message}`);
        throw err;
      }
      const first = loaded[0];
      if (!first) throw new ServerFault(`Image ${imageId} is a docker archive with no image in it.`);
      const [repo, tag] = imageRef(imageId).split(':') as [string, string];
      await api.tagImage(first, repo, tag);
      // The archive's own names (busybox:latest, …) would pile up and clash between images: keep only ours.
      for (const name of loaded) if (!name.startsWith('sha256:') && name !== imageRef(imageId)) await api.removeImage(name).catch(() => {});
      this.log.info({ imageId, ms: Date.now() - started }, 'image loaded');
    });
  }

  /**
   * Commits a container's filesystem and uploads it as image `imageId` (already created by compute). The
   * commit is tagged as that image, so booting the snapshot here needs no download. Data the image service
   * already has (an upload finished before a crash) counts as done.
   */
  async snapshot(containerId: string, imageId: string, baseImageId: string): Promise<void> {
    const api = this.docker();
    const base = await api.findImage(imageRef(baseImageId));
    const [repo, tag] = imageRef(imageId).split(':') as [string, string];
    await api.commit(containerId, repo, tag, base?.Config ?? null);
    const archive = await api.saveImage(imageRef(imageId));
    try {
      await this.images.upload(await this.token(), imageId, archive);
    } catch (err) {
      archive.destroy();
      if (err instanceof Conflict) { this.log.info({ imageId }, 'snapshot image already has data'); return; }
      if (err instanceof NotFound) throw new ServerFault(`Snapshot image ${imageId} no longer exists.`, 404, false);
      throw err;
    }
  }
}
