/** Helpers for the agent's integration tests: server specs, ports, and looking into a server from the host. */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { claimSlot } from './claims.js';
import type { PortSpec, ServerSpec } from '../../src/compute/agent-protocol.js';

/** Why the agent cannot run here (not root, no dockerd, no ip), or undefined. */
export function agentUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the agent needs root (namespaces, veths, dockerd)';
  for (const tool of ['dockerd', 'docker-init', 'ip', 'nsenter', 'iptables-restore']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (npm start installs docker.io, iproute2)`;
  }
  return undefined;
}

/**
 * A tenant network for one test: a /24 in 198.18.160.0–198.18.249.255 that no other live test process
 * holds (see claims.ts; each call claims another, starting at a random one).
 */
export function testNetwork(): { networkId: string; cidr: string; prefix: string } {
  const start = randomBytes(1)[0]! % 90;
  const octet = claimSlot({ kind: 'agent-networks', slots: Array.from({ length: 90 }, (_, i) => 160 + ((start + i) % 90)), whenFull: 'throw' });
  return { networkId: randomUUID(), cidr: `198.18.${octet}.0/24`, prefix: `198.18.${octet}` };
}

export function port(net: ReturnType<typeof testNetwork>, host: number): PortSpec {
  const mac = `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return { id: randomUUID(), source: 'interim', mac, ip: `${net.prefix}.${host}`, prefixLength: 24, gateway: `${net.prefix}.1`, networkId: net.networkId, cidr: net.cidr, mtu: 1500 };
}

export function serverSpec(imageId: string, ports: PortSpec[], over: Partial<ServerSpec> = {}): ServerSpec {
  const id = randomUUID();
  return {
    id,
    projectId: 'p1',
    userId: 'u1',
    name: `vm-${id.slice(0, 4)}`,
    hostname: `vm-${id.slice(0, 4)}`,
    generation: 1,
    power: 'running',
    image: { id: imageId },
    flavor: { id: 'f1', name: 'm1.tiny', vcpus: 1, ramMb: 64, diskGb: 1, extraSpecs: {} },
    metadata: { role: 'test' },
    availabilityZone: 'nova',
    launchIndex: 0,
    ports,
    rebootCount: 0,
    rebuildCount: 0,
    ...over,
  };
}

/** True when one ICMP echo to `ip` from the root namespace is answered within a second. */
/**
 * Whether `ip` answers a ping. A positive answer may take a few tries on a loaded machine (the first
 * packet waits for ARP); pass tries=1 when asserting that it does not answer.
 */
export function pings(ip: string, tries = 3): boolean {
  for (let i = 0; i < tries; i++) {
    if (spawnSync('/bin/busybox', ['ping', '-c', '1', '-W', '1', ip]).status === 0) return true;
  }
  return false;
}

/** Runs a command inside a server (its namespaces, by the pid of its init). */
export function inServer(pid: number, cmd: string): string {
  return execFileSync('nsenter', ['-t', String(pid), '-m', '-u', '-n', '-p', '-i', '--', '/bin/sh', '-c', cmd], { encoding: 'utf8' });
}

/** The memory limit of a container's cgroup (cgroup v1, cgroupfs driver) in bytes. */
export function memoryLimit(cgroupParent: string, containerId: string): number {
  return Number(fs.readFileSync(`/sys/fs/cgroup/memory${cgroupParent}/${containerId}/memory.limit_in_bytes`, 'utf8'));
}
