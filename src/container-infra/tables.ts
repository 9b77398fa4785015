/**
 * Kysely table types for the container-infra service's own tables. Booleans are 0/1 integers, timestamps
 * ISO-8601 UTC text, maps and lists JSON text. Integer `id`s are Magnum's (sort_key=id, quota ids): each is
 * the table's largest plus one, taken in the inserting transaction. Domain types are in model.ts.
 */

export interface ClusterTemplateTable {
  uuid: string;
  id: number;
  name: string;
  project_id: string;
  user_id: string;
  coe: string;
  image_id: string;
  cluster_distro: string;
  server_type: string;
  flavor_id: string | null;
  master_flavor_id: string | null;
  keypair_id: string | null;
  dns_nameserver: string | null;
  external_network_id: string | null;
  fixed_network: string | null;
  fixed_subnet: string | null;
  network_driver: string | null;
  volume_driver: string | null;
  apiserver_port: number | null;
  docker_volume_size: number | null;
  docker_storage_driver: string | null;
  http_proxy: string | null;
  https_proxy: string | null;
  no_proxy: string | null;
  registry_enabled: number;
  insecure_registry: string | null;
  /** JSON map. */
  labels: string;
  tls_disabled: number;
  public: number;
  hidden: number;
  master_lb_enabled: number;
  floating_ip_enabled: number;
  tags: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface ClusterTable {
  uuid: string;
  id: number;
  name: string;
  project_id: string;
  user_id: string;
  cluster_template_id: string;
  keypair: string | null;
  labels: string;
  master_flavor_id: string | null;
  flavor_id: string | null;
  docker_volume_size: number | null;
  create_timeout: number;
  fixed_network: string | null;
  fixed_subnet: string | null;
  floating_ip_enabled: number;
  master_lb_enabled: number;
  discovery_url: string | null;
  status: string;
  status_reason: string | null;
  health_status: string | null;
  /** JSON map or null. */
  health_status_reason: string | null;
  api_address: string | null;
  /** JSON lists. */
  master_addresses: string;
  node_addresses: string;
  coe_version: string | null;
  container_version: string | null;
  stack_id: string | null;
  trust_id: string | null;
  /** JSON ClusterOperation while one is pending, else null. */
  operation: string | null;
  generation: number;
  /** SHA-256 (hex) of the node-signing secret; the secret itself is never stored. */
  node_secret_hash: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface NodeGroupTable {
  uuid: string;
  id: number;
  cluster_id: string;
  project_id: string;
  name: string;
  role: string;
  is_default: number;
  flavor_id: string | null;
  image_id: string;
  docker_volume_size: number | null;
  labels: string;
  node_count: number;
  min_node_count: number;
  max_node_count: number | null;
  node_addresses: string;
  nodes: string;
  stack_id: string | null;
  status: string;
  status_reason: string | null;
  version: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface ClusterEventTable {
  id: number;
  cluster_id: string;
  time: string;
  kind: string;
  message: string;
}

/**
 * A cluster's certificates: its CAs (`ca:kubernetes`, `ca:etcd`, `ca:front_proxy`) and the conductor's own
 * client certificate (`client:conductor`). Private keys are AES-256-GCM sealed (secret-box.ts).
 */
export interface ClusterCertificateTable {
  cluster_id: string;
  purpose: string;
  cert_pem: string;
  /** base64 of iv | tag | ciphertext. */
  key_sealed: string;
  created_at: string;
}

export interface QuotaTable {
  id: number;
  project_id: string;
  resource: string;
  hard_limit: number;
  created_at: string;
  updated_at: string | null;
}

/** magnum-conductor processes, one row per host, their heartbeat in updated_at. */
export interface MServiceTable {
  id: number;
  host: string;
  binary: string;
  report_count: number;
  disabled: number;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface ContainerInfraTables {
  cluster_template: ClusterTemplateTable;
  cluster: ClusterTable;
  nodegroup: NodeGroupTable;
  cluster_event: ClusterEventTable;
  cluster_certificate: ClusterCertificateTable;
  quota: QuotaTable;
  mservice: MServiceTable;
}
