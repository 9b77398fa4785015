/** What this host offers, as the agent registers it: cores, memory, and the disk under the agent's dir. */
import fs from 'node:fs';
import os from 'node:os';
import type { HostRegistration } from '../compute/agent-protocol.js';

export function hostResources(dir: string): HostRegistration['resources'] {
  let diskGb = 0;
  try {
    const s = fs.statfsSync(dir);
    diskGb = Math.floor((s.blocks * s.bsize) / 1024 ** 3);
  } catch { /* reported as 0 until the dir exists */ }
  return { vcpus: os.cpus().length, memoryMb: Math.floor(os.totalmem() / 1024 ** 2), diskGb };
}
