/**
 * Base images: on first start Flotilla builds `busybox` and `debian-12` as docker archives (no Docker
 * engine needed), caches them per machine, and registers them in the image service as public images.
 * Later starts find both in the cache and in the image service and do nothing.
 *
 * @example
 *   await ensureBaseImages({ image: new ImageClient(imageUrl), token: () => adminSession.token(),
 *                            cacheDir: defaultImageCacheDir(), say });
 */
import type { ImageClient } from '../image/client.js';
import { ensureArchive, type CachedArchive } from './cache.js';
import { Unbuildable, type Recipe } from './recipe.js';
import { RECIPES } from './recipes.js';
import { registerArchive } from './register.js';

export { defaultImageCacheDir } from './cache.js';
export { RECIPES } from './recipes.js';
export type { Recipe } from './recipe.js';

export interface EnsureBaseImagesOptions {
  image: ImageClient;
  /** A token allowed to make public images (Glance's publicize_image: an admin's). */
  token: () => Promise<string>;
  cacheDir: string;
  say: (line: string) => void;
  signal?: AbortSignal;
  /** Which images; all of RECIPES by default. */
  recipes?: readonly Recipe[];
}

/** What happened to one base image. */
export type BaseImageResult =
  | { name: string; status: 'present' | 'registered'; imageId: string; archive: CachedArchive }
  | { name: string; status: 'unavailable'; reason: string };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Builds (once, cached) and registers every base image. An image that cannot be built or registered
 * here is reported (with the reason, also said) and the others still proceed; only an abort throws.
 */
export async function ensureBaseImages(opts: EnsureBaseImagesOptions): Promise<BaseImageResult[]> {
  const results: BaseImageResult[] = [];
  for (const recipe of opts.recipes ?? RECIPES) {
    const say = (line: string): void => opts.say(`${recipe.name}: ${line}`);
    const signal = opts.signal ? { signal: opts.signal } : {};
    try {
      opts.signal?.throwIfAborted();
      const archive = await ensureArchive(recipe, { cacheDir: opts.cacheDir, say, ...signal });
      if (archive.built) say(`built in ${archive.meta.buildSeconds} s: ${(archive.meta.size / 1e6).toFixed(1)} MB, ${archive.path}`);
      const reg = await registerArchive(recipe, archive, { image: opts.image, token: opts.token, say, ...signal });
      if (reg.removed.length > 0) say(`removed outdated image${reg.removed.length > 1 ? 's' : ''} ${reg.removed.join(', ')}`);
      say(reg.outcome === 'registered' ? `registered as public image ${reg.image.id}` : `image ${reg.image.id} is up to date`);
      results.push({ name: recipe.name, status: reg.outcome, imageId: reg.image.id, archive });
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const reason = message(err);
      say(`${err instanceof Unbuildable ? 'cannot be built here' : 'failed'}: ${reason}`);
      results.push({ name: recipe.name, status: 'unavailable', reason });
    }
  }
  return results;
}
