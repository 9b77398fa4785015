/**
 * The container-infra domain's vocabulary (Magnum v1): ids, statuses, the records the API and the
 * conductor share, and the operation a cluster is to carry out. Statuses are exactly Magnum's
 * (magnum/objects/fields.py), which mirror Heat's stack statuses. See docs/design/container-infra.md.
 *
 * The API stores desired state (a cluster row with its pending `operation`) and returns; the conductor
 * (conductor/) drives real state toward it through the orchestration, compute and network APIs and
 * records progress as events. A restarted process finds every unfinished operation in its row.
 */
import type { Id } from '../platform/ids.js';

export type ClusterId = Id<'ClusterId'>;
export type ClusterTemplateId = Id<'ClusterTemplateId'>;
export type NodeGroupId = Id<'NodeGroupId'>;

export const CLUSTER_STATUSES = [
  'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'CREATE_COMPLETE',
  'UPDATE_IN_PROGRESS', 'UPDATE_FAILED', 'UPDATE_COMPLETE',
  'DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_COMPLETE',
  'RESUME_COMPLETE', 'RESUME_FAILED', 'RESTORE_COMPLETE',
  'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE',
  'SNAPSHOT_COMPLETE', 'CHECK_COMPLETE', 'ADOPT_COMPLETE',
] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** Statuses from which update, upgrade and CA rotation are allowed (Magnum's conductor handlers). */
export const UPDATABLE: readonly ClusterStatus[] = [
  'CREATE_COMPLETE', 'UPDATE_COMPLETE', 'RESUME_COMPLETE', 'RESTORE_COMPLETE', 'ROLLBACK_COMPLETE',
  'SNAPSHOT_COMPLETE', 'CHECK_COMPLETE', 'ADOPT_COMPLETE',
];
/**
 * Resize is also allowed while an update runs or after one failed (the autoscaler retries), and, unlike
 * Magnum, after a failed create: a failed cluster can be retried by an update (its users' worst pain is
 * a sticky *_FAILED).
 */
export const RESIZABLE: readonly ClusterStatus[] = [...UPDATABLE, 'UPDATE_FAILED', 'UPDATE_IN_PROGRESS', 'CREATE_FAILED'];

export const HEALTH_STATUSES = ['HEALTHY', 'UNHEALTHY', 'UNKNOWN'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Container orchestration engines Magnum's validator accepts (mesos and dcos are refused). */
export const COES = ['kubernetes', 'swarm', 'swarm-mode'] as const;
export type Coe = (typeof COES)[number];

export type NodeGroupRole = 'master' | 'worker' | (string & {});

export type Labels = Record<string, string>;

export interface ClusterTemplate {
  uuid: ClusterTemplateId;
  name: string;
  projectId: string;
  userId: string;
  coe: Coe;
  imageId: string;
  /** The image's os_distro (Magnum takes cluster_distro from the image). */
  clusterDistro: string;
  serverType: 'vm' | 'bm';
  flavorId: string | null;
  masterFlavorId: string | null;
  keypairId: string | null;
  dnsNameserver: string | null;
  externalNetworkId: string | null;
  fixedNetwork: string | null;
  fixedSubnet: string | null;
  networkDriver: string | null;
  volumeDriver: string | null;
  apiserverPort: number | null;
  dockerVolumeSize: number | null;
  dockerStorageDriver: string | null;
  httpProxy: string | null;
  httpsProxy: string | null;
  noProxy: string | null;
  registryEnabled: boolean;
  insecureRegistry: string | null;
  labels: Labels;
  tlsDisabled: boolean;
  public: boolean;
  hidden: boolean;
  masterLbEnabled: boolean;
  floatingIpEnabled: boolean;
  tags: string | null;
  createdAt: string;
  updatedAt: string | null;
}

/**
 * What a cluster is to do next. Stored in the cluster's row before the API answers, so the conductor
 * (or a restarted one) carries it out; cleared when it finished or failed. `generation` grows with each
 * new operation so a late step of an older one can tell it was superseded.
 */
export type ClusterOperation =
  | { kind: 'create' }
  | { kind: 'resize'; nodegroup: NodeGroupId; nodeCount: number; nodesToRemove: string[] }
  | { kind: 'upgrade'; templateId: ClusterTemplateId; nodegroup: NodeGroupId; maxBatchSize: number }
  | { kind: 'rotate_ca' }
  /** Auto re-spawn: replace these nodes (server ids) in their node groups, keeping the counts. */
  | { kind: 'heal'; replace: string[] }
  | { kind: 'delete' };
export type ClusterOperationKind = ClusterOperation['kind'];

export interface Cluster {
  uuid: ClusterId;
  name: string;
  projectId: string;
  userId: string;
  clusterTemplateId: ClusterTemplateId;
  keypair: string | null;
  labels: Labels;
  masterFlavorId: string | null;
  flavorId: string | null;
  dockerVolumeSize: number | null;
  createTimeout: number;
  fixedNetwork: string | null;
  fixedSubnet: string | null;
  floatingIpEnabled: boolean;
  masterLbEnabled: boolean;
  discoveryUrl: string | null;
  status: ClusterStatus;
  statusReason: string | null;
  healthStatus: HealthStatus | null;
  healthStatusReason: Record<string, string> | null;
  apiAddress: string | null;
  masterAddresses: string[];
  nodeAddresses: string[];
  coeVersion: string | null;
  containerVersion: string | null;
  stackId: string | null;
  /** The Keystone trust from the cluster's creator to the magnum service user (never exposed). */
  trustId: string | null;
  operation: ClusterOperation | null;
  generation: number;
  createdAt: string;
  updatedAt: string | null;
}

export interface NodeGroup {
  uuid: NodeGroupId;
  clusterId: ClusterId;
  projectId: string;
  name: string;
  role: NodeGroupRole;
  isDefault: boolean;
  flavorId: string | null;
  imageId: string;
  dockerVolumeSize: number | null;
  labels: Labels;
  nodeCount: number;
  minNodeCount: number;
  maxNodeCount: number | null;
  nodeAddresses: string[];
  /** The compute servers of this group, in the order the stack lists them. */
  nodes: string[];
  stackId: string | null;
  status: ClusterStatus;
  statusReason: string | null;
  version: string | null;
  createdAt: string;
  updatedAt: string | null;
}

/** One progress line of a cluster: what the conductor did or saw (the CLI streams these). */
export interface ClusterEvent {
  id: number;
  clusterId: ClusterId;
  time: string;
  /** e.g. CREATE_IN_PROGRESS, node_ready, node_replaced, health, drain. */
  kind: string;
  message: string;
}

/** A cluster's certificate authority: Magnum's `kubernetes` CA is the one Swarm clusters use. */
export type CaKind = 'kubernetes' | 'etcd' | 'front_proxy';
