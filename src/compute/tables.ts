/**
 * Kysely table types for the compute service's own tables. Booleans are 0/1 integers, JSON is TEXT,
 * timestamps are ISO-8601 UTC TEXT (sortable on both engines). Domain types live in model.ts and beside
 * each store.
 */

/** Counters for Nova's integer ids (keypair, service, hypervisor, instance name, action, event). */
export interface SequenceTable { name: string; value: number; }

export interface FlavorTable {
  flavorid: string;
  /** Nova's integer primary key: the `id` sort key, and the order flavors were made in. */
  internal_id: number;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: number;
  disabled: number;
  description: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface FlavorExtraSpecTable { flavorid: string; key: string; value: string; }
export interface FlavorProjectTable { flavorid: string; project_id: string; }

export interface KeypairTable {
  id: number;
  user_id: string;
  name: string;
  type: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

/** A quota limit; `user_id` is '' for the project's own limit. */
export interface QuotaTable { project_id: string; user_id: string; resource: string; hard_limit: number; }

/** A quota class's limit; class `default` overrides the built-in defaults (migration 0003). */
export interface QuotaClassTable { class_name: string; resource: string; hard_limit: number; }

/** os-services: one row per (host, binary). Compute hosts register through the agent API. */
export interface ServiceTable {
  id: number;
  uuid: string;
  binary: string;
  host: string;
  zone: string;
  disabled: number;
  disabled_reason: string | null;
  forced_down: number;
  /** Last heartbeat; a compute service is down when it is older than HOST_DOWN_AFTER_S. */
  last_seen_at: string | null;
  created_at: string;
  updated_at: string | null;
}

/** A registered compute host: the hypervisor record and what the scheduler places on. */
export interface ComputeHostTable {
  host: string;
  hypervisor_id: number;
  hypervisor_uuid: string;
  zone: string;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
  agent_socket: string;
  agent_version: string;
  /** Bumped with every change to the desired state of a server on this host. */
  revision: number;
  created_at: string;
  updated_at: string | null;
}

export type DesiredPowerColumn = 'running' | 'stopped' | 'paused' | 'deleted';
export type ResizePhase = 'migrating' | 'verify' | 'reverting';

/**
 * A server: what the user asked for (desired columns), what the agent last saw (obs_ columns) and the
 * facts compute itself established (host, fault, launched_at). Status is derived from these, never stored.
 */
export interface ServerTable {
  id: string;
  /** Nova's integer id, shown as OS-EXT-SRV-ATTR:instance_name (`instance-%08x`). */
  internal_id: number;
  project_id: string;
  user_id: string;
  name: string;
  description: string | null;
  hostname: string;
  image_id: string;
  /** JSON FlavorSnapshot. */
  flavor: string;
  /** JSON FlavorSnapshot of the flavor before a resize, until it is confirmed or reverted. */
  old_flavor: string | null;
  resize_phase: ResizePhase | null;
  key_name: string | null;
  key_data: string | null;
  /** As given (base64). */
  user_data: string | null;
  config_drive: number;
  availability_zone: string | null;
  host: string | null;
  reservation_id: string;
  launch_index: number;
  /** JSON [{name}]. */
  security_groups: string;
  /** JSON: 'none' or 'auto' or [{uuid, fixedIp?} | {port}], as requested. */
  requested_networks: string;
  /** Neutron ports: 0 settled, 1 to allocate (agents do not see the server yet), 2 to release (ports.ts). */
  ports_pending: number;
  /** JSON ImageMeta: what the server inherited from its image at boot or rebuild (migration 0002). */
  image_meta: string | null;
  access_ipv4: string | null;
  access_ipv6: string | null;
  locked_by: string | null;
  locked_reason: string | null;
  created_at: string;
  updated_at: string;
  launched_at: string | null;
  terminated_at: string | null;
  deleted_at: string | null;
  deleted: number;

  // desired
  power: DesiredPowerColumn;
  generation: number;
  reboot_count: number;
  rebuild_count: number;
  /** The task the last action started; done once the agent reports `task_generation`. */
  task: string | null;
  task_generation: number;
  snapshot_image_id: string | null;
  snapshot_requested_at: string | null;
  /** JSON ServerFault compute established itself (no valid host, host lost during build). */
  fault: string | null;
  /** An admin's os-resetState ('active' | 'error'), shown until the next action (migration 0004). */
  reset_state: string | null;

  // observed
  obs_state: string | null;
  obs_generation: number;
  /** JSON fault the agent reported. */
  obs_fault: string | null;
  obs_started_at: string | null;
  obs_reboot_count: number;
  obs_rebuild_count: number;
  obs_snapshot_done: string | null;
  observed_at: string | null;
}

export interface ServerMetadataTable { server_id: string; key: string; value: string; }
export interface ServerTagTable { server_id: string; tag: string; }

export interface ServerActionTable {
  id: number;
  server_id: string;
  request_id: string;
  action: string;
  user_id: string;
  project_id: string;
  start_time: string;
  updated_at: string;
  message: string | null;
  /** The server generation that carries this action out; its events finish when the agent reports it. */
  generation: number;
}

export interface ServerActionEventTable {
  id: number;
  action_id: number;
  event: string;
  start_time: string;
  finish_time: string | null;
  result: string | null;
  traceback: string | null;
  host: string | null;
  details: string | null;
}

export interface ServerGroupTable {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: string;
  /** JSON object, e.g. {"max_server_per_host": 2}. */
  rules: string;
  created_at: string;
}

export interface ServerGroupMemberTable { group_id: string; server_id: string; }

/** The interim network of a project (until Neutron): one per project, one /24 per (project, host). */
export interface IpamNetworkTable { project_id: string; network_id: string; name: string; created_at: string; }
export interface IpamSubnetTable { project_id: string; host: string; idx: number; }
export interface IpamPortTable {
  id: string;
  server_id: string;
  project_id: string;
  host: string;
  subnet_idx: number;
  ip: string;
  mac: string;
  created_at: string;
}

/**
 * A server's port on a Neutron network, as compute allocated (owned = 1) or was given (owned = 0) it, with
 * the facts the agent plugs it with. Neutron is the authority; this is compute's record of what it bound.
 */
export interface NeutronPortTable {
  server_id: string;
  /** Order in the server's request: position 0 carries the default route. */
  position: number;
  port_id: string;
  network_id: string;
  network_name: string;
  mac: string;
  ip: string;
  prefix_length: number;
  gateway: string | null;
  cidr: string;
  mtu: number;
  owned: number;
}

export interface ComputeTables {
  sequence: SequenceTable;
  flavor: FlavorTable;
  flavor_extra_spec: FlavorExtraSpecTable;
  flavor_project: FlavorProjectTable;
  keypair: KeypairTable;
  quota: QuotaTable;
  quota_class: QuotaClassTable;
  service: ServiceTable;
  compute_host: ComputeHostTable;
  server: ServerTable;
  server_metadata: ServerMetadataTable;
  server_tag: ServerTagTable;
  server_action: ServerActionTable;
  server_action_event: ServerActionEventTable;
  server_group: ServerGroupTable;
  server_group_member: ServerGroupMemberTable;
  ipam_network: IpamNetworkTable;
  ipam_subnet: IpamSubnetTable;
  ipam_port: IpamPortTable;
  neutron_port: NeutronPortTable;
}
