/**
 * `docker save` archives made without a Docker engine: the layout `docker load` reads (Docker's image
 * spec v1.2 with its manifest.json), built from layer tars already on disk.
 *
 *   manifest.json                     [{ Config, RepoTags, Layers }]
 *   <sha256 of config>.json           the image config; rootfs.diff_ids are the layers' sha256
 *   <sha256 of layer>/layer.tar       each layer, uncompressed
 *
 * Layers go first so that the image service, which stores a docker archive split at member boundaries,
 * keeps each layer as one blob shared by every image built on it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { TarFileWriter } from './tar.js';

/** Docker's names for the machine architectures Flotilla runs on. */
const DOCKER_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };

/** What the image runs by default; the host agent replaces the command with its own init. */
export interface ImageRuntimeConfig {
  cmd: string[];
  env: string[];
  /** One line for `docker history`: how the layers were made. */
  createdBy: string;
}

/** What a finished archive holds, as `docker load` will see it. */
export interface DockerArchiveInfo {
  /** `sha256:…` of the config: the image id Docker gives the loaded image. */
  imageId: string;
  /** `sha256:…` of each layer tar, bottom first. */
  diffIds: string[];
}

export interface FileDigests {
  size: number;
  md5: string;
  sha256: string;
  sha512: string;
}

/** Size and digests of a file in one pass: md5 is Glance's `checksum`, sha512 its `os_hash_value`. */
export async function digestFile(file: string): Promise<FileDigests> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    md5.update(chunk);
    sha256.update(chunk);
    sha512.update(chunk);
  }
  return { size, md5: md5.digest('hex'), sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
}

/** The image config document (with keys in a fixed order, so its digest is stable). */
export function imageConfig(diffIds: readonly string[], runtime: ImageRuntimeConfig, created: Date, arch = process.arch): Record<string, unknown> {
  const architecture = DOCKER_ARCH[arch];
  if (!architecture) throw new Error(`no Docker architecture name for ${arch}`);
  const at = created.toISOString();
  return {
    architecture,
    os: 'linux',
    created: at,
    config: { Env: runtime.env, Cmd: runtime.cmd },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: at, created_by: runtime.createdBy })),
  };
}

/**
 * Writes `out`, a docker archive of the given layer tars (bottom first). Untagged unless `repoTags` are
 * given (base images are: the engine that loads one names it by its id, the config's digest); an image
 * preloaded into a node's own engine is tagged, e.g. `busybox:latest`.
 */
export async function writeDockerArchive(out: string, layers: readonly string[], runtime: ImageRuntimeConfig, created: Date, repoTags: readonly string[] | null = null): Promise<DockerArchiveInfo> {
  const layerHashes: string[] = [];
  for (const layer of layers) layerHashes.push((await digestFile(layer)).sha256);
  const diffIds = layerHashes.map((h) => `sha256:${h}`);
  const config = Buffer.from(JSON.stringify(imageConfig(diffIds, runtime, created)));
  const configHash = createHash('sha256').update(config).digest('hex');
  const manifest = Buffer.from(JSON.stringify([{ Config: `${configHash}.json`, RepoTags: repoTags, Layers: layerHashes.map((h) => `${h}/layer.tar`) }]));

  const tar = await TarFileWriter.create(out, { mtime: Math.floor(created.getTime() / 1000) });
  try {
    for (const [i, layer] of layers.entries()) {
      await tar.directory(layerHashes[i]!);
      await tar.file(`${layerHashes[i]}/layer.tar`, layer);
    }
    await tar.data(`${configHash}.json`, config);
    await tar.data('manifest.json', manifest);
    await tar.finish();
  } catch (err) {
    await tar.abandon();
    throw err;
  }
  return { imageId: `sha256:${configHash}`, diffIds };
}
