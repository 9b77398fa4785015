/**
 * Address ranges that test processes on one machine must not share: every cloud and every agent routes its
 * subnets from the root namespace, so two tests holding the same range take each other's routes (npm test
 * runs two files at once, and a developer's cloud may be up). A range is claimed with a file naming the
 * claiming process and, optionally, a key (a data dir); it is free again once that process is gone, or
 * once `stale` says its key is.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Claim { pid: number; key?: string }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * Claims one of `slots` (tried in the order given) under `kind`, and returns it. A claim with the same
 * `key` is kept (a cloud restarted on its data dir keeps its range). When every slot is held by a live
 * claim, `whenFull` decides: take the oldest claim over, or throw.
 */
export function claimSlot(opts: {
  kind: string;
  slots: readonly number[];
  key?: string;
  stale?: (claim: Claim) => boolean;
  /** Whether a slot is in use whatever its claim says (something outside the claims holds it). */
  busy?: (slot: number) => boolean;
  whenFull: 'oldest' | 'throw';
}): number {
  const dir = path.join(os.tmpdir(), `flotilla-test-${opts.kind}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = (slot: number): string => path.join(dir, `slot-${slot}`);
  const claim = JSON.stringify({ pid: process.pid, ...(opts.key !== undefined ? { key: opts.key } : {}) });
  const read = (slot: number): Claim | undefined => {
    try { return JSON.parse(fs.readFileSync(file(slot), 'utf8')) as Claim; } catch { return undefined; }
  };
  if (opts.key !== undefined) for (const slot of opts.slots) if (read(slot)?.key === opts.key) return slot;
  for (const slot of opts.slots) {
    if (opts.busy?.(slot)) continue;
    try {
      fs.writeFileSync(file(slot), claim, { flag: 'wx' });
      return slot;
    } catch { /* taken */ }
  }
  const stale = opts.slots.find((slot) => {
    const c = read(slot);
    return (!c || !alive(c.pid) || (opts.stale?.(c) ?? false)) && !(opts.busy?.(slot) ?? false);
  });
  let slot = stale;
  if (slot === undefined) {
    if (opts.whenFull === 'throw') throw new Error(`every ${opts.kind} slot is claimed by a live test (claims in ${dir})`);
    slot = opts.slots.map((n) => ({ n, at: fs.statSync(file(n)).mtimeMs })).sort((a, b) => a.at - b.at)[0]!.n;
  }
  fs.writeFileSync(file(slot), claim);
  return slot;
}
