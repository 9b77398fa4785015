/**
 * /os-simple-tenant-usage: server hours per project over a period (launch to termination, clipped to it),
 * with vCPU, RAM and disk hours, for usage reports. Deleted servers count for the time they lived.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import { enforce, limitAndMarker, nextLinks, queryFirst, requestBase, type ComputeContext } from '../context.js';
import { isoMicros } from '../model.js';
import { deriveState } from '../servers/status.js';
import type { ServerRecord } from '../servers/store.js';

type IdParams = { id: string };

/** Nova's accepted time formats (naive times are UTC). */
function parseTime(raw: string | undefined): number {
  if (raw === undefined || raw === '') return Date.now();
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(raw);
  if (!m) throw new BadRequest('Invalid input received: Datetime is in invalid format');
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4) : ''}Z`);
  if (Number.isNaN(t)) throw new BadRequest('Invalid input received: Datetime is in invalid format');
  return t;
}

function period(request: FastifyRequest): { start: number; stop: number; detailed: boolean } {
  const q = queryFirst(request);
  const start = parseTime(q.start);
  let stop = parseTime(q.end);
  if (!(start < stop)) throw new BadRequest('Invalid start time. The start time cannot occur after the end time.');
  stop = Math.min(stop, Date.now());
  return { start, stop, detailed: q.detailed === '1' };
}

function hoursFor(s: ServerRecord, start: number, stop: number): number {
  if (!s.launchedAt) return 0;
  const launched = Date.parse(s.launchedAt);
  const terminated = s.terminatedAt ? Date.parse(s.terminatedAt) : undefined;
  if (terminated !== undefined && terminated < start) return 0;
  if (launched > stop) return 0;
  const from = Math.max(launched, start);
  const to = terminated !== undefined ? Math.min(stop, terminated) : stop;
  return Math.max(0, to - from) / 3_600_000;
}

async function usages(ctx: ComputeContext, request: FastifyRequest, projectId: string | undefined, detailed: boolean, paged: boolean) {
  const { start, stop } = period(request);
  let servers = (await ctx.servers.query(projectId !== undefined ? { projectId } : {}))
    .filter((s) => s.launchedAt !== null && Date.parse(s.launchedAt) < stop && (!s.terminatedAt || Date.parse(s.terminatedAt) > start));
  let limit = Infinity;
  if (paged) {
    const lm = limitAndMarker(request);
    limit = lm.limit;
    if (lm.marker !== undefined) {
      const at = servers.findIndex((s) => s.id === lm.marker);
      if (at < 0) throw new BadRequest(`Marker ${lm.marker} could not be found.`);
      servers = servers.slice(at + 1);
    }
    servers = servers.slice(0, limit);
  }
  const byProject = new Map<string, Record<string, unknown> & { server_usages?: unknown[] }>();
  for (const s of servers) {
    const hours = hoursFor(s, start, stop);
    const localGb = s.flavor.diskGb + s.flavor.ephemeralGb;
    const ended = s.terminatedAt;
    const state = ended ? 'terminated' : deriveState(s, undefined).vmState;
    const info = {
      hours, flavor: s.flavor.name, instance_id: s.id, name: s.name, tenant_id: s.projectId, memory_mb: s.flavor.ramMb, local_gb: localGb,
      vcpus: s.flavor.vcpus, started_at: isoMicros(s.launchedAt), ended_at: isoMicros(ended), state,
      uptime: Math.floor(((ended ? Date.parse(ended) : Date.now()) - Date.parse(s.launchedAt!)) / 1000),
    };
    let summary = byProject.get(s.projectId);
    if (!summary) {
      summary = {
        tenant_id: s.projectId, ...(detailed ? { server_usages: [] } : {}), total_local_gb_usage: 0, total_vcpus_usage: 0,
        total_memory_mb_usage: 0, total_hours: 0, start: isoMicros(new Date(start).toISOString()), stop: isoMicros(new Date(stop).toISOString()),
      };
      byProject.set(s.projectId, summary);
    }
    summary.total_local_gb_usage = (summary.total_local_gb_usage as number) + localGb * hours;
    summary.total_vcpus_usage = (summary.total_vcpus_usage as number) + s.flavor.vcpus * hours;
    summary.total_memory_mb_usage = (summary.total_memory_mb_usage as number) + s.flavor.ramMb * hours;
    summary.total_hours = (summary.total_hours as number) + hours;
    if (detailed) summary.server_usages!.push(info);
  }
  return { usages: [...byProject.values()], servers, limit };
}

export function usageRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  app.get('/os-simple-tenant-usage', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-simple-tenant-usage:list');
    const paged = request.microversion.atLeast('2.40');
    const { usages: list, servers, limit } = await usages(ctx, request, undefined, period(request).detailed, paged);
    const out: Record<string, unknown> = { tenant_usages: list };
    if (paged) {
      const next = nextLinks(requestBase(ctx, request), request, 'os-simple-tenant-usage', limit, servers.at(-1)?.id, servers.length);
      if (next.length > 0) out.tenant_usages_links = next;
    }
    return out;
  });

  app.get<{ Params: IdParams }>('/os-simple-tenant-usage/:id', async (request) => {
    enforce(ctx, request, 'os_compute_api:os-simple-tenant-usage:show', { project_id: request.params.id });
    const paged = request.microversion.atLeast('2.40');
    const { usages: list, servers, limit } = await usages(ctx, request, request.params.id, true, paged);
    const out: Record<string, unknown> = { tenant_usage: list[0] ?? {} };
    if (paged) {
      const next = nextLinks(requestBase(ctx, request), request, `os-simple-tenant-usage/${request.params.id}`, limit, servers.at(-1)?.id, servers.length);
      if (next.length > 0) out.tenant_usage_links = next;
    }
    return out;
  });
}
