/**
 * /software_configs and /software_deployments (heat/api/openstack/v1/software_configs.py and
 * software_deployments.py; the engine side in heat/engine/service_software_config.py): a project's
 * stored configs (immutable once made) and the deployments that hand them to servers, with the metadata
 * document a server's agent polls. The deployments are records only: nothing here runs on the server.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { callerOf, queryInt, queryOne, type OrchestrationContext } from '../context.js';
import { badRequest, HeatFault } from '../errors.js';
import { asBody } from './bodies.js';

/** The two tables of migration 0002, seen only from this module (a type: Kysely wants an index signature). */
type SoftwareTables = {
  software_config: { id: string; project_id: string; name: string; group: string; config: string; created_at: string };
  software_deployment: {
    id: string; project_id: string; config_id: string; server_id: string; input_values: string; output_values: string;
    action: string; status: string; status_reason: string; created_at: string; updated_at: string | null;
  };
};
type ConfigRow = SoftwareTables['software_config'];
type DeploymentRow = SoftwareTables['software_deployment'];
interface StoredConfig { config: string; inputs: unknown[]; outputs: unknown[]; options: Record<string, unknown> }

type TenantParams = { Params: { tenant: string } };
type IdParams = { Params: { tenant: string; id: string } };
type ServerParams = { Params: { tenant: string; server: string } };

const configNotFound = (id: string): HeatFault => new HeatFault(404, 'NotFound', `Software config with id ${id} not found`);
const deploymentNotFound = (id: string): HeatFault => new HeatFault(404, 'NotFound', `Deployment with id ${id} not found`);

/** Heat's isotime: seconds, UTC, no fraction. */
const isoTime = (t: string): string => `${t.slice(0, 19)}Z`;

function stored(row: ConfigRow): StoredConfig {
  return JSON.parse(row.config) as StoredConfig;
}

/** format_software_config: id, name, group, creation_time, and with `detail` what it holds. */
function configView(row: ConfigRow, detail: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id: row.id, name: row.name, group: row.group, creation_time: isoTime(row.created_at) };
  if (detail) {
    const c = stored(row);
    Object.assign(out, { config: c.config, inputs: c.inputs, outputs: c.outputs, options: c.options, project: row.project_id });
  }
  return out;
}

/** format_software_deployment. */
function deploymentView(row: DeploymentRow): Record<string, unknown> {
  return {
    id: row.id, server_id: row.server_id, config_id: row.config_id,
    input_values: JSON.parse(row.input_values) as unknown, output_values: JSON.parse(row.output_values) as unknown,
    action: row.action, status: row.status, status_reason: row.status_reason,
    creation_time: isoTime(row.created_at), ...(row.updated_at ? { updated_time: isoTime(row.updated_at) } : {}),
  };
}

/** An optional field of the body, of the given JSON type, or a 400 naming it. */
function field<T>(body: Record<string, unknown>, key: string, kind: 'string' | 'list' | 'map', fallback: T): T {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  const ok = kind === 'string' ? typeof v === 'string' : kind === 'list' ? Array.isArray(v) : typeof v === 'object' && !Array.isArray(v);
  if (!ok) throw badRequest(`"${key}" must be a ${kind}.`);
  return v as T;
}

export function softwareRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  const db = ctx.db.withTables<SoftwareTables>();

  const config = async (project: string, id: string): Promise<ConfigRow> => {
    const row = await db.selectFrom('software_config').selectAll().where('id', '=', id).where('project_id', '=', project).executeTakeFirst();
    if (!row) throw configNotFound(id);
    return row;
  };
  const deployment = async (project: string, id: string): Promise<DeploymentRow> => {
    const row = await db.selectFrom('software_deployment').selectAll().where('id', '=', id).where('project_id', '=', project).executeTakeFirst();
    if (!row) throw deploymentNotFound(id);
    return row;
  };

  app.get<TenantParams>('/v1/:tenant/software_configs', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_configs:index');
    let rows = await db.selectFrom('software_config').selectAll().where('project_id', '=', caller.projectId).orderBy('created_at').orderBy('id').execute();
    const marker = queryOne(request, 'marker');
    if (marker) {
      const at = rows.findIndex((r) => r.id === marker);
      if (at < 0) throw badRequest(`Invalid marker "${marker}"`);
      rows = rows.slice(at + 1);
    }
    const limit = queryInt(request, 'limit');
    if (limit !== undefined) rows = rows.slice(0, limit);
    return { software_configs: rows.map((r) => configView(r, false)) };
  });

  app.post<TenantParams>('/v1/:tenant/software_configs', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_configs:create');
    const body = asBody(request.body);
    const row: ConfigRow = {
      id: randomUUID(), project_id: caller.projectId,
      name: field(body, 'name', 'string', ''), group: field(body, 'group', 'string', 'Heat::Ungrouped'),
      config: JSON.stringify({
        config: field(body, 'config', 'string', ''), inputs: field(body, 'inputs', 'list', []),
        outputs: field(body, 'outputs', 'list', []), options: field(body, 'options', 'map', {}),
      } satisfies StoredConfig),
      created_at: new Date().toISOString(),
    };
    await db.insertInto('software_config').values(row).execute();
    return { software_config: configView(row, true) };
  });

  app.get<IdParams>('/v1/:tenant/software_configs/:id', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_configs:show');
    return { software_config: configView(await config(caller.projectId, request.params.id), true) };
  });

  app.delete<IdParams>('/v1/:tenant/software_configs/:id', async (request, reply) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_configs:delete');
    const row = await config(caller.projectId, request.params.id);
    // Heat refuses to delete a config a deployment still uses (InvalidRestrictedAction, a 409).
    const used = await db.selectFrom('software_deployment').select('id').where('config_id', '=', row.id).executeTakeFirst();
    if (used) throw new HeatFault(409, 'InvalidRestrictedAction', `Software config with id ${row.id} can not be deleted as it is referenced.`);
    await db.deleteFrom('software_config').where('id', '=', row.id).execute();
    return reply.code(204).send();
  });

  app.get<TenantParams>('/v1/:tenant/software_deployments', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_deployments:index');
    let q = db.selectFrom('software_deployment').selectAll().where('project_id', '=', caller.projectId);
    const server = queryOne(request, 'server_id');
    if (server !== undefined) q = q.where('server_id', '=', server);
    return { software_deployments: (await q.orderBy('created_at').orderBy('id').execute()).map(deploymentView) };
  });

  app.post<TenantParams>('/v1/:tenant/software_deployments', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_deployments:create');
    const body = asBody(request.body);
    const configId = field(body, 'config_id', 'string', '');
    const serverId = field(body, 'server_id', 'string', '');
    if (!configId) throw badRequest('"config_id" is required.');
    if (!serverId) throw badRequest('"server_id" is required.');
    await config(caller.projectId, configId);
    const row: DeploymentRow = {
      id: randomUUID(), project_id: caller.projectId, config_id: configId, server_id: serverId,
      input_values: JSON.stringify(field(body, 'input_values', 'map', {})), output_values: JSON.stringify({}),
      action: field(body, 'action', 'string', 'INIT'), status: field(body, 'status', 'string', 'COMPLETE'),
      status_reason: field(body, 'status_reason', 'string', ''), created_at: new Date().toISOString(), updated_at: null,
    };
    await db.insertInto('software_deployment').values(row).execute();
    return { software_deployment: deploymentView(row) };
  });

  // Registered before /:id so that `metadata` is never taken for a deployment id (find-my-way prefers
  // static segments anyway).
  app.get<ServerParams>('/v1/:tenant/software_deployments/metadata/:server', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_deployments:metadata');
    const rows = await db.selectFrom('software_deployment').selectAll()
      .where('project_id', '=', caller.projectId).where('server_id', '=', request.params.server).execute();
    const configs = new Map<string, ConfigRow>();
    for (const r of rows) if (!configs.has(r.config_id)) configs.set(r.config_id, await config(caller.projectId, r.config_id));
    // Heat sorts by config name so that a server applies its configs in an order the names control.
    const metadata = rows.map((r) => {
      const c = configs.get(r.config_id)!;
      const s = stored(c);
      const values = JSON.parse(r.input_values) as Record<string, unknown>;
      const inputs = s.inputs.map((i) => (typeof i === 'object' && i !== null && 'name' in i ? { ...i, value: values[String((i as { name: unknown }).name)] } : i));
      return { id: c.id, name: c.name, group: c.group, config: s.config, inputs, outputs: s.outputs, options: s.options, creation_time: isoTime(c.created_at), deployment_id: r.id };
    }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { metadata };
  });

  app.get<IdParams>('/v1/:tenant/software_deployments/:id', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_deployments:show');
    return { software_deployment: deploymentView(await deployment(caller.projectId, request.params.id)) };
  });

  app.put<IdParams>('/v1/:tenant/software_deployments/:id', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_deployments:update');
    const row = await deployment(caller.projectId, request.params.id);
    const body = asBody(request.body);
    const configId = field(body, 'config_id', 'string', row.config_id);
    if (configId !== row.config_id) await config(caller.projectId, configId);
    const next: DeploymentRow = {
      ...row, config_id: configId,
      input_values: body.input_values === undefined ? row.input_values : JSON.stringify(field(body, 'input_values', 'map', {})),
      output_values: body.output_values === undefined ? row.output_values : JSON.stringify(field(body, 'output_values', 'map', {})),
      action: field(body, 'action', 'string', row.action), status: field(body, 'status', 'string', row.status),
      status_reason: field(body, 'status_reason', 'string', row.status_reason), updated_at: new Date().toISOString(),
    };
    await db.updateTable('software_deployment').set(next).where('id', '=', row.id).execute();
    return { software_deployment: deploymentView(next) };
  });

  app.delete<IdParams>('/v1/:tenant/software_deployments/:id', async (request, reply) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('software_deployments:delete');
    const row = await deployment(caller.projectId, request.params.id);
    await db.deleteFrom('software_deployment').where('id', '=', row.id).execute();
    return reply.code(204).send();
  });
}
