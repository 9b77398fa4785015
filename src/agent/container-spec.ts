/**
 * How a ServerSpec becomes a Docker container: a system container with Docker's init (tini) as PID 1
 * running Flotilla's init, the config drive read-only, no Docker networking (the agent plugs ports), and
 * the flavor as cgroup limits. A server with `nestedEngine` can also run its own dockerd (decision 0015).
 */
import type { ServerSpec } from '../compute/agent-protocol.js';
import type { ContainerCreate, ContainerInspect, ResourceUpdate } from './docker-api.js';
import { CONFIG_MOUNT } from './config-drive.js';
import { imageRef, LABEL } from './layout.js';

export const INIT_MOUNT = '/run/flotilla/init';
const MIB = 1024 * 1024;
const CPU_PERIOD_US = 100_000;
/** Processes per server unless the flavor says otherwise (extra spec `flotilla:pids_limit`). */
export const DEFAULT_PIDS_LIMIT = 4096;
/** Seconds a server gets to stop on SIGTERM before it is killed. */
export const STOP_TIMEOUT_S = 10;

/** The flavor as cgroup limits: memory = RAM (no swap), CPU quota = vcpus, a pids limit. */
export function limitsFor(spec: ServerSpec): ResourceUpdate {
  const pids = Number(spec.flavor.extraSpecs['flotilla:pids_limit']);
  const memory = Math.max(6, spec.flavor.ramMb) * MIB;
  return {
    Memory: memory,
    MemorySwap: memory,
    CpuPeriod: CPU_PERIOD_US,
    CpuQuota: Math.max(1, spec.flavor.vcpus) * CPU_PERIOD_US,
    PidsLimit: Number.isInteger(pids) && pids > 0 ? pids : DEFAULT_PIDS_LIMIT,
  };
}

/** True when the container's limits are what the spec's flavor asks for. */
export function limitsMatch(c: ContainerInspect, want: ResourceUpdate): boolean {
  const h = c.HostConfig;
  return h.Memory === want.Memory && h.MemorySwap === want.MemorySwap && h.CpuQuota === want.CpuQuota
    && h.CpuPeriod === want.CpuPeriod && (h.PidsLimit ?? 0) === want.PidsLimit;
}

/** Where a nested engine keeps its data: a volume of the server's own (overlay2 cannot stack on overlay). */
export const NESTED_ENGINE_DATA = '/var/lib/docker';

/**
 * What dockerd needs in a server, and no more (measured on cgroup v1 with Docker 20.10, decision 0015):
 * CAP_SYS_ADMIN (mounts: overlay2, its containers' root filesystems, the cgroup hierarchies made
 * writable) and CAP_NET_ADMIN (its bridge, veths, iptables, VXLAN for overlay networks); no seccomp
 * filter (runc makes a session keyring per container, which Docker's default profile refuses) and no
 * AppArmor profile (docker-default refuses mount, where AppArmor is on); a private cgroup namespace, so
 * the server sees its own cgroups as the root, not the host's tree; the tun device in its device cgroup,
 * because the nested engine's containers get it by default and a child cgroup cannot grant what its
 * parent lacks; IPv4 forwarding on in the server's own network namespace, set when the container is
 * made: dockerd refuses to start unless it is on, and cannot switch it on itself (/proc/sys is read-only
 * in the server). A new network namespace copies the host's setting, so dockerd started only on hosts
 * where something had turned forwarding on (seen: a kernel 6.18 host with ip_forward 0, where every
 * node's engine failed with "Enabling IP forwarding failed: … read-only file system"). Not privileged:
 * no host devices, /proc and /sys masked as usual, other capabilities off.
 */
export function nestedEngineConfig(spec: ServerSpec, host: string): Partial<ContainerCreate['HostConfig']> {
  if (!spec.nestedEngine) return {};
  return {
    CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    CgroupnsMode: 'private',
    DeviceCgroupRules: ['c 10:200 rwm'],
    Sysctls: { 'net.ipv4.ip_forward': '1' },
    // Anonymous: removed with the container (a rebuild starts with an empty engine, as with a new disk);
    // labelled, so a volume left by an engine crash mid-removal is found and removed (index.ts).
    Mounts: [{ Type: 'volume', Target: NESTED_ENGINE_DATA, VolumeOptions: { Labels: { [LABEL.server]: spec.id, [LABEL.host]: host } } }],
  };
}

export function createBody(spec: ServerSpec, host: string, initScript: string, configDir: string): ContainerCreate {
  return {
    Hostname: spec.hostname.slice(0, 63),
    Image: imageRef(spec.image.id),
    Entrypoint: ['/bin/sh', INIT_MOUNT],
    Cmd: [],
    Env: ['container=flotilla'],
    Labels: {
      [LABEL.server]: spec.id,
      [LABEL.host]: host,
      [LABEL.image]: spec.image.id,
      [LABEL.rebuild]: String(spec.rebuildCount),
    },
    StopSignal: 'SIGTERM',
    StopTimeout: STOP_TIMEOUT_S,
    // The container still gets its own network namespace (lo only), where the agent plugs its ports; but
    // dockerd skips libnetwork's sandbox and its prestart hook, a re-exec of dockerd itself on every
    // start: measured, `docker start` takes 0.27 s instead of 0.58 s.
    NetworkDisabled: true,
    HostConfig: {
      Init: true,
      NetworkMode: 'none',
      Binds: [`${initScript}:${INIT_MOUNT}:ro`, `${configDir}:${CONFIG_MOUNT}:ro`],
      ...limitsFor(spec),
      ...nestedEngineConfig(spec, host),
    },
  };
}
