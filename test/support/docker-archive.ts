/**
 * Builds a tiny bootable image as a `docker save` archive without any engine: a root filesystem with
 * Debian's static busybox and its applets, one layer, a config and a manifest. The real base images
 * (debian-12, busybox) are built by `npm start`; this one keeps the agent's tests self-contained.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BUSYBOX = '/bin/busybox';

/** Why a busybox archive cannot be built here, or undefined when it can. */
export function busyboxUnavailable(): string | undefined {
  try {
    const out = execFileSync('file', ['-b', BUSYBOX], { encoding: 'utf8' });
    if (!/statically linked|static-pie/.test(out)) return `${BUSYBOX} is not statically linked (install busybox-static)`;
  } catch {
    if (!fs.existsSync(BUSYBOX)) return `${BUSYBOX} is missing (install busybox-static)`;
  }
  return undefined;
}

/** A docker-archive (docker save format) of busybox, tagged `tag`. */
export function busyboxArchive(tag = 'flotilla-test/busybox:latest'): Buffer {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-agent-img-'));
  try {
    const root = path.join(work, 'rootfs');
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'proc', 'sys', 'dev', 'run', 'var/lib']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const a of applets) {
      const p = path.join(root, a);
      if (a === 'bin/busybox' || fs.existsSync(p)) continue;
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.symlinkSync('/bin/busybox', p);
    }
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\n');
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    const layer = path.join(work, 'layer.tar');
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', layer, '.']);
    const layerSha = createHash('sha256').update(fs.readFileSync(layer)).digest('hex');
    fs.mkdirSync(path.join(out, layerSha));
    fs.renameSync(layer, path.join(out, layerSha, 'layer.tar'));
    const created = new Date().toISOString();
    const config = JSON.stringify({
      architecture: 'amd64', os: 'linux', created,
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerSha}`] },
      history: [{ created, created_by: 'flotilla agent test: busybox-static' }],
    });
    const configSha = createHash('sha256').update(config).digest('hex');
    fs.writeFileSync(path.join(out, `${configSha}.json`), config);
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify([{ Config: `${configSha}.json`, RepoTags: [tag], Layers: [`${layerSha}/layer.tar`] }]));
    return execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', out, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
