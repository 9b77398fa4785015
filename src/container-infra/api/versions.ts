/**
 * Version discovery (`/`, `/v1`, no token) and Magnum's microversions: `OpenStack-API-Version:
 * container-infra X.Y` or `latest`; a request without it is 1.1, the minimum; every /v1 answer carries
 * the minimum, maximum and negotiated versions and `Vary`. A malformed header, a major other than 1 or a
 * minor out of range is a 406, the range errors in Magnum's own microversion body
 * (magnum/api/http_error.py); a route newer than the requested version is a 406 too.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MagnumFault } from '../errors.js';
import type { ContainerInfraContext } from '../context.js';
import { requestBase } from '../context.js';

export interface ApiVersion { major: number; minor: number }

export const MIN_VERSION: ApiVersion = { major: 1, minor: 1 };
export const MAX_VERSION: ApiVersion = { major: 1, minor: 10 };
const SERVICE = 'container-infra';
const HEADER = 'openstack-api-version';
const fmt = (v: ApiVersion): string => `${v.major}.${v.minor}`;

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated container-infra microversion (set for /v1 routes). */
    coeVersion: ApiVersion | null;
  }
}

/** The request's negotiated version (1.1 when none was negotiated). */
export function versionOf(request: FastifyRequest): ApiVersion {
  return request.coeVersion ?? MIN_VERSION;
}

/** True if `v` ≥ major.minor. */
export function atLeast(v: ApiVersion, minor: number, major = 1): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

const notAcceptable = (message: string): MagnumFault => new MagnumFault(406, 'HTTPNotAcceptable', message);

function unsupported(message: string): MagnumFault {
  return new MagnumFault(406, 'HTTPNotAcceptableAPIVersion', message, {
    message, max_version: fmt(MAX_VERSION), min_version: fmt(MIN_VERSION), code: 'magnum.microversion-unsupported',
    links: [{ rel: 'help', href: 'http://developer.openstack.org/api-guide/compute/microversions.html' }],
    title: 'Requested microversion is unsupported',
  });
}

/** Parses the header as magnum/api/controllers/versions.py does. */
export function parseVersionHeader(raw: string | undefined): ApiVersion {
  const value = raw ?? `${SERVICE} ${fmt(MIN_VERSION)}`;
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 2) throw notAcceptable(`Invalid service type for OpenStack-API-Version header`);
  let [service, ver] = parts as [string, string];
  if (ver.toLowerCase() === 'latest') ver = fmt(MAX_VERSION);
  if (service !== SERVICE) throw notAcceptable('Invalid service type for OpenStack-API-Version header');
  const m = /^(\d{1,6})\.(\d{1,6})$/.exec(ver);
  if (!m) throw notAcceptable('Invalid value for OpenStack-API-Version header');
  const v = { major: Number(m[1]), minor: Number(m[2]) };
  const range = `The supported version range is: [${fmt(MIN_VERSION)}, ${fmt(MAX_VERSION)}].`;
  if (v.major !== 1) throw unsupported(`Mutually exclusive versions requested. Version ${fmt(v)} requested but not supported by this service. ${range}`);
  if (v.minor < MIN_VERSION.minor || v.minor > MAX_VERSION.minor) {
    throw unsupported(`Version ${fmt(v)} was requested but the minor version is not supported by this service. ${range}`);
  }
  return v;
}

/** Refuses a route newer than the request's version (a 406, as Magnum's versioned controller methods). */
export function requireVersion(request: FastifyRequest, minor: number, what: string): void {
  const v = versionOf(request);
  if (!atLeast(v, minor)) throw unsupported(`Version ${fmt(v)} was requested but the requested API ${what} is not supported for this version.`);
}

function versionDoc(base: string): Record<string, unknown> {
  return {
    id: 'v1', status: 'CURRENT', min_version: fmt(MIN_VERSION), max_version: fmt(MAX_VERSION),
    links: [{ href: `${base}/v1/`, rel: 'self' }],
  };
}

const COLLECTIONS = ['baymodels', 'bays', 'clustertemplates', 'clusters', 'quotas', 'certificates', 'mservices', 'stats', 'federations'];

export function versionRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  app.decorateRequest('coeVersion', null);
  // After the token check (keystonemiddleware runs first in Magnum's pipeline): negotiate for every /v1 path.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path !== '/v1' && !path.startsWith('/v1/')) return;
    reply.header('OpenStack-API-Minimum-Version', `${SERVICE} ${fmt(MIN_VERSION)}`);
    reply.header('OpenStack-API-Maximum-Version', `${SERVICE} ${fmt(MAX_VERSION)}`);
    reply.header('Vary', 'OpenStack-API-Version');
    const raw = request.headers[HEADER];
    const v = parseVersionHeader(Array.isArray(raw) ? raw.join(',') : raw);
    request.coeVersion = v;
    reply.header('OpenStack-API-Version', `${SERVICE} ${fmt(v)}`);
  });

  app.get('/', { config: { public: true } }, async (request) => ({
    name: 'OpenStack Magnum API',
    description: 'Magnum is an OpenStack project which aims to provide container cluster management.',
    versions: [versionDoc(requestBase(ctx, request))],
  }));
  app.get('/v1', { config: { public: true } }, async (request) => {
    const base = requestBase(ctx, request);
    const doc: Record<string, unknown> = {
      id: 'v1',
      media_types: [{ base: 'application/json', type: 'application/vnd.openstack.magnum.v1+json' }],
      links: [
        { href: `${base}/v1/`, rel: 'self' },
        { href: 'http://docs.openstack.org/developer/magnum/dev/api-spec-v1.html', rel: 'describedby', type: 'text/html' },
      ],
    };
    for (const c of COLLECTIONS) doc[c] = [{ href: `${base}/v1/${c}/`, rel: 'self' }, { href: `${base}/${c}/`, rel: 'bookmark' }];
    doc.nodegroups = [{ href: `${base}/v1/clusters/{cluster_id}/nodegroups`, rel: 'self' }, { href: `${base}/clusters/{cluster_id}/nodegroups`, rel: 'bookmark' }];
    return doc;
  });
}
