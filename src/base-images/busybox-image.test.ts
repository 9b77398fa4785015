/**
 * The busybox image end to end: built into a fresh cache, its archive checked member by member, then
 * loaded into a throwaway Docker engine and run. Also the cache's crash safety: interrupted builds and
 * half entries are never taken for finished archives.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { busybox } from './busybox.js';
import { cacheKey, ensureArchive } from './cache.js';
import { checkDockerArchive } from './testing-archive.js';
import { dockerdUnavailable, startThrowawayDockerd } from './testing-dockerd.js';

function busyboxMissing(): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'busybox-static'], { encoding: 'utf8' });
  return r.stdout?.includes('install ok installed') ? undefined : 'Debian package busybox-static is not installed';
}

function tempCache(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-bi-cache-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const applets = (): string[] => spawnSync('busybox', ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p.includes('/') && p !== 'bin/busybox');

test('busybox: the archive has a manifest, a config whose diff_id is the layer, and busybox with its applets', async (t) => {
  const missing = busyboxMissing();
  if (missing) { t.skip(missing); return; }
  const cacheDir = tempCache(t);
  const lines: string[] = [];
  const archive = await ensureArchive(busybox, { cacheDir, say: (l) => lines.push(l) });
  assert.equal(archive.built, true);
  t.diagnostic(`busybox archive: ${archive.meta.size} bytes, built in ${archive.meta.buildSeconds} s`);

  const checked = checkDockerArchive(archive.path);
  assert.equal(checked.imageId, archive.meta.imageId);
  assert.equal(checked.config.os, 'linux');
  assert.equal(checked.config.architecture, 'amd64');
  assert.equal(checked.layers.length, 1);
  const layer = checked.layers[0]!;
  const bin = layer.get('bin/busybox');
  assert.ok(bin && bin.type === 'file' && (bin.mode & 0o111) !== 0, 'bin/busybox is an executable file');
  assert.deepEqual(bin.data, fs.readFileSync('/bin/busybox'), "it is Debian's busybox-static binary");
  const expected = applets();
  assert.ok(expected.length > 200, 'busybox lists its applets');
  for (const applet of expected) {
    const link = layer.get(applet);
    assert.ok(link?.type === 'symlink' && link.linkname === '/bin/busybox', `${applet} links to /bin/busybox`);
  }
  assert.match(layer.get('etc/passwd')!.data.toString(), /^root:x:0:0:root:\/root:\/bin\/sh$/m);
  assert.equal(layer.get('tmp')?.mode, 0o1777);

  // The same package gives the same bytes, so every machine registers the same checksum.
  const again = await ensureArchive(busybox, { cacheDir: tempCache(t), say: () => {} });
  assert.equal(again.meta.sha512, archive.meta.sha512);
  // And the cache answers a second time without building.
  const cached = await ensureArchive(busybox, { cacheDir, say: () => {} });
  assert.equal(cached.built, false);
  assert.equal(cached.path, archive.path);
});

test('busybox: a throwaway Docker engine loads the archive and runs busybox in it', async (t) => {
  const missing = busyboxMissing() ?? dockerdUnavailable();
  if (missing) { t.skip(missing); return; }
  const archive = await ensureArchive(busybox, { cacheDir: tempCache(t), say: () => {} });
  const engine = await startThrowawayDockerd();
  t.after(() => engine.stop());
  const loaded = await engine.docker(['load', '-i', archive.path]);
  assert.match(loaded.stdout, new RegExp(`Loaded image ID: ${archive.meta.imageId}`));
  const ran = await engine.docker(['run', '--rm', '--network', 'none', archive.meta.imageId, 'busybox', 'echo', 'ok']);
  assert.equal(ran.stdout, 'ok\n');
  const shell = await engine.docker(['run', '--rm', '--network', 'none', archive.meta.imageId, 'sh', '-c', 'id -un; ls /usr/bin/awk']);
  assert.equal(shell.stdout, 'root\n/usr/bin/awk\n');
});

test('cache: an interrupted build and a half-made entry are never taken for a finished archive', async (t) => {
  const missing = busyboxMissing();
  if (missing) { t.skip(missing); return; }
  const cacheDir = tempCache(t);
  const key = cacheKey(busybox, await busybox.inputs());
  // A build whose process died (its pid is free again), and an entry with an archive but no metadata.
  const deadPid = spawnSync('true').pid!;
  const interrupted = path.join(cacheDir, `.build-busybox-${deadPid}-AbC123`);
  fs.mkdirSync(path.join(interrupted, 'entry'), { recursive: true });
  fs.writeFileSync(path.join(interrupted, 'entry', 'image.tar'), 'partial');
  const half = path.join(cacheDir, `busybox-${key}`);
  fs.mkdirSync(half);
  fs.writeFileSync(path.join(half, 'image.tar'), 'partial');
  // An older build of the recipe, to be pruned once the new one is in place.
  const older = path.join(cacheDir, 'busybox-0123456789abcdef');
  fs.mkdirSync(older);

  const lines: string[] = [];
  const archive = await ensureArchive(busybox, { cacheDir, say: (l) => lines.push(l) });
  assert.equal(archive.built, true);
  assert.equal(archive.path, path.join(half, 'image.tar'));
  assert.deepEqual(fs.readdirSync(cacheDir).sort(), [`busybox-${key}`], 'only the finished entry remains');
  assert.ok(lines.some((l) => l.includes('interrupted build')), 'the removal is said');
  checkDockerArchive(archive.path);

  // An aborted build leaves nothing behind.
  const other = tempCache(t);
  await assert.rejects(ensureArchive(busybox, { cacheDir: other, say: () => {}, signal: AbortSignal.abort() }));
  assert.deepEqual(fs.readdirSync(other), []);
});
