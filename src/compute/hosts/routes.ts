/**
 * The host registry as Nova shows it: /os-services (list, enable/disable, forced down, delete),
 * /os-hypervisors (list, detail, show, statistics, search/servers before 2.53) and /os-availability-zone.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.js';
import { enforce, limitAndMarker, nextLinks, queryAll, requestBase, strictBool, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import { isoMicros } from '../model.js';
import { COMPUTE_BINARY, DEFAULT_ZONE, INTERNAL_ZONE, isUp, type ComputeHost, type Service } from './store.js';
import type { ServerRecord } from '../servers/store.js';
import { diskOf } from '../scheduler.js';

type IdParams = { id: string };

function renderService(request: FastifyRequest, s: Service): Record<string, unknown> {
  const out: Record<string, unknown> = {
    binary: s.binary,
    host: s.host,
    id: request.microversion.atLeast('2.53') ? s.uuid : s.id,
    zone: s.zone,
    status: s.disabled ? 'disabled' : 'enabled',
    state: isUp(s) ? 'up' : 'down',
    updated_at: isoMicros(s.lastSeenAt ?? s.updatedAt),
    disabled_reason: s.disabledReason,
  };
  if (request.microversion.atLeast('2.11')) out.forced_down = s.forcedDown;
  return out;
}

/** Nova's integer hypervisor version from the agent's `x.y.z`. */
function versionNumber(version: string): number {
  const [a = 0, b = 0, c = 0] = version.split(/[^\d]+/).filter(Boolean).map(Number);
  return a * 1_000_000 + b * 1000 + c;
}

interface HostUsage { vcpus: number; memoryMb: number; diskGb: number; running: number; servers: ServerRecord[]; }

async function usageByHost(ctx: ComputeContext): Promise<Map<string, HostUsage>> {
  const out = new Map<string, HostUsage>();
  for (const s of await ctx.servers.query({ deleted: false })) {
    if (!s.host) continue;
    const u = out.get(s.host) ?? { vcpus: 0, memoryMb: 0, diskGb: 0, running: 0, servers: [] };
    u.vcpus += s.flavor.vcpus;
    u.memoryMb += s.flavor.ramMb;
    u.diskGb += diskOf(s.flavor);
    u.running += 1;
    u.servers.push(s);
    out.set(s.host, u);
  }
  return out;
}

function renderHypervisor(request: FastifyRequest, h: ComputeHost, usage: HostUsage | undefined, detail: boolean, servers?: ServerRecord[] | 'empty'): Record<string, unknown> {
  const mv = request.microversion;
  const byUuid = mv.atLeast('2.53');
  const out: Record<string, unknown> = {
    id: byUuid ? h.hypervisorUuid : h.hypervisorId,
    hypervisor_hostname: h.host,
    state: isUp(h.service) ? 'up' : 'down',
    status: h.service.disabled ? 'disabled' : 'enabled',
  };
  if (detail) {
    const u = usage ?? { vcpus: 0, memoryMb: 0, diskGb: 0, running: 0, servers: [] };
    Object.assign(out, {
      // Containers share their host's stack, so the agents' hosts have no address of their own to show yet.
      hypervisor_type: 'docker', hypervisor_version: versionNumber(h.agentVersion), host_ip: '127.0.0.1',
      service: { id: byUuid ? h.service.uuid : h.service.id, host: h.host, disabled_reason: h.service.disabledReason },
      vcpus: h.vcpus, memory_mb: h.memoryMb, local_gb: h.diskGb, vcpus_used: u.vcpus, memory_mb_used: u.memoryMb, local_gb_used: u.diskGb,
      free_ram_mb: h.memoryMb - u.memoryMb, free_disk_gb: h.diskGb - u.diskGb, current_workload: 0, running_vms: u.running,
      disk_available_least: h.diskGb - u.diskGb,
      cpu_info: mv.atLeast('2.28') ? {} : '',
    });
  }
  if (servers === 'empty') out.servers = [];
  else if (servers && servers.length > 0) out.servers = servers.map((s) => ({ name: `instance-${s.internalId.toString(16).padStart(8, '0')}`, uuid: s.id }));
  return out;
}

function hostRegex(pattern: string): (host: string) => boolean {
  // Nova matches the pattern anywhere in the hostname (SQL LIKE %pattern%).
  return (host) => host.includes(pattern);
}

export function hostRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  // --- os-services ---

  app.get('/os-services', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-services:list', {});
    const q = queryAll(request);
    const services = await ctx.hosts.services({ ...(q.get('host')?.[0] ? { host: q.get('host')![0]! } : {}), ...(q.get('binary')?.[0] ? { binary: q.get('binary')![0]! } : {}) });
    return { services: services.map((s) => renderService(request, s)) };
  });

  app.put<{ Params: IdParams }>('/os-services/:id', async (request) => {
    const mv = request.microversion;
    enforce(ctx, request, 'os_compute_api:os-services:update', {});
    const body = v.isObject(request.body) ? request.body : {};
    if (mv.atLeast('2.53')) {
      if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(request.params.id)) throw new BadRequest(`Invalid uuid ${request.params.id}`);
      v.onlyKeys(body, ['status', 'disabled_reason', 'forced_down'], 'body');
      const s = await ctx.hosts.service(request.params.id, true);
      if (s.binary !== COMPUTE_BINARY) throw new BadRequest(`Updating a ${s.binary} service is not supported. Only nova-compute services can be updated.`);
      const change: Parameters<typeof ctx.hosts.updateService>[1] = {};
      if (body.status !== undefined) {
        if (body.status !== 'enabled' && body.status !== 'disabled') throw v.invalid('status', body.status, "is not one of ['enabled', 'disabled']");
        if (body.status === 'enabled') {
          if (body.disabled_reason) throw new BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
          change.disabled = false;
          change.disabledReason = null;
        } else {
          change.disabled = true;
          change.disabledReason = body.disabled_reason === undefined ? null : v.str(body.disabled_reason, 'disabled_reason', 1, 255);
        }
      }
      if (body.forced_down !== undefined) change.forcedDown = v.boolLike(body.forced_down, 'forced_down');
      if (Object.keys(change).length === 0) throw new BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
      return { service: renderService(request, await ctx.hosts.updateService(s.id, change)) };
    }
    // Before 2.53 the path names the action and the body the service.
    const action = request.params.id;
    const actions = ['enable', 'disable', 'disable-log-reason', ...(mv.atLeast('2.11') ? ['force-down'] : [])];
    if (!actions.includes(action)) throw new NotFound('Unknown action');
    v.onlyKeys(body, ['host', 'binary', 'disabled_reason', ...(mv.atLeast('2.11') ? ['forced_down'] : [])], 'body');
    const host = v.str(body.host, 'host', 1, 255);
    const binary = v.str(body.binary, 'binary', 1, 255);
    if (binary !== COMPUTE_BINARY) throw new BadRequest(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
    const s = await ctx.hosts.serviceByHost(host, binary);
    if (action === 'force-down') {
      if (body.forced_down === undefined) throw new BadRequest('Missing forced_down field');
      const forcedDown = v.boolLike(body.forced_down, 'forced_down');
      await ctx.hosts.updateService(s.id, { forcedDown });
      return { service: { host, binary, forced_down: forcedDown } };
    }
    if (action === 'enable') {
      await ctx.hosts.updateService(s.id, { disabled: false, disabledReason: null });
      return { service: { host, binary, status: 'enabled' } };
    }
    let reason: string | null = null;
    if (action === 'disable-log-reason') {
      if (body.disabled_reason === undefined) throw new BadRequest('Missing disabled reason field');
      reason = v.str(body.disabled_reason, 'disabled_reason', 1, 255);
    }
    await ctx.hosts.updateService(s.id, { disabled: true, disabledReason: reason });
    return { service: { host, binary, status: 'disabled', ...(reason ? { disabled_reason: reason } : {}) } };
  });

  app.delete<{ Params: IdParams }>('/os-services/:id', async (request, reply) => {
    enforce(ctx, request, 'os_compute_api:os-services:delete', {});
    const byUuid = request.microversion.atLeast('2.53');
    if (byUuid && !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(request.params.id)) throw new BadRequest(`Invalid uuid ${request.params.id}`);
    if (!byUuid && !/^\d+$/.test(request.params.id)) throw new BadRequest(`Invalid input received: id must be an integer`);
    await ctx.hosts.deleteService(await ctx.hosts.service(request.params.id, byUuid));
    return reply.code(204).send();
  });

  // --- os-hypervisors ---

  const listHypervisors = (detail: boolean) => async (request: FastifyRequest) => {
    const mv = request.microversion;
    enforce(ctx, request, detail ? 'os_compute_api:os-hypervisors:list-detail' : 'os_compute_api:os-hypervisors:list', {});
    const q = queryAll(request);
    let hosts = await ctx.hosts.hosts();
    const usage = await usageByHost(ctx);
    let withServers = false;
    const pattern = mv.atLeast('2.53') ? q.get('hypervisor_hostname_pattern')?.[0] : undefined;
    if (mv.atLeast('2.53') && q.get('with_servers')?.[0] !== undefined) withServers = strictBool(q.get('with_servers')![0]!, 'with_servers');
    const paged = mv.atLeast('2.33');
    if (pattern !== undefined) {
      if (q.has('limit') || q.has('marker')) throw new BadRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
      hosts = hosts.filter((h) => hostRegex(pattern)(h.host));
      if (hosts.length === 0) throw new NotFound(`No hypervisor matching '${pattern}' could be found.`);
    }
    let limit = Infinity;
    if (paged && pattern === undefined) {
      const lm = limitAndMarker(request);
      limit = lm.limit;
      if (lm.marker !== undefined) {
        const at = hosts.findIndex((h) => (mv.atLeast('2.53') ? h.hypervisorUuid : String(h.hypervisorId)) === lm.marker);
        if (at < 0) throw new BadRequest(`marker [${lm.marker}] not found`);
        hosts = hosts.slice(at + 1);
      }
      hosts = hosts.slice(0, limit);
    }
    const out: Record<string, unknown> = {
      hypervisors: hosts.map((h) => renderHypervisor(request, h, usage.get(h.host), detail,
        withServers ? (usage.get(h.host)?.servers ?? (mv.atLeast('2.75') ? 'empty' : undefined)) : undefined)),
    };
    if (paged && pattern === undefined && Number.isFinite(limit)) {
      const last = hosts.at(-1);
      const next = nextLinks(requestBase(ctx, request), request, detail ? 'os-hypervisors/detail' : 'os-hypervisors', limit,
        last ? String(mv.atLeast('2.53') ? last.hypervisorUuid : last.hypervisorId) : undefined, hosts.length);
      if (next.length > 0) out.hypervisors_links = next;
    }
    return out;
  };
  app.get('/os-hypervisors', listHypervisors(false));
  app.get('/os-hypervisors/detail', listHypervisors(true));

  app.get('/os-hypervisors/statistics', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-hypervisors:statistics', {});
    const hosts = await ctx.hosts.hosts();
    const usage = await usageByHost(ctx);
    const sum = (f: (h: ComputeHost, u: HostUsage) => number): number =>
      hosts.reduce((acc, h) => acc + f(h, usage.get(h.host) ?? { vcpus: 0, memoryMb: 0, diskGb: 0, running: 0, servers: [] }), 0);
    return {
      hypervisor_statistics: {
        count: hosts.length, vcpus: sum((h) => h.vcpus), memory_mb: sum((h) => h.memoryMb), local_gb: sum((h) => h.diskGb),
        vcpus_used: sum((_h, u) => u.vcpus), memory_mb_used: sum((_h, u) => u.memoryMb), local_gb_used: sum((_h, u) => u.diskGb),
        free_ram_mb: sum((h, u) => h.memoryMb - u.memoryMb), free_disk_gb: sum((h, u) => h.diskGb - u.diskGb), current_workload: 0,
        running_vms: sum((_h, u) => u.running), disk_available_least: sum((h, u) => h.diskGb - u.diskGb),
      },
    };
  });

  app.get<{ Params: IdParams }>('/os-hypervisors/:id', async (request) => {
    const mv = request.microversion;
    enforce(ctx, request, 'os_compute_api:os-hypervisors:show', {});
    const byUuid = mv.atLeast('2.53');
    if (!byUuid && !/^\d+$/.test(request.params.id)) throw new NotFound(`Hypervisor with ID '${request.params.id}' could not be found.`);
    const h = await ctx.hosts.hypervisor(request.params.id, byUuid);
    const usage = (await usageByHost(ctx)).get(h.host);
    const q = queryAll(request);
    const withServers = byUuid && q.get('with_servers')?.[0] !== undefined ? strictBool(q.get('with_servers')![0]!, 'with_servers') : false;
    return { hypervisor: renderHypervisor(request, h, usage, true, withServers ? (usage?.servers ?? (mv.atLeast('2.75') ? 'empty' : undefined)) : undefined) };
  });

  app.get<{ Params: IdParams }>('/os-hypervisors/:id/uptime', async (request) => {
    if (request.microversion.atLeast('2.88')) throw new NotFound('The resource could not be found.');
    enforce(ctx, request, 'os_compute_api:os-hypervisors:uptime', {});
    const byUuid = request.microversion.atLeast('2.53');
    if (!byUuid && !/^\d+$/.test(request.params.id)) throw new NotFound(`Hypervisor with ID '${request.params.id}' could not be found.`);
    const h = await ctx.hosts.hypervisor(request.params.id, byUuid);
    const hv = renderHypervisor(request, h, undefined, false);
    hv.uptime = ` ${new Date().toISOString().slice(11, 19)} up, load average: 0.00, 0.00, 0.00`;
    return { hypervisor: hv };
  });

  const search = (withServers: boolean) => async (request: FastifyRequest<{ Params: IdParams }>) => {
    if (request.microversion.atLeast('2.53')) throw new NotFound('The resource could not be found.');
    enforce(ctx, request, withServers ? 'os_compute_api:os-hypervisors:servers' : 'os_compute_api:os-hypervisors:search', {});
    const hosts = (await ctx.hosts.hosts()).filter((h) => hostRegex(request.params.id)(h.host));
    if (hosts.length === 0) throw new NotFound(`No hypervisor matching '${request.params.id}' could be found.`);
    const usage = await usageByHost(ctx);
    return { hypervisors: hosts.map((h) => renderHypervisor(request, h, usage.get(h.host), false, withServers ? usage.get(h.host)?.servers : undefined)) };
  };
  app.get<{ Params: IdParams }>('/os-hypervisors/:id/search', search(false));
  app.get<{ Params: IdParams }>('/os-hypervisors/:id/servers', search(true));

  // --- availability zones ---

  app.get('/os-availability-zone', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-availability-zone:list', {});
    const services = await ctx.hosts.services();
    const available = new Set(services.filter((s) => !s.disabled).map((s) => s.zone));
    const unavailable = new Set(services.filter((s) => s.disabled && !available.has(s.zone)).map((s) => s.zone));
    // A cloud with no compute host yet still has Nova's default zone.
    if (!services.some((s) => s.binary === COMPUTE_BINARY)) available.add(DEFAULT_ZONE);
    const zones = [
      ...[...available].filter((z) => z !== INTERNAL_ZONE).map((z) => ({ zoneName: z, zoneState: { available: true }, hosts: null })),
      ...[...unavailable].filter((z) => z !== INTERNAL_ZONE).map((z) => ({ zoneName: z, zoneState: { available: false }, hosts: null })),
    ];
    return { availabilityZoneInfo: zones };
  });

  app.get('/os-availability-zone/detail', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-availability-zone:detail', {});
    const services = await ctx.hosts.services();
    const available = [...new Set(services.filter((s) => !s.disabled).map((s) => s.zone))];
    const unavailable = [...new Set(services.filter((s) => s.disabled).map((s) => s.zone))].filter((z) => !available.includes(z));
    const result: unknown[] = available.map((zone) => {
      const hosts: Record<string, Record<string, unknown>> = {};
      for (const s of services.filter((x) => !x.disabled && x.zone === zone)) {
        hosts[s.host] ??= {};
        hosts[s.host]![s.binary] = { available: isUp(s), active: !s.disabled, updated_at: isoMicros(s.lastSeenAt ?? s.updatedAt) };
      }
      return { zoneName: zone, zoneState: { available: true }, hosts };
    });
    for (const zone of unavailable) result.push({ zoneName: zone, zoneState: { available: false }, hosts: null });
    return { availabilityZoneInfo: result };
  });
}
