/**
 * Debian images made with mmdebstrap from the machine's own Debian mirror: minbase plus a few packages,
 * set up to be booted by Flotilla's init as a system container (sshd with key login for root, host keys
 * and identity made on first boot, not baked in). `debianRecipe` makes a recipe from a package list, so
 * a variant (say, with docker.io preloaded) is one more call in recipes.ts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { debianMirrorLines, readAptSources } from './apt-sources.js';
import { findExecutable } from './executables.js';
import { runMmdebstrap } from './mmdebstrap.js';
import { Unbuildable, type BuildContext, type BuiltLayers, type Recipe } from './recipe.js';

const run = promisify(execFile);

export interface DebianRecipeSpec {
  /** The Glance image name, e.g. debian-12. */
  name: string;
  /** The Debian release, e.g. bookworm. */
  release: string;
  /** Its version number, for os_version. */
  version: string;
  /** Packages on top of minbase. */
  packages: readonly string[];
  /** Raise when this spec changes what it builds in a way its package list does not show. */
  revision: number;
  description: string;
}

/**
 * Leave out what a server never reads; dpkg keeps these rules in the image, so packages installed
 * later stay slim too (as Docker's debian:*-slim images do). Licences stay.
 */
const DPKG_SLIM = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
];

const MERGED_USR_HOOKS = '/usr/share/mmdebstrap/hooks/merged-usr';

/** apt settings of this machine that decide whether and how its mirror can be reached. */
const HOST_APT_SETTINGS = /^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date|Retries|ForceIPv4|ForceIPv6) /;

/**
 * Run in the finished chroot ($1). The image must carry nothing of the build host and nothing that
 * has to differ between servers: Flotilla's init writes hostname, machine identity and ssh host keys
 * on first boot, and Docker supplies resolv.conf.
 */
const CUSTOMIZE = `#!/bin/sh
set -eu
root="$1"
rm -f "$root/etc/resolv.conf"
: > "$root/etc/hostname"
: > "$root/etc/machine-id"
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/ssh/sshd_config.d"
cat > "$root/etc/ssh/sshd_config.d/flotilla.conf" <<'EOF'
# Flotilla servers: root logs in with the key pair given at boot, never with a password.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
# The build host's apt settings (proxy, snapshot validity) served the build only.
rm -f "$root/etc/apt/apt.conf.d/99mmdebstrap"
`;

/** The machine's apt settings that the build's apt must share (mmdebstrap's apt reads none of them). */
async function hostAptSettings(): Promise<string[]> {
  try {
    const { stdout } = await run('apt-config', ['dump']);
    return stdout.split('\n').filter((l) => HOST_APT_SETTINGS.test(l));
  } catch {
    return [];
  }
}

function mirrorsFor(release: string): string[] {
  const mirrors = debianMirrorLines(readAptSources(), release);
  if (mirrors.length === 0) throw new Unbuildable(`no Debian mirror in this machine's apt sources (/etc/apt/sources.list, sources.list.d) to build ${release} from`);
  return mirrors;
}

async function buildDebian(spec: DebianRecipeSpec, ctx: BuildContext): Promise<BuiltLayers> {
  if (!findExecutable('mmdebstrap')) throw new Unbuildable('mmdebstrap is not installed (npm start installs it)');
  const mirrors = mirrorsFor(spec.release);
  const created = new Date(Math.floor(Date.now() / 1000) * 1000);
  const customize = path.join(ctx.workDir, 'customize.sh');
  fs.writeFileSync(customize, CUSTOMIZE, { mode: 0o755 });
  const aptOptions = ['Acquire::Languages "none"'];
  const settings = await hostAptSettings();
  if (settings.length > 0) {
    // Proxy settings may hold credentials: a private file, and the hook removes its copy in the image.
    const file = path.join(ctx.workDir, 'host-apt.conf');
    fs.writeFileSync(file, `${settings.join('\n')}\n`, { mode: 0o600 });
    aptOptions.push(file);
  }
  const tmpDir = path.join(ctx.workDir, 'tmp');
  fs.mkdirSync(tmpDir);
  const layer = path.join(ctx.workDir, 'rootfs.tar');
  ctx.say(`mmdebstrap ${spec.release} minbase + ${spec.packages.join(' ')} from ${mirrors.map((m) => m.replace(/^deb (\[[^\]]*\] )?/, '')).join('; ')}`);
  await runMmdebstrap({
    release: spec.release,
    mirrors,
    packages: spec.packages,
    output: layer,
    tmpDir,
    // Merged /usr set up the way debootstrap does it, instead of the usrmerge package and the perl it drags in.
    hookDirs: fs.existsSync(MERGED_USR_HOOKS) ? [MERGED_USR_HOOKS] : [],
    customizeHooks: [customize],
    dpkgOptions: DPKG_SLIM,
    aptOptions,
    sourceDateEpoch: created.getTime() / 1000,
    say: ctx.say,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return {
    layers: [layer],
    runtime: { cmd: ['/bin/bash'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], createdBy: `flotilla: mmdebstrap --variant=minbase ${spec.release} + ${spec.packages.join(',')}` },
    created,
  };
}

/** A recipe for a Debian image. */
export function debianRecipe(spec: DebianRecipeSpec): Recipe {
  return {
    name: spec.name,
    revision: spec.revision,
    properties: () => ({ os_distro: 'debian', os_version: spec.version, description: spec.description }),
    // A different mirror (or package list) is a different image; the mirror's later updates are not,
    // so an archive is reused until the recipe or the machine's sources change.
    inputs: async () => ({ release: spec.release, packages: [...spec.packages], mirrors: mirrorsFor(spec.release) }),
    build: (ctx) => buildDebian(spec, ctx),
  };
}
