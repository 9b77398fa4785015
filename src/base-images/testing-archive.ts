/**
 * Test helpers: read a tar (ustar, pax and GNU long names, as mmdebstrap and our writer produce) and
 * check a docker archive the way `docker load` reads it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export interface TarMember {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  mode: number;
  uid: number;
  linkname: string;
  data: Buffer;
  /** pax extended attributes (SCHILY.xattr.*), by name. */
  xattrs: Record<string, string>;
}

function str(buf: Buffer, start: number, len: number): string {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

function num(buf: Buffer, start: number, len: number): number {
  return parseInt(str(buf, start, len).trim() || '0', 8);
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    const len = Number(data.subarray(off, space).toString());
    if (!len) break;
    const rec = data.subarray(space + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/** Every member of a tar held in memory, in order, with names normalised (no leading `./`). */
export function readTar(buf: Buffer): TarMember[] {
  const out: TarMember[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = num(h, 124, 12);
    const flag = String.fromCharCode(h[156]!);
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x') { pax = paxRecords(data); continue; }
    if (flag === 'g') continue;
    if (flag === 'L') { longName = str(data, 0, data.length); continue; }
    if (flag === 'K') { longLink = str(data, 0, data.length); continue; }
    const prefix = str(h, 345, 155);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const xattrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(pax)) if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice(13)] = v;
    out.push({
      path: name.replace(/^\.\//, '').replace(/\/$/, '') || '.',
      type: flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'directory' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other',
      mode: num(h, 100, 8),
      uid: num(h, 108, 8),
      linkname: pax.linkpath ?? longLink ?? str(h, 157, 100),
      data,
      xattrs,
    });
    pax = {};
    longName = undefined;
    longLink = undefined;
  }
  return out;
}

export interface CheckedArchive {
  config: { architecture: string; os: string; rootfs: { type: string; diff_ids: string[] }; config: { Cmd: string[] } };
  /** The config's digest, which Docker uses as the image id. */
  imageId: string;
  /** Each layer's members by path. */
  layers: Map<string, TarMember>[];
}

/**
 * Asserts the archive is what `docker load` expects: manifest.json naming a config and layer members
 * that exist, and config diff_ids equal to each layer's sha256.
 */
export function checkDockerArchive(file: string): CheckedArchive {
  const members = new Map(readTar(fs.readFileSync(file)).map((m) => [m.path, m]));
  const manifestMember = members.get('manifest.json');
  assert.ok(manifestMember, 'manifest.json is in the archive');
  const manifest = JSON.parse(manifestMember.data.toString()) as Array<{ Config: string; Layers: string[] }>;
  assert.equal(manifest.length, 1, 'one image in the manifest');
  const [image] = manifest;
  const configMember = members.get(image!.Config);
  assert.ok(configMember, `the config ${image!.Config} is in the archive`);
  const imageId = `sha256:${createHash('sha256').update(configMember.data).digest('hex')}`;
  const config = JSON.parse(configMember.data.toString()) as CheckedArchive['config'];
  assert.equal(config.rootfs.type, 'layers');
  assert.equal(config.rootfs.diff_ids.length, image!.Layers.length, 'one diff_id per layer');
  const layers = image!.Layers.map((name, i) => {
    const layer = members.get(name);
    assert.ok(layer, `layer ${name} is in the archive`);
    assert.equal(config.rootfs.diff_ids[i], `sha256:${createHash('sha256').update(layer.data).digest('hex')}`, `diff_id ${i} is the layer's sha256`);
    return new Map(readTar(layer.data).map((m) => [m.path, m]));
  });
  return { config, imageId, layers };
}
