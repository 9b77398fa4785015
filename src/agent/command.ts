/**
 * Running the host's own tools (ip, nsenter, iptables-restore): one place that turns a non-zero exit
 * into a typed error carrying the tool's message.
 */
import { spawn } from 'node:child_process';

/** A host command failed; `stderr` says why. */
export class CommandFailed extends Error {
  constructor(readonly command: string, readonly code: number | null, readonly stderr: string) {
    super(`${command} failed (${code ?? 'signal'}): ${stderr.trim().slice(0, 500)}`);
    this.name = 'CommandFailed';
  }
}

/** Runs `cmd args…`, feeding `input` on stdin; resolves with stdout, rejects with CommandFailed. */
export function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.once('error', (e) => reject(new CommandFailed(`${cmd} ${args.join(' ')}`, null, e.message)));
    child.once('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new CommandFailed(`${cmd} ${args.join(' ')}`, code, err || out));
    });
    child.stdin.on('error', () => { /* the tool exited before reading everything; its exit code tells */ });
    child.stdin.end(input ?? '');
  });
}

/** `ip` in a named network namespace (or the agent's own when `ns` is undefined). */
export function ip(ns: string | undefined, args: readonly string[]): Promise<string> {
  return run('ip', ns === undefined ? args : ['-n', ns, ...args]);
}

/** Several `ip` commands in one process (`ip -batch`): one fork instead of many; stops at the first error. */
export function ipBatch(ns: string | undefined, lines: readonly string[]): Promise<string> {
  if (lines.length === 0) return Promise.resolve('');
  return run('ip', [...(ns === undefined ? [] : ['-n', ns]), '-batch', '-'], `${lines.join('\n')}\n`);
}

/** `ip` inside the network namespace of a process (a container's init), by pid. */
export function ipInPid(pid: number, lines: readonly string[]): Promise<string> {
  return run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], `${lines.join('\n')}\n`);
}

/** JSON output of `ip -j …` in a namespace. */
export async function ipJson<T>(ns: string | undefined, args: readonly string[]): Promise<T[]> {
  const out = await ip(ns, ['-j', ...args]);
  return out.trim() ? (JSON.parse(out) as T[]) : [];
}

/** `ip -j …` inside a process's network namespace. */
export async function ipJsonInPid<T>(pid: number, args: readonly string[]): Promise<T[]> {
  const out = await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-j', ...args]);
  return out.trim() ? (JSON.parse(out) as T[]) : [];
}

/** Writes a sysctl under /proc/sys/net as seen from inside a namespace. */
export function sysctlInNamespace(ns: string, key: string, value: string): Promise<string> {
  const file = `/proc/sys/${key.replace(/\./g, '/')}`;
  return run('nsenter', [`--net=/run/netns/${ns}`, 'sh', '-c', `echo ${value} > ${file}`]);
}
