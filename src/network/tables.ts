/**
 * Kysely table types for the network service's own tables. Booleans are 0/1 integers, timestamps
 * ISO-8601 UTC text, lists and dicts JSON text. Domain types live in model.ts.
 */

/** Columns every Neutron "standard attribute" resource has. */
interface StandardColumns {
  id: string;
  project_id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface NetworkTable extends StandardColumns {
  admin_state_up: number;
  shared: number;
  external: number;
  mtu: number;
  port_security_enabled: number;
  /** 'vxlan' for tenant networks, 'flat' for the external one. */
  network_type: string;
  physical_network: string | null;
  /** The VXLAN VNI of a vxlan network (unique); null for flat ones. */
  segmentation_id: number | null;
}

export interface SubnetTable extends StandardColumns {
  network_id: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: number;
  /** JSON: [{"start", "end"}] in the order given. */
  allocation_pools: string;
  /** JSON: ["1.1.1.1", …] in the order given. */
  dns_nameservers: string;
  /** JSON: [{"destination", "nexthop"}]. */
  host_routes: string;
}

export interface PortTable extends StandardColumns {
  network_id: string;
  mac_address: string;
  admin_state_up: number;
  device_id: string;
  device_owner: string;
  binding_host_id: string;
  /** JSON object. */
  binding_profile: string;
  binding_vnic_type: string;
  port_security_enabled: number;
  /** JSON: [{"ip_address", "mac_address"}]. */
  allowed_address_pairs: string;
}

/** One address of a port. The primary key is what makes an address impossible to hand out twice. */
export interface IpAllocationTable {
  subnet_id: string;
  ip_address: string;
  port_id: string;
  network_id: string;
}

export interface SecurityGroupTable extends StandardColumns {
  stateful: number;
}

/** Which group is a project's `default` (its primary key makes creating it on first use race-free). */
export interface DefaultSecurityGroupTable {
  project_id: string;
  security_group_id: string;
}

export interface SecurityGroupRuleTable {
  id: string;
  project_id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface PortSecurityGroupTable {
  port_id: string;
  security_group_id: string;
}

export interface QuotaTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

/** A row per project that creating transactions update first, so quota checks of one project serialize. */
export interface ProjectLockTable {
  project_id: string;
  version: number;
}

/** Tags of any standard-attribute resource (ids are UUIDs, unique across kinds). */
export interface TagTable {
  resource_id: string;
  tag: string;
}

/** A router; its gateway and interfaces are ports whose device_id is the router's id. */
export interface RouterTable extends StandardColumns {
  admin_state_up: number;
  enable_snat: number;
  /** JSON: [{"destination", "nexthop"}] (extraroute). */
  routes: string;
  /** The host whose agent runs the router's namespace; '' until a host has registered a tunnel endpoint. */
  host: string;
}

export interface FloatingIpTable {
  id: string;
  project_id: string;
  description: string;
  floating_network_id: string;
  /** The port on the external network that holds the address (device_owner network:floatingip). */
  floating_port_id: string;
  floating_ip_address: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** A host's agent as the network service knows it: its VTEP and what it last reported applied. */
export interface NetworkHostTable {
  host: string;
  endpoint: string | null;
  /** JSON: port ids. */
  active_ports: string;
  /** JSON: router ids. */
  active_routers: string;
  /** JSON: [{"id", "message"}]. */
  errors: string;
  report_revision: number;
  updated_at: string;
}

/**
 * A project's auto-allocated topology (get-me-a-network): its network, subnet and router, and the /24 of
 * the routed pool the subnet holds. Those subnets share the external network's address scope: the
 * external segment routes to them through their router, without NAT (agent/plan.ts `routed`).
 */
export interface AutoTopologyTable {
  project_id: string;
  network_id: string;
  subnet_id: string;
  router_id: string;
  cidr: string;
  created_at: string;
}

export interface NetworkTables {
  network: NetworkTable;
  subnet: SubnetTable;
  port: PortTable;
  ip_allocation: IpAllocationTable;
  security_group: SecurityGroupTable;
  default_security_group: DefaultSecurityGroupTable;
  security_group_rule: SecurityGroupRuleTable;
  port_security_group: PortSecurityGroupTable;
  quota: QuotaTable;
  project_lock: ProjectLockTable;
  tag: TagTable;
  router: RouterTable;
  floating_ip: FloatingIpTable;
  network_host: NetworkHostTable;
  auto_topology: AutoTopologyTable;
}
