/**
 * Nova's server representations (nova/api/openstack/compute/views/servers.py) at the request's
 * microversion: the basic and detailed views, and the reduced one PUT and rebuild answer with before 2.75.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { can, links, type ComputeContext } from '../context.js';
import { isoMicros, isoSeconds } from '../model.js';
import type { DerivedState } from './status.js';
import type { ServerRecord } from './store.js';
import type { Service } from '../hosts/store.js';
import { isUp } from '../hosts/store.js';

/** Which parts of the detailed view to include (Nova's show() flags). */
export interface ShowOptions {
  extendAddress: boolean;
  showAZ: boolean;
  showConfigDrive: boolean;
  showKeypair: boolean;
  showSrvUsg: boolean;
  showSecGroups: boolean;
  showExtendedStatus: boolean;
  showExtendedVolumes: boolean;
  /** undefined: decided by policy. */
  showExtendedAttr: boolean | undefined;
  showHostStatus: boolean | undefined;
  showServerGroups: boolean;
  showUserData: boolean;
}

export const FULL_VIEW: ShowOptions = {
  extendAddress: true, showAZ: true, showConfigDrive: true, showKeypair: true, showSrvUsg: true, showSecGroups: true,
  showExtendedStatus: true, showExtendedVolumes: true, showExtendedAttr: undefined, showHostStatus: undefined,
  showServerGroups: false, showUserData: true,
};

/** The view PUT and rebuild answer with: everything from 2.75, a reduced set before. */
export function updateView(request: FastifyRequest, showKeypair: boolean, showUserData: boolean): ShowOptions {
  const all = request.microversion.atLeast('2.75');
  return {
    extendAddress: all, showAZ: all, showConfigDrive: all, showKeypair: all || showKeypair, showSrvUsg: all, showSecGroups: all,
    showExtendedStatus: all, showExtendedVolumes: all, showExtendedAttr: all ? undefined : false, showHostStatus: all ? undefined : false,
    showServerGroups: request.microversion.atLeast('2.71'), showUserData,
  };
}

/** What rendering needs besides the record: derived state and the host's service. */
export interface RenderInputs {
  state: DerivedState;
  service: Service | undefined;
}

/** Nova's hostId: sha224 of project id + host; '' without a host. */
export function hostIdOf(s: ServerRecord): string {
  return s.host ? createHash('sha224').update(s.projectId + s.host).digest('hex') : '';
}

/** Nova's host_status (2.16+). */
export function hostStatusOf(s: ServerRecord, service: Service | undefined): string {
  if (!s.host) return '';
  if (!service) return 'UNKNOWN';
  if (service.forcedDown) return 'DOWN';
  if (isUp(service)) return service.disabled ? 'MAINTENANCE' : 'UP';
  return 'UNKNOWN';
}

export function addressesOf(s: ServerRecord, state: DerivedState, extend: boolean): Record<string, unknown[]> {
  // Nova hides addresses while the server builds.
  if (state.vmState === 'building') return {};
  // Nova's network info: one list per network name, in port order.
  const out: Record<string, unknown[]> = {};
  for (const p of s.neutronPorts) {
    (out[p.networkName] ??= []).push(extend
      ? { addr: p.ip, version: 4, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.mac }
      : { addr: p.ip, version: 4 });
  }
  return out;
}

export function basicView(base: string, s: ServerRecord): Record<string, unknown> {
  return { id: s.id, name: s.name, links: links(base, 'servers', s.id) };
}

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

/** Nova's detailed view of a server. */
export function showView(ctx: ComputeContext, request: FastifyRequest, base: string, s: ServerRecord, inputs: RenderInputs, opts: ShowOptions): Record<string, unknown> {
  const mv = request.microversion;
  const target = { project_id: s.projectId };
  const { state } = inputs;
  const out: Record<string, unknown> = {
    accessIPv4: s.accessIpv4 ?? '',
    accessIPv6: s.accessIpv6 ?? '',
    addresses: addressesOf(s, state, opts.extendAddress),
    created: isoSeconds(s.createdAt),
    flavor: mv.atLeast('2.47')
      ? {
        vcpus: s.flavor.vcpus, ram: s.flavor.ramMb, disk: s.flavor.diskGb, ephemeral: s.flavor.ephemeralGb, swap: s.flavor.swapMb,
        original_name: s.flavor.name,
        ...(can(ctx, request, 'os_compute_api:servers:show:flavor-extra-specs', target) ? { extra_specs: s.flavor.extraSpecs } : {}),
      }
      : { id: s.flavor.id, links: [{ rel: 'bookmark', href: `${base}/flavors/${s.flavor.id}` }] },
    hostId: hostIdOf(s),
    id: s.id,
    image: s.imageId ? { id: s.imageId, links: [{ rel: 'bookmark', href: `${base}/images/${s.imageId}` }] } : '',
    links: links(base, 'servers', s.id),
    metadata: s.metadata,
    name: s.name,
    status: state.status,
    tenant_id: s.projectId,
    user_id: s.userId,
    updated: isoSeconds(s.updatedAt),
    'OS-DCF:diskConfig': 'MANUAL',
  };
  if ((state.status === 'ERROR' || state.status === 'DELETED') && state.fault) {
    const f: Record<string, unknown> = { code: state.fault.code, created: isoSeconds(state.fault.created), message: state.fault.message };
    // Nova shows details to admins, and to everyone for faults that are not internal errors.
    if (state.fault.details && (can(ctx, request, 'context_is_admin') || state.fault.code !== 500)) f.details = state.fault.details;
    out.fault = f;
  }
  if (PROGRESS_STATUSES.has(state.status)) out.progress = 0;
  if (opts.showAZ) out['OS-EXT-AZ:availability_zone'] = s.host ? (inputs.service?.zone ?? s.availabilityZone ?? '') : (s.availabilityZone ?? '');
  if (opts.showConfigDrive) out.config_drive = s.configDrive ? 'True' : '';
  if (opts.showKeypair) out.key_name = s.keyName;
  if (opts.showSrvUsg) {
    out['OS-SRV-USG:launched_at'] = isoMicros(s.launchedAt);
    out['OS-SRV-USG:terminated_at'] = isoMicros(s.terminatedAt);
  }
  if (opts.showSecGroups && s.securityGroups.length > 0) out.security_groups = s.securityGroups;
  const extended = opts.showExtendedAttr ?? can(ctx, request, 'os_compute_api:os-extended-server-attributes', target);
  if (extended) {
    out['OS-EXT-SRV-ATTR:host'] = s.host;
    out['OS-EXT-SRV-ATTR:instance_name'] = `instance-${s.internalId.toString(16).padStart(8, '0')}`;
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.host;
    if (mv.atLeast('2.3')) {
      Object.assign(out, {
        'OS-EXT-SRV-ATTR:hostname': s.hostname,
        'OS-EXT-SRV-ATTR:kernel_id': '',
        'OS-EXT-SRV-ATTR:launch_index': s.launchIndex,
        'OS-EXT-SRV-ATTR:ramdisk_id': '',
        'OS-EXT-SRV-ATTR:reservation_id': s.reservationId,
        'OS-EXT-SRV-ATTR:root_device_name': null,
      });
      if (opts.showUserData) out['OS-EXT-SRV-ATTR:user_data'] = s.userData;
    }
  }
  if (opts.showExtendedStatus) {
    out['OS-EXT-STS:task_state'] = state.taskState;
    out['OS-EXT-STS:vm_state'] = state.vmState;
    out['OS-EXT-STS:power_state'] = state.powerState;
  }
  if (opts.showExtendedVolumes) out['os-extended-volumes:volumes_attached'] = [];
  if (mv.atLeast('2.9')) out.locked = s.lockedBy !== null;
  if (mv.atLeast('2.16')) {
    const showHost = opts.showHostStatus ?? (can(ctx, request, 'os_compute_api:servers:show:host_status', target)
      ? true : can(ctx, request, 'os_compute_api:servers:show:host_status:unknown-only', target) ? 'unknown-only' : false);
    if (showHost) {
      const hs = hostStatusOf(s, inputs.service);
      if (showHost === true || hs === 'UNKNOWN') out.host_status = hs;
    }
  }
  if (mv.atLeast('2.19')) out.description = s.description;
  if (mv.atLeast('2.26')) out.tags = s.tags;
  if (mv.atLeast('2.63')) out.trusted_image_certificates = null;
  if (opts.showServerGroups) out.server_groups = s.groupId ? [s.groupId] : [];
  if (mv.atLeast('2.73')) out.locked_reason = s.lockedReason;
  return out;
}
