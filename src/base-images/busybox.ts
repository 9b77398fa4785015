/**
 * The `busybox` image: Debian's statically linked busybox (package busybox-static, installed on the host
 * by `npm start`) with a symlink for each of its applets, and just enough of /etc for a root shell.
 * One layer, written directly as a tar: no root filesystem on disk, no engine.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { TarFileWriter } from './tar.js';
import { Unbuildable, type BuildContext, type BuiltLayers, type Recipe } from './recipe.js';

const run = promisify(execFile);

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** Directories every image has, whether or not an applet lives there (mode where it is not 0755). */
const BASE_DIRS: ReadonlyArray<[string, number]> = [
  ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['proc', 0o555], ['root', 0o700], ['sbin', 0o755],
  ['sys', 0o555], ['tmp', 0o1777], ['usr', 0o755], ['usr/bin', 0o755], ['usr/sbin', 0o755], ['var', 0o755],
];

/** The installed busybox-static package: its version and the path of its binary. */
export async function installedBusybox(): Promise<{ version: string; binary: string }> {
  let listing: string;
  let version: string;
  try {
    version = (await run('dpkg-query', ['-W', '-f=${Version}', 'busybox-static'])).stdout.trim();
    listing = (await run('dpkg-query', ['-L', 'busybox-static'])).stdout;
  } catch {
    throw new Unbuildable('Debian package busybox-static is not installed (npm start installs it)');
  }
  const binary = listing.split('\n').find((p) => /^(\/usr)?\/bin\/busybox$/.test(p));
  if (!version || !binary || !fs.existsSync(binary)) throw new Unbuildable('busybox-static is not fully installed (no busybox binary)');
  return { version, binary };
}

async function buildBusybox(ctx: BuildContext): Promise<BuiltLayers> {
  const { binary } = await installedBusybox();
  // Applet paths as busybox itself would install them (bin/sh, usr/bin/awk, …); ones at the root
  // (linuxrc, for initramfs use) have no place in a container.
  const applets = (await run(binary, ['--list-full'])).stdout.split('\n').map((l) => l.trim())
    .filter((p) => p.includes('/') && p !== 'bin/busybox' && !p.startsWith('/') && !p.split('/').includes('..'))
    .sort();
  // File times are the binary's (the package's build time), so the same package gives the same archive.
  const created = new Date(Math.floor(fs.statSync(binary).mtimeMs / 1000) * 1000);
  const layer = path.join(ctx.workDir, 'layer.tar');
  const tar = await TarFileWriter.create(layer, { mtime: created.getTime() / 1000 });
  try {
    const dirs = new Map(BASE_DIRS);
    for (const p of applets) dirs.set(path.posix.dirname(p), dirs.get(path.posix.dirname(p)) ?? 0o755);
    for (const [dir, mode] of [...dirs].sort(([a], [b]) => (a < b ? -1 : 1))) await tar.directory(dir, mode);
    await tar.file('bin/busybox', binary, 0o755);
    for (const p of applets) await tar.symlink(p, '/bin/busybox');
    await tar.data('etc/group', Buffer.from(GROUP));
    await tar.data('etc/passwd', Buffer.from(PASSWD));
    await tar.finish();
  } catch (err) {
    await tar.abandon();
    throw err;
  }
  ctx.say(`${applets.length} applets linked to /bin/busybox`);
  return {
    layers: [layer],
    runtime: { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], createdBy: `flotilla: busybox-static from Debian, ${applets.length} applets` },
    created,
  };
}

/** The busybox image recipe. */
export const busybox: Recipe = {
  name: 'busybox',
  revision: 1,
  properties: (inputs) => ({
    os_distro: 'busybox',
    // Debian's 1:1.35.0-4+deb12u1 is busybox 1.35.0.
    os_version: String(inputs.busyboxStatic).replace(/^\d+:/, '').replace(/-[^-]*$/, ''),
    description: "Debian's static busybox with its applets, built by Flotilla",
  }),
  inputs: async () => {
    const { version } = await installedBusybox();
    return { busyboxStatic: version };
  },
  build: buildBusybox,
};
