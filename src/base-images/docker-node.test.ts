/**
 * The debian-12-docker node image, built through the machine's real image cache (only the first run on a
 * machine pays the two minutes mmdebstrap takes): Debian's docker.io is installed, the node layer holds
 * the engine script, its boot hook, busybox as a tagged docker archive and as a static binary, and the
 * image asks compute for a nested engine. Booting it as a server is test/nested-engine.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { defaultImageCacheDir, ensureArchive } from './cache.js';
import { NESTED_ENGINE_PROPERTY, NODE_BUSYBOX, PRELOADED_BUSYBOX } from './docker-node.js';
import { Unbuildable } from './recipe.js';
import { RECIPES } from './recipes.js';
import { checkDockerArchive, readTar } from './testing-archive.js';

const recipe = RECIPES.find((r) => r.name === 'debian-12-docker')!;

test('debian-12-docker: Debian with docker.io below, the node layer above, busybox preloaded', async (t) => {
  let archive;
  try {
    archive = await ensureArchive(recipe, { cacheDir: defaultImageCacheDir(), say: (l) => t.diagnostic(l) });
  } catch (err) {
    if (err instanceof Unbuildable) { t.skip(err.message); return; }
    throw err;
  }
  t.diagnostic(`${archive.built ? 'built' : 'cached'}: ${archive.path}, ${(archive.meta.size / 1e6).toFixed(1)} MB`);
  assert.deepEqual({ ...recipe.properties(archive.meta.inputs), description: '' }, { os_distro: 'debian', os_version: '12', description: '', [NESTED_ENGINE_PROPERTY]: 'true' });
  const { layers } = checkDockerArchive(archive.path);
  assert.equal(layers.length, 2, 'the Debian root filesystem and the node layer');
  const debian = layers[0]!;
  const node = layers[1]!;
  const status = debian.get('var/lib/dpkg/status')!.data.toString();
  for (const pkg of ['docker.io', 'containerd', 'runc', 'iptables', 'openssl', 'curl', 'socat', 'openssh-server']) {
    assert.match(status, new RegExp(`^Package: ${pkg}\\nStatus: install ok installed`, 'm'), `${pkg} is installed`);
  }
  for (const script of ['usr/local/sbin/flotilla-dockerd', 'etc/flotilla/boot.d/50-docker']) {
    const m = node.get(script);
    assert.ok(m && m.type === 'file' && (m.mode & 0o111) !== 0, `${script} is an executable file`);
    execFileSync('sh', ['-n'], { input: m.data });
  }
  const busybox = node.get('usr/share/flotilla/images/busybox.tar');
  assert.ok(busybox, 'busybox is in the node layer');
  const manifest = JSON.parse(readTar(busybox.data).find((m) => m.path === 'manifest.json')!.data.toString()) as Array<{ RepoTags: string[] }>;
  assert.deepEqual(manifest[0]!.RepoTags, [PRELOADED_BUSYBOX]);
  const bin = node.get(NODE_BUSYBOX.slice(1));
  assert.ok(bin && bin.type === 'file' && (bin.mode & 0o111) !== 0 && bin.data.subarray(0, 4).toString('latin1') === '\x7fELF', 'a static busybox binary for the node\'s own services');
});
