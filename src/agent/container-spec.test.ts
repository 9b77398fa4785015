/**
 * Nested engines (decision 0015) as data: compute asks for one only for public images with the
 * property, and the agent then adds exactly the privileges dockerd needs and a volume for its data,
 * nothing for other servers. The engine itself running in such a server is test/nested-engine.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerSpec } from '../compute/agent-protocol.js';
import { imageMetaOf, wantsNestedEngine } from '../compute/servers/create.js';
import type { ImageRecord } from '../image/client.js';
import { createBody, NESTED_ENGINE_DATA } from './container-spec.js';

const spec = (nestedEngine?: boolean): ServerSpec => ({
  id: 's1', projectId: 'p', userId: 'u', name: 'n', hostname: 'n', generation: 1, power: 'running', image: { id: 'img' },
  flavor: { id: 'f', name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20, extraSpecs: {} }, metadata: {}, availabilityZone: 'nova',
  launchIndex: 0, ports: [], rebootCount: 0, rebuildCount: 0, ...(nestedEngine ? { nestedEngine } : {}),
});

test('a plain server gets no extra privilege and no volume', () => {
  const h = createBody(spec(), 'h1', '/init', '/config').HostConfig;
  for (const k of ['CapAdd', 'SecurityOpt', 'CgroupnsMode', 'DeviceCgroupRules', 'Sysctls', 'Mounts'] as const) assert.equal(h[k], undefined, k);
});

test('a nested-engine server gets what dockerd needs and a labelled anonymous volume for its data', () => {
  const h = createBody(spec(true), 'h1', '/init', '/config').HostConfig;
  assert.deepEqual(h.CapAdd, ['SYS_ADMIN', 'NET_ADMIN']);
  assert.deepEqual(h.SecurityOpt, ['seccomp=unconfined', 'apparmor=unconfined']);
  assert.equal(h.CgroupnsMode, 'private');
  assert.deepEqual(h.Sysctls, { 'net.ipv4.ip_forward': '1' }, 'dockerd needs forwarding and cannot turn it on in the server');
  assert.deepEqual(h.Mounts, [{ Type: 'volume', Target: NESTED_ENGINE_DATA, VolumeOptions: { Labels: { 'flotilla.server': 's1', 'flotilla.host': 'h1' } } }]);
  assert.equal((h as Record<string, unknown>).Privileged, undefined, 'not privileged');
});

test('only a public image with flotilla_nested_engine=true asks for it, and snapshots do not inherit it', () => {
  const image = (visibility: ImageRecord['visibility'], prop?: string): ImageRecord => ({
    id: 'i', name: 'x', status: 'active', visibility, container_format: 'docker', disk_format: 'raw', min_ram: 0, min_disk: 0,
    ...(prop !== undefined ? { flotilla_nested_engine: prop } : {}),
  }) as unknown as ImageRecord;
  assert.equal(wantsNestedEngine(image('public', 'true')), true);
  for (const v of ['private', 'shared', 'community'] as const) assert.equal(wantsNestedEngine(image(v, 'true')), false, v);
  assert.equal(wantsNestedEngine(image('public', 'false')), false);
  assert.equal(wantsNestedEngine(image('public')), false);
  const meta = imageMetaOf(image('public', 'true'), 20);
  assert.equal(meta.nestedEngine, true);
  assert.equal(meta.properties.flotilla_nested_engine, 'true', 'the property is copied to snapshots; a snapshot is private, so it does not count');
  assert.equal(imageMetaOf(image('community', 'true'), 20).nestedEngine, undefined);
});
