/**
 * Helpers for tests that drive container-infra clusters through the real `openstack coe` CLI and the
 * real docker CLI: wait for a cluster to settle, the docker environment `coe cluster config` gives, and
 * the swarm's nodes as `docker node ls` lists them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { openstack, openstackJson, type CliResult } from './cli.js';

type Env = Record<string, string>;
type Row = Record<string, unknown>;

/** Runs the docker CLI with `env` (a cluster's DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY); never throws on a non-zero exit. */
export function docker(env: Env, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('docker', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** `coe cluster show` until the status leaves *_IN_PROGRESS (printing each new status as a `#` line). */
export async function settleCluster(env: Env, name: string, withinMs: number): Promise<Row> {
  const deadline = Date.now() + withinMs;
  let last = '';
  for (;;) {
    const c = await openstackJson<Row>(env, 'coe', 'cluster', 'show', name);
    const status = String(c.status);
    if (status !== last) { console.log(`#   ${name}: ${status} ${String(c.status_reason ?? '')}`); last = status; }
    if (!status.endsWith('_IN_PROGRESS')) return c;
    if (Date.now() > deadline) throw new Error(`${name} still ${status} after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `coe cluster config <cluster> --dir <dir> --output-certs` with the real magnumclient (its key, the
 * cluster CA's signature): the CLI's output and the DOCKER_* variables it exports.
 */
export async function clusterConfig(env: Env, cluster: string, dir: string): Promise<{ result: CliResult; dockerEnv: Env }> {
  fs.mkdirSync(dir, { recursive: true });
  // magnumclient picks the export syntax from $SHELL.
  const result = await openstack({ ...env, SHELL: '/bin/sh' }, 'coe', 'cluster', 'config', cluster, '--dir', dir, '--output-certs');
  const dockerEnv: Env = {};
  for (const m of result.stdout.matchAll(/export (DOCKER_[A-Z_]+)=(\S*)/g)) dockerEnv[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return { result, dockerEnv };
}

export interface SwarmNodeRow { hostname: string; status: string; availability: string }

/** The swarm's nodes as `docker node ls` lists them, or undefined when the manager does not answer. */
export async function swarmNodes(dockerEnv: Env): Promise<SwarmNodeRow[] | undefined> {
  const r = await docker(dockerEnv, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}}']);
  if (r.code !== 0) return undefined;
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const [hostname = '', status = '', availability = ''] = l.split(' ');
    return { hostname, status, availability };
  });
}
