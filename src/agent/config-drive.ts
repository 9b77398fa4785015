/**
 * The config drive of one server: the directory the agent bind-mounts read-only at /run/flotilla/config.
 * It holds OpenStack's layout (openstack/latest/meta_data.json, user_data, network_data.json,
 * vendor_data*.json), the EC2 layout (ec2/latest/meta-data.json, user-data), and pre-parsed files for
 * Flotilla's init (flotilla/: instance-id, hostname, authorized_keys, hosts, interfaces, user-data, and
 * ssh/ with the server's host keys).
 * Files are replaced atomically and only when their content changes, so a running server never reads half
 * a file and repeated passes cost nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerSpec } from '../compute/agent-protocol.js';
import { writeFileAtomic } from '../platform/files.js';
import { HOST_KEY_TYPES, makeHostKey } from './host-keys.js';
import { planUserData } from './user-data.js';

/** Where the drive is mounted inside the server. */
export const CONFIG_MOUNT = '/run/flotilla/config';

function prefixToNetmask(prefix: number): string {
  const n = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** EC2-style ids (`i-0000abcd`, `ami-…`, `r-…`) derived from Flotilla's uuids, stable per object. */
function ec2Id(prefix: string, uuid: string): string {
  return `${prefix}-${createHash('sha256').update(uuid).digest('hex').slice(0, 8)}`;
}

/** Nova's network_data.json: one link and one IPv4 network per port. */
export function networkData(spec: ServerSpec): unknown {
  return {
    links: spec.ports.map((p) => ({ id: `tap${p.id.slice(0, 11)}`, vif_id: p.id, type: 'bridge', mtu: p.mtu, ethernet_mac_address: p.mac })),
    networks: spec.ports.map((p, i) => ({
      id: `network${i}`,
      type: 'ipv4',
      link: `tap${p.id.slice(0, 11)}`,
      ip_address: p.ip,
      netmask: prefixToNetmask(p.prefixLength),
      routes: i === 0 ? [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: p.gateway }] : [],
      network_id: p.networkId,
      services: [],
    })),
    services: [],
  };
}

function keysOf(spec: ServerSpec): Array<{ name: string; type: 'ssh'; data: string }> {
  return spec.keyData ? [{ name: spec.keyName ?? 'key', type: 'ssh', data: spec.keyData.trim() }] : [];
}

/** meta_data.json as Nova's metadata service and config drive serve it. */
export function metaData(spec: ServerSpec, randomSeed: string): unknown {
  const keys = keysOf(spec);
  return {
    uuid: spec.id,
    name: spec.name,
    hostname: spec.hostname,
    launch_index: spec.launchIndex,
    availability_zone: spec.availabilityZone,
    project_id: spec.projectId,
    meta: spec.metadata,
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])),
    keys,
    devices: [],
    random_seed: randomSeed,
  };
}

/** The EC2 meta-data tree (as one JSON document). */
export function ec2MetaData(spec: ServerSpec): unknown {
  const keys = keysOf(spec);
  return {
    'ami-id': ec2Id('ami', spec.image.id),
    'ami-launch-index': spec.launchIndex,
    'block-device-mapping': { 'ami': 'vda', 'root': '/dev/vda' },
    hostname: spec.hostname,
    'instance-action': 'none',
    'instance-id': ec2Id('i', spec.id),
    'instance-type': spec.flavor.name,
    'local-hostname': spec.hostname,
    'local-ipv4': spec.ports[0]?.ip ?? '',
    placement: { 'availability-zone': spec.availabilityZone },
    'public-hostname': spec.hostname,
    'public-ipv4': '',
    'public-keys': Object.fromEntries(keys.map((k, i) => [String(i), { 'openssh-key': k.data, _name: `${i}=${k.name}` }])),
    'reservation-id': ec2Id('r', spec.id),
    'security-groups': ['default'],
  };
}

/** Writes `content` unless the file already holds exactly that. Returns true when it wrote. */
function put(file: string, content: string, mode = 0o644): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === content) {
      if ((fs.statSync(file).mode & 0o777) !== mode) fs.chmodSync(file, mode);
      return false;
    }
  } catch { /* missing */ }
  writeFileAtomic(file, content, mode);
  return true;
}

function remove(file: string): void {
  fs.rmSync(file, { force: true });
}

/** The random seed a server was first given (kept, so the drive does not change on every pass). */
function randomSeed(file: string): string {
  try {
    const seed = (JSON.parse(fs.readFileSync(file, 'utf8')) as { random_seed?: unknown }).random_seed;
    if (typeof seed === 'string') return seed;
  } catch { /* first time */ }
  return randomBytes(512).toString('base64');
}

/** Writes (or refreshes) a server's config drive under `dir`. Idempotent. */
export function writeConfigDrive(dir: string, spec: ServerSpec): void {
  const os = path.join(dir, 'openstack', 'latest');
  const ec2 = path.join(dir, 'ec2', 'latest');
  const fl = path.join(dir, 'flotilla');
  for (const d of [os, ec2, fl]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const json = (v: unknown): string => `${JSON.stringify(v)}\n`;
  const metaFile = path.join(os, 'meta_data.json');
  put(metaFile, json(metaData(spec, randomSeed(metaFile))));
  put(path.join(os, 'network_data.json'), json(networkData(spec)));
  put(path.join(os, 'vendor_data.json'), json({}));
  put(path.join(os, 'vendor_data2.json'), json({}));
  put(path.join(ec2, 'meta-data.json'), json(ec2MetaData(spec)));
  const plan = planUserData(spec.userData);
  if (spec.userData !== undefined && spec.userData.length > 0) {
    put(path.join(os, 'user_data'), spec.userData, 0o600);
    put(path.join(ec2, 'user-data'), spec.userData, 0o600);
  } else {
    remove(path.join(os, 'user_data'));
    remove(path.join(ec2, 'user-data'));
  }
  if (plan.script !== undefined) put(path.join(fl, 'user-data'), plan.script, 0o700);
  else remove(path.join(fl, 'user-data'));
  put(path.join(fl, 'instance-id'), `${spec.id}\n`);
  put(path.join(fl, 'hostname'), `${spec.hostname}\n`);
  const keys = [...keysOf(spec).map((k) => k.data), ...plan.authorizedKeys];
  put(path.join(fl, 'authorized_keys'), keys.length > 0 ? `${keys.join('\n')}\n` : '', 0o644);
  put(path.join(fl, 'hosts'), spec.ports[0] ? `${spec.ports[0].ip}\t${spec.hostname}\n` : '');
  put(path.join(fl, 'interfaces'), `${spec.ports.length}\n`);
  hostKeys(path.join(fl, 'ssh'), spec.hostname);
}

/**
 * The server's ssh host keys (host-keys.ts), made once and kept: the init copies them into /etc/ssh on the
 * instance's first boot. Readable by root in the server only. Written last, the fingerprints say they are
 * all there.
 */
function hostKeys(dir: string, hostname: string): void {
  const fingerprints = path.join(dir, 'fingerprints');
  if (fs.existsSync(fingerprints)) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = HOST_KEY_TYPES.map((t) => makeHostKey(t, `root@${hostname}`));
  for (const k of keys) {
    writeFileAtomic(path.join(dir, `ssh_host_${k.type}_key`), k.privateKey, 0o600);
    writeFileAtomic(path.join(dir, `ssh_host_${k.type}_key.pub`), `${k.publicKey}\n`, 0o644);
  }
  writeFileAtomic(fingerprints, keys.map((k) => `${k.fingerprint}\n`).join(''), 0o644);
}
