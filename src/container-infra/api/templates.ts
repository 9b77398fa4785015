/**
 * /v1/clustertemplates (and the legacy /v1/baymodels): list, detail, show, create (with Glance, Nova and
 * Neutron checks as the caller), JSON-Patch update (only name, public, hidden and tags while clusters use
 * it), delete (400 while referenced). public and hidden need the admin's clustertemplate:publish.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newUuid } from '../../platform/ids.js';
import { callerOf, requestBase, type Caller, type ContainerInfraContext } from '../context.js';
import { COES, type ClusterTemplate, type Coe } from '../model.js';
import { invalid, MagnumFault } from '../errors.js';
import { applyPatch, generatedName, nextLink, pageQuery, readBody, readField, readPatch, type FieldSpec, type Json } from './common.js';
import { targetOf, templateFor } from './lookup.js';
import { templateJson, templateSummary } from './render.js';

type Ident = { Params: { ident: string } };

const NAME_MAX = 255;
const STR = { type: 'string', max: 255 } as const;
export const TEMPLATE_FIELDS: Readonly<Record<string, FieldSpec>> = {
  name: { type: 'string', min: 1, max: NAME_MAX }, coe: { type: 'string', min: 1, max: 255 }, image_id: { type: 'string', min: 1, max: 255 },
  flavor_id: STR, master_flavor_id: STR, keypair_id: STR, dns_nameserver: STR, external_network_id: STR, fixed_network: STR, fixed_subnet: STR,
  network_driver: STR, volume_driver: STR, apiserver_port: { type: 'int', min: 1024, max: 65535 }, docker_volume_size: { type: 'int', min: 1, max: 2 ** 31 - 1 },
  docker_storage_driver: { type: 'string', enum: ['devicemapper', 'overlay', 'overlay2'] }, cluster_distro: STR, http_proxy: STR, https_proxy: STR,
  no_proxy: STR, registry_enabled: { type: 'bool' }, insecure_registry: STR, labels: { type: 'labels' }, tls_disabled: { type: 'bool' },
  public: { type: 'bool' }, hidden: { type: 'bool' }, server_type: { type: 'string', enum: ['vm', 'bm'] }, master_lb_enabled: { type: 'bool' },
  floating_ip_enabled: { type: 'bool' }, tags: { type: 'string', max: 255 },
};
const READ_ONLY = ['uuid', 'project_id', 'user_id', 'created_at', 'updated_at', 'links'];
const NON_REMOVABLE = ['/network_driver', '/external_network_id', '/tls_disabled', '/public', '/server_type', '/coe', '/registry_enabled', '/cluster_distro', '/hidden', '/image_id', '/name', '/labels'];
const IN_USE_CHANGEABLE = new Set(['name', 'public', 'hidden', 'tags']);
export const TEMPLATE_SORT_KEYS = ['id', 'uuid', 'name', 'coe', 'image_id', 'created_at', 'updated_at', 'server_type', 'cluster_distro', 'flavor_id', 'master_flavor_id', 'keypair_id', 'public', 'hidden', 'tags'];

const NETWORK_DRIVERS: Readonly<Record<Coe, readonly string[]>> = { kubernetes: ['flannel', 'calico'], swarm: ['docker', 'flannel'], 'swarm-mode': ['docker', 'flannel'] };
const VOLUME_DRIVERS: Readonly<Record<Coe, readonly string[]>> = { kubernetes: ['cinder'], swarm: ['rexray'], 'swarm-mode': ['rexray'] };

/** The API document of a template, for patching (labels as a dict, everything by its API name). */
const docOf = (t: ClusterTemplate): Json => {
  const { links: _l, ...rest } = templateJson(t, '');
  return rest;
};

/** Checks the template's fields against Magnum's validators and the caller's view of the cloud. */
async function validate(ctx: ContainerInfraContext, token: string, doc: Json, changed: ReadonlySet<string> | null): Promise<string | undefined> {
  const touched = (f: string): boolean => (changed === null || changed.has(f)) && doc[f] !== null && doc[f] !== undefined;
  const coe = doc.coe as string;
  if (!(COES as readonly string[]).includes(coe)) throw new MagnumFault(400, 'ClusterTypeNotSupported', `Cluster type (${String(doc.server_type ?? 'vm')}, ${String(doc.cluster_distro ?? 'unknown')}, ${coe}) not supported.`);
  if (doc.server_type === 'bm') throw new MagnumFault(400, 'ClusterTypeNotSupported', `Cluster type (bm, ${String(doc.cluster_distro ?? 'unknown')}, ${coe}) not supported: this cloud has no bare metal.`);
  const nd = doc.network_driver;
  if (typeof nd === 'string' && !NETWORK_DRIVERS[coe as Coe].includes(nd)) {
    throw invalid(`Network driver type ${nd} is not supported, expecting a ${NETWORK_DRIVERS[coe as Coe].join(', ')} network driver.`);
  }
  const vd = doc.volume_driver;
  if (typeof vd === 'string' && !VOLUME_DRIVERS[coe as Coe].includes(vd)) {
    throw invalid(`Volume driver type ${vd} is not supported, expecting a ${VOLUME_DRIVERS[coe as Coe].join(', ')} volume driver.`);
  }
  if (doc.docker_storage_driver === 'devicemapper' && typeof doc.docker_volume_size === 'number' && doc.docker_volume_size < 3) {
    throw invalid('docker volume size 2 GB is not valid, expecting minimum value 3GB for devicemapper storage');
  }
  if (touched('dns_nameserver')) {
    for (const ip of String(doc.dns_nameserver).split(',')) {
      if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(ip.trim()) && !/^[0-9a-f:]+$/i.test(ip.trim())) throw invalid(`Invalid DNS nameserver: ${ip.trim()}`);
    }
  }
  let distro: string | undefined;
  if (touched('image_id') || changed === null) distro = await ctx.checks.imageDistro(token, String(doc.image_id));
  if (touched('flavor_id')) await ctx.checks.flavor(token, String(doc.flavor_id));
  if (touched('master_flavor_id')) await ctx.checks.flavor(token, String(doc.master_flavor_id));
  if (touched('external_network_id')) await ctx.checks.externalNetwork(token, String(doc.external_network_id));
  if (touched('fixed_network')) await ctx.checks.fixedNetwork(token, String(doc.fixed_network));
  if (touched('fixed_subnet')) await ctx.checks.fixedSubnet(token, String(doc.fixed_subnet));
  return distro;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function fromDoc(base: ClusterTemplate, d: Json): ClusterTemplate {
  return {
    ...base, name: String(d.name), coe: d.coe as Coe, imageId: String(d.image_id), serverType: (d.server_type ?? 'vm') as 'vm' | 'bm',
    flavorId: str(d.flavor_id), masterFlavorId: str(d.master_flavor_id), keypairId: str(d.keypair_id), dnsNameserver: str(d.dns_nameserver),
    externalNetworkId: str(d.external_network_id), fixedNetwork: str(d.fixed_network), fixedSubnet: str(d.fixed_subnet),
    networkDriver: str(d.network_driver), volumeDriver: str(d.volume_driver), apiserverPort: num(d.apiserver_port),
    dockerVolumeSize: num(d.docker_volume_size), dockerStorageDriver: str(d.docker_storage_driver), httpProxy: str(d.http_proxy),
    httpsProxy: str(d.https_proxy), noProxy: str(d.no_proxy), registryEnabled: d.registry_enabled === true, insecureRegistry: str(d.insecure_registry),
    labels: (d.labels ?? {}) as Record<string, string>, tlsDisabled: d.tls_disabled === true, public: d.public === true, hidden: d.hidden === true,
    masterLbEnabled: d.master_lb_enabled === true, floatingIpEnabled: d.floating_ip_enabled !== false, tags: str(d.tags),
  };
}

async function create(ctx: ContainerInfraContext, caller: Caller, body: unknown, resource: string): Promise<ClusterTemplate> {
  caller.authorize('clustertemplate:create');
  const d = readBody(body, resource === 'baymodels' ? 'baymodel' : 'cluster_template', TEMPLATE_FIELDS, READ_ONLY);
  for (const f of ['coe', 'image_id']) if (d[f] === undefined) throw invalid(`Invalid input for field/attribute ${f}. Value: None. Mandatory field missing.`);
  if ((d.public === true || d.hidden === true) && !caller.can('clustertemplate:publish')) {
    throw new MagnumFault(403, 'ClusterTemplatePublishDenied', 'Not authorized to set public or hidden flag for cluster template.');
  }
  const distro = await validate(ctx, caller.auth.token, d, null);
  const now = new Date().toISOString();
  const t = fromDoc({
    uuid: newUuid(), name: '', projectId: caller.projectId, userId: caller.userId, coe: 'swarm-mode', imageId: '', clusterDistro: distro ?? '',
    serverType: 'vm', flavorId: null, masterFlavorId: null, keypairId: null, dnsNameserver: null, externalNetworkId: null, fixedNetwork: null,
    fixedSubnet: null, networkDriver: null, volumeDriver: null, apiserverPort: null, dockerVolumeSize: null, dockerStorageDriver: null,
    httpProxy: null, httpsProxy: null, noProxy: null, registryEnabled: false, insecureRegistry: null, labels: {}, tlsDisabled: false,
    public: false, hidden: false, masterLbEnabled: false, floatingIpEnabled: true, tags: null, createdAt: now, updatedAt: null,
  }, { ...d, name: d.name ?? generatedName(resource === 'baymodels' ? 'baymodel' : 'template') });
  // Magnum's default network driver per COE ([cluster_template] *_default_network_driver).
  if (t.networkDriver === null) t.networkDriver = t.coe === 'kubernetes' ? 'flannel' : 'docker';
  return ctx.store.createTemplate(t);
}

async function update(ctx: ContainerInfraContext, caller: Caller, ident: string, body: unknown): Promise<ClusterTemplate> {
  const ops = readPatch(body);
  const t = await templateFor(ctx, caller, ident);
  caller.authorize('clustertemplate:update', targetOf(t));
  const before = docOf(t);
  const patched = applyPatch(before, ops, NON_REMOVABLE);
  const changed = new Set<string>();
  for (const [k, v] of Object.entries(patched)) {
    if (JSON.stringify(v) === JSON.stringify(before[k])) continue;
    if (k === 'cluster_distro' || !TEMPLATE_FIELDS[k]) throw invalid(`'/${k}' is an internal attribute and can not be updated`);
    patched[k] = readField(k, TEMPLATE_FIELDS[k]!, v) ?? null;
    changed.add(k);
  }
  if (changed.size === 0) return t;
  if ((changed.has('public') || changed.has('hidden')) && !caller.can('clustertemplate:publish')) {
    throw new MagnumFault(403, 'ClusterTemplatePublishDenied', 'Not authorized to set public or hidden flag for cluster template.');
  }
  if ([...changed].some((k) => !IN_USE_CHANGEABLE.has(k)) && (await ctx.store.clustersUsingTemplate(t.uuid)) > 0) {
    throw new MagnumFault(400, 'ClusterTemplateReferenced', `ClusterTemplate ${t.uuid} is referenced by one or multiple clusters.`);
  }
  const distro = await validate(ctx, caller.auth.token, patched, changed);
  const next = fromDoc(t, patched);
  if (distro !== undefined) next.clusterDistro = distro;
  return ctx.store.updateTemplate(next);
}

/** Registers the routes under `resource` (clustertemplates or baymodels). */
function register(app: FastifyInstance, ctx: ContainerInfraContext, resource: 'clustertemplates' | 'baymodels'): void {
  const list = async (request: FastifyRequest, detail: boolean): Promise<Json> => {
    const caller = callerOf(ctx, request);
    caller.authorize(detail ? 'clustertemplate:detail' : 'clustertemplate:get_all');
    const page = pageQuery(request, TEMPLATE_SORT_KEYS);
    const base = requestBase(ctx, request);
    const items = await ctx.store.listTemplates({ projectId: caller.isAdmin ? null : caller.projectId, includeHidden: caller.isAdmin }, page);
    return {
      [resource]: items.map((t) => (detail ? templateJson(t, base, resource) : templateSummary(t, base, resource))),
      ...nextLink(base, detail ? `${resource}/detail` : resource, page, items),
    };
  };
  app.get(`/v1/${resource}`, async (request) => list(request, false));
  app.get(`/v1/${resource}/detail`, async (request) => list(request, true));
  app.get<Ident>(`/v1/${resource}/:ident`, async (request) => {
    const caller = callerOf(ctx, request);
    const t = await templateFor(ctx, caller, request.params.ident);
    if (!t.public) caller.authorize('clustertemplate:get', targetOf(t));
    return templateJson(t, requestBase(ctx, request), resource);
  });
  app.post(`/v1/${resource}`, async (request, reply) => {
    const t = await create(ctx, callerOf(ctx, request), request.body, resource);
    const base = requestBase(ctx, request);
    return reply.code(201).header('location', `${base}/v1/${resource}/${t.uuid}`).send(templateJson(t, base, resource));
  });
  app.patch<Ident>(`/v1/${resource}/:ident`, async (request) => {
    const t = await update(ctx, callerOf(ctx, request), request.params.ident, request.body);
    return templateJson(t, requestBase(ctx, request), resource);
  });
  app.delete<Ident>(`/v1/${resource}/:ident`, async (request, reply) => {
    const caller = callerOf(ctx, request);
    const t = await templateFor(ctx, caller, request.params.ident);
    caller.authorize('clustertemplate:delete', targetOf(t));
    if ((await ctx.store.clustersUsingTemplate(t.uuid)) > 0) {
      throw new MagnumFault(400, 'ClusterTemplateReferenced', `ClusterTemplate ${t.uuid} is referenced by one or multiple clusters.`);
    }
    await ctx.store.deleteTemplate(t.uuid);
    return reply.code(204).send();
  });
}

export function templateRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  register(app, ctx, 'clustertemplates');
  register(app, ctx, 'baymodels');
}
