/**
 * The rest of Heat v1: version discovery at `/`, /validate, /resource_types (list, schema, generated
 * template), /template_versions and their functions, /build_info and /services.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { functionsOf, HOT_VERSIONS, loadTemplate, type HotVersion, type ParameterDef } from '../hot/index.js';
import { callerOf, queryBool, queryOne, requestBase, type OrchestrationContext } from '../context.js';
import { badRequest, resourceTypeNotFound, templateVersionNotFound } from '../errors.js';
import { resolveDefinition } from '../engine/definition.js';
import { now } from '../model.js';
import type { PropertySchema, ResourcePlugin } from '../plugins/types.js';
import { asBody, createInput } from './bodies.js';

type TenantParams = { Params: { tenant: string } };
type TypeParams = { Params: { tenant: string; type: string } };
type VersionParams = { Params: { tenant: string; version: string } };

/** Set once at start: the engine's "started" time for /services. */
const STARTED = now();
const REVISION = '21.0.0';

const PARAM_TYPES: Readonly<Record<string, string>> = { string: 'String', number: 'Number', comma_delimited_list: 'CommaDelimitedList', json: 'Json', boolean: 'Boolean' };

/** A parameter as /validate shows it (Heat's CFN-style keys). */
function validateParam(p: ParameterDef, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Type: PARAM_TYPES[p.type] ?? p.type, Label: p.label ?? p.name, Description: p.description ?? '', NoEcho: p.hidden ? 'true' : 'false',
  };
  if (p.default !== undefined) out.Default = p.default;
  if (value !== undefined) out.Value = value;
  for (const c of p.constraints) {
    switch (c.kind) {
      case 'allowed_values': out.AllowedValues = c.values; break;
      case 'allowed_pattern': out.AllowedPattern = c.pattern; break;
      case 'length': if (c.min !== undefined) out.MinLength = c.min; if (c.max !== undefined) out.MaxLength = c.max; break;
      case 'range': if (c.min !== undefined) out.MinValue = c.min; if (c.max !== undefined) out.MaxValue = c.max; break;
      default: break;
    }
    if (c.description) out.ConstraintDescription = c.description;
  }
  return out;
}

function propertyView(s: PropertySchema): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: s.type, description: s.description ?? '', required: s.required ?? false, update_allowed: s.updateAllowed ?? false, immutable: s.immutable ?? false,
  };
  if (s.default !== undefined) out.default = s.default;
  if (s.constraints) {
    out.constraints = s.constraints.map((c) => ({
      ...(c.allowed_values ? { allowed_values: c.allowed_values } : {}), ...(c.range ? { range: c.range } : {}), ...(c.length ? { length: c.length } : {}),
      ...(c.description ? { description: c.description } : {}),
    }));
  }
  if (s.schema) out.schema = Object.fromEntries(Object.entries(s.schema).map(([k, v]) => [k, propertyView(v)]));
  return out;
}

function schemaOf(p: ResourcePlugin): Record<string, unknown> {
  return {
    resource_type: p.type,
    description: p.description,
    properties: Object.fromEntries(Object.entries(p.properties).map(([k, v]) => [k, propertyView(v)])),
    attributes: {
      ...Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [k, { description: v.description, ...(v.type ? { type: v.type } : {}) }])),
      show: { description: 'Detailed information about resource.', type: 'map' },
    },
    support_status: { status: 'SUPPORTED', version: p.since ?? null, message: null, previous_status: null },
  };
}

const HOT_PARAM_TYPE: Readonly<Record<string, string>> = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean', list: 'comma_delimited_list', map: 'json', any: 'json' };

/**
 * The template /resource_types/{type}/template generates: a parameter per property, an output per
 * attribute, the resource named after the type's last part (OS::Heat::TestResource → TestResource).
 */
function generatedTemplate(p: ResourcePlugin, hot: boolean): Record<string, unknown> {
  const name = p.type.split('::').pop() ?? 'resource';
  const parameters = Object.fromEntries(Object.entries(p.properties).map(([k, v]) => [k, {
    type: hot ? HOT_PARAM_TYPE[v.type] : (PARAM_TYPES[HOT_PARAM_TYPE[v.type] ?? 'string'] ?? 'String'), description: v.description ?? '',
    ...(v.default !== undefined ? { default: v.default } : {}),
  }]));
  const props = Object.fromEntries(Object.keys(p.properties).map((k) => [k, hot ? { get_param: k } : { Ref: k }]));
  const outputs = Object.fromEntries(Object.entries({ ...p.attributes, show: { description: 'Detailed information about resource.' } }).map(([k, v]) => [k, {
    description: v.description, value: hot ? { get_attr: [name, k] } : { 'Fn::GetAtt': [name, k] },
  }]));
  return hot
    ? { heat_template_version: '2016-10-14', description: `Initial template of ${p.type}`, parameters, resources: { [name]: { type: p.type, properties: props } }, outputs }
    : { HeatTemplateFormatVersion: '2012-12-12', Description: `Initial template of ${p.type}`, Parameters: parameters, Resources: { [name]: { Type: p.type, Properties: props } }, Outputs: outputs };
}

function versionOf(text: string): HotVersion {
  const m = /^heat_template_version\.(.+)$/.exec(text);
  const found = m ? HOT_VERSIONS.find((v) => v.version === m[1] || v.alias === m[1]) : undefined;
  if (!found) throw templateVersionNotFound(text);
  return found.version;
}

export function infoRoutes(app: FastifyInstance, ctx: OrchestrationContext): void {
  app.get('/', { config: { public: true } }, async (request: FastifyRequest, reply) => {
    const base = requestBase(ctx, request);
    return reply.code(300).send({ versions: [{ id: 'v1.0', status: 'CURRENT', links: [{ href: `${base}/v1/`, rel: 'self' }] }] });
  });

  app.post<TenantParams>('/v1/:tenant/validate', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('stacks:validate_template');
    const input = createInput(asBody(request.body));
    // Parameters without a value are fine here (Heat validates the template, not a stack's values).
    const def = await resolveDefinition(ctx.engine.registry, input, { allowMissing: true, checker: ctx.checkerFor(caller.auth.token) });
    const t = loadTemplate(def.template, def.files);
    const given = input.params ?? {};
    const out: Record<string, unknown> = {
      Description: t.description ?? 'No description',
      Parameters: Object.fromEntries(Object.values(t.parameters).map((p) => [p.name, validateParam(p, given[p.name])])),
    };
    if (t.parameterGroups.length > 0) out.ParameterGroups = t.parameterGroups;
    return out;
  });

  app.get<TenantParams>('/v1/:tenant/resource_types', async (request) => {
    const caller = callerOf(ctx, request, request.params.tenant);
    caller.authorize('stacks:list_resource_types');
    const name = queryOne(request, 'name');
    const withDescription = queryBool(request, 'with_description');
    let types = ctx.engine.registry.types();
    if (name) {
      const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      types = types.filter((t) => re.test(t));
    }
    const status = queryOne(request, 'support_status');
    if (status && status !== 'SUPPORTED') types = [];
    return {
      resource_types: withDescription
        ? types.map((t) => ({ resource_type: t, description: ctx.engine.registry.get(t)!.description }))
        : types,
    };
  });

  const plugin = (type: string): ResourcePlugin => {
    const p = ctx.engine.registry.get(type);
    if (!p) throw resourceTypeNotFound(type);
    return p;
  };
  app.get<TypeParams>('/v1/:tenant/resource_types/:type', async (request) => {
    callerOf(ctx, request, request.params.tenant).authorize('stacks:resource_schema');
    return schemaOf(plugin(request.params.type));
  });
  app.get<TypeParams>('/v1/:tenant/resource_types/:type/template', async (request) => {
    callerOf(ctx, request, request.params.tenant).authorize('stacks:generate_template');
    const kind = queryOne(request, 'template_type') ?? 'cfn';
    // Heat's generate_template refuses any other type with a 400 naming it (param_utils.extract_template_type).
    if (kind !== 'cfn' && kind !== 'hot') throw badRequest(`Template type is not supported: Invalid template type "${kind}", valid types are: cfn, hot.`);
    return generatedTemplate(plugin(request.params.type), kind === 'hot');
  });

  app.get<TenantParams>('/v1/:tenant/template_versions', async (request) => {
    callerOf(ctx, request, request.params.tenant).authorize('stacks:list_template_versions');
    return {
      template_versions: HOT_VERSIONS.map((v) => ({ version: `heat_template_version.${v.version}`, type: 'hot', aliases: v.alias ? [`heat_template_version.${v.alias}`] : [] })),
    };
  });
  app.get<VersionParams>('/v1/:tenant/template_versions/:version/functions', async (request) => {
    callerOf(ctx, request, request.params.tenant).authorize('stacks:list_template_functions');
    const version = versionOf(request.params.version);
    const conditions = queryBool(request, 'with_condition_func');
    return { template_functions: functionsOf(version, { conditions }).map((f) => ({ functions: f.name, description: f.description })) };
  });

  app.get<TenantParams>('/v1/:tenant/build_info', async (request) => {
    callerOf(ctx, request, request.params.tenant).authorize('build_info:build_info');
    return { api: { revision: REVISION }, engine: { revision: REVISION } };
  });

  app.get<TenantParams>('/v1/:tenant/services', async (request) => {
    callerOf(ctx, request, request.params.tenant).authorize('service:index');
    return {
      services: [{
        id: 'flotilla-engine-0', engine_id: 'flotilla-engine-0', host: 'flotilla', hostname: 'flotilla', binary: 'heat-engine', topic: 'engine',
        report_interval: 60, status: 'up', created_at: STARTED, updated_at: new Date().toISOString(), deleted_at: null,
      }],
    };
  });
}
