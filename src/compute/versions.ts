/**
 * Version discovery: GET / lists the versions (v2.0 first, as clients and Tempest expect), GET /v2.1 (and
 * /v2.1/) describes the current one with its microversion range. Only the v2.1 API is served; /v2 answers
 * its version document so that every listed link can be followed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_VERSION, MIN_VERSION } from './microversion.js';
import { requestBase, type ComputeContext } from './context.js';

interface VersionInfo {
  id: 'v2.0' | 'v2.1';
  status: string;
  version: string;
  min_version: string;
  updated: string;
  mediaType: string;
  path: string;
}

const VERSIONS: readonly VersionInfo[] = [
  { id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '', updated: '2025-07-04T12:00:00Z', mediaType: 'application/vnd.openstack.compute+json;version=2', path: 'v2' },
  { id: 'v2.1', status: 'CURRENT', version: MAX_VERSION, min_version: MIN_VERSION, updated: '2013-07-23T11:33:21Z', mediaType: 'application/vnd.openstack.compute+json;version=2.1', path: 'v2.1' },
];

function versionDocument(base: string, v: VersionInfo): Record<string, unknown> {
  return {
    id: v.id, status: v.status, version: v.version, min_version: v.min_version, updated: v.updated,
    links: [
      { rel: 'self', href: `${base}/${v.path}/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: v.mediaType }],
  };
}

export function versionRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  const base = (request: FastifyRequest): string => requestBase(ctx, request);
  app.get('/', { config: { public: true } }, async (request) => ({
    versions: VERSIONS.map((v) => ({
      id: v.id, status: v.status, version: v.version, min_version: v.min_version, updated: v.updated,
      links: [{ rel: 'self', href: `${base(request)}/${v.path}/` }],
    })),
  }));
  const one = (v: VersionInfo) => async (request: FastifyRequest) => ({ version: versionDocument(base(request), v) });
  app.get('/v2', { config: { public: true } }, one(VERSIONS[0]!));
  app.get('/v2.1', { config: { public: true } }, one(VERSIONS[1]!));
}
