/**
 * Registers a cached archive in the image service as a public image, once: an active image of that name
 * with the same data (md5 and sha512) means it is there already. Images Flotilla made earlier from other
 * data (an older build, an upload cut short) carry the `flotilla_base_image` property and are deleted
 * once the current one is active; images of the same name that someone else made are left alone.
 */
import fs from 'node:fs';
import type { ImageClient, ImageRecord } from '../image/client.js';
import type { CachedArchive } from './cache.js';
import type { Recipe } from './recipe.js';

/** Marks images Flotilla registered as base images; its value is the recipe name. */
export const BASE_IMAGE_PROPERTY = 'flotilla_base_image';

/** Glance's names for machine architectures (os-image-properties' `architecture`). */
const GLANCE_ARCH: Readonly<Record<string, string>> = { x64: 'x86_64', arm64: 'aarch64' };

export interface RegisterOptions {
  image: ImageClient;
  token: () => Promise<string>;
  say(line: string): void;
  signal?: AbortSignal;
}

export type Registration = { outcome: 'present' | 'registered'; image: ImageRecord; removed: string[] };

/**
 * The image holds this archive. A deactivated one counts too: an admin switched it off on purpose, and
 * a fresh copy on every start would undo that.
 */
function sameData(image: ImageRecord, archive: CachedArchive): boolean {
  return (image.status === 'active' || image.status === 'deactivated') && image.checksum === archive.meta.md5
    && (image.os_hash_value === null || image.os_hash_value === archive.meta.sha512);
}

/** Every property the image is created with (core fields and custom ones). */
export function imageFields(recipe: Recipe, archive: CachedArchive): Record<string, unknown> {
  return {
    name: recipe.name,
    visibility: 'public',
    container_format: 'docker',
    disk_format: 'raw',
    ...recipe.properties(archive.meta.inputs),
    architecture: GLANCE_ARCH[process.arch] ?? process.arch,
    os_type: 'linux',
    [BASE_IMAGE_PROPERTY]: recipe.name,
    flotilla_build_key: archive.meta.key,
  };
}

/** Ensures the archive is registered as the recipe's public image; removes Flotilla's stale ones. */
export async function registerArchive(recipe: Recipe, archive: CachedArchive, opts: RegisterOptions): Promise<Registration> {
  const existing = await opts.image.listAll(await opts.token(), { name: recipe.name });
  let current = existing.find((img) => sameData(img, archive));
  let outcome: Registration['outcome'] = 'present';
  if (!current) {
    outcome = 'registered';
    current = await upload(recipe, archive, opts);
  }
  const removed: string[] = [];
  for (const stale of existing) {
    if (stale.id === current.id || stale[BASE_IMAGE_PROPERTY] !== recipe.name) continue;
    try {
      await opts.image.delete(await opts.token(), stale.id);
      removed.push(stale.id);
    } catch (err) {
      // Protected by an admin, say: the current image is in place all the same.
      opts.say(`could not remove outdated image ${stale.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { outcome, image: current, removed };
}

async function upload(recipe: Recipe, archive: CachedArchive, opts: RegisterOptions): Promise<ImageRecord> {
  opts.signal?.throwIfAborted();
  const created = await opts.image.create(await opts.token(), imageFields(recipe, archive));
  opts.say(`uploading ${(archive.meta.size / 1e6).toFixed(1)} MB as image ${created.id}`);
  const data = fs.createReadStream(archive.path, { highWaterMark: 1 << 20 });
  const abort = (): void => { data.destroy(new Error('aborted')); };
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    await opts.image.upload(await opts.token(), created.id, data, { size: archive.meta.size });
    const done = await opts.image.get(await opts.token(), created.id);
    if (!sameData(done, archive)) {
      throw new Error(`image ${created.id} holds other data than ${archive.path} (status ${done.status}, checksum ${done.checksum}, expected ${archive.meta.md5})`);
    }
    return done;
  } catch (err) {
    // A half-made record would only confuse `openstack image list`; the next start would remove it anyway.
    await opts.image.delete(await opts.token(), created.id).catch(() => {});
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    data.destroy();
  }
}
