/**
 * Get-me-a-network (Neutron's auto-allocated-topology extension): the first time a project boots a server
 * without naming a network, it gets a network, a subnet and a router to the external network, made once
 * and found again afterwards. Nova asks for it through GET /v2.0/auto-allocated-topology/{project}.
 *
 * Neutron takes the subnet from the cloud's default subnet pool, whose address scope the external network
 * shares, so the external side routes to it without NAT. Flotilla does the same with one documented pool
 * (FLOTILLA_SERVER_POOL, default 198.18.0.0/16, a /24 per project): those subnets are *routed* — the host
 * reaches a server at its fixed address through the external segment and the project's router
 * (agent/plan.ts `routed`), the way it reaches floating IPs — while the router still SNATs what its
 * servers start towards the outside. Security groups decide what gets in, as for any port.
 *
 * The network, subnet and router are ordinary resources of the project (it may rename or delete them);
 * the auto_topology row remembers which they are. All of it is made in one transaction under a lock per
 * project, so concurrent first boots get one topology, and a crash leaves either all of it or nothing.
 */
import type { Kysely } from 'kysely';
import { inTransaction } from '../../platform/db/database.js';
import type { NetworkTables } from '../tables.js';
import type { Caller } from '../context.js';
import { now } from '../context.js';
import { retryOnConflict } from '../common.js';
import { NeutronFault, networkInUse } from '../errors.js';
import { formatCidr, parseCidr, type Cidr4 } from '../ipv4.js';
import { lockKey } from '../quotas/service.js';
import { PUBLIC_NETWORK_NAME } from '../bootstrap.js';
import { createNetwork } from '../networks/routes.js';
import { deleteTags } from '../tags.js';
import { createSubnet } from '../subnets/routes.js';
import { addInterface, createRouter, deleteRouter, removeInterface } from '../routers/service.js';
import { routerFromRow } from '../routers/store.js';

export const AUTO_NETWORK_NAME = 'auto_allocated_network';
export const AUTO_SUBNET_NAME = 'auto_allocated_subnet_v4';
export const AUTO_ROUTER_NAME = 'auto_allocated_router';

/** What Neutron answers: the network's id, for the project. */
export interface Topology { id: string; tenant_id: string; project_id: string }

/** Neutron's AutoAllocationFailure (a Conflict): the cloud lacks what get-me-a-network needs. */
function allocationFailure(reason: string): NeutronFault {
  return new NeutronFault(409, 'AutoAllocationFailure', `Deployment error: ${reason}.`);
}

/** The /24s of the routed pool, in order. */
function slices(pool: Cidr4): Cidr4[] {
  if (pool.prefix > 24) return [];
  const out: Cidr4[] = [];
  for (let i = 0; i < 2 ** (24 - pool.prefix); i++) out.push({ base: pool.base + i * 256, prefix: 24 });
  return out;
}

/**
 * A caller acting for `projectId` with every permission: used only after the route checked the real
 * caller's right to the project's topology, so the resources are made as the project's own (a service
 * or an admin asking for another project gets that project's resources, not its own).
 */
function actingFor(caller: Caller, projectId: string): Caller {
  return { auth: caller.auth, projectId, isAdmin: true, can: () => true, authorize: () => {} };
}

export class AutoAllocation {
  readonly #db: Kysely<NetworkTables>;
  readonly #pool: Cidr4 | undefined;

  /** `pool`: where the subnets come from; without one, get-me-a-network is unavailable (409). */
  constructor(db: Kysely<NetworkTables>, pool: string | undefined) {
    this.#db = db;
    this.#pool = pool === undefined ? undefined : parseCidr(pool)?.cidr;
  }

  /** The external network routers are given a gateway on: `public`, else the oldest external network with a subnet. */
  async #externalNetwork(db: Kysely<NetworkTables>): Promise<string> {
    const rows = await db.selectFrom('network').innerJoin('subnet', 'subnet.network_id', 'network.id').select(['network.id', 'network.name'])
      .where('network.external', '=', 1).orderBy('network.created_at').execute();
    const ext = rows.find((r) => r.name === PUBLIC_NETWORK_NAME) ?? rows[0];
    if (!ext) throw allocationFailure('No default router:external network');
    return ext.id;
  }

  /** The dry run (`?fields=dry-run`): fails as the real call would for a missing prerequisite. */
  async check(projectId: string): Promise<Topology> {
    if (!this.#pool) throw allocationFailure('No default subnetpools defined');
    await this.#externalNetwork(this.#db);
    return { id: 'dry-run=pass', tenant_id: projectId, project_id: projectId };
  }

  /** The project's topology, made on first use. */
  async get(caller: Caller, projectId: string): Promise<Topology> {
    const existing = await this.#find(this.#db, projectId);
    if (existing) return existing;
    const pool = this.#pool;
    if (!pool) throw allocationFailure('No default subnetpools defined');
    const owner = actingFor(caller, projectId);
    return retryOnConflict(this.#db, () => inTransaction(this.#db, async (tx) => {
      await lockKey(tx, `:auto:${projectId}`);
      const found = await this.#find(tx, projectId);
      if (found) return found;
      const external = await this.#externalNetwork(tx);
      // The pool is shared by every project: the lowest free /24 under one lock (the unique cidr column
      // catches a race between engines that the lock would not).
      await lockKey(tx, ':auto-pool');
      const taken = new Set((await tx.selectFrom('auto_topology').select('cidr').execute()).map((r) => r.cidr));
      const free = slices(pool).map(formatCidr).find((c) => !taken.has(c));
      if (free === undefined) throw allocationFailure(`The pool ${formatCidr(pool)} for automatically allocated networks has no /24 left`);
      const network = await createNetwork(tx, owner, { network: { name: AUTO_NETWORK_NAME, project_id: projectId } });
      const subnet = await createSubnet(tx, owner, { subnet: { name: AUTO_SUBNET_NAME, network_id: network.id, ip_version: 4, cidr: free, project_id: projectId } });
      const router = await createRouter(tx, owner, { router: { name: AUTO_ROUTER_NAME, project_id: projectId, external_gateway_info: { network_id: external } } });
      await addInterface(tx, owner, router, { subnet_id: subnet.id });
      await tx.insertInto('auto_topology').values({
        project_id: projectId, network_id: network.id, subnet_id: subnet.id, router_id: router.id, cidr: free, created_at: now(),
      }).execute();
      return { id: network.id, tenant_id: projectId, project_id: projectId };
    }));
  }

  /**
   * Removes the project's topology: the router's interface, the router, the network (and with it the
   * subnet). A server still on the network keeps it (409 NetworkInUse), as in Neutron.
   */
  async delete(caller: Caller, projectId: string): Promise<void> {
    const owner = actingFor(caller, projectId);
    await retryOnConflict(this.#db, () => inTransaction(this.#db, async (tx) => {
      await lockKey(tx, `:auto:${projectId}`);
      const row = await tx.selectFrom('auto_topology').selectAll().where('project_id', '=', projectId).executeTakeFirst();
      if (!row) throw new NeutronFault(404, 'NotFound', `Auto Allocated Topology for project ${projectId} could not be found.`);
      const inUse = await tx.selectFrom('port').select('id').where('network_id', '=', row.network_id)
        .where('device_owner', 'not in', ['network:dhcp', 'network:router_interface']).executeTakeFirst();
      if (inUse) throw networkInUse(row.network_id);
      const routerRow = await tx.selectFrom('router').selectAll().where('id', '=', row.router_id).executeTakeFirst();
      if (routerRow) {
        const router = routerFromRow(routerRow);
        const onNetwork = await tx.selectFrom('port').select('id').where('device_id', '=', router.id).where('network_id', '=', row.network_id).execute();
        for (const p of onNetwork) await removeInterface(tx, owner, router, { port_id: p.id });
        const others = await tx.selectFrom('port').select('id').where('device_id', '=', router.id).where('device_owner', '=', 'network:router_interface').executeTakeFirst();
        if (!others) await deleteRouter(tx, router);
      }
      const subnets = await tx.selectFrom('subnet').select('id').where('network_id', '=', row.network_id).execute();
      await deleteTags(tx, [row.network_id, ...subnets.map((s) => s.id)]);
      await tx.deleteFrom('ip_allocation').where('network_id', '=', row.network_id).execute();
      await tx.deleteFrom('port').where('network_id', '=', row.network_id).execute();
      if (subnets.length > 0) await tx.deleteFrom('subnet').where('network_id', '=', row.network_id).execute();
      await tx.deleteFrom('network').where('id', '=', row.network_id).execute();
      await tx.deleteFrom('auto_topology').where('project_id', '=', projectId).execute();
    }));
  }

  /** The recorded topology if its network still exists; a record whose network the project deleted is forgotten. */
  async #find(db: Kysely<NetworkTables>, projectId: string): Promise<Topology | undefined> {
    const row = await db.selectFrom('auto_topology').select('network_id').where('project_id', '=', projectId).executeTakeFirst();
    if (!row) return undefined;
    const network = await db.selectFrom('network').select('id').where('id', '=', row.network_id).executeTakeFirst();
    if (network) return { id: row.network_id, tenant_id: projectId, project_id: projectId };
    if (db.isTransaction) await db.deleteFrom('auto_topology').where('project_id', '=', projectId).execute();
    return undefined;
  }
}
