/**
 * Servers' ports on Neutron networks, as Nova's network API does it with Neutron:
 *
 *  - at create, the caller's request is checked with the caller's own token (a network or port the caller
 *    cannot see is a 400, a port with a device a 409), so nobody attaches to another project's network;
 *  - after the server is stored and placed, compute (as its service user, for the server's project) creates
 *    one port per requested network, or claims the requested port, and binds each to the server's host;
 *    the agent sees the server only once its ports are recorded (`ports_pending` = 0);
 *  - when the server is gone, the ports compute created are deleted and the ones it was given unbound.
 *
 * Every step is idempotent and keyed by the server id (ports carry it as `device_id`), so the compute
 * reconciler can finish any allocation or release a SIGKILL cut short.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../platform/log.js';
import { inTransaction } from '../platform/db/database.js';
import { BadRequest, Conflict } from '../platform/errors.js';
import type { NetworkClient, NeutronNetwork, NeutronPort, NeutronSubnet } from '../network/client.js';
import { NeutronFault } from '../network/errors.js';
import type { PortSpec } from './agent-protocol.js';
import type { ComputeTables } from './tables.js';
import type { NeutronServerPort, RequestedNetwork, ServerRecord } from './servers/store.js';
import { HostStore } from './hosts/store.js';
import type { RevisionNotifier } from './hosts/notifier.js';

/** Nova's device_owner for a server's port. */
export function deviceOwner(zone: string | null): string {
  return `compute:${zone ?? 'nova'}`;
}

/** Whether a server holds (or is being given) Neutron ports that must be given back when it goes. */
export function holdsNeutronPorts(s: Pick<ServerRecord, 'portsPending' | 'neutronPorts'>): boolean {
  return s.portsPending || s.neutronPorts.length > 0;
}

/** The agent's view of a Neutron port. */
export function portSpecOf(p: NeutronServerPort): PortSpec {
  return {
    id: p.portId, source: 'neutron', mac: p.mac, ip: p.ip, prefixLength: p.prefixLength,
    gateway: p.gateway ?? '', networkId: p.networkId, cidr: p.cidr, mtu: p.mtu,
  };
}

/** server.ports_pending: nothing to do; ports to allocate (the agent waits); ports to give back. */
export const PORTS_SETTLED = 0;
export const PORTS_ALLOCATE = 1;
export const PORTS_RELEASE = 2;

/** Allocation failed for a reason retrying cannot fix: the build fails, as Nova's does. */
export class PortAllocationFailed extends Error {}

export interface ServerPortsDeps {
  db: Kysely<ComputeTables>;
  network: NetworkClient;
  /** Compute's own service token (the `service` role: creates and binds ports for any project). */
  serviceToken: () => Promise<string>;
  notifier: RevisionNotifier;
  log: Logger;
  /** Fails the server's open create action (the build failed), inside the transaction that says so. */
  actionFailed: (tx: Kysely<ComputeTables>, serverId: string, message: string) => Promise<void>;
}

export class ServerPorts {
  readonly #d: ServerPortsDeps;
  /** Servers being worked on by this process, so a kick and a reconcile pass do not race each other. */
  readonly #busy = new Set<string>();

  constructor(deps: ServerPortsDeps) {
    this.#d = deps;
  }

  /**
   * Checks a create's Neutron requests as the caller: every network visible, every port visible and free,
   * one port used once. Answers as Nova does (400 NetworkNotFound / PortNotFound, 409 PortInUse).
   */
  async validate(userToken: string, requested: readonly RequestedNetwork[], count: number, groups: readonly string[]): Promise<void> {
    const named = groups.filter((g) => g !== 'default');
    if (named.length > 0) {
      const visible = await this.#d.network.listSecurityGroups(userToken);
      for (const name of named) {
        if (!visible.some((g) => g.name === name || g.id === name)) throw new BadRequest(`Security group ${name} not found.`);
      }
    }
    const ports = new Set<string>();
    for (const r of requested) {
      if ('port' in r) {
        if (ports.has(r.port)) throw new BadRequest(`Port ${r.port} is still in use.`);
        ports.add(r.port);
        let port: NeutronPort;
        try {
          port = await this.#d.network.getPort(userToken, r.port);
        } catch (err) {
          if (err instanceof NeutronFault && err.status === 404) throw new BadRequest(`Port id ${r.port} could not be found.`);
          throw err;
        }
        if (port.device_id !== '') throw new Conflict(`Port ${r.port} is still in use.`);
        if (count > 1) throw new BadRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
        continue;
      }
      try {
        const network = await this.#d.network.getNetwork(userToken, r.uuid);
        if (network.subnets.length === 0) throw new BadRequest(`Network ${r.uuid} requires a subnet in order to boot instances on.`);
      } catch (err) {
        if (err instanceof NeutronFault && err.status === 404) throw new BadRequest(`Network ${r.uuid} could not be found.`);
        throw err;
      }
      if (r.fixedIp !== undefined && count > 1) throw new BadRequest('Unable to launch multiple instances with a single configured fixed IP.');
    }
  }

  /**
   * Nova's `auto` (and, before 2.37, no `networks` at all): the project's one network — its own or a
   * shared one, never an external one — or, when it has none, get-me-a-network's (the network service
   * makes it on first use). Several candidates are Nova's 409 NetworkAmbiguous. Nova boots a server
   * without `networks` and without any network unconnected; Flotilla gives it the auto-allocated one, so
   * every server booted without naming a network has an address.
   */
  async resolveAuto(token: string, projectId: string): Promise<RequestedNetwork[]> {
    const net = this.#d.network;
    const [own, shared] = await Promise.all([
      net.listNetworks(token, { project_id: projectId, 'router:external': false }),
      net.listNetworks(token, { shared: true, 'router:external': false }),
    ]);
    const ids = [...new Set([...own, ...shared].map((n) => n.id))];
    if (ids.length > 1) throw new Conflict('Multiple possible networks found, use a Network ID to be more specific.');
    if (ids.length === 1) return [{ uuid: ids[0]! }];
    try {
      return [{ uuid: (await net.autoAllocatedTopology(token, projectId)).id }];
    } catch (err) {
      if (err instanceof NeutronFault && err.status !== 401 && err.status < 500) {
        throw new BadRequest(`Unable to automatically allocate a network for project ${projectId}`);
      }
      throw err;
    }
  }

  /** The networks a caller may boot on (its project's and shared ones), as Nova's os-networks proxy lists them. */
  async networksFor(token: string, projectId: string): Promise<NeutronNetwork[]> {
    const [own, shared] = await Promise.all([
      this.#d.network.listNetworks(token, { project_id: projectId }),
      this.#d.network.listNetworks(token, { shared: true }),
    ]);
    const byId = new Map([...own, ...shared].map((n) => [n.id, n]));
    return [...byId.values()];
  }

  /** Starts allocating a server's ports in the background (the reconciler retries what fails). */
  kick(serverId: string): void {
    void this.allocate(serverId).catch((err) => this.#d.log.warn({ server: serverId, err }, 'port allocation will be retried'));
  }

  /**
   * Creates or claims the server's ports, binds them to its host and records them; then the agent may
   * build the server. A failure Neutron says is final (no address left, quota, address taken) fails the
   * build with Nova's message; anything else is left for the next try.
   */
  async allocate(serverId: string): Promise<void> {
    if (this.#busy.has(serverId)) return;
    this.#busy.add(serverId);
    try {
      const row = await this.#d.db.selectFrom('server').select(['id', 'project_id', 'host', 'availability_zone', 'requested_networks', 'security_groups', 'ports_pending', 'deleted'])
        .where('id', '=', serverId).executeTakeFirst();
      if (!row || row.ports_pending !== PORTS_ALLOCATE || row.deleted === 1 || !row.host) return;
      const groups = (JSON.parse(row.security_groups) as Array<{ name: string }>).map((g) => g.name);
      const t0 = performance.now();
      const token = await this.#d.serviceToken();
      const requested = JSON.parse(row.requested_networks) as RequestedNetwork[];
      let recorded: NeutronServerPort[];
      try {
        recorded = await this.#bindAll(token, { id: row.id, projectId: row.project_id, host: row.host, zone: row.availability_zone }, requested, groups);
      } catch (err) {
        if (!(err instanceof PortAllocationFailed)) throw err;
        await this.#fail(serverId, err.message);
        return;
      }
      const host = row.host;
      const stored = await inTransaction(this.#d.db, async (tx) => {
        const cur = await tx.selectFrom('server').select(['ports_pending', 'deleted']).where('id', '=', serverId).executeTakeFirst();
        if (!cur || cur.ports_pending !== PORTS_ALLOCATE || cur.deleted === 1) return false;
        await tx.deleteFrom('neutron_port').where('server_id', '=', serverId).execute();
        for (const p of recorded) {
          await tx.insertInto('neutron_port').values({
            server_id: serverId, position: p.position, port_id: p.portId, network_id: p.networkId, network_name: p.networkName, mac: p.mac,
            ip: p.ip, prefix_length: p.prefixLength, gateway: p.gateway, cidr: p.cidr, mtu: p.mtu, owned: p.owned ? 1 : 0,
          }).execute();
        }
        await tx.updateTable('server').set({ ports_pending: PORTS_SETTLED }).where('id', '=', serverId).execute();
        await HostStore.bump(tx, host);
        return true;
      });
      // Deleted (or failed) meanwhile: whoever changed it asked for the release, which may have run
      // before these ports existed; run it again.
      if (stored) this.#d.notifier.changed(host);
      else await this.release(serverId);
      this.#d.log.debug({ server: serverId, ms: Math.round(performance.now() - t0), stored }, 'ports allocated and bound');
    } finally {
      this.#busy.delete(serverId);
    }
  }

  async #bindAll(token: string, s: { id: string; projectId: string; host: string; zone: string | null }, requested: readonly RequestedNetwork[], groups: readonly string[]): Promise<NeutronServerPort[]> {
    const net = this.#d.network;
    // Ports of this server from an earlier, interrupted try are reused rather than made again.
    const existing = await net.listPorts(token, { device_id: s.id });
    const taken = new Set<string>();
    const groupIds = await this.#groupIds(token, s.projectId, groups);
    const out: NeutronServerPort[] = [];
    for (const [position, r] of requested.entries()) {
      const binding = { device_id: s.id, device_owner: deviceOwner(s.zone), 'binding:host_id': s.host };
      let port: NeutronPort;
      let owned: boolean;
      if ('port' in r) {
        port = await this.#neutron(() => net.updatePort(token, r.port, binding));
        owned = false;
      } else {
        const again = existing.find((p) => p.network_id === r.uuid && !taken.has(p.id) && !requested.some((q) => 'port' in q && q.port === p.id));
        port = again
          ? await this.#neutron(() => net.updatePort(token, again.id, binding))
          : await this.#neutron(() => net.createPort(token, {
            network_id: r.uuid, project_id: s.projectId, ...binding,
            ...(r.fixedIp !== undefined ? { fixed_ips: [{ ip_address: r.fixedIp }] } : {}),
            ...(groupIds ? { security_groups: groupIds } : {}),
          }));
        owned = true;
      }
      taken.add(port.id);
      const fixed = port.fixed_ips[0];
      if (!fixed) throw new PortAllocationFailed(`Port ${port.id} has no fixed IP address.`);
      const [network, subnet] = await Promise.all([
        this.#neutron(() => net.getNetwork(token, port.network_id)),
        this.#neutron(() => net.getSubnet(token, fixed.subnet_id)) as Promise<NeutronSubnet>,
      ]);
      out.push({
        position, portId: port.id, networkId: port.network_id, networkName: network.name, mac: port.mac_address, ip: fixed.ip_address,
        prefixLength: Number(subnet.cidr.split('/')[1]), gateway: subnet.gateway_ip, cidr: subnet.cidr, mtu: network.mtu, owned,
      });
    }
    return out;
  }

  /** The ids of the named groups in the project (`default` is Neutron's own choice when none are named). */
  async #groupIds(token: string, projectId: string, names: readonly string[]): Promise<string[] | undefined> {
    const wanted = names.filter((n) => n !== 'default');
    if (wanted.length === 0) return undefined;
    const groups = await this.#neutron(() => this.#d.network.listSecurityGroups(token, { project_id: projectId }));
    return names.map((name) => {
      const found = groups.filter((g) => g.name === name || g.id === name);
      if (found.length !== 1) throw new PortAllocationFailed(`Security group ${name} not found for project ${projectId}.`);
      return found[0]!.id;
    });
  }

  /** A Neutron answer no retry will change (4xx but 401) becomes PortAllocationFailed. */
  async #neutron<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof NeutronFault && err.status !== 401 && err.status < 500) throw new PortAllocationFailed(`${err.name}: ${err.message}`);
      throw err;
    }
  }

  async #fail(serverId: string, reason: string): Promise<void> {
    this.#d.log.warn({ server: serverId, reason }, 'port allocation failed: the build fails');
    const now = new Date().toISOString();
    const host = await inTransaction(this.#d.db, async (tx) => {
      const cur = await tx.selectFrom('server').select(['host', 'ports_pending']).where('id', '=', serverId).executeTakeFirst();
      if (!cur || cur.ports_pending !== PORTS_ALLOCATE) return null;
      const fault = { code: 500, message: `Build of instance ${serverId} aborted: Failed to allocate the network(s), not rescheduling.`, details: reason, created: now };
      // Off its host, as a build compute aborts: no agent ever builds it.
      await tx.updateTable('server').set({ ports_pending: PORTS_RELEASE, fault: JSON.stringify(fault), host: null, updated_at: now }).where('id', '=', serverId).execute();
      await this.#d.actionFailed(tx, serverId, fault.message);
      if (cur.host) await HostStore.bump(tx, cur.host);
      return cur.host;
    });
    if (host) this.#d.notifier.changed(host);
    await this.release(serverId);
  }

  /**
   * Gives back what a server held in Neutron: ports compute created are deleted, ports it was given are
   * unbound. Found by device_id as well as by record, so a port made by a try that died before recording
   * it is not left behind. Idempotent; the record goes last, so a release cut short is found again.
   */
  async release(serverId: string): Promise<void> {
    const row = await this.#d.db.selectFrom('server').select(['requested_networks']).where('id', '=', serverId).executeTakeFirst();
    const requested = row ? (JSON.parse(row.requested_networks) as ServerRecord['requestedNetworks']) : 'none';
    const given = new Set(Array.isArray(requested) ? requested.flatMap((r) => ('port' in r ? [r.port] : [])) : []);
    const token = await this.#d.serviceToken();
    const ports = await this.#d.network.listPorts(token, { device_id: serverId });
    for (const p of ports) {
      try {
        if (given.has(p.id)) await this.#d.network.updatePort(token, p.id, { device_id: '', device_owner: '', 'binding:host_id': '' });
        else await this.#d.network.deletePort(token, p.id);
      } catch (err) {
        if (!(err instanceof NeutronFault && err.status === 404)) throw err;
      }
    }
    await inTransaction(this.#d.db, async (tx) => {
      await tx.deleteFrom('neutron_port').where('server_id', '=', serverId).execute();
      await tx.updateTable('server').set({ ports_pending: PORTS_SETTLED }).where('id', '=', serverId).where('ports_pending', '=', PORTS_RELEASE).execute();
    });
  }

  /** Starts releasing a server's ports in the background (after finishDelete or a failed build). */
  kickRelease(serverId: string): void {
    void this.release(serverId).catch((err) => this.#d.log.warn({ server: serverId, err }, 'port release will be retried'));
  }

  /**
   * Moves servers stored before `auto` meant get-me-a-network onto it: each had one port on compute's own
   * interim network (an ipam_port row). Its request becomes the project's auto-allocated network, its
   * ports are allocated like a new server's while its agent keeps it, and a running one is restarted so
   * it comes back with the Neutron port in place of the old one (the interim namespaces go with the
   * agent's next garbage collection). The row goes in the same transaction, so this runs once per server.
   */
  async adoptInterim(): Promise<void> {
    const rows = await this.#d.db.selectFrom('ipam_port').innerJoin('server', 'server.id', 'ipam_port.server_id')
      .select(['server.id as id', 'server.project_id as projectId', 'server.deleted as deleted']).execute();
    if (rows.length === 0) return;
    const token = await this.#d.serviceToken();
    for (const r of rows) {
      const topology = r.deleted === 1 ? undefined : await this.#d.network.autoAllocatedTopology(token, r.projectId);
      const host = await inTransaction(this.#d.db, async (tx) => {
        await tx.deleteFrom('ipam_port').where('server_id', '=', r.id).execute();
        const cur = await tx.selectFrom('server').select(['deleted', 'ports_pending', 'power', 'host']).where('id', '=', r.id).executeTakeFirst();
        if (!topology || !cur || cur.deleted === 1 || cur.ports_pending !== PORTS_SETTLED) return null;
        const running = cur.power === 'running' || cur.power === 'paused';
        await tx.updateTable('server').set((eb) => ({
          ports_pending: PORTS_ALLOCATE, requested_networks: JSON.stringify([{ uuid: topology.id }]),
          ...(running ? { reboot_count: eb('reboot_count', '+', 1) } : {}),
        })).where('id', '=', r.id).execute();
        if (cur.host) await HostStore.bump(tx, cur.host);
        return cur.host;
      });
      this.#d.log.info({ server: r.id, network: topology?.id }, 'moving a server off the interim network');
      if (host) {
        this.#d.notifier.changed(host);
        this.kick(r.id);
      }
    }
  }

  /** One reconcile step: finish allocations and releases a restart or an error left undone. */
  async reconcile(): Promise<void> {
    const rows = await this.#d.db.selectFrom('server').select(['id', 'ports_pending', 'deleted', 'host'])
      .where('ports_pending', 'in', [PORTS_ALLOCATE, PORTS_RELEASE]).execute();
    for (const r of rows) {
      if (r.ports_pending === PORTS_RELEASE) await this.release(r.id).catch((err) => this.#d.log.warn({ server: r.id, err }, 'port release will be retried'));
      else if (r.deleted === 0 && r.host !== null) await this.allocate(r.id).catch((err) => this.#d.log.warn({ server: r.id, err }, 'port allocation will be retried'));
    }
  }
}
