/** Named network namespaces (/run/netns/NAME, as `ip netns` keeps them). */
import fs from 'node:fs';
import { ip, run } from './command.js';

/** Names of every named network namespace on the machine. */
export function listNamespaces(): string[] {
  try { return fs.readdirSync('/run/netns'); } catch { return []; }
}

/** Creates the namespace with its loopback up, unless it is already there. */
export async function ensureNamespace(name: string): Promise<void> {
  if (!listNamespaces().includes(name)) {
    try {
      await ip(undefined, ['netns', 'add', name]);
    } catch (err) {
      // Another pass may have made it meanwhile; only a namespace that is still missing is an error.
      if (!listNamespaces().includes(name)) throw err;
    }
  }
  await ip(name, ['link', 'set', 'lo', 'up']);
}

/** Deletes the namespace (and with it every interface inside); a missing one is fine. */
export async function deleteNamespace(name: string): Promise<void> {
  if (!listNamespaces().includes(name)) return;
  try {
    await ip(undefined, ['netns', 'delete', name]);
  } catch (err) {
    if (listNamespaces().includes(name)) throw err;
  }
}

/** True when a process with this pid exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of a process, NUL-separated fields as an array ([] when gone). */
export function processArgs(pid: number): string[] {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean); } catch { return []; }
}

export { run };
