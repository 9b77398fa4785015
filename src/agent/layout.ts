/**
 * Where one host agent keeps its things, and the names it gives to what it creates in the kernel.
 * Everything is derived from the agent's own directory, so two agents on one machine (hosts h1, h2, or
 * two test clouds that both call their host h1) never share a socket, a namespace or an interface.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Unix socket paths longer than this do not fit in sockaddr_un (108 bytes with the NUL); keep a margin. */
const MAX_SOCKET_PATH = 100;

/** 10 hex digits of SHA-256: short enough for a 15-byte interface name, wide enough not to collide here. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

export interface AgentLayout {
  /** The agent's own directory ($FLOTILLA_DATA_DIR/hosts/<host>). */
  readonly dir: string;
  /** Hash of `dir`: the mark on every namespace, interface and cgroup this agent owns. */
  readonly tag: string;
  readonly engine: {
    readonly dataRoot: string;
    /** dockerd's exec root: short, because containerd puts its socket under it. */
    readonly execRoot: string;
    readonly pidFile: string;
    readonly socket: string;
    readonly logFile: string;
    /** cgroup parent of every container of this host (one subtree per host: easy to measure and to clean). */
    readonly cgroupParent: string;
  };
  /** Unix socket where the agent answers compute (console output). */
  readonly agentSocket: string;
  /** The init script bind-mounted into every container. */
  readonly initScript: string;
  /** Per-server state and config drives: servers/<id>/{state.json,config/}. */
  readonly serversDir: string;
  /** Which transit /30 this host's root link uses (chosen once, kept). */
  readonly transitFile: string;
  /** The host's network namespace, where its engine runs. */
  readonly hostNamespace: string;
  /** Prefix of this host's per-network namespaces. */
  readonly networkNamespacePrefix: string;
  /** The root-namespace end of the host's uplink veth; its peer in the host namespace is `root0`. */
  readonly rootLink: string;
}

/** A socket path under `dir` when it fits, else one under /run named by the agent's tag. */
function socketPath(dir: string, name: string, tag: string): string {
  const preferred = path.join(dir, name);
  return preferred.length <= MAX_SOCKET_PATH ? preferred : path.join('/run', `flotilla-${tag}`, name);
}

export function agentLayout(dir: string): AgentLayout {
  const abs = path.resolve(dir);
  const tag = shortHash(abs);
  const engineDir = path.join(abs, 'engine');
  // containerd's socket is <exec-root>/containerd/containerd.sock; the exec root must leave room for it.
  const execRoot = socketPath(engineDir, 'run', tag).length + 26 <= MAX_SOCKET_PATH ? path.join(engineDir, 'run') : path.join('/run', `flotilla-${tag}`, 'run');
  return Object.freeze({
    dir: abs,
    tag,
    engine: Object.freeze({
      dataRoot: path.join(engineDir, 'data'),
      execRoot,
      pidFile: path.join(engineDir, 'dockerd.pid'),
      socket: socketPath(engineDir, 'docker.sock', tag),
      logFile: path.join(engineDir, 'dockerd.log'),
      cgroupParent: `/flotilla-${tag}`,
    }),
    agentSocket: socketPath(abs, 'agent.sock', tag),
    initScript: path.join(abs, 'init', 'flotilla-init'),
    serversDir: path.join(abs, 'servers'),
    transitFile: path.join(abs, 'transit.json'),
    hostNamespace: `flotilla-h-${tag}`,
    networkNamespacePrefix: `flotilla-n-${tag}-`,
    rootLink: `fh${tag}`,
  });
}

/** The namespace of one network on this host. */
export function networkNamespace(layout: AgentLayout, networkId: string): string {
  return `${layout.networkNamespacePrefix}${shortHash(networkId)}`;
}

/** The host-namespace end of a network's uplink (≤ 15 bytes). */
export function networkLink(networkId: string): string {
  return `fn${shortHash(networkId)}`;
}

/** The bridge-side end of a port's veth, in the network's namespace (≤ 15 bytes). */
export function portLink(portId: string): string {
  return `fp${shortHash(portId)}`;
}

/** Docker's name for a server's container. */
export function containerName(serverId: string): string {
  return `flotilla-${serverId}`;
}

/** The local tag an image is loaded under: one per Glance image id. */
export function imageRef(imageId: string): string {
  return `flotilla-image:${imageId}`;
}

/** Labels on every container the agent makes. */
export const LABEL = {
  server: 'flotilla.server',
  host: 'flotilla.host',
  image: 'flotilla.image',
  rebuild: 'flotilla.rebuild',
} as const;
