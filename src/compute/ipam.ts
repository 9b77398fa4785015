/**
 * Interim IPAM, until the Networks issue brings Neutron: each project has one network (named `private`),
 * with one /24 per (project, host) taken from 198.18.0.0/16 (inside the 198.18.0.0/15 benchmark range the
 * README documents). Gateway .1, servers from .2, MACs fa:16:3e:xx:xx:xx (Neutron's default prefix).
 * The agent gets the result as PortSpecs; the Networks issue replaces this module with Neutron ports and
 * nothing else changes.
 *
 * Clients see one network, `private`, with one cloud-wide id (what `networks: [{uuid}]` and os-networks
 * name, as a shared network would be in Neutron); underneath, each project has its own segment id, which
 * is what the agent gets as PortSpec.networkId, so projects never share a bridge and cannot reach each other.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ComputeTables } from './tables.js';
import type { PortSpec } from './agent-protocol.js';
import type { ServerPort } from './servers/store.js';
import type { ServerPool } from '../platform/config.js';

export const POOL_PREFIX = '198.18';
export const NETWORK_NAME = 'private';
export const SUBNETS = 256;
export const MTU = 1500;
/** The ipam_network row of the cloud-wide network clients see. */
const SHARED = '';

/** Addresses ran out: the build fails the way Nova's does when Neutron cannot allocate a port. */
export class NetworkAllocationFailed extends Error {}

export function cidrOf(idx: number): string {
  return `${POOL_PREFIX}.${idx}.0/24`;
}

export function gatewayOf(idx: number): string {
  return `${POOL_PREFIX}.${idx}.1`;
}

export interface ProjectNetwork { id: string; name: string; }

export class InterimIpam {
  /** The /24s this cloud may hand out (FLOTILLA_SERVER_POOL); addresses already given stay valid. */
  constructor(private readonly pool: ServerPool = { cidr: `${POOL_PREFIX}.0.0/16`, first: 0, count: SUBNETS }) {}

  /** The network clients name: one cloud-wide id, made on first use (stored as the row of project ''). */
  async shared(tx: Kysely<ComputeTables>): Promise<ProjectNetwork> {
    return this.network(tx, SHARED);
  }

  /** The project's own segment (the agent's networkId), made on first use. */
  async network(tx: Kysely<ComputeTables>, projectId: string): Promise<ProjectNetwork> {
    const existing = await tx.selectFrom('ipam_network').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    if (existing) return { id: existing.network_id, name: existing.name };
    const id = randomUUID();
    await tx.insertInto('ipam_network').values({ project_id: projectId, network_id: id, name: NETWORK_NAME, created_at: new Date().toISOString() }).execute();
    return { id, name: NETWORK_NAME };
  }

  /** The networks of several projects (for rendering and for agents' specs). */
  async networks(db: Kysely<ComputeTables>, projectIds: readonly string[]): Promise<Map<string, ProjectNetwork>> {
    const out = new Map<string, ProjectNetwork>();
    if (projectIds.length === 0) return out;
    const rows = await db.selectFrom('ipam_network').selectAll().where('project_id', 'in', [...new Set(projectIds)]).execute();
    for (const r of rows) out.set(r.project_id, { id: r.network_id, name: r.name });
    return out;
  }

  async #subnet(tx: Kysely<ComputeTables>, projectId: string, host: string): Promise<number> {
    const existing = await tx.selectFrom('ipam_subnet').select('idx').where('project_id', '=', projectId).where('host', '=', host).executeTakeFirst();
    if (existing) return existing.idx;
    const used = new Set((await tx.selectFrom('ipam_subnet').select('idx').execute()).map((r) => r.idx));
    for (let idx = this.pool.first; idx < this.pool.first + this.pool.count; idx++) {
      if (used.has(idx)) continue;
      await tx.insertInto('ipam_subnet').values({ project_id: projectId, host, idx }).execute();
      return idx;
    }
    throw new NetworkAllocationFailed(`No free /24 left in ${this.pool.cidr} for a new project network segment.`);
  }

  /** Allocates a port for a server on its host, inside the caller's transaction. */
  async allocate(tx: Kysely<ComputeTables>, projectId: string, host: string, serverId: string): Promise<ServerPort> {
    await this.network(tx, projectId);
    const idx = await this.#subnet(tx, projectId, host);
    const taken = new Set((await tx.selectFrom('ipam_port').select('ip').where('subnet_idx', '=', idx).execute()).map((r) => r.ip));
    let ip: string | undefined;
    for (let last = 2; last <= 254; last++) {
      const candidate = `${POOL_PREFIX}.${idx}.${last}`;
      if (!taken.has(candidate)) { ip = candidate; break; }
    }
    if (!ip) throw new NetworkAllocationFailed(`No more IP addresses available on network ${cidrOf(idx)}.`);
    let mac = '';
    for (let attempt = 0; attempt < 16; attempt++) {
      const candidate = `fa:16:3e:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`;
      const clash = await tx.selectFrom('ipam_port').select('id').where('mac', '=', candidate).executeTakeFirst();
      if (!clash) { mac = candidate; break; }
    }
    if (!mac) throw new NetworkAllocationFailed('Could not find a free MAC address.');
    const port = { id: randomUUID(), server_id: serverId, project_id: projectId, host, subnet_idx: idx, ip, mac, created_at: new Date().toISOString() };
    await tx.insertInto('ipam_port').values(port).execute();
    return { id: port.id, ip, mac, host, subnetIdx: idx };
  }

  /** Releases a server's ports, and the /24s no port uses any more. */
  async release(tx: Kysely<ComputeTables>, serverId: string): Promise<void> {
    const ports = await tx.selectFrom('ipam_port').select(['project_id', 'host']).where('server_id', '=', serverId).execute();
    await tx.deleteFrom('ipam_port').where('server_id', '=', serverId).execute();
    for (const p of ports) {
      const left = await tx.selectFrom('ipam_port').select('id').where('project_id', '=', p.project_id).where('host', '=', p.host).executeTakeFirst();
      if (!left) await tx.deleteFrom('ipam_subnet').where('project_id', '=', p.project_id).where('host', '=', p.host).execute();
    }
  }

  /** A server's ports as the agent plugs them. */
  portSpecs(ports: readonly ServerPort[], network: ProjectNetwork | undefined): PortSpec[] {
    if (!network) return [];
    return ports.map((p) => ({
      id: p.id, source: 'interim', mac: p.mac, ip: p.ip, prefixLength: 24, gateway: gatewayOf(p.subnetIdx), networkId: network.id, cidr: cidrOf(p.subnetIdx), mtu: MTU,
    }));
  }
}
