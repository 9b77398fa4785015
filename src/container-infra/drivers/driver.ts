/**
 * The contract between the conductor and a cluster driver, and the registry that picks a driver for a
 * cluster template as Magnum does: by (server_type, os_distro, coe), where os_distro is the image's
 * `os_distro` property (magnum/drivers/common/driver.py, `provides`). Exactly one driver may claim a key.
 *
 * A driver is pure where it can be: `stack()` renders the Heat stack (template, files, environment,
 * parameters) of a cluster's desired state, which the conductor creates or updates through the
 * orchestration API with the cluster's trust; `outputs()` reads that stack's outputs back. The rest talks
 * to the running COE (the Docker API of a Swarm cluster, the Kubernetes API of a Kubernetes one): the
 * periodic health check, draining nodes before a resize down, and forgetting nodes the stack removed.
 */
import type { ClusterId, ClusterTemplate, Coe, HealthStatus, Labels } from '../model.js';

/** What selects a driver: the template's server_type, its image's os_distro and its coe. */
export interface DriverKey {
  serverType: 'vm' | 'bm';
  os: string;
  coe: Coe;
}

/**
 * A cluster the driver cannot make, with the reason the conductor stores as status_reason
 * (CREATE_FAILED). Also thrown for input a driver refuses (a master count it cannot do).
 */
export class DriverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriverError';
  }
}

/** One node group of the cluster as the stack should have it. */
export interface NodeGroupInput {
  /** `master` for the control plane, anything else a worker group. */
  role: 'master' | 'worker' | (string & {});
  name: string;
  count: number;
  flavorId: string;
  imageId: string;
  /** Members to remove first when the count goes down (server ids, or the group's member names). */
  nodesToRemove?: readonly string[];
}

/** Everything a driver renders a cluster's stack from. */
export interface StackInput {
  cluster: {
    uuid: ClusterId;
    name: string;
    /** A keypair name for the nodes' root ssh, or null. */
    keypair: string | null;
    fixedNetwork: string | null;
    fixedSubnet: string | null;
    floatingIpEnabled: boolean;
    masterLbEnabled: boolean;
    dockerVolumeSize: number | null;
    /** Minutes; the wait conditions' timeout. */
    createTimeout: number;
  };
  template: ClusterTemplate;
  /** Every node group, the default master group first. */
  nodegroups: readonly NodeGroupInput[];
  /** The labels in effect (the cluster's, merged with the template's as Magnum merges them). */
  labels: Labels;
  tlsDisabled: boolean;
  /** The cluster CA's certificate (PEM); null when TLS is disabled. */
  caCertPem: string | null;
  /** The secret the master presents to have its server certificate signed (`mcs.…`); null without TLS. */
  nodeSigningSecret: string | null;
  /** Registries the nodes' engines trust over plain HTTP (host:port), beyond the template's insecure_registry. */
  registries?: readonly string[];
}

/** A stack as the conductor hands it to the orchestration API (Heat's create/update body). */
export interface StackDefinition {
  template: string;
  files: Record<string, string>;
  environment: Record<string, unknown>;
  parameters: Record<string, string | number | boolean>;
  /** Inputs the driver ignored and why (labels it has no use for), for the cluster's events. */
  notes: string[];
}

/** One node as the stack's outputs describe it. */
export interface StackNode {
  serverId: string;
  /** The server's name, which is also the node's hostname. */
  name: string;
  /** The address users reach it at: the floating IP, or the fixed IP without one. */
  address: string;
  privateAddress: string;
  nodegroup: string;
  role: 'master' | 'worker' | (string & {});
}

/** What the conductor records on the cluster and its node groups from a complete stack. */
export interface ClusterFacts {
  apiAddress: string | null;
  masterAddresses: string[];
  nodeAddresses: string[];
  masterIds: string[];
  nodeIds: string[];
  nodes: StackNode[];
  coeVersion: string | null;
}

/** How the conductor reaches a cluster's COE API. */
export interface CoeAccess {
  /** `tcp://host:port` (TLS when `tls` is given), or `unix:///path` for a local engine. */
  apiAddress: string;
  /** A client certificate the cluster CA signed, with that CA. */
  tls?: { ca: string; cert: string; key: string };
  /** Per request; default 5 s. */
  timeoutMs?: number;
}

/** A node of the running COE, as the health check saw it. */
export interface CoeNode {
  /** The COE's id of the node (the swarm node id). */
  id: string;
  hostname: string;
  /** The compute server behind it, when the node says (an engine label) or its hostname maps to one. */
  serverId: string | null;
  role: 'manager' | 'worker';
  /** ready, down, unknown, disconnected (Swarm's node states). */
  state: string;
  /** active, pause, drain. */
  availability: string;
  address: string | null;
  /** The node's engine version. */
  version: string | null;
  /** Whether the stack still has this node (false: a node the cluster no longer wants, to be forgotten). */
  expected: boolean;
}

export interface HealthReport {
  status: HealthStatus;
  /** Magnum's health_status_reason: `{"api": "ok", "<hostname>.Ready": "True", …}`. */
  reason: Record<string, string>;
  nodes: CoeNode[];
  /** Expected servers that have no node in the COE (not joined yet, or lost). */
  missing: string[];
}

/** Names a node for drain and forget: its server id, or its hostname (the server's name). */
export interface NodeRef {
  serverId?: string;
  hostname?: string;
}

export interface HealthOptions {
  /** The servers the stack has (ids or names): nodes of others are `expected: false` and not counted. */
  expected?: readonly NodeRef[];
}

export interface DrainResult {
  /** Nodes set to drain (by hostname). */
  drained: string[];
  /** Refs that matched no node. */
  unknown: NodeRef[];
  /** Tasks still running on the drained nodes when the wait ended (0 when they all left). */
  tasksLeft: number;
}

export interface Driver {
  readonly name: string;
  readonly provides: readonly DriverKey[];
  /**
   * The stack of the cluster's desired state. Throws DriverError when the driver cannot make such a
   * cluster (the conductor fails the operation with its message).
   */
  stack(input: StackInput): StackDefinition;
  /** The cluster's facts from its stack's outputs (`{output_key: output_value}`). */
  outputs(outputs: Record<string, unknown>, input: { tlsDisabled: boolean }): ClusterFacts;
  /** HEALTHY iff the COE's API answers and every node it should have is ready; UNKNOWN when unreachable. */
  health(access: CoeAccess, opts?: HealthOptions): Promise<HealthReport>;
  /** Moves the nodes' workloads away, waiting up to `timeoutMs` (default 30 s) for their tasks to leave. */
  drain(access: CoeAccess, nodes: readonly NodeRef[], opts?: { timeoutMs?: number }): Promise<DrainResult>;
  /** Removes nodes from the COE's membership (they are gone or going); unknown refs are ignored. Returns the hostnames removed. */
  forget(access: CoeAccess, nodes: readonly NodeRef[]): Promise<string[]>;
}

const keyOf = (k: DriverKey): string => `${k.serverType}\0${k.os.toLowerCase()}\0${k.coe}`;

/** Drivers by the key they provide. */
export class DriverRegistry {
  readonly #byKey = new Map<string, Driver>();

  constructor(drivers: readonly Driver[]) {
    for (const d of drivers) {
      for (const k of d.provides) {
        const key = keyOf(k);
        const other = this.#byKey.get(key);
        if (other) throw new Error(`drivers ${other.name} and ${d.name} both provide (${k.serverType}, ${k.os}, ${k.coe})`);
        this.#byKey.set(key, d);
      }
    }
  }

  /** The driver for a key, or undefined (Magnum's ClusterTypeNotSupported). */
  find(key: DriverKey): Driver | undefined {
    return this.#byKey.get(keyOf(key));
  }

  /** The driver for a cluster template. */
  forTemplate(t: Pick<ClusterTemplate, 'serverType' | 'clusterDistro' | 'coe'>): Driver | undefined {
    return this.find({ serverType: t.serverType, os: t.clusterDistro, coe: t.coe });
  }

  /** Every key some driver provides, for error messages and the API's validation. */
  keys(): DriverKey[] {
    return [...this.#byKey.values()].flatMap((d) => d.provides).filter((k, i, all) => all.findIndex((o) => keyOf(o) === keyOf(k)) === i);
  }
}
