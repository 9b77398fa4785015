/**
 * The debian-12 image, built through the machine's real image cache (so only the first run on a machine
 * pays the minute or two mmdebstrap takes): its root filesystem carries sshd set up for key login as
 * root and nothing of the build host; a throwaway Docker engine loads it and sshd accepts its config.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultImageCacheDir, ensureArchive } from './cache.js';
import { Unbuildable } from './recipe.js';
import { RECIPES } from './recipes.js';
import { checkDockerArchive, type CheckedArchive } from './testing-archive.js';
import { dockerdUnavailable, startThrowawayDockerd } from './testing-dockerd.js';

const debian12 = RECIPES.find((r) => r.name === 'debian-12')!;

/** The cached archive (built if needed), or why it cannot be built here. */
async function cachedDebian(say: (line: string) => void): Promise<{ path: string; imageId: string; checked: CheckedArchive } | string> {
  try {
    const archive = await ensureArchive(debian12, { cacheDir: defaultImageCacheDir(), say });
    say(`${archive.built ? 'built' : 'cached'}: ${archive.path}, ${archive.meta.size} bytes, build took ${archive.meta.buildSeconds} s`);
    return { path: archive.path, imageId: archive.meta.imageId, checked: checkDockerArchive(archive.path) };
  } catch (err) {
    if (err instanceof Unbuildable) return err.message;
    throw err;
  }
}

let archive: Awaited<ReturnType<typeof cachedDebian>> | undefined;

test('debian-12: the root filesystem has sshd for key login as root and nothing of the build host', async (t) => {
  archive = await cachedDebian((l) => t.diagnostic(l));
  if (typeof archive === 'string') { t.skip(archive); return; }
  const { checked } = archive;
  assert.equal(checked.layers.length, 1);
  const fsys = checked.layers[0]!;
  const file = (p: string): string => {
    const m = fsys.get(p);
    assert.ok(m && m.type === 'file', `${p} is a file`);
    return m.data.toString();
  };
  assert.ok(fsys.get('usr/sbin/sshd')?.type === 'file', 'sshd is installed');
  assert.equal(fsys.get('bin')?.type, 'symlink', 'merged /usr');
  for (const pkg of ['openssh-server', 'ca-certificates', 'iproute2', 'iputils-ping', 'procps', 'less']) {
    assert.match(file('var/lib/dpkg/status'), new RegExp(`^Package: ${pkg}\\nStatus: install ok installed`, 'm'), `${pkg} is installed`);
  }
  assert.doesNotMatch(file('var/lib/dpkg/status'), /^Package: (usrmerge|perl)$/m, 'no usrmerge and no full perl');
  const conf = file('etc/ssh/sshd_config.d/flotilla.conf');
  assert.match(conf, /^PermitRootLogin prohibit-password$/m);
  assert.match(conf, /^PasswordAuthentication no$/m);
  assert.match(file('etc/ssh/sshd_config'), /^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m, 'the drop-in is read');
  assert.deepEqual([...fsys.keys()].filter((p) => p.startsWith('etc/ssh/ssh_host_')), [], 'no host keys baked in');
  assert.equal(file('etc/hostname'), '');
  assert.equal(file('etc/machine-id'), '');
  assert.equal(fsys.get('etc/resolv.conf'), undefined, "the build host's resolv.conf is not kept");
  assert.equal(fsys.get('etc/apt/apt.conf.d/99mmdebstrap'), undefined, "the build host's apt settings are not kept");
  assert.match(file('etc/apt/sources.list'), /^deb .* bookworm main$/m, 'apt in the server uses the same mirror');
  assert.equal([...fsys.keys()].filter((p) => p.startsWith('usr/share/man/')).length, 0, 'no man pages');
});

test('debian-12: a throwaway Docker engine loads it and sshd runs with root key login only', async (t) => {
  if (archive === undefined || typeof archive === 'string') { t.skip(archive ?? 'the archive was not built'); return; }
  const missing = dockerdUnavailable();
  if (missing) { t.skip(missing); return; }
  const engine = await startThrowawayDockerd();
  t.after(() => engine.stop());
  const loaded = await engine.docker(['load', '-i', archive.path]);
  assert.match(loaded.stdout, new RegExp(`Loaded image ID: ${archive.imageId}`));
  // What Flotilla's init does on first boot (host keys, privilege separation dir), then sshd's own check.
  const script = 'ssh-keygen -A >/dev/null && mkdir -p /run/sshd && /usr/sbin/sshd -t && /usr/sbin/sshd -T -C user=root,host=h,addr=127.0.0.1 | grep -E "^(permitrootlogin|passwordauthentication|pubkeyauthentication) "';
  const ran = await engine.docker(['run', '--rm', '--network', 'none', archive.imageId, 'sh', '-c', script]);
  assert.match(ran.stdout, /^permitrootlogin (prohibit-password|without-password)$/m);
  assert.match(ran.stdout, /^passwordauthentication no$/m);
  assert.match(ran.stdout, /^pubkeyauthentication yes$/m);
});
