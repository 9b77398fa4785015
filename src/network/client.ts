/**
 * Typed client of the network API (Neutron v2.0) for other services (compute creates, binds and deletes
 * its servers' ports through it) and the CLI. HTTP only: no caller reads the network service's tables.
 * Every method takes the caller's token. A Neutron fault comes back as a NeutronFault with Neutron's type
 * and status (`err.name === 'PortInUse'`), so callers can rethrow or translate it.
 *
 * @example
 *   const network = new NetworkClient('http://127.0.0.1:9696');
 *   const port = await network.createPort(token, { network_id, device_id: serverId, device_owner: 'compute:nova' });
 *   await network.updatePort(serviceToken, port.id, { 'binding:host_id': host });
 *   const { ip_address, subnet_id } = port.fixed_ips[0]!;
 *
 *   // A host agent, with the service user's session:
 *   const agent = network.forAgent('host-1', () => session.token(), () => session.invalidate());
 *   await agent.registerEndpoint('198.19.0.10');
 *   let plan = await agent.plan(-1, 0);
 *   plan = await agent.plan(plan.revision, 25);   // long poll
 *   await agent.report({ revision: plan.revision, activePorts: [...], activeRouters: [...] });
 */
import { Unavailable } from '../platform/errors.js';
import { NeutronFault } from './errors.js';
import { NETWORK_AGENT_API_PREFIX, type HostNetworkPlan, type NetworkReport } from './agent-protocol.js';

export interface NeutronNetwork {
  id: string;
  name: string;
  project_id: string;
  tenant_id: string;
  admin_state_up: boolean;
  status: string;
  shared: boolean;
  'router:external': boolean;
  mtu: number;
  port_security_enabled: boolean;
  subnets: string[];
  'provider:network_type'?: string;
  'provider:physical_network'?: string | null;
  'provider:segmentation_id'?: number | null;
  description: string;
  tags: string[];
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface NeutronSubnet {
  id: string;
  name: string;
  project_id: string;
  network_id: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  allocation_pools: Array<{ start: string; end: string }>;
  dns_nameservers: string[];
  host_routes: Array<{ destination: string; nexthop: string }>;
  description: string;
  tags: string[];
  revision_number: number;
}

export interface NeutronPort {
  id: string;
  name: string;
  project_id: string;
  network_id: string;
  mac_address: string;
  admin_state_up: boolean;
  status: string;
  device_id: string;
  device_owner: string;
  fixed_ips: Array<{ subnet_id: string; ip_address: string }>;
  allowed_address_pairs: Array<{ ip_address: string; mac_address: string }>;
  port_security_enabled: boolean;
  security_groups: string[];
  'binding:host_id'?: string;
  'binding:vnic_type': string;
  'binding:profile'?: Record<string, unknown>;
  description: string;
  tags: string[];
  revision_number: number;
}

export interface NeutronSecurityGroupRule {
  id: string;
  security_group_id: string;
  project_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
}

export interface NeutronSecurityGroup {
  id: string;
  name: string;
  project_id: string;
  description: string;
  security_group_rules: NeutronSecurityGroupRule[];
  tags: string[];
}

export interface NeutronRouter {
  id: string;
  name: string;
  description: string;
  project_id: string;
  tenant_id: string;
  admin_state_up: boolean;
  status: string;
  external_gateway_info: { network_id: string; enable_snat: boolean; external_fixed_ips: Array<{ subnet_id: string; ip_address: string }> } | null;
  routes: Array<{ destination: string; nexthop: string }>;
  tags: string[];
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** What add_router_interface and remove_router_interface answer. */
export interface RouterInterfaceInfo {
  id: string;
  project_id: string;
  port_id: string;
  network_id: string;
  subnet_id: string;
  subnet_ids: string[];
}

export interface NeutronFloatingIp {
  id: string;
  project_id: string;
  tenant_id: string;
  floating_ip_address: string;
  floating_network_id: string;
  router_id: string | null;
  port_id: string | null;
  fixed_ip_address: string | null;
  status: string;
  description: string;
  port_details: { name: string; network_id: string; mac_address: string; admin_state_up: boolean; status: string; device_id: string; device_owner: string } | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** The writable attributes of a router. */
export interface RouterCreate {
  name?: string;
  description?: string;
  project_id?: string;
  admin_state_up?: boolean;
  external_gateway_info?: { network_id: string; enable_snat?: boolean; external_fixed_ips?: Array<{ subnet_id?: string; ip_address?: string }> } | Record<string, never> | null;
}

export type RouterUpdate = Omit<RouterCreate, 'project_id'> & { routes?: Array<{ destination: string; nexthop: string }> | null };

export interface FloatingIpCreate {
  floating_network_id: string;
  floating_ip_address?: string;
  subnet_id?: string;
  port_id?: string;
  fixed_ip_address?: string;
  description?: string;
  project_id?: string;
}

export interface FloatingIpUpdate { port_id?: string | null; fixed_ip_address?: string | null; description?: string }

/** One host agent's view of the agent API, with its token handled (see NetworkClient.forAgent). */
export interface AgentNetworkClient {
  readonly host: string;
  /** Records the host's VTEP address. */
  registerEndpoint(address: string): Promise<void>;
  /** The host's plan; with waitS > 0 answers when the revision differs from `revision`, else after waitS seconds. */
  plan(revision: number, waitS: number): Promise<HostNetworkPlan>;
  /** Tells the service which ports and routers the host has applied. */
  report(report: NetworkReport): Promise<void>;
}

/** What a port create may carry (Neutron's writable port attributes). */
export interface PortCreate {
  network_id: string;
  name?: string;
  description?: string;
  project_id?: string;
  admin_state_up?: boolean;
  mac_address?: string;
  fixed_ips?: Array<{ subnet_id?: string; ip_address?: string }>;
  device_id?: string;
  device_owner?: string;
  security_groups?: string[];
  port_security_enabled?: boolean;
  allowed_address_pairs?: Array<{ ip_address: string; mac_address?: string }>;
  'binding:host_id'?: string;
  'binding:profile'?: Record<string, unknown>;
  'binding:vnic_type'?: string;
}

export type PortUpdate = Partial<Omit<PortCreate, 'network_id' | 'project_id'>>;

/** Filters as Neutron's query string takes them; an array repeats the key (OR). */
export type Filters = Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>;

function query(filters: Filters = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

export class NetworkClient {
  readonly #base: string;

  /** @param baseUrl the network service's root, e.g. http://127.0.0.1:9696 (a trailing /v2.0 is dropped) */
  constructor(baseUrl: string, private readonly timeoutMs = 30_000) {
    this.#base = baseUrl.replace(/\/+$/, '').replace(/\/v2\.0$/, '');
  }

  async #call(method: string, path: string, token: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<any> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-auth-token': token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: globalThis.Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Unavailable(`network service unreachable at ${this.#base}`, { cause: err });
    }
    const text = await res.text();
    let parsed: any;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    if (res.status >= 400) {
      const fault = parsed?.NeutronError as { type?: string; message?: string } | undefined;
      const keystone = parsed?.error as { message?: string } | undefined;
      const type = fault?.type ?? (res.status === 401 ? 'Unauthorized' : 'HTTPError');
      const message = fault?.message ?? keystone?.message ?? text.slice(0, 300);
      if (res.status >= 500) throw new Unavailable(`network service answered ${res.status}: ${message}`);
      throw new NeutronFault(res.status, type, message);
    }
    return parsed;
  }

  async listNetworks(token: string, filters?: Filters): Promise<NeutronNetwork[]> {
    return (await this.#call('GET', `/v2.0/networks${query(filters)}`, token)).networks;
  }

  async getNetwork(token: string, id: string): Promise<NeutronNetwork> {
    return (await this.#call('GET', `/v2.0/networks/${encodeURIComponent(id)}`, token)).network;
  }

  async createNetwork(token: string, network: Record<string, unknown>): Promise<NeutronNetwork> {
    return (await this.#call('POST', '/v2.0/networks', token, { network })).network;
  }

  async updateNetwork(token: string, id: string, network: Record<string, unknown>): Promise<NeutronNetwork> {
    return (await this.#call('PUT', `/v2.0/networks/${encodeURIComponent(id)}`, token, { network })).network;
  }

  async deleteNetwork(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.0/networks/${encodeURIComponent(id)}`, token);
  }

  async listSubnets(token: string, filters?: Filters): Promise<NeutronSubnet[]> {
    return (await this.#call('GET', `/v2.0/subnets${query(filters)}`, token)).subnets;
  }

  async getSubnet(token: string, id: string): Promise<NeutronSubnet> {
    return (await this.#call('GET', `/v2.0/subnets/${encodeURIComponent(id)}`, token)).subnet;
  }

  async createSubnet(token: string, subnet: Record<string, unknown>): Promise<NeutronSubnet> {
    return (await this.#call('POST', '/v2.0/subnets', token, { subnet })).subnet;
  }

  async updateSubnet(token: string, id: string, subnet: Record<string, unknown>): Promise<NeutronSubnet> {
    return (await this.#call('PUT', `/v2.0/subnets/${encodeURIComponent(id)}`, token, { subnet })).subnet;
  }

  async deleteSubnet(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.0/subnets/${encodeURIComponent(id)}`, token);
  }

  async listPorts(token: string, filters?: Filters): Promise<NeutronPort[]> {
    return (await this.#call('GET', `/v2.0/ports${query(filters)}`, token)).ports;
  }

  async getPort(token: string, id: string): Promise<NeutronPort> {
    return (await this.#call('GET', `/v2.0/ports/${encodeURIComponent(id)}`, token)).port;
  }

  async createPort(token: string, port: PortCreate): Promise<NeutronPort> {
    return (await this.#call('POST', '/v2.0/ports', token, { port })).port;
  }

  async updatePort(token: string, id: string, port: PortUpdate): Promise<NeutronPort> {
    return (await this.#call('PUT', `/v2.0/ports/${encodeURIComponent(id)}`, token, { port })).port;
  }

  /** Deletes a port; a port already gone is not an error (deletes are retried after crashes). */
  async deletePort(token: string, id: string): Promise<void> {
    try {
      await this.#call('DELETE', `/v2.0/ports/${encodeURIComponent(id)}`, token);
    } catch (err) {
      if (!(err instanceof NeutronFault && err.status === 404)) throw err;
    }
  }

  async listSecurityGroups(token: string, filters?: Filters): Promise<NeutronSecurityGroup[]> {
    return (await this.#call('GET', `/v2.0/security-groups${query(filters)}`, token)).security_groups;
  }

  async getSecurityGroup(token: string, id: string): Promise<NeutronSecurityGroup> {
    return (await this.#call('GET', `/v2.0/security-groups/${encodeURIComponent(id)}`, token)).security_group;
  }

  async createSecurityGroup(token: string, group: { name: string; description?: string }): Promise<NeutronSecurityGroup> {
    return (await this.#call('POST', '/v2.0/security-groups', token, { security_group: group })).security_group;
  }

  async updateSecurityGroup(token: string, id: string, group: { name?: string; description?: string }): Promise<NeutronSecurityGroup> {
    return (await this.#call('PUT', `/v2.0/security-groups/${encodeURIComponent(id)}`, token, { security_group: group })).security_group;
  }

  async deleteSecurityGroup(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.0/security-groups/${encodeURIComponent(id)}`, token);
  }

  /** Adds a rule (`security_group_id`, `direction`, and optionally protocol, ports, remote prefix or group). */
  async createSecurityGroupRule(token: string, rule: Record<string, unknown>): Promise<NeutronSecurityGroupRule> {
    return (await this.#call('POST', '/v2.0/security-group-rules', token, { security_group_rule: rule })).security_group_rule;
  }

  async deleteSecurityGroupRule(token: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v2.0/security-group-rules/${encodeURIComponent(id)}`, token);
  }

  async listRouters(token: string, filters?: Filters): Promise<NeutronRouter[]> {
    return (await this.#call('GET', `/v2.0/routers${query(filters)}`, token)).routers;
  }

  async getRouter(token: string, id: string): Promise<NeutronRouter> {
    return (await this.#call('GET', `/v2.0/routers/${encodeURIComponent(id)}`, token)).router;
  }

  async createRouter(token: string, router: RouterCreate): Promise<NeutronRouter> {
    return (await this.#call('POST', '/v2.0/routers', token, { router })).router;
  }

  async updateRouter(token: string, id: string, router: RouterUpdate): Promise<NeutronRouter> {
    return (await this.#call('PUT', `/v2.0/routers/${encodeURIComponent(id)}`, token, { router })).router;
  }

  /** Deletes a router; one already gone is not an error (deletes are retried after crashes). */
  async deleteRouter(token: string, id: string): Promise<void> {
    try {
      await this.#call('DELETE', `/v2.0/routers/${encodeURIComponent(id)}`, token);
    } catch (err) {
      if (!(err instanceof NeutronFault && err.status === 404)) throw err;
    }
  }

  /** Attaches a subnet (a new port on its gateway address) or an unused port to a router. */
  async addRouterInterface(token: string, routerId: string, by: { subnet_id: string } | { port_id: string }): Promise<RouterInterfaceInfo> {
    return this.#call('PUT', `/v2.0/routers/${encodeURIComponent(routerId)}/add_router_interface`, token, by);
  }

  /** Detaches a subnet from a router; the interface port is deleted. */
  async removeRouterInterface(token: string, routerId: string, by: { subnet_id: string } | { port_id: string }): Promise<RouterInterfaceInfo> {
    return this.#call('PUT', `/v2.0/routers/${encodeURIComponent(routerId)}/remove_router_interface`, token, by);
  }

  async listFloatingIps(token: string, filters?: Filters): Promise<NeutronFloatingIp[]> {
    return (await this.#call('GET', `/v2.0/floatingips${query(filters)}`, token)).floatingips;
  }

  async getFloatingIp(token: string, id: string): Promise<NeutronFloatingIp> {
    return (await this.#call('GET', `/v2.0/floatingips/${encodeURIComponent(id)}`, token)).floatingip;
  }

  async createFloatingIp(token: string, floatingip: FloatingIpCreate): Promise<NeutronFloatingIp> {
    return (await this.#call('POST', '/v2.0/floatingips', token, { floatingip })).floatingip;
  }

  /** Associates (port_id), moves, or disassociates (port_id null) a floating IP. */
  async updateFloatingIp(token: string, id: string, floatingip: FloatingIpUpdate): Promise<NeutronFloatingIp> {
    return (await this.#call('PUT', `/v2.0/floatingips/${encodeURIComponent(id)}`, token, { floatingip })).floatingip;
  }

  /** Releases a floating IP; one already gone is not an error. */
  async deleteFloatingIp(token: string, id: string): Promise<void> {
    try {
      await this.#call('DELETE', `/v2.0/floatingips/${encodeURIComponent(id)}`, token);
    } catch (err) {
      if (!(err instanceof NeutronFault && err.status === 404)) throw err;
    }
  }

  /**
   * The project's auto-allocated topology (get-me-a-network), made on first use: answers its network's id.
   * With `dryRun`, only checks that the cloud could (409 AutoAllocationFailure if not).
   */
  async autoAllocatedTopology(token: string, projectId: string, dryRun = false): Promise<{ id: string }> {
    const q = dryRun ? '?fields=dry-run' : '';
    return (await this.#call('GET', `/v2.0/auto-allocated-topology/${encodeURIComponent(projectId)}${q}`, token)).auto_allocated_topology;
  }

  // --- the internal agent API (service role; agent-protocol.ts) ---

  async registerEndpoint(token: string, host: string, address: string): Promise<void> {
    await this.#call('PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/${encodeURIComponent(host)}/network/endpoint`, token, { address });
  }

  /** The host's plan; a long poll when waitS > 0 (the request's timeout allows for it). */
  async networkPlan(token: string, host: string, revision: number, waitS: number): Promise<HostNetworkPlan> {
    const q = `revision=${encodeURIComponent(String(revision))}&wait=${encodeURIComponent(String(waitS))}`;
    return this.#call('GET', `${NETWORK_AGENT_API_PREFIX}/hosts/${encodeURIComponent(host)}/network?${q}`, token, undefined, (waitS + 15) * 1000);
  }

  async reportNetwork(token: string, host: string, report: NetworkReport): Promise<void> {
    await this.#call('PUT', `${NETWORK_AGENT_API_PREFIX}/hosts/${encodeURIComponent(host)}/network/report`, token, report);
  }

  /** A client bound to one host and a token source, retrying once with a fresh token after a 401. */
  forAgent(host: string, token: () => Promise<string>, invalidate: () => void = () => {}): AgentNetworkClient {
    const withToken = async <T>(fn: (t: string) => Promise<T>): Promise<T> => {
      try {
        return await fn(await token());
      } catch (err) {
        if (!(err instanceof NeutronFault && err.status === 401)) throw err;
        invalidate();
        return fn(await token());
      }
    };
    return {
      host,
      registerEndpoint: (address) => withToken((t) => this.registerEndpoint(t, host, address)),
      plan: (revision, waitS) => withToken((t) => this.networkPlan(t, host, revision, waitS)),
      report: (report) => withToken((t) => this.reportNetwork(t, host, report)),
    };
  }

  /** The aliases of the extensions the service implements. */
  async extensions(token: string): Promise<string[]> {
    return ((await this.#call('GET', '/v2.0/extensions', token)).extensions as Array<{ alias: string }>).map((e) => e.alias);
  }
}
