/** Magnum's JSON for templates, clusters, bays, node groups and events (field names as magnumclient reads them). */
import type { Cluster, ClusterEvent, ClusterTemplate, Labels, NodeGroup } from '../model.js';
import { links, type Json } from './common.js';

export function templateJson(t: ClusterTemplate, base: string, resource = 'clustertemplates'): Json {
  return {
    uuid: t.uuid, name: t.name, project_id: t.projectId, user_id: t.userId, coe: t.coe, image_id: t.imageId, cluster_distro: t.clusterDistro,
    server_type: t.serverType, flavor_id: t.flavorId, master_flavor_id: t.masterFlavorId, keypair_id: t.keypairId,
    dns_nameserver: t.dnsNameserver, external_network_id: t.externalNetworkId, fixed_network: t.fixedNetwork, fixed_subnet: t.fixedSubnet,
    network_driver: t.networkDriver, volume_driver: t.volumeDriver, apiserver_port: t.apiserverPort, docker_volume_size: t.dockerVolumeSize,
    docker_storage_driver: t.dockerStorageDriver, http_proxy: t.httpProxy, https_proxy: t.httpsProxy, no_proxy: t.noProxy,
    registry_enabled: t.registryEnabled, insecure_registry: t.insecureRegistry, labels: t.labels, tls_disabled: t.tlsDisabled,
    public: t.public, hidden: t.hidden, master_lb_enabled: t.masterLbEnabled, floating_ip_enabled: t.floatingIpEnabled, tags: t.tags,
    created_at: t.createdAt, updated_at: t.updatedAt, links: links(base, resource, t.uuid),
  };
}

export function templateSummary(t: ClusterTemplate, base: string, resource = 'clustertemplates'): Json {
  return { uuid: t.uuid, name: t.name, tags: t.tags, links: links(base, resource, t.uuid) };
}

/** Magnum's labels diff of a cluster against its template (cluster detail and show). */
export function labelsDiff(cluster: Labels, template: Labels): { labels_overridden: Labels; labels_added: Labels; labels_skipped: Labels } {
  const overridden: Labels = {};
  const added: Labels = {};
  const skipped: Labels = {};
  for (const [k, v] of Object.entries(cluster)) {
    if (!(k in template)) added[k] = v;
    else if (template[k] !== v) overridden[k] = v;
  }
  for (const [k, v] of Object.entries(template)) if (!(k in cluster)) skipped[k] = v;
  return { labels_overridden: overridden, labels_added: added, labels_skipped: skipped };
}

const FAILED = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED', 'ROLLBACK_FAILED', 'RESUME_FAILED']);

const counts = (groups: readonly NodeGroup[]): { master_count: number; node_count: number } => ({
  master_count: groups.filter((g) => g.role === 'master').reduce((n, g) => n + g.nodeCount, 0),
  node_count: groups.filter((g) => g.role !== 'master').reduce((n, g) => n + g.nodeCount, 0),
});

/** The full cluster (show, detail): every field magnum.md §1.7 lists, faults when failed. */
export function clusterJson(c: Cluster, groups: readonly NodeGroup[], template: ClusterTemplate | undefined, base: string): Json {
  const out: Json = {
    uuid: c.uuid, name: c.name, cluster_template_id: c.clusterTemplateId, keypair: c.keypair, docker_volume_size: c.dockerVolumeSize,
    labels: c.labels, ...labelsDiff(c.labels, template?.labels ?? {}), master_flavor_id: c.masterFlavorId, flavor_id: c.flavorId,
    create_timeout: c.createTimeout, ...counts(groups), stack_id: c.stackId, status: c.status, status_reason: c.statusReason,
    health_status: c.healthStatus, health_status_reason: c.healthStatusReason ?? {}, discovery_url: c.discoveryUrl,
    api_address: c.apiAddress, master_addresses: c.masterAddresses, node_addresses: c.nodeAddresses, coe_version: c.coeVersion,
    container_version: c.containerVersion, fixed_network: c.fixedNetwork, fixed_subnet: c.fixedSubnet,
    floating_ip_enabled: c.floatingIpEnabled, master_lb_enabled: c.masterLbEnabled, project_id: c.projectId, user_id: c.userId,
    created_at: c.createdAt, updated_at: c.updatedAt, links: links(base, 'clusters', c.uuid),
  };
  if (FAILED.has(c.status)) out.faults = faults(c, groups);
  return out;
}

function faults(c: Cluster, groups: readonly NodeGroup[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of groups) if (FAILED.has(g.status) && g.statusReason) out[g.name] = g.statusReason;
  if (Object.keys(out).length === 0 && c.statusReason) out[c.name] = c.statusReason;
  return out;
}

/** The short form of a cluster in a list. */
export function clusterSummary(c: Cluster, groups: readonly NodeGroup[], base: string): Json {
  return {
    uuid: c.uuid, name: c.name, cluster_template_id: c.clusterTemplateId, keypair: c.keypair, docker_volume_size: c.dockerVolumeSize,
    labels: c.labels, ...counts(groups), status: c.status, master_flavor_id: c.masterFlavorId, flavor_id: c.flavorId,
    create_timeout: c.createTimeout, stack_id: c.stackId, health_status: c.healthStatus, links: links(base, 'clusters', c.uuid),
  };
}

/** A cluster as a bay (the legacy alias): baymodel_id, bay_create_timeout, bay_faults. */
export function bayJson(c: Cluster, groups: readonly NodeGroup[], template: ClusterTemplate | undefined, base: string, full: boolean): Json {
  const j = full ? clusterJson(c, groups, template, base) : clusterSummary(c, groups, base);
  const { cluster_template_id, create_timeout, faults: f, labels_overridden: _o, labels_added: _a, labels_skipped: _s, ...rest } = j;
  return {
    ...rest, baymodel_id: cluster_template_id, bay_create_timeout: create_timeout, ...(f !== undefined ? { bay_faults: f } : {}),
    links: links(base, 'bays', c.uuid),
  };
}

export function nodeGroupJson(g: NodeGroup, base: string, full: boolean): Json {
  const self = links(base, `clusters/${g.clusterId}/nodegroups`, g.uuid);
  if (!full) {
    return { uuid: g.uuid, name: g.name, flavor_id: g.flavorId, node_count: g.nodeCount, role: g.role, is_default: g.isDefault, image_id: g.imageId, status: g.status, stack_id: g.stackId, links: self };
  }
  return {
    uuid: g.uuid, name: g.name, cluster_id: g.clusterId, project_id: g.projectId, docker_volume_size: g.dockerVolumeSize, labels: g.labels,
    labels_overridden: {}, labels_added: {}, labels_skipped: {}, flavor_id: g.flavorId, image_id: g.imageId, node_addresses: g.nodeAddresses,
    node_count: g.nodeCount, role: g.role, min_node_count: g.minNodeCount, max_node_count: g.maxNodeCount, is_default: g.isDefault,
    stack_id: g.stackId, status: g.status, status_reason: g.statusReason, version: g.version, merge_labels: false,
    created_at: g.createdAt, updated_at: g.updatedAt, links: self,
  };
}

export function eventJson(e: ClusterEvent): Json {
  return { id: e.id, cluster_uuid: e.clusterId, time: e.time, kind: e.kind, message: e.message };
}
