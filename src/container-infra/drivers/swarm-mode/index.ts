/**
 * The swarm-mode driver (Magnum's swarm_fedora_atomic_v2, on Flotilla's `debian-12-docker` image):
 * renders a cluster as one Heat stack (templates.ts, boot scripts in fragments.ts) and talks to the
 * swarm through the first master's Docker API (docker-api.ts) for health, drain and forget.
 *
 * Labels: `fixed_subnet_cidr` (the subnet the stack makes, default 10.0.0.0/24) and `registry_url` (a
 * registry the engines trust over HTTP, like the template's insecure_registry) are used;
 * `auto_healing_enabled` is the conductor's; `swarm_strategy` and `docker_volume_size` are ignored with a
 * note (swarm-mode has no scheduling strategy; a node's /var/lib/docker is a volume of its own).
 *
 * Node ↔ server: servers are named `<stack name>-master-0`, `<stack name>-master-s<i>` and
 * `<stack name>-node-<i>`; a node's hostname is its server's name, and its engine's label
 * `flotilla.server_id` is the server's id (fragments.ts), which `health()` reports as `serverId`.
 */
import type { ClusterFacts, CoeAccess, CoeNode, DrainResult, Driver, HealthOptions, HealthReport, NodeRef, StackDefinition, StackInput, StackNode } from '../driver.js';
import { DriverError } from '../driver.js';
import { DockerApi, DockerApiError, type SwarmNode } from './docker-api.js';
import { MASTER_SH, NODE_SH } from './fragments.js';
import { CLUSTER_TEMPLATE_NAME, CLUSTER_YAML, MASTER_SCRIPT_NAME, NODE_SCRIPT_NAME, NODE_TEMPLATE_NAME, NODE_YAML } from './templates.js';

/** The engine label naming a node's server. */
export const SERVER_ID_LABEL = 'flotilla.server_id';

const DEFAULT_CIDR = '10.0.0.0/24';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => (x === null || x === undefined ? '' : String(x))) : [];
}

/** The stack's parameters and notes for a cluster (exported for tests). */
export function render(input: StackInput): StackDefinition {
  const { cluster, template, labels } = input;
  const notes: string[] = [];
  const masters = input.nodegroups.filter((g) => g.role === 'master');
  const workers = input.nodegroups.filter((g) => g.role !== 'master');
  if (masters.length !== 1) throw new DriverError(`a swarm-mode cluster has one master node group (got ${masters.length})`);
  if (workers.length > 1) throw new DriverError('a swarm-mode cluster has one worker node group here: extra node groups need a Kubernetes driver');
  const master = masters[0]!;
  const worker = workers[0];
  if (master.count < 1) throw new DriverError('a swarm-mode cluster needs at least one master');
  const external = template.externalNetworkId;
  if (!external) throw new DriverError('the cluster template has no external_network_id: the nodes\' router needs one');
  const tls = !input.tlsDisabled;
  if (tls && (!input.caCertPem || !input.nodeSigningSecret)) throw new DriverError('TLS is enabled but the cluster has no CA certificate or node-signing secret');

  const cidr = labels.fixed_subnet_cidr ?? DEFAULT_CIDR;
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) throw new DriverError(`label fixed_subnet_cidr is not an IPv4 CIDR: ${cidr}`);
  if (labels.swarm_strategy !== undefined) notes.push(`label swarm_strategy=${labels.swarm_strategy} ignored: swarm mode has no scheduling strategy (it spreads tasks)`);
  const volume = labels.docker_volume_size ?? cluster.dockerVolumeSize ?? template.dockerVolumeSize;
  if (volume !== undefined && volume !== null) notes.push(`docker_volume_size=${volume} ignored: a node's /var/lib/docker is a volume of its own, deleted with the server, without a size`);
  if (template.dockerStorageDriver && template.dockerStorageDriver !== 'overlay2') notes.push(`docker_storage_driver=${template.dockerStorageDriver} ignored: the engines use overlay2`);
  if (template.networkDriver && template.networkDriver !== 'docker') notes.push(`network_driver=${template.networkDriver} ignored: swarm mode uses Docker's overlay networks`);
  if (template.volumeDriver) notes.push(`volume_driver=${template.volumeDriver} ignored: there is no block storage service`);
  if (cluster.masterLbEnabled) notes.push('master_lb_enabled ignored: the Docker API is the first master\'s engine (there is no load balancer service)');
  if (template.httpProxy || template.httpsProxy || template.noProxy) notes.push('http_proxy, https_proxy and no_proxy ignored: nodes reach no outside network');
  const secondaries = master.count - 1;
  const mastersToRemove = [...(master.nodesToRemove ?? [])];
  const registries = [...new Set([...(input.registries ?? []), template.insecureRegistry, labels.registry_url].filter((r): r is string => typeof r === 'string' && r !== ''))];
  for (const r of registries) if (/[\s,"'\\]/.test(r)) throw new DriverError(`registry ${JSON.stringify(r)} is not a host:port`);

  const parameters: Record<string, string | number | boolean> = {
    cluster_uuid: cluster.uuid,
    external_network: external,
    fixed_network: cluster.fixedNetwork ?? template.fixedNetwork ?? '',
    fixed_subnet: cluster.fixedSubnet ?? template.fixedSubnet ?? '',
    fixed_subnet_cidr: cidr,
    dns_nameserver: template.dnsNameserver ?? '',
    ssh_key_name: cluster.keypair ?? template.keypairId ?? '',
    master_image: master.imageId,
    master_flavor: master.flavorId,
    node_image: worker?.imageId ?? master.imageId,
    node_flavor: worker?.flavorId ?? master.flavorId,
    number_of_secondary_masters: secondaries,
    number_of_nodes: worker?.count ?? 0,
    masters_to_remove: mastersToRemove.join(','),
    nodes_to_remove: (worker?.nodesToRemove ?? []).join(','),
    floating_ip_enabled: cluster.floatingIpEnabled,
    tls_disabled: !tls,
    ca_cert: tls ? input.caCertPem!.trim() : '',
    signing_secret: tls ? input.nodeSigningSecret! : '',
    insecure_registries: registries.join(','),
    wait_timeout: Math.max(60, (cluster.createTimeout > 0 ? cluster.createTimeout : 60) * 60),
  };
  return {
    template: CLUSTER_YAML,
    files: { [NODE_TEMPLATE_NAME]: NODE_YAML, [MASTER_SCRIPT_NAME]: MASTER_SH, [NODE_SCRIPT_NAME]: NODE_SH },
    environment: {},
    parameters,
    notes,
  };
}

/** The cluster's facts from the stack's outputs. */
export function readOutputs(outputs: Record<string, unknown>): ClusterFacts {
  const apiAddress = typeof outputs.api_address === 'string' && outputs.api_address !== '' ? outputs.api_address : null;
  const masterAddresses = strings(outputs.swarm_masters);
  const masterPrivate = strings(outputs.swarm_masters_private);
  const masterIds = strings(outputs.master_ids);
  const masterNames = strings(outputs.master_names);
  const nodeAddresses = strings(outputs.swarm_nodes);
  const nodePrivate = strings(outputs.swarm_nodes_private);
  const nodeIds = strings(outputs.node_ids);
  const nodeNames = strings(outputs.node_names);
  const nodes: StackNode[] = [
    ...masterIds.map((serverId, i) => ({ serverId, name: masterNames[i] ?? '', address: masterAddresses[i] ?? '', privateAddress: masterPrivate[i] ?? '', nodegroup: 'default-master', role: 'master' })),
    ...nodeIds.map((serverId, i) => ({ serverId, name: nodeNames[i] ?? '', address: nodeAddresses[i] ?? '', privateAddress: nodePrivate[i] ?? '', nodegroup: 'default-worker', role: 'worker' })),
  ];
  return { apiAddress, masterAddresses, nodeAddresses, masterIds, nodeIds, nodes, coeVersion: null };
}

function apiOf(access: CoeAccess): DockerApi {
  return new DockerApi({ address: access.apiAddress, ...(access.tls ? { tls: access.tls } : {}), timeoutMs: access.timeoutMs ?? 5000 });
}

const matches = (ref: NodeRef, n: SwarmNode): boolean =>
  (ref.serverId !== undefined && n.Description.Engine?.Labels?.[SERVER_ID_LABEL] === ref.serverId)
  || (ref.hostname !== undefined && n.Description.Hostname === ref.hostname);

const refName = (ref: NodeRef): string => ref.hostname ?? ref.serverId ?? '?';

function coeNode(n: SwarmNode, expected: boolean): CoeNode {
  return {
    id: n.ID,
    hostname: n.Description.Hostname,
    serverId: n.Description.Engine?.Labels?.[SERVER_ID_LABEL] ?? null,
    role: n.Spec.Role,
    state: n.Status.State,
    availability: n.Spec.Availability,
    address: n.Status.Addr ?? null,
    version: n.Description.Engine?.EngineVersion ?? null,
    expected,
  };
}

/** The swarm's health as the first master's engine sees it (exported for the conductor's tests). */
export async function swarmHealth(access: CoeAccess, opts: HealthOptions = {}): Promise<HealthReport> {
  const api = apiOf(access);
  try {
    let nodes: SwarmNode[];
    try {
      nodes = await api.nodes();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Unreachable: Magnum's UNKNOWN. An engine that answers but cannot list nodes: UNHEALTHY.
      if (err instanceof DockerApiError && err.status > 0) return { status: 'UNHEALTHY', reason: { api: message }, nodes: [], missing: [] };
      return { status: 'UNKNOWN', reason: { api: message }, nodes: [], missing: [] };
    }
    const expected = opts.expected;
    const reason: Record<string, string> = { api: 'ok' };
    const out: CoeNode[] = [];
    const missing: string[] = [];
    let healthy = true;
    if (!expected) {
      for (const n of nodes) {
        out.push(coeNode(n, true));
        reason[`${n.Description.Hostname}.Ready`] = n.Status.State === 'ready' ? 'True' : 'False';
        if (n.Status.State !== 'ready') healthy = false;
      }
    } else {
      // Each expected server's node: the ready one if it has several (an engine that rejoined leaves its old node down).
      const chosen = new Set<string>();
      for (const ref of expected) {
        const hits = nodes.filter((n) => matches(ref, n));
        const pick = hits.find((n) => n.Status.State === 'ready') ?? hits[0];
        if (!pick) {
          missing.push(refName(ref));
          reason[`${refName(ref)}.Ready`] = 'False';
          healthy = false;
          continue;
        }
        chosen.add(pick.ID);
        reason[`${pick.Description.Hostname}.Ready`] = pick.Status.State === 'ready' ? 'True' : 'False';
        if (pick.Status.State !== 'ready') healthy = false;
      }
      for (const n of nodes) out.push(coeNode(n, chosen.has(n.ID)));
    }
    return { status: healthy ? 'HEALTHY' : 'UNHEALTHY', reason, nodes: out, missing };
  } finally {
    api.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sets the nodes to drain and waits (up to `timeoutMs`) until no task should run on them. */
export async function swarmDrain(access: CoeAccess, refs: readonly NodeRef[], opts: { timeoutMs?: number } = {}): Promise<DrainResult> {
  const api = apiOf(access);
  try {
    const nodes = await api.nodes();
    const unknown: NodeRef[] = [];
    const targets: SwarmNode[] = [];
    for (const ref of refs) {
      const hits = nodes.filter((n) => matches(ref, n));
      if (hits.length === 0) unknown.push(ref);
      for (const h of hits) if (!targets.some((t) => t.ID === h.ID)) targets.push(h);
    }
    for (const t of targets) {
      if (t.Spec.Availability !== 'drain') await api.changeNode(t.ID, (spec) => ({ ...spec, Availability: 'drain' }));
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let left = 0;
    for (;;) {
      left = 0;
      for (const t of targets) {
        const tasks = await api.tasks({ node: [t.ID] });
        // Scheduled here, or still running while it stops.
        left += tasks.filter((k) => k.DesiredState === 'running' || k.Status.State === 'running').length;
      }
      if (left === 0 || Date.now() >= deadline) break;
      await sleep(250);
    }
    return { drained: targets.map((t) => t.Description.Hostname), unknown, tasksLeft: left };
  } finally {
    api.close();
  }
}

/** Removes the nodes from the swarm (managers are demoted first); returns the hostnames removed. */
export async function swarmForget(access: CoeAccess, refs: readonly NodeRef[]): Promise<string[]> {
  const api = apiOf(access);
  try {
    const info = await api.info();
    const nodes = await api.nodes();
    const removed: string[] = [];
    for (const n of nodes.filter((x) => refs.some((r) => matches(r, x)))) {
      if (n.ID === info.Swarm.NodeID) continue; // never the node the conductor talks to
      try {
        if (n.Spec.Role === 'manager') await api.changeNode(n.ID, (spec) => ({ ...spec, Role: 'worker' }));
        await api.removeNode(n.ID, { force: true });
        removed.push(n.Description.Hostname);
      } catch (err) {
        if (!(err instanceof DockerApiError && err.status === 404)) throw err;
      }
    }
    return removed;
  } finally {
    api.close();
  }
}

export const swarmModeDriver: Driver = {
  name: 'swarm_mode_debian_v1',
  provides: [
    { serverType: 'vm', os: 'debian', coe: 'swarm-mode' },
    { serverType: 'vm', os: 'fedora-atomic', coe: 'swarm-mode' },
  ],
  stack: render,
  outputs: (outputs) => readOutputs(outputs),
  health: swarmHealth,
  drain: swarmDrain,
  forget: swarmForget,
};

export { CLUSTER_TEMPLATE_NAME };
