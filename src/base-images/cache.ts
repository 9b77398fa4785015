/**
 * The archive cache: each recipe is built once per machine into `<cacheDir>/<name>-<key>/` (image.tar
 * and image.json), keyed by the recipe and its inputs (mirror, package versions), so a second start
 * reuses it and a change of mirror or recipe builds anew.
 *
 * Crash safety: a build happens in `.build-<name>-<pid>-…/` and its finished entry is renamed into
 * place in one step, so an entry directory exists only once complete. A build dir whose process is gone
 * was interrupted and is removed by the next build.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestFile, writeDockerArchive, type FileDigests } from './docker-archive.js';
import type { Recipe } from './recipe.js';

/** Raise when the archive layout written by docker-archive.ts changes, so every cached archive is rebuilt. */
const ARCHIVE_FORMAT = 1;

/** What image.json records about a cached archive. */
export interface CacheMeta extends FileDigests {
  recipe: string;
  revision: number;
  key: string;
  inputs: Record<string, unknown>;
  /** The id Docker gives the loaded image (`sha256:` of the config). */
  imageId: string;
  diffIds: string[];
  created: string;
  builtAt: string;
  buildSeconds: number;
}

export interface CachedArchive {
  /** The docker archive. */
  path: string;
  meta: CacheMeta;
  /** True when this call built it. */
  built: boolean;
}

export interface CacheOptions {
  cacheDir: string;
  say(line: string): void;
  signal?: AbortSignal;
}

/** `$FLOTILLA_IMAGE_CACHE`, else flotilla/images under the user's cache directory (~/.cache). */
export function defaultImageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOTILLA_IMAGE_CACHE) return path.resolve(env.FLOTILLA_IMAGE_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'flotilla', 'images');
}

/** The cache key of a recipe with these inputs: 16 hex digits of a digest of everything that shapes the output. */
export function cacheKey(recipe: Recipe, inputs: Record<string, unknown>): string {
  const material = JSON.stringify({ format: ARCHIVE_FORMAT, name: recipe.name, revision: recipe.revision, inputs });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/** A complete entry's metadata, or undefined when the directory is missing or not a finished entry. */
function readEntry(dir: string): CacheMeta | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'image.json'), 'utf8')) as CacheMeta;
    return fs.statSync(path.join(dir, 'image.tar')).size === meta.size ? meta : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes build dirs left by processes that no longer run (killed mid-build). */
export function removeInterruptedBuilds(cacheDir: string): string[] {
  const removed: string[] = [];
  if (!fs.existsSync(cacheDir)) return removed;
  for (const name of fs.readdirSync(cacheDir)) {
    const m = /^\.build-.+-(\d+)-[^-]+$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes this recipe's other (outdated) entries. */
function pruneOtherEntries(cacheDir: string, recipe: Recipe, keep: string): void {
  const mine = new RegExp(`^${recipe.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{16}$`);
  for (const name of fs.readdirSync(cacheDir)) {
    if (mine.test(name) && name !== keep) fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

/** The recipe's archive from the cache, built first if it is not there. */
export async function ensureArchive(recipe: Recipe, opts: CacheOptions): Promise<CachedArchive> {
  const inputs = await recipe.inputs();
  const key = cacheKey(recipe, inputs);
  const entryName = `${recipe.name}-${key}`;
  const entry = path.join(opts.cacheDir, entryName);
  const cached = readEntry(entry);
  if (cached) return { path: path.join(entry, 'image.tar'), meta: cached, built: false };

  fs.mkdirSync(opts.cacheDir, { recursive: true });
  for (const name of removeInterruptedBuilds(opts.cacheDir)) opts.say(`removed the interrupted build ${name}`);
  const work = fs.mkdtempSync(path.join(opts.cacheDir, `.build-${recipe.name}-${process.pid}-`));
  try {
    const started = Date.now();
    const buildDir = path.join(work, 'build');
    const outDir = path.join(work, 'entry');
    fs.mkdirSync(buildDir);
    fs.mkdirSync(outDir);
    const built = await recipe.build({ workDir: buildDir, say: opts.say, ...(opts.signal ? { signal: opts.signal } : {}) });
    opts.signal?.throwIfAborted();
    const archive = path.join(outDir, 'image.tar');
    const info = await writeDockerArchive(archive, built.layers, built.runtime, built.created);
    const meta: CacheMeta = {
      recipe: recipe.name,
      revision: recipe.revision,
      key,
      inputs,
      ...(await digestFile(archive)),
      imageId: info.imageId,
      diffIds: info.diffIds,
      created: built.created.toISOString(),
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    const metaFile = path.join(outDir, 'image.json');
    fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    const fd = fs.openSync(metaFile, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fsyncDir(outDir);
    try {
      fs.renameSync(outDir, entry);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // Another Flotilla finished the same build first: use its entry if whole, else replace it.
      const theirs = readEntry(entry);
      if (theirs) return { path: path.join(entry, 'image.tar'), meta: theirs, built: false };
      fs.rmSync(entry, { recursive: true, force: true });
      fs.renameSync(outDir, entry);
    }
    fsyncDir(opts.cacheDir);
    pruneOtherEntries(opts.cacheDir, recipe, entryName);
    return { path: path.join(entry, 'image.tar'), meta, built: true };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
