/**
 * Installs Debian's Keystone (bookworm: Keystone 22, Zed) and what the baseline runs it with: uwsgi's
 * python3 plugin, memcached and the PostgreSQL driver. The packages' own services must not start (they
 * would listen on 5000 and 11211 on all interfaces): apt-get runs with a policy-rc.d that refuses every
 * start, put in place only for the install when none is there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const KEYSTONE_PACKAGES = ['keystone', 'uwsgi-core', 'uwsgi-plugin-python3', 'memcached', 'python3-memcache', 'python3-psycopg2'];

const POLICY_RC = '/usr/sbin/policy-rc.d';
const DENY_ALL = '#!/bin/sh\n# Put here by Flotilla\'s bench for one apt-get run: no service starts on install.\nexit 101\n';

function installed(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.stdout?.includes('install ok installed') === true;
}

/** True when an existing policy-rc.d already refuses to start services. */
function policyDeniesStarts(): boolean {
  if (!fs.existsSync(POLICY_RC)) return false;
  return spawnSync(POLICY_RC, ['keystone', 'start']).status === 101;
}

/** Installs what is missing; a no-op when everything is there. Needs root. */
export function ensureKeystoneInstalled(log: (line: string) => void): void {
  const missing = KEYSTONE_PACKAGES.filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`the Keystone baseline needs Debian packages ${missing.join(' ')}; install them as root`);
  let previous: Buffer | undefined;
  let placed = false;
  if (!policyDeniesStarts()) {
    previous = fs.existsSync(POLICY_RC) ? fs.readFileSync(POLICY_RC) : undefined;
    fs.writeFileSync(POLICY_RC, DENY_ALL, { mode: 0o755 });
    placed = true;
  }
  try {
    log(`installing ${missing.join(' ')} (the Keystone baseline; package services kept from starting)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    if (update.status !== 0) log('apt-get update failed; trying the install anyway');
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } finally {
    if (placed) {
      if (previous) fs.writeFileSync(POLICY_RC, previous, { mode: 0o755 });
      else fs.rmSync(POLICY_RC, { force: true });
    }
  }
}

/** The installed version of a Debian package, e.g. "2:22.0.2-0+deb12u6". */
export function packageVersion(pkg: string): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}
