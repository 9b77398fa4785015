/**
 * GET /servers and /servers/detail: Nova's filters (exact, regex, status, tags, changes-since, admin-only
 * ones), sorting and marker paging. Live servers are few per project, so the SQL narrows by project,
 * deletion and time, and the rest is applied to the loaded records with the derived state.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequest, Forbidden } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { can, enforce, isAdmin, lenientBool, limitAndMarker, projectIdOf, queryAll, strictBool, type ComputeContext } from '../context.js';
import { statesForStatus } from '../model.js';
import type { ServerRecord } from './store.js';
import type { DerivedState } from './status.js';

const USER_FILTERS = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants'];
const PAGING = ['sort_key', 'sort_dir', 'limit', 'marker'];
const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];
const JOINED = ['block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices'];

/** Parameters Nova's 2.75 query schema knows (others are a 400 from 2.75 on). */
const KNOWN_PARAMS = new Set([
  'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id', 'ramdisk_id', 'hostname', 'key_name',
  'power_state', 'vm_state', 'task_state', 'host', 'node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at',
  'availability_zone', 'name', 'display_name', 'description', 'display_description', 'locked_by', 'uuid', 'root_device_name',
  'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'sort_key', 'sort_dir', 'all_tenants',
  'soft_deleted', 'deleted', 'status', 'changes-since', 'ip', 'ip6', 'created_at', 'limit', 'marker', ...JOINED, ...TAG_FILTERS,
  'changes-before', 'locked',
]);

const SORT_KEYS = ['access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at',
  'display_description', 'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id', 'key_name', 'launch_index',
  'launched_at', 'locked_by', 'node', 'power_state', 'progress', 'project_id', 'ramdisk_id', 'root_device_name', 'task_state',
  'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state', 'locked'];
const IGNORED_SORT_KEYS = ['architecture', 'cell_name', 'cleaned', 'default_ephemeral_device', 'default_swap_device', 'deleted',
  'deleted_at', 'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on', 'memory_mb', 'os_type',
  'reservation_id', 'root_gb', 'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode'];

/** A Python-style regex search, as Nova's REGEXP filters do; an invalid pattern is a 400. */
function regexFilter(field: string, pattern: string): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'));
  } catch {
    throw new BadRequest(`Invalid input for query parameters ${field}. Value: ${pattern}. '${pattern}' is not a 'regex'`);
  }
}

/** An ISO 8601 time as oslo's parse_isotime reads it; naive times are UTC. */
export function parseIsoTime(field: string, raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(raw.trim());
  const t = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ? (m[3].toUpperCase() === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z'}`) : NaN;
  if (Number.isNaN(t)) throw new BadRequest(`Invalid input for query parameters ${field}. Value: ${raw}. '${raw}' is not a 'date-time'`);
  return new Date(t).toISOString();
}

export interface ListResult {
  servers: Array<{ server: ServerRecord; state: DerivedState }>;
  limit: number;
}

function sortValue(s: ServerRecord, d: DerivedState, key: string): string | number {
  switch (key) {
    case 'display_name': return s.name;
    case 'display_description': return s.description ?? '';
    case 'created_at': return s.createdAt;
    case 'updated_at': return s.updatedAt;
    case 'launched_at': return s.launchedAt ?? '';
    case 'terminated_at': return s.terminatedAt ?? '';
    case 'uuid': return s.id;
    case 'host': case 'node': return s.host ?? '';
    case 'hostname': return s.hostname;
    case 'image_ref': return s.imageId;
    case 'instance_type_id': return s.flavor.id;
    case 'key_name': return s.keyName ?? '';
    case 'launch_index': return s.launchIndex;
    case 'project_id': return s.projectId;
    case 'user_id': return s.userId;
    case 'availability_zone': return s.availabilityZone ?? '';
    case 'vm_state': return d.vmState;
    case 'task_state': return d.taskState ?? '';
    case 'power_state': return d.powerState;
    case 'locked': case 'locked_by': return s.lockedBy ?? '';
    case 'access_ip_v4': return s.accessIpv4 ?? '';
    case 'access_ip_v6': return s.accessIpv6 ?? '';
    case 'config_drive': return s.configDrive ? 1 : 0;
    default: return s.internalId;
  }
}

/** Runs a server list request; returns the page with each server's derived state. */
export async function listServers(ctx: ComputeContext, request: FastifyRequest, detail: boolean, derive: (s: ServerRecord) => DerivedState): Promise<ListResult> {
  const mv = request.microversion;
  const auth = authOf(request);
  enforce(ctx, request, detail ? 'os_compute_api:servers:detail' : 'os_compute_api:servers:index');
  const raw = queryAll(request);
  if (mv.atLeast('2.75')) {
    for (const k of raw.keys()) {
      if (!KNOWN_PARAMS.has(k) && !k.startsWith('_')) throw new BadRequest(`Invalid input for query parameters ${k}. Additional properties are not allowed ('${k}' was unexpected)`);
    }
  }
  const admin = isAdmin(ctx, request);
  const allFilters = can(ctx, request, 'os_compute_api:servers:allow_all_filters');
  const allowed = new Set([...USER_FILTERS, ...(mv.atLeast('2.5') ? ['ip6'] : []), ...(mv.atLeast('2.26') ? TAG_FILTERS : []),
    ...(mv.atLeast('2.66') ? ['changes-before'] : []), ...(mv.atLeast('2.73') ? ['locked'] : [])]);
  const opts = new Map<string, string[]>();
  for (const [k, vals] of raw) {
    if (PAGING.includes(k)) continue;
    if (allFilters || allowed.has(k)) opts.set(k, vals);
  }
  for (const k of opts.keys()) if (JOINED.includes(k) || k.startsWith('_')) throw new BadRequest(`Invalid filter field: ${k}.`);
  const first = (k: string): string | undefined => opts.get(k)?.[0];

  // status → vm/task states
  let statusFilter: ReturnType<typeof statesForStatus> | undefined;
  if (raw.has('status')) {
    statusFilter = statesForStatus(raw.get('status')!);
    if (statusFilter.vmStates.size === 0) {
      if (mv.atLeast('2.38')) throw new BadRequest('Invalid status value');
      return { servers: [], limit: limitAndMarker(request).limit };
    }
  }
  const changesSince = first('changes-since') !== undefined ? parseIsoTime('changes-since', first('changes-since')!) : undefined;
  const changesBefore = first('changes-before') !== undefined ? parseIsoTime('changes-before', first('changes-before')!) : undefined;
  if (changesSince && changesBefore && changesBefore < changesSince) throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
  let deleted: boolean | undefined = false;
  if (opts.has('deleted')) deleted = lenientBool(first('deleted'));
  else if (changesSince !== undefined || changesBefore !== undefined) deleted = undefined;
  if (statusFilter && statusFilter.vmStates.size === 1 && statusFilter.vmStates.has('deleted')) {
    if (!admin) throw new Forbidden('Only administrators may list deleted instances');
    deleted = true;
  }
  let allTenants = false;
  if (opts.has('all_tenants')) {
    const v = first('all_tenants')!;
    allTenants = v === '' ? true : strictBool(v, 'all_tenants');
  }
  let projectId: string | undefined = projectIdOf(auth);
  let userId: string | undefined;
  if (allTenants) {
    enforce(ctx, request, detail ? 'os_compute_api:servers:detail:get_all_tenants' : 'os_compute_api:servers:index:get_all_tenants');
    projectId = first('project_id') ?? first('tenant_id');
  } else if (projectId === '') {
    projectId = undefined;
    userId = auth.user.id;
  }
  if (opts.has('user_id')) userId = first('user_id');
  const locked = opts.has('locked') ? strictBool(first('locked')!, 'locked') : undefined;

  // sorting
  const sortKeys = (raw.get('sort_key') ?? []).map((k) => k.trim());
  const sortDirs = (raw.get('sort_dir') ?? []).map((d) => d.trim());
  const ignored = mv.atLeast('2.73') ? IGNORED_SORT_KEYS : [...IGNORED_SORT_KEYS, 'locked'];
  const keys: string[] = [];
  const dirs: string[] = [];
  sortKeys.forEach((k, i) => {
    if (!SORT_KEYS.includes(k) && !ignored.includes(k)) throw new BadRequest(`Invalid input for query parameters sort_key. Value: ${k}. '${k}' is not one of the valid sort keys`);
    if (ignored.includes(k)) return;
    if ((k === 'host' || k === 'node') && !admin) throw new Forbidden(`Only administrators can sort servers by ${k}`);
    keys.push(k);
    dirs.push(sortDirs[i] ?? sortDirs[0] ?? 'desc');
  });
  if (keys.length === 0) { keys.push('created_at'); dirs.push(sortDirs[0] ?? 'desc'); }
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Unknown sort direction, must be 'desc' or 'asc'`);

  const records = await ctx.servers.query({
    ...(projectId !== undefined ? { projectId } : {}),
    ...(userId !== undefined ? { userId } : {}),
    ...(deleted !== undefined ? { deleted } : {}),
    ...(admin && first('host') !== undefined ? { host: first('host')! } : {}),
    ...(changesSince !== undefined ? { changesSince } : {}),
    ...(changesBefore !== undefined ? { changesBefore } : {}),
  });

  const regex = (k: string): RegExp | undefined => (first(k) !== undefined ? regexFilter(k, first(k)!) : undefined);
  const nameRe = regex('name') ?? regex('display_name');
  const reservationRe = regex('reservation_id');
  const ipRe = regex('ip');
  const hostnameRe = regex('hostname');
  const keyNameRe = regex('key_name');
  const azRe = regex('availability_zone');
  const descRe = regex('description') ?? regex('display_description');
  const nodeRe = regex('node');
  const image = first('image') ?? first('image_ref');
  const imageId = image?.split('/').pop();
  const flavorRef = first('flavor')?.split('/').pop();
  const tagList = (k: string): string[] | undefined => (first(k) !== undefined ? first(k)!.split(',').filter(Boolean) : undefined);
  const tags = mv.atLeast('2.26') ? tagList('tags') : undefined;
  const tagsAny = mv.atLeast('2.26') ? tagList('tags-any') : undefined;
  const notTags = mv.atLeast('2.26') ? tagList('not-tags') : undefined;
  const notTagsAny = mv.atLeast('2.26') ? tagList('not-tags-any') : undefined;
  const uuids = opts.get('uuid');
  const vmStates = opts.get('vm_state');
  const taskStates = opts.get('task_state');
  const powerState = first('power_state');

  let rows = records.map((server) => ({ server, state: derive(server) })).filter(({ server: s, state: d }) => {
    if (nameRe && !nameRe.test(s.name)) return false;
    if (reservationRe && !reservationRe.test(s.reservationId)) return false;
    if (ipRe && !s.neutronPorts.some((p) => ipRe.test(p.ip))) return false;
    if (hostnameRe && !hostnameRe.test(s.hostname)) return false;
    if (keyNameRe && !keyNameRe.test(s.keyName ?? '')) return false;
    if (azRe && !azRe.test(s.availabilityZone ?? '')) return false;
    if (descRe && !descRe.test(s.description ?? '')) return false;
    if (nodeRe && !nodeRe.test(s.host ?? '')) return false;
    if (imageId !== undefined && s.imageId !== imageId) return false;
    if (flavorRef !== undefined && s.flavor.id !== flavorRef) return false;
    if (uuids && !uuids.includes(s.id)) return false;
    if (vmStates && !vmStates.includes(d.vmState)) return false;
    if (taskStates && !taskStates.includes(d.taskState ?? '')) return false;
    if (powerState !== undefined && String(d.powerState) !== powerState) return false;
    if (locked !== undefined && (s.lockedBy !== null) !== locked) return false;
    if (tags && !tags.every((t) => s.tags.includes(t))) return false;
    if (tagsAny && !tagsAny.some((t) => s.tags.includes(t))) return false;
    if (notTags && notTags.length > 0 && notTags.every((t) => s.tags.includes(t))) return false;
    if (notTagsAny && notTagsAny.some((t) => s.tags.includes(t))) return false;
    if (statusFilter) {
      if (!statusFilter.vmStates.has(d.vmState)) return false;
      if (!statusFilter.taskStates.has('default') && !statusFilter.taskStates.has(d.taskState as never)) return false;
    }
    return true;
  });

  rows.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = sortValue(a.server, a.state, keys[i]!);
      const y = sortValue(b.server, b.state, keys[i]!);
      const dir = dirs[i] === 'asc' ? 1 : -1;
      if (x < y) return -dir;
      if (x > y) return dir;
    }
    return (b.server.internalId - a.server.internalId);
  });
  const { limit, marker } = limitAndMarker(request);
  if (marker !== undefined) {
    const at = rows.findIndex((r) => r.server.id === marker);
    if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
    rows = rows.slice(at + 1);
  }
  return { servers: rows.slice(0, limit), limit };
}
