/**
 * Flotilla's IPAM: a port's fixed IPs resolved and allocated inside the port's transaction. An allocation is
 * a row keyed by (subnet, address), so an address can never be handed out twice. Allocating writers take
 * the subnet's row lock first, so they take turns; one that still loses on the key is retried (common.ts).
 */
import type { Kysely } from 'kysely';
import type { NetworkTables } from '../tables.js';
import { dict, ipAddress, py, uuid } from '../attributes.js';
import {
  invalidAttribute, invalidInput, invalidIpForNetwork, invalidIpForSubnet, ipAddressAlreadyAllocated, ipAddressGenerationFailure,
} from '../errors.js';
import { formatIp, isHostAddress, parseCidr, parseIp } from '../ipv4.js';
import type { Subnet } from '../subnets/store.js';

/** Neutron's max_fixed_ips_per_port. */
export const MAX_FIXED_IPS = 5;

/** One entry of a port's `fixed_ips` as the client sent it. */
export interface FixedIpRequest { subnet_id?: string; ip_address?: string }
/** One address a port holds. */
export interface Allocation { subnetId: string; ip: string }

/** Validates the shape of `fixed_ips` (validate_fixed_ips). */
export function parseFixedIps(v: unknown, attr: string): FixedIpRequest[] {
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  const seen = new Set<string>();
  const out = v.map((entry) => {
    const o = dict(entry, attr, ['subnet_id', 'ip_address'], [], 'fixed IP');
    const req: FixedIpRequest = {};
    if (o.subnet_id !== undefined) req.subnet_id = uuid(o.subnet_id, attr) as string;
    if (o.ip_address !== undefined) {
      req.ip_address = ipAddress(o.ip_address, attr);
      if (seen.has(req.ip_address)) throw invalidAttribute(attr, `Duplicate IP address '${req.ip_address}'`);
      seen.add(req.ip_address);
    }
    if (req.subnet_id === undefined && req.ip_address === undefined) throw invalidInput('IP allocation requires subnet_id or ip_address');
    return req;
  });
  if (out.length > MAX_FIXED_IPS) throw invalidInput('Exceeded maximum amount of fixed ips per port');
  return out;
}

/** The lowest address of the subnet's pools no port holds, or undefined when the pools are full. */
async function freeAddress(tx: Kysely<NetworkTables>, subnet: Subnet, pending: readonly Allocation[] = []): Promise<string | undefined> {
  const rows = await tx.selectFrom('ip_allocation').select('ip_address').where('subnet_id', '=', subnet.id).execute();
  const taken = new Set([...rows.map((r) => r.ip_address), ...pending.filter((a) => a.subnetId === subnet.id).map((a) => a.ip)].map(parseIp));
  for (const pool of subnet.allocationPools) {
    const last = parseIp(pool.end)!;
    for (let ip = parseIp(pool.start)!; ip <= last; ip++) if (!taken.has(ip)) return formatIp(ip);
  }
  return undefined;
}

/**
 * Takes the subnet's row lock until the port's transaction ends, so ports of several projects allocating
 * on one subnet (a shared network) take turns instead of racing for the same lowest free address.
 */
async function lockSubnet(tx: Kysely<NetworkTables>, subnetId: string): Promise<void> {
  await tx.updateTable('subnet').set((eb) => ({ revision_number: eb.ref('revision_number') })).where('id', '=', subnetId).execute();
}

async function holder(tx: Kysely<NetworkTables>, subnetId: string, ip: string): Promise<string | undefined> {
  return (await tx.selectFrom('ip_allocation').select('port_id').where('subnet_id', '=', subnetId).where('ip_address', '=', ip).executeTakeFirst())?.port_id;
}

/**
 * The addresses a port should hold. `requests` undefined means Neutron's default: one address from the
 * first subnet with room. `current` are the port's addresses now (on update): a request naming one of
 * them, or naming only a subnet the port already has an address on, keeps it.
 */
export async function resolveFixedIps(
  tx: Kysely<NetworkTables>, networkId: string, subnets: readonly Subnet[], requests: readonly FixedIpRequest[] | undefined, portId: string, current: readonly Allocation[] = [],
): Promise<Allocation[]> {
  if (requests === undefined) {
    for (const s of subnets) {
      await lockSubnet(tx, s.id);
      const ip = await freeAddress(tx, s);
      if (ip) return [{ subnetId: s.id, ip }];
    }
    if (subnets.length > 0) throw ipAddressGenerationFailure(networkId);
    return [];
  }
  const byId = new Map(subnets.map((s) => [s.id, s]));
  const resolved = requests.map((r) => {
    let subnet: Subnet | undefined;
    if (r.subnet_id !== undefined) {
      subnet = byId.get(r.subnet_id);
      if (!subnet) throw invalidInput(`Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${r.subnet_id}`);
    }
    if (r.ip_address !== undefined) {
      const ip = parseIp(r.ip_address)!;
      if (subnet) {
        if (!isHostAddress(parseCidr(subnet.cidr)!.cidr, ip)) throw invalidIpForSubnet(r.ip_address);
      } else {
        subnet = subnets.find((s) => isHostAddress(parseCidr(s.cidr)!.cidr, ip));
        if (!subnet) throw invalidIpForNetwork(r.ip_address);
      }
    }
    return { subnet: subnet!, ip: r.ip_address };
  });

  for (const id of [...new Set(resolved.map((r) => r.subnet.id))].sort()) await lockSubnet(tx, id);
  const out: Allocation[] = [];
  const unclaimed = [...current];
  const claim = (subnetId: string, ip?: string): boolean => {
    const i = unclaimed.findIndex((a) => a.subnetId === subnetId && (ip === undefined || a.ip === ip));
    if (i < 0) return false;
    out.push(unclaimed.splice(i, 1)[0]!);
    return true;
  };
  // Explicit addresses first, so a subnet-only request does not take an address another entry names.
  for (const r of resolved.filter((x) => x.ip !== undefined)) {
    if (claim(r.subnet.id, r.ip)) continue;
    const by = await holder(tx, r.subnet.id, r.ip!);
    if (by !== undefined && by !== portId) throw ipAddressAlreadyAllocated(r.ip!, r.subnet.id);
    out.push({ subnetId: r.subnet.id, ip: r.ip! });
  }
  for (const r of resolved.filter((x) => x.ip === undefined)) {
    if (claim(r.subnet.id)) continue;
    const ip = await freeAddress(tx, r.subnet, out);
    if (!ip) throw ipAddressGenerationFailure(networkId);
    out.push({ subnetId: r.subnet.id, ip });
  }
  return out;
}

/** Replaces a port's allocations with `wanted` (inside the port's transaction). */
export async function applyAllocations(tx: Kysely<NetworkTables>, portId: string, networkId: string, wanted: readonly Allocation[]): Promise<void> {
  await tx.deleteFrom('ip_allocation').where('port_id', '=', portId).execute();
  for (const a of wanted) {
    await tx.insertInto('ip_allocation').values({ subnet_id: a.subnetId, ip_address: a.ip, port_id: portId, network_id: networkId }).execute();
  }
}
