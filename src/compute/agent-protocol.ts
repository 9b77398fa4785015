/**
 * The contract between the compute service and its host agents (docs/design/compute-and-images.md):
 * compute publishes each host's desired servers, agents report what they observe. Types only, shared by
 * src/compute (which serves it) and src/agent (which calls it through the compute client).
 */

/** Path prefix of the internal API on the compute port; callers need the `service` role. */
export const AGENT_API_PREFIX = '/flotilla-agent/v1';

/**
 * The Glance property of an image whose servers run their own Docker engine (ServerSpec.nestedEngine),
 * honoured for public images only. The node image `debian-12-docker` has it (src/base-images/docker-node.ts).
 */
export const NESTED_ENGINE_PROPERTY = 'flotilla_nested_engine';

/** Seconds without a heartbeat after which compute reports a host's service as down. */
export const HOST_DOWN_AFTER_S = 10;

/** What an agent says about its host, every couple of seconds. */
export interface HostRegistration {
  /** Availability zone of the host (default `nova`). */
  zone: string;
  resources: { vcpus: number; memoryMb: number; diskGb: number };
  /** Unix socket where the agent answers compute's synchronous questions (console output). */
  agentSocket: string;
  version: string;
}

export interface HostRegistrationReply {
  /** The host's revision: pass it to the next desired-servers poll. */
  revision: number;
  /** An operator disabled the host: keep serving existing servers, expect no new ones. */
  disabled: boolean;
}

/** The power state compute wants a server in. `deleted` means: remove it and everything it uses. */
export type DesiredPower = 'running' | 'stopped' | 'paused' | 'deleted';

/**
 * A network port of a server, as the agent plugs it. Compute sends only `neutron` ports: Neutron's,
 * bound to the host, plugged into the network's segment once the host's network plan names them
 * (src/agent/netplane). `interim` ports are the agent's stand-alone plumbing from before Neutron
 * (src/agent/network.ts: a namespace per network, no plan needed), which only the agent's own tests
 * still drive with hand-written specs.
 */
export interface PortSpec {
  id: string;
  source: 'interim' | 'neutron';
  /** Unicast, locally administered MAC, e.g. fa:16:3e:xx:xx:xx. */
  mac: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  /** The network (L2 segment) the port belongs to; ports with the same network share a bridge. */
  networkId: string;
  /** CIDR of that network, e.g. 198.18.7.0/24. */
  cidr: string;
  mtu: number;
}

/** What a server should be, in full: the agent needs nothing else to build or repair it. */
export interface ServerSpec {
  id: string;
  projectId: string;
  userId: string;
  name: string;
  hostname: string;
  /** Bumped on every change to this spec; the agent reports the generation it applied. */
  generation: number;
  power: DesiredPower;
  image: { id: string; name?: string };
  flavor: { id: string; name: string; vcpus: number; ramMb: number; diskGb: number; extraSpecs: Record<string, string> };
  /** Public key text for root's authorized_keys, if the server was booted with a key pair. */
  keyData?: string;
  keyName?: string;
  /** user_data as given (already base64-decoded). */
  userData?: string;
  metadata: Record<string, string>;
  availabilityZone: string;
  launchIndex: number;
  ports: PortSpec[];
  /** Incremented by reboot actions: the agent restarts the server when it has applied fewer. */
  rebootCount: number;
  /** Incremented by rebuild: the agent recreates the container from `image`. */
  rebuildCount: number;
  /**
   * The server runs its own Docker engine (a container-infra node): compute sets it for servers booted
   * from a public image with `flotilla_nested_engine=true` (only admins publish images). The agent then
   * gives the container what dockerd needs and a volume of its own for /var/lib/docker (decision 0015).
   */
  nestedEngine?: boolean;
  /** A snapshot to take (createImage): upload the server's disk as this already-created image. */
  snapshot?: { imageId: string; requestedAt: string };
}

export interface DesiredServers {
  revision: number;
  servers: ServerSpec[];
}

/** What the agent saw when it last looked at a server. */
export type ObservedState = 'running' | 'stopped' | 'paused' | 'absent' | 'error';

export interface ObservedServer {
  state: ObservedState;
  /** The spec generation this observation reflects (everything in it has been applied). */
  generation: number;
  /** Present when `state` is `error`, or when an action failed while the server kept running. */
  fault?: { code: number; message: string; details?: string };
  /** When the container last started (ISO-8601). */
  startedAt?: string;
  /** The snapshot request the agent finished (the image id), if any. */
  snapshotDone?: string;
  rebootCount: number;
  rebuildCount: number;
}
