/** Runs the real `openstack` CLI (Debian's python-openstackclient) and parses its JSON output. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Why the openstack CLI cannot be used here, or undefined. */
export function cliUnavailable(): string | undefined {
  return existsSync('/usr/bin/openstack') ? undefined : 'the openstack CLI is not installed (apt-get install python3-openstackclient)';
}

export interface CliResult { code: number; stdout: string; stderr: string; }

/** Runs `openstack …args`; never throws on a non-zero exit. */
export function openstack(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('/usr/bin/openstack', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env }, timeout: 120000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** Runs `openstack …args -f json` and returns the parsed output; throws with stderr on failure. */
export async function openstackJson<T = any>(env: Record<string, string>, ...args: string[]): Promise<T> {
  const r = await openstack(env, ...args, '-f', 'json');
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * A new project with a user holding `member` on it, made by the admin through the CLI; returns the
 * environment that makes the CLI act as that user (`<project>-user`, password `<project>-pw`).
 */
export async function createMember(admin: Record<string, string>, identityUrl: string, project: string): Promise<Record<string, string>> {
  for (const args of [['project', 'create', project], ['user', 'create', '--password', `${project}-pw`, `${project}-user`], ['role', 'add', '--project', project, '--user', `${project}-user`, 'member']]) {
    const r = await openstack(admin, ...args);
    if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  }
  return {
    OS_AUTH_URL: identityUrl, OS_IDENTITY_API_VERSION: '3', OS_USERNAME: `${project}-user`, OS_PASSWORD: `${project}-pw`,
    OS_PROJECT_NAME: project, OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne', OS_INTERFACE: 'public',
  };
}
