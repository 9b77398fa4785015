/**
 * POST /servers: parse the body at the request's microversion, check everything Nova checks before it
 * answers 202 (flavor, image through the image API as the caller, key pair, networks, zone, group, quota),
 * then place and store the servers in one transaction. A server no host can take is stored in ERROR with
 * Nova's "No valid host" fault, as Nova's conductor does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { inTransaction } from '../../platform/db/database.js';
import { can, enforce, isAdmin, projectIdOf, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import type { ComputeTables } from '../tables.js';
import type { FlavorSnapshot, ServerFault } from '../model.js';
import { snapshotOf } from '../flavors/store.js';
import { HostStore, COMPUTE_BINARY, DEFAULT_ZONE, isUp } from '../hosts/store.js';
import { ServerGroupStore, type ServerGroup } from '../groups/store.js';
import { schedule, diskOf, type HostCandidate } from '../scheduler.js';
import { PORTS_ALLOCATE, PORTS_SETTLED } from '../ports.js';
import { nextId } from '../sequence.js';
import type { Caller } from './service.js';
import type { ImageMeta, RequestedNetwork, ServerRecord } from './store.js';
import { customProperties, type ImageRecord } from '../../image/client.js';
import { NESTED_ENGINE_PROPERTY } from '../agent-protocol.js';

export interface CreatePlan {
  name: string;
  description: string | null;
  imageId: string;
  imageMeta: ImageMeta;
  flavor: FlavorSnapshot;
  keyName: string | null;
  keyData: string | null;
  userData: string | null;
  configDrive: boolean;
  availabilityZone: string | null;
  /**
   * A host the admin asked for: by `availability_zone` "zone:host" (forced: past the scheduler's
   * filters, as Nova's forced_host) or by `host` (2.74: the filters still apply).
   */
  requestedHost: { host: string; forced: boolean } | null;
  metadata: Record<string, string>;
  tags: string[];
  securityGroups: Array<{ name: string }>;
  /** As requested, `auto` until parseCreate resolves it to the project's network. */
  networks: 'auto' | 'none' | RequestedNetwork[];
  accessIpv4: string | null;
  accessIpv6: string | null;
  minCount: number;
  maxCount: number;
  group: ServerGroup | null;
  adminPass: string;
  returnReservationId: boolean;
  /** The networks are Neutron's: ports are allocated after placement (ports.ts). */
}

/** Nova's generate_password: 12 characters without look-alikes. */
export function generatePassword(length = 12): string {
  const symbols = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => symbols[b % symbols.length]).join('');
}

/** Nova's sanitize_hostname. */
export function sanitizeHostname(name: string): string {
  let h = Array.from(name).filter((c) => c.charCodeAt(0) <= 0xff).join('').slice(0, 63);
  h = h.replace(/[ _.]/g, '-').replace(/[^\w.-]+/g, '').toLowerCase().replace(/^[.-]+|[.-]+$/g, '');
  return h;
}

const CREATE_FIELDS = ['name', 'imageRef', 'flavorRef', 'adminPass', 'metadata', 'networks', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6',
  'personality', 'availability_zone', 'block_device_mapping', 'block_device_mapping_v2', 'config_drive', 'key_name', 'min_count', 'max_count',
  'return_reservation_id', 'security_groups', 'user_data'];

/** The fields of `server` a microversion accepts. */
function allowedFields(request: FastifyRequest): string[] {
  const mv = request.microversion;
  const out = [...CREATE_FIELDS];
  if (mv.atLeast('2.19')) out.push('description');
  if (mv.atLeast('2.52')) out.push('tags');
  if (mv.atLeast('2.57')) out.splice(out.indexOf('personality'), 1);
  if (mv.atLeast('2.63')) out.push('trusted_image_certificates');
  if (mv.atLeast('2.74')) out.push('host', 'hypervisor_hostname');
  return out;
}

function parseNetworks(request: FastifyRequest, raw: v.Json | undefined): CreatePlan['networks'] {
  const mv = request.microversion;
  if (raw === undefined) {
    if (mv.atLeast('2.37')) throw v.invalid('server', {}, "'networks' is a required property");
    return 'auto';
  }
  if (typeof raw === 'string') {
    if (mv.atLeast('2.37') && (raw === 'auto' || raw === 'none')) return raw;
    throw v.invalid('networks', raw, `'${raw}' is not valid under any of the given schemas`);
  }
  if (!Array.isArray(raw)) throw v.invalid('networks', raw, `${JSON.stringify(raw)} is not of type 'array'`);
  const out: RequestedNetwork[] = [];
  for (const item of raw) {
    if (!v.isObject(item)) throw v.invalid('networks', item, `${JSON.stringify(item)} is not of type 'object'`);
    const allowed = ['fixed_ip', 'port', 'uuid', ...(mv.atLeast('2.32') ? ['tag'] : [])];
    v.onlyKeys(item, allowed, 'networks');
    if (item.port !== undefined && item.port !== null) {
      out.push({ port: v.uuid(item.port, 'port').toLowerCase() });
      continue;
    }
    if (item.uuid === undefined) throw new BadRequest('Bad network format: missing uuid');
    if (typeof item.uuid !== 'string' || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(item.uuid)) {
      if (mv.atLeast('2.37')) throw v.invalid('networks/uuid', item.uuid, `'${String(item.uuid)}' is not a 'uuid'`);
      throw new BadRequest(`Bad networks format: network uuid is not in proper format (${String(item.uuid)})`);
    }
    let fixedIp: string | undefined;
    if (item.fixed_ip !== undefined) {
      fixedIp = v.str(item.fixed_ip, 'fixed_ip', 0, 64);
      if (!v.isIpv4(fixedIp) && !fixedIp.includes(':')) throw v.invalid('fixed_ip', fixedIp, `'${fixedIp}' is not valid under any of the given schemas`);
    }
    out.push({ uuid: item.uuid.toLowerCase(), ...(fixedIp !== undefined ? { fixedIp } : {}) });
  }
  return out.length === 0 ? 'none' : out;
}

/** Parses and checks the body of POST /servers (everything that needs no other service). */
/**
 * Whether servers of this image run their own Docker engine: only a public image can say so, since only
 * an admin can publish one ('community' and shared images are any project's own).
 */
export function wantsNestedEngine(image: ImageRecord): boolean {
  return image.visibility === 'public' && customProperties(image)[NESTED_ENGINE_PROPERTY] === 'true';
}

/** What a server inherits from its image, given the flavor it boots with (Nova's get_system_metadata_from_image). */
export function imageMetaOf(image: ImageRecord, flavorRootGb: number): ImageMeta {
  return {
    minRam: image.min_ram ?? 0,
    minDisk: Math.max(image.min_disk ?? 0, flavorRootGb),
    containerFormat: image.container_format,
    diskFormat: image.disk_format,
    properties: customProperties(image),
    ...(wantsNestedEngine(image) ? { nestedEngine: true } : {}),
  };
}

export async function parseCreate(ctx: ComputeContext, request: FastifyRequest): Promise<Omit<CreatePlan, 'flavor' | 'keyData' | 'group' | 'imageMeta'> & { flavorRef: string; groupId: string | null }> {
  const body = request.body;
  if (!v.isObject(body)) throw new BadRequest("Invalid input for field/attribute server. 'server' is a required property");
  v.onlyKeys(body, ['server', 'os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints'], 'body');
  const server = v.requireObject(body, 'server');
  v.onlyKeys(server, allowedFields(request), 'server');
  v.required(server, ['name', 'flavorRef'], 'server');
  const name = v.name(server.name, 'name').trim();
  let imageId = '';
  if (server.imageRef !== undefined && server.imageRef !== '') {
    if (typeof server.imageRef !== 'string') throw v.invalid('imageRef', server.imageRef, `${JSON.stringify(server.imageRef)} is not of type 'string'`);
    // Nova accepts an href too (http://…/images/<id>) and takes its last path segment.
    const id = server.imageRef.split('?')[0]!.split('/').pop()!;
    if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(id)) throw v.invalid('imageRef', server.imageRef, `'${server.imageRef}' is not valid under any of the given schemas`);
    imageId = id.toLowerCase();
  }
  if (server.block_device_mapping !== undefined || server.block_device_mapping_v2 !== undefined) {
    const bdm = (server.block_device_mapping_v2 ?? server.block_device_mapping) as v.Json;
    if (Array.isArray(bdm) && bdm.length > 0) throw new BadRequest('Block device mappings are not supported: Flotilla has no volume service.');
  }
  if (!imageId) throw new BadRequest('Missing imageRef attribute');
  const flavorRaw = server.flavorRef;
  if (!((typeof flavorRaw === 'string' && flavorRaw.length > 0) || typeof flavorRaw === 'number')) throw v.invalid('flavorRef', flavorRaw, `${JSON.stringify(flavorRaw)} is not valid`);
  const flavorRef = String(flavorRaw).split('?')[0]!.split('/').pop()!;
  const minCount = server.min_count === undefined ? 1 : v.intLike(server.min_count, 'min_count', 1);
  const maxCount = server.max_count === undefined ? minCount : v.intLike(server.max_count, 'max_count', 1);
  if (minCount > maxCount) throw new BadRequest('min_count must be <= max_count');
  const metadata = server.metadata === undefined ? {} : v.metadata(server.metadata, 'metadata');
  let userData: string | null = null;
  if (server.user_data !== undefined && server.user_data !== null) userData = v.base64(server.user_data, 'user_data');
  const keyName = server.key_name === undefined ? null : v.name(server.key_name, 'key_name');
  let availabilityZone = server.availability_zone === undefined ? null : v.name(server.availability_zone, 'availability_zone');
  let requestedHost: { host: string; forced: boolean } | null = null;
  if (availabilityZone !== null && availabilityZone.includes(':')) {
    // Nova's "zone:host[:node]": an admin's way to put a server on one host.
    enforce(ctx, request, 'os_compute_api:servers:create:forced_host', { project_id: projectIdOf(authOf(request)), user_id: authOf(request).user.id });
    const [zone, host] = availabilityZone.split(':');
    availabilityZone = zone || null;
    if (host) requestedHost = { host, forced: true };
  }
  let securityGroups = [{ name: 'default' }];
  if (server.security_groups !== undefined) {
    if (!Array.isArray(server.security_groups)) throw v.invalid('security_groups', server.security_groups, "is not of type 'array'");
    const names = new Set<string>();
    for (const sg of server.security_groups) {
      if (!v.isObject(sg)) throw v.invalid('security_groups', sg, "is not of type 'object'");
      v.onlyKeys(sg, ['name'], 'security_groups');
      if (sg.name !== undefined) names.add(v.name(sg.name, 'name'));
    }
    securityGroups = [...names].map((n) => ({ name: n }));
  }
  const tags = server.tags === undefined ? [] : (() => {
    if (!Array.isArray(server.tags)) throw v.invalid('tags', server.tags, "is not of type 'array'");
    if (server.tags.length > 50) throw v.invalid('tags', server.tags, 'is too long');
    return server.tags.map((t) => v.tag(t, 'tags'));
  })();
  const hints = (body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints']) as v.Json | undefined;
  let groupId: string | null = null;
  if (hints !== undefined) {
    if (!v.isObject(hints)) throw v.invalid('os:scheduler_hints', hints, "is not of type 'object'");
    const g = hints.group;
    if (g !== undefined) {
      const one = Array.isArray(g) ? g[0] : g;
      if (Array.isArray(g) && g.length > 1) throw v.invalid('group', g, 'only one group may be given');
      groupId = v.uuid(one, 'group').toLowerCase();
    }
  }
  if (server.host !== undefined || server.hypervisor_hostname !== undefined) {
    enforce(ctx, request, 'compute:servers:create:requested_destination', { project_id: projectIdOf(authOf(request)), user_id: authOf(request).user.id });
    // Each host has one hypervisor of the same name, so either names the host.
    const host = server.host !== undefined ? v.name(server.host, 'host') : v.name(server.hypervisor_hostname, 'hypervisor_hostname');
    if (server.host !== undefined && server.hypervisor_hostname !== undefined && server.host !== server.hypervisor_hostname) {
      throw new BadRequest(`Compute host ${host} with hypervisor ${String(server.hypervisor_hostname)} could not be found.`);
    }
    requestedHost = { host, forced: false };
  }
  return {
    name,
    description: request.microversion.atLeast('2.19') ? (server.description === undefined ? null : v.description(server.description, 'description')) : name,
    imageId, flavorRef, keyName, userData,
    configDrive: server.config_drive === undefined ? false : v.boolLike(server.config_drive, 'config_drive'),
    availabilityZone, requestedHost, metadata, tags, securityGroups,
    networks: parseNetworks(request, server.networks),
    accessIpv4: server.accessIPv4 === undefined ? null : v.ipv4(server.accessIPv4, 'accessIPv4'),
    accessIpv6: server.accessIPv6 === undefined ? null : v.ipv6(server.accessIPv6, 'accessIPv6'),
    minCount, maxCount, groupId,
    adminPass: server.adminPass === undefined ? generatePassword() : v.str(server.adminPass, 'adminPass', 0, 1 << 16),
    returnReservationId: server.return_reservation_id === undefined ? false : v.boolLike(server.return_reservation_id, 'return_reservation_id'),
  };
}

/** Resolves the references of a parsed create (flavor, image, key pair, networks, zone, group). */
export async function resolveCreate(ctx: ComputeContext, request: FastifyRequest, parsed: Awaited<ReturnType<typeof parseCreate>>): Promise<CreatePlan> {
  const auth = authOf(request);
  const projectId = projectIdOf(auth);
  const target = { project_id: projectId, user_id: auth.user.id, availability_zone: parsed.availabilityZone };
  enforce(ctx, request, 'os_compute_api:servers:create', target);
  if (parsed.networks !== 'none') enforce(ctx, request, 'os_compute_api:servers:create:attach_network', target);
  let flavor;
  try {
    flavor = await ctx.flavors.visible(parsed.flavorRef, { admin: isAdmin(ctx, request), projectId });
  } catch (err) {
    if (err instanceof NotFound) throw new BadRequest(`Flavor ${parsed.flavorRef} could not be found.`);
    throw err;
  }
  if (flavor.rootGb === 0 && !can(ctx, request, 'os_compute_api:servers:create:zero_disk_flavor', target)) {
    throw new Forbidden('Only volume-backed servers are allowed for flavors with zero disk.');
  }
  let image;
  try {
    image = await ctx.images.get(auth.token, parsed.imageId);
  } catch (err) {
    if (err instanceof NotFound) throw new BadRequest('Can not find requested image');
    throw err;
  }
  if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
  if (flavor.memoryMb < (image.min_ram ?? 0)) throw new BadRequest("Flavor's memory is too small for requested image.");
  if (flavor.rootGb > 0) {
    const flavorBytes = flavor.rootGb * 1024 ** 3;
    if ((image.size ?? 0) > flavorBytes) throw new BadRequest(`Flavor's disk is too small for requested image. Flavor disk is ${flavorBytes} bytes, image is ${image.size} bytes.`);
    if ((image.min_disk ?? 0) * 1024 ** 3 > flavorBytes) {
      throw new BadRequest(`Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${flavorBytes} bytes, minimum size is ${(image.min_disk ?? 0) * 1024 ** 3} bytes.`);
    }
  }
  let keyData: string | null = null;
  if (parsed.keyName !== null) {
    try {
      keyData = (await ctx.keypairs.get(auth.user.id, parsed.keyName)).publicKey;
    } catch (err) {
      if (err instanceof NotFound) throw new BadRequest('Invalid key_name provided.');
      throw err;
    }
  }
  // Every network is Neutron's: `auto` becomes the project's one network (made on first use), then every
  // request is checked as the caller (ports.ts); the ports are allocated once the server is placed.
  const networks = parsed.networks === 'auto' ? await ctx.ports.resolveAuto(auth.token, projectId) : parsed.networks;
  await ctx.ports.validate(auth.token, networks === 'none' ? [] : networks, parsed.maxCount, parsed.securityGroups.map((g) => g.name));
  if (parsed.requestedHost !== null) {
    const known = (await ctx.hosts.services({ binary: COMPUTE_BINARY })).some((s) => s.host === parsed.requestedHost!.host);
    if (!known) throw new BadRequest(`Compute host ${parsed.requestedHost.host} could not be found.`);
  }
  if (parsed.availabilityZone !== null) {
    const zones = new Set((await ctx.hosts.services({ binary: COMPUTE_BINARY })).filter((s) => !s.disabled).map((s) => s.zone));
    zones.add(DEFAULT_ZONE);
    if (!zones.has(parsed.availabilityZone)) throw new BadRequest('The requested availability zone is not available');
  }
  let group: ServerGroup | null = null;
  if (parsed.groupId !== null) {
    try {
      group = await ctx.groups.get(parsed.groupId);
    } catch (err) {
      if (err instanceof NotFound) throw new BadRequest(`Instance group ${parsed.groupId} could not be found.`);
      throw err;
    }
    if (group.projectId !== projectId && !isAdmin(ctx, request)) throw new BadRequest(`Instance group ${parsed.groupId} could not be found.`);
  }
  await ctx.quotas.checkMetadata(projectId, Object.keys(parsed.metadata).length);
  const { flavorRef: _f, groupId: _g, ...rest } = parsed;
  return { ...rest, networks, flavor: snapshotOf(flavor), keyData, group, imageMeta: imageMetaOf(image, flavor.rootGb) };
}

/** The scheduler's view of every host, with what is placed on each. */
async function candidates(ctx: ComputeContext, tx: Kysely<ComputeTables>): Promise<HostCandidate[]> {
  const hosts = await ctx.hosts.hosts(tx);
  const now = Date.now();
  const out: HostCandidate[] = [];
  for (const h of hosts) {
    const used = { vcpus: 0, memoryMb: 0, diskGb: 0, servers: 0 };
    const rows = await tx.selectFrom('server').select(['flavor', 'old_flavor', 'resize_phase']).where('host', '=', h.host).where('deleted', '=', 0).execute();
    for (const r of rows) {
      const f = JSON.parse(r.flavor) as FlavorSnapshot;
      const old = r.old_flavor && r.resize_phase ? (JSON.parse(r.old_flavor) as FlavorSnapshot) : null;
      // An unconfirmed resize holds the larger of both flavors, so a revert always fits.
      used.vcpus += Math.max(f.vcpus, old?.vcpus ?? 0);
      used.memoryMb += Math.max(f.ramMb, old?.ramMb ?? 0);
      used.diskGb += Math.max(diskOf(f), old ? diskOf(old) : 0);
      used.servers += 1;
    }
    out.push({ host: h.host, zone: h.zone, enabled: !h.service.disabled, up: isUp(h.service, now), vcpus: h.vcpus, memoryMb: h.memoryMb, diskGb: h.diskGb, used });
  }
  return out;
}

/** Places and stores the servers of a create; returns them in launch order. */
export async function createServers(ctx: ComputeContext, caller: Caller, plan: CreatePlan): Promise<{ servers: ServerRecord[]; reservationId: string }> {
  const reservationId = `r-${randomBytes(4).toString('hex').slice(0, 8)}`;
  const created = await ctx.serverService.placement.run(() => inTransaction(ctx.db, async (tx) => {
    const count = await ctx.quotas.checkInstances(tx, caller.projectId, caller.userId, plan.flavor, plan.minCount, plan.maxCount);
    let memberHosts: string[] = [];
    if (plan.group) {
      await ctx.quotas.checkGroupMembers(tx, plan.group.projectId, caller.userId, plan.group.id, count);
      memberHosts = await ServerGroupStore.memberHosts(tx, plan.group.id);
    }
    const placement = schedule(await candidates(ctx, tx), {
      flavor: plan.flavor, count, zone: plan.availabilityZone, host: plan.requestedHost,
      ...(plan.group ? { group: { policy: plan.group.policy, maxPerHost: plan.group.rules.max_server_per_host ?? 1, memberHosts } } : {}),
    });
    const now = new Date().toISOString();
    const ids: string[] = [];
    const hosts = new Set<string>();
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      ids.push(id);
      const host = placement.ok ? placement.hosts[i]! : null;
      const fault: ServerFault | null = placement.ok ? null : { code: 500, message: placement.reason, created: now };
      const displayName = count > 1 ? `${plan.name}-${i + 1}` : plan.name;
      const base = sanitizeHostname(plan.name);
      const hostname = base === '' ? `Server-${id}` : count > 1 ? `${base}-${i + 1}` : base;
      await tx.insertInto('server').values({
        id, internal_id: await nextId(tx, 'server'), project_id: caller.projectId, user_id: caller.userId, name: displayName,
        description: plan.description, hostname, image_id: plan.imageId, flavor: JSON.stringify(plan.flavor), old_flavor: null, resize_phase: null,
        key_name: plan.keyName, key_data: plan.keyData, user_data: plan.userData, config_drive: plan.configDrive ? 1 : 0,
        availability_zone: plan.availabilityZone, host, reservation_id: reservationId, launch_index: i,
        security_groups: JSON.stringify(plan.securityGroups), requested_networks: JSON.stringify(plan.networks), ports_pending: host && Array.isArray(plan.networks) ? PORTS_ALLOCATE : PORTS_SETTLED, image_meta: JSON.stringify(plan.imageMeta),
        access_ipv4: plan.accessIpv4, access_ipv6: plan.accessIpv6, locked_by: null, locked_reason: null,
        created_at: now, updated_at: now, launched_at: null, terminated_at: null, deleted_at: null, deleted: 0,
        power: 'running', generation: 1, reboot_count: 0, rebuild_count: 0, task: null, task_generation: 1,
        snapshot_image_id: null, snapshot_requested_at: null, fault: fault ? JSON.stringify(fault) : null,
        obs_state: null, obs_generation: -1, obs_fault: null, obs_started_at: null, obs_reboot_count: 0, obs_rebuild_count: 0,
        obs_snapshot_done: null, observed_at: null,
      }).execute();
      if (Object.keys(plan.metadata).length > 0) await ctx.servers.setMetadata(tx, id, plan.metadata, true);
      if (plan.tags.length > 0) await ctx.servers.setTags(tx, id, plan.tags);
      if (plan.group) await ServerGroupStore.addMember(tx, plan.group.id, id);
      await ctx.actions.start(tx, { serverId: id, action: 'create', requestId: caller.requestId, userId: caller.userId, projectId: caller.projectId, generation: 1, host });
      if (fault) await ctx.actions.failOpen(tx, id, { message: fault.message, ...(fault.details ? { details: fault.details } : {}) });
      if (host) {
        hosts.add(host);
        await HostStore.bump(tx, host);
      }
    }
    return { ids, hosts: [...hosts] };
  }));
  ctx.notifier.changed(...created.hosts);
  ctx.log.debug({ servers: created.ids, hosts: created.hosts }, 'servers stored');
  if (Array.isArray(plan.networks)) for (const id of created.ids) ctx.ports.kick(id);
  const servers: ServerRecord[] = [];
  for (const id of created.ids) servers.push(await ctx.servers.get(id));
  return { servers, reservationId };
}
