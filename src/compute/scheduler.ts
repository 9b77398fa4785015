/**
 * The scheduler: Nova's filter scheduler over the registered hosts. Filters drop hosts that cannot take
 * the server (down or disabled, wrong zone, not enough RAM, vCPUs or disk after what is placed on them,
 * server-group affinity rules); weighers rank the rest (most free RAM first, which spreads servers; soft
 * (anti-)affinity). Pure: it sees a snapshot of hosts and placements and returns a decision.
 */
import type { FlavorSnapshot } from './model.js';

/** Nova's classic allocation ratios: containers share CPU freely and rarely touch their whole memory. */
export const ALLOCATION = { cpu: 16.0, ram: 1.5, disk: 1.0 } as const;

export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

export type GroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface HostCandidate {
  host: string;
  zone: string;
  enabled: boolean;
  up: boolean;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  /** What the servers placed on the host take. */
  used: { vcpus: number; memoryMb: number; diskGb: number; servers: number };
}

export interface ScheduleRequest {
  flavor: FlavorSnapshot;
  /** How many servers to place (all or none). */
  count: number;
  /** The requested availability zone, if any. */
  zone?: string | null;
  /** Only this host; `forced` skips the resource and group filters (an admin's say-so, as Nova's forced_host). */
  host?: { host: string; forced: boolean } | null;
  group?: { policy: GroupPolicy; maxPerHost: number; memberHosts: readonly string[] };
}

export type ScheduleResult = { ok: true; hosts: string[] } | { ok: false; reason: string };

/** The disk a flavor takes, in GB (root + ephemeral + swap). */
export function diskOf(f: FlavorSnapshot): number {
  return f.diskGb + f.ephemeralGb + Math.ceil(f.swapMb / 1024);
}

interface Placed { vcpus: number; memoryMb: number; diskGb: number; servers: number; groupMembers: number; }

/** Places `count` servers one by one, each seeing the ones placed before it. */
export function schedule(hosts: readonly HostCandidate[], req: ScheduleRequest): ScheduleResult {
  const state = new Map<string, Placed>(hosts.map((h) => [h.host, {
    ...h.used,
    groupMembers: req.group ? req.group.memberHosts.filter((m) => m === h.host).length : 0,
  }]));
  const chosen: string[] = [];
  const need = { vcpus: req.flavor.vcpus, memoryMb: req.flavor.ramMb, diskGb: diskOf(req.flavor) };
  for (let i = 0; i < req.count; i++) {
    const affinityHost = req.group?.policy === 'affinity' ? (req.group.memberHosts[0] ?? chosen[0]) : undefined;
    const passing = hosts.filter((h) => {
      const p = state.get(h.host)!;
      if (req.host && h.host !== req.host.host) return false;
      if (req.host?.forced) return h.up;
      if (!h.enabled || !h.up) return false;
      if (req.zone && h.zone !== req.zone) return false;
      if (h.memoryMb * ALLOCATION.ram - p.memoryMb < need.memoryMb) return false;
      if (h.vcpus * ALLOCATION.cpu - p.vcpus < need.vcpus) return false;
      if (need.diskGb > 0 && h.diskGb * ALLOCATION.disk - p.diskGb < need.diskGb) return false;
      if (req.group?.policy === 'anti-affinity' && p.groupMembers >= req.group.maxPerHost) return false;
      if (affinityHost !== undefined && h.host !== affinityHost) return false;
      return true;
    });
    if (passing.length === 0) return { ok: false, reason: NO_VALID_HOST };
    const best = pickBest(passing, state, req);
    chosen.push(best);
    const p = state.get(best)!;
    p.vcpus += need.vcpus;
    p.memoryMb += need.memoryMb;
    p.diskGb += need.diskGb;
    p.servers += 1;
    p.groupMembers += 1;
  }
  return { ok: true, hosts: chosen };
}

/** Normalises values to [0, 1] across hosts, as Nova's weighers do (all equal: all 0). */
function normalise(values: number[]): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => (max === min ? 0 : (v - min) / (max - min)));
}

function pickBest(passing: readonly HostCandidate[], state: ReadonlyMap<string, Placed>, req: ScheduleRequest): string {
  const freeRam = normalise(passing.map((h) => h.memoryMb * ALLOCATION.ram - state.get(h.host)!.memoryMb));
  const members = normalise(passing.map((h) => state.get(h.host)!.groupMembers));
  const soft = req.group?.policy === 'soft-affinity' ? 1 : req.group?.policy === 'soft-anti-affinity' ? -1 : 0;
  const scored = passing.map((h, i) => ({ host: h.host, weight: freeRam[i]! + soft * members[i]! }));
  // Highest weight first; ties go to the host with fewer servers, then by name, so placement is repeatable.
  scored.sort((a, b) => b.weight - a.weight
    || state.get(a.host)!.servers - state.get(b.host)!.servers
    || a.host.localeCompare(b.host));
  return scored[0]!.host;
}
