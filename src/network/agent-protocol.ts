/**
 * The contract between the network service and the host agents (docs/design/networks.md, "The data
 * plane"): the network service publishes, per host, everything that host's kernel must hold; the agent
 * drives namespaces, bridges, veths, VXLAN devices, FDB entries, nftables and router namespaces toward it
 * and reports what it applied. Types only, shared by src/network (which serves it) and src/agent (which
 * calls it through the network client).
 *
 *   GET  {AGENT_API_PREFIX}/hosts/{host}/network?revision=N&wait=S   → HostNetworkPlan (long poll: answers
 *        at once when the host's plan revision differs from N, else when it changes or after S seconds)
 *   PUT  {AGENT_API_PREFIX}/hosts/{host}/network/endpoint             ← TunnelEndpoint   → 204
 *   PUT  {AGENT_API_PREFIX}/hosts/{host}/network/report               ← NetworkReport    → 204
 *
 * Callers need the `service` role (the compute-agent service user has it), as on compute's agent API.
 * Everything here is keyed by resource id, never by event: a plan is the whole desired state of one host,
 * so an agent that lost its memory (SIGKILL, reboot) converges from the next plan alone.
 */

/** Path prefix of the internal agent API on the network port. */
export const NETWORK_AGENT_API_PREFIX = '/flotilla-agent/v1';

/** Seconds a long poll waits for a change before answering with the unchanged plan. */
export const NETWORK_PLAN_WAIT_S = 25;

/** The UDP port VXLAN uses between hosts (IANA's). */
export const VXLAN_PORT = 4789;

/** What an agent tells the network service about its host's tunnel endpoint (its VTEP address). */
export interface TunnelEndpoint {
  /** IPv4 address of the host's namespace, reachable from every other host's namespace. */
  address: string;
}

/** One IPv4 address of a port with what is needed to configure it. */
export interface FixedIp {
  subnetId: string;
  address: string;
  prefixLength: number;
  /** The subnet's gateway, if it has one (the default route of a server port). */
  gateway?: string;
}

/** An L2 segment present on this host: a namespace with a bridge, and a VXLAN device if it has a VNI. */
export interface NetworkPlan {
  id: string;
  /** VXLAN network identifier; absent for the flat external network, which never leaves the host. */
  vni?: number;
  mtu: number;
  /** The external network (`router:external`): its segment also holds the host's route to its pool. */
  external: boolean;
  /** Subnets of the network (v4 only for now), for routes and the metadata proxy. */
  subnets: Array<{ id: string; cidr: string; gateway?: string; hostRoutes: Array<{ destination: string; nexthop: string }>; dnsNameservers: string[] }>;
  /** The VTEP addresses of the other hosts that have ports on this network (flood list). */
  remoteEndpoints: string[];
  /** Ports of this network on other hosts: one static FDB entry each (MAC → that host's VTEP). */
  remotePorts: Array<{ mac: string; endpoint: string }>;
}

/** One security-group rule, as Neutron stores it (ingress/egress seen from the port). */
export interface SecurityGroupRulePlan {
  id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** Lower-case protocol name (tcp, udp, icmp, …) or its number as text; absent means any. */
  protocol?: string;
  portRangeMin?: number;
  portRangeMax?: number;
  remoteIpPrefix?: string;
  /** Resolved by the network service: the addresses of the remote group's ports (on any host). */
  remoteGroupAddresses?: string[];
}

/**
 * A port whose kernel side lives on this host: a server's port (the veth to its container is plugged by
 * the server reconciler, named from the port id) or a router's interface (plugged by the router plan).
 * The agent filters it by its security groups and anti-spoofing here.
 */
export interface PortPlan {
  id: string;
  networkId: string;
  mac: string;
  fixedIps: FixedIp[];
  /** `compute:<zone>`, `network:router_interface`, `network:router_gateway`, `network:floatingip`, … */
  deviceOwner: string;
  deviceId: string;
  adminStateUp: boolean;
  /** Off: no anti-spoofing and no security groups (the port passes everything). */
  portSecurity: boolean;
  allowedAddressPairs: Array<{ ipAddress: string; macAddress: string }>;
  /** The union of the rules of the port's groups (empty list with port security on: drop everything). */
  rules: SecurityGroupRulePlan[];
}

/** A router hosted on this host: a namespace with one interface per attached subnet and a gateway. */
export interface RouterPlan {
  id: string;
  adminStateUp: boolean;
  /** The interface on the external network, if the router has a gateway. */
  gateway?: { portId: string; networkId: string; mac: string; fixedIps: FixedIp[]; snat: boolean };
  /** One per attached subnet: the interface holds the subnet's gateway address. */
  interfaces: Array<{ portId: string; networkId: string; mac: string; fixedIps: FixedIp[] }>;
  /** Static routes (`routes` attribute). */
  routes: Array<{ destination: string; nexthop: string }>;
  /** Floating IPs whose port sits behind this router: DNAT in, SNAT out. */
  floatingIps: Array<{ id: string; floatingIp: string; fixedIp: string; portId: string }>;
  /**
   * CIDRs of the attached subnets in the external network's address scope (get-me-a-network's routed
   * pool): the external segment and the root namespace route them to this router's gateway, no NAT.
   */
  routed: string[];
}

/** Everything one host must have, in full. */
export interface HostNetworkPlan {
  /** Bumped whenever anything in this host's plan changes; pass it back on the next poll. */
  revision: number;
  host: string;
  /** This host's VTEP as last registered (absent until the agent registered one). */
  endpoint?: string;
  networks: NetworkPlan[];
  ports: PortPlan[];
  routers: RouterPlan[];
  /** The external network's pool that the root namespace routes into its segment (e.g. 198.19.128.0/17). */
  externalPool?: string;
}

/** What the agent applied, per port: the port's `status` (ACTIVE/DOWN) is derived from this. */
export interface NetworkReport {
  /** The plan revision this report describes. */
  revision: number;
  /** Port ids whose plumbing (veth, filters) is in place on this host. */
  activePorts: string[];
  /** Router ids whose namespace matches the plan. */
  activeRouters: string[];
  /** Resources that could not be applied, with why (shown in logs and on the port's status as DOWN). */
  errors?: Array<{ id: string; message: string }>;
}
