/**
 * Test support: `docker save`-format archives (a tar holding manifest.json, an image config and one
 * `<id>/layer.tar` per layer, each itself a tar), built with the system's tar from random file content,
 * so tests can check layer de-duplication and byte-identical round trips without a Docker engine.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A layer: a tar of a few files of random bytes (`bytes` in total). */
export function makeLayer(bytes: number, files = 3): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-layer-'));
  try {
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'usr', 'lib'), { recursive: true });
    for (let i = 0; i < files; i++) fs.writeFileSync(path.join(root, 'usr', 'lib', `file-${i}.bin`), randomBytes(Math.ceil(bytes / files)));
    fs.writeFileSync(path.join(root, 'usr', 'lib', 'small.txt'), 'a small file\n');
    return execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=2024-01-01', '-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A docker-archive of the given layers (bottom first), tagged `tag`. */
export function dockerArchive(layers: readonly Buffer[], tag: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-archive-'));
  try {
    const layerIds = layers.map((layer) => {
      const id = sha256(layer);
      fs.mkdirSync(path.join(dir, id));
      fs.writeFileSync(path.join(dir, id, 'layer.tar'), layer);
      fs.writeFileSync(path.join(dir, id, 'VERSION'), '1.0');
      fs.writeFileSync(path.join(dir, id, 'json'), JSON.stringify({ id }));
      return id;
    });
    const config = JSON.stringify({
      architecture: 'amd64', os: 'linux', created: new Date().toISOString(),
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layerIds.map((id) => `sha256:${id}`) },
    });
    const configId = sha256(config);
    fs.writeFileSync(path.join(dir, `${configId}.json`), config);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: `${configId}.json`, RepoTags: [tag], Layers: layerIds.map((id) => `${id}/layer.tar`) }]));
    const [repo, version] = tag.split(':');
    fs.writeFileSync(path.join(dir, 'repositories'), JSON.stringify({ [repo!]: { [version ?? 'latest']: layerIds[layerIds.length - 1] } }));
    return execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
