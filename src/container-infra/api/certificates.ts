/**
 * /v1/certificates: the cluster CA (GET), signing a CSR with it (POST, 201), rotating it (PATCH, 202, an
 * operation `rotate_ca`; 400 when TLS is off). POST also takes a node-signing secret (`X-Auth-Token:
 * mcs.…`, decision 0014) instead of a Keystone token: such a request is told apart before routing and
 * served by a public route that accepts it only for the cluster the body names, compared in constant
 * time; every mismatch is the same 401. On every other route the secret is no token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Unauthorized } from '../../platform/errors.js';
import { AUTH_REQUIRED } from '../../platform/auth/middleware.js';
import { callerOf, requestBase, type ContainerInfraContext } from '../context.js';
import { UPDATABLE, type CaKind, type Cluster } from '../model.js';
import { InvalidCsr, signCsr } from '../pki.js';
import { invalid, MagnumFault, statusNotSupported } from '../errors.js';
import { queryOne, readBody, type FieldSpec, type Json } from './common.js';
import { clusterFor, targetOf } from './lookup.js';
import { assertIdle, startOperation } from './clusters.js';
import { tokenPrefixConstraint } from '../../platform/http/token-prefix.js';

/** The prefix of node-signing secrets. */
export const NODE_SECRET_PREFIX = 'mcs.';
const STRATEGY = 'flotillaNodeSecret';

type Ident = { Params: { ident: string } };

const CA_TYPES: Readonly<Record<string, CaKind>> = { kubernetes: 'kubernetes', etcd: 'etcd', front_proxy: 'front_proxy', 'front-proxy': 'front_proxy' };
const SIGN_FIELDS: Readonly<Record<string, FieldSpec>> = {
  cluster_uuid: { type: 'string', min: 1, max: 255 }, bay_uuid: { type: 'string', min: 1, max: 255 }, csr: { type: 'string', min: 1, max: 65536 },
  ca_cert_type: { type: 'string', enum: Object.keys(CA_TYPES) },
};

function caKind(raw: string | undefined): CaKind {
  if (raw === undefined || raw === '') return 'kubernetes';
  const k = CA_TYPES[raw];
  if (!k) throw invalid(`Invalid ca_cert_type ${raw.slice(0, 50)}: one of ${Object.keys(CA_TYPES).join(', ')}.`);
  return k;
}

/** The CA of the kind (a Swarm cluster has one CA, which stands for every kind). */
async function caOf(ctx: ContainerInfraContext, c: Cluster, kind: CaKind): Promise<{ certPem: string; keyPem: string }> {
  const ca = (await ctx.store.getCa(c.uuid, kind)) ?? (kind === 'kubernetes' ? undefined : await ctx.store.getCa(c.uuid, 'kubernetes'));
  if (!ca) throw new MagnumFault(409, 'Conflict', `Cluster ${c.uuid} has no certificate authority yet; try again when it is created.`);
  return ca;
}

const certJson = (c: Cluster, base: string, extra: Json): Json => ({
  cluster_uuid: c.uuid, bay_uuid: c.uuid, ...extra,
  links: [{ href: `${base}/v1/certificates/${c.uuid}`, rel: 'self' }, { href: `${base}/certificates/${c.uuid}`, rel: 'bookmark' }],
});

async function sign(ctx: ContainerInfraContext, c: Cluster, csr: string, kind: CaKind): Promise<string> {
  try {
    return await signCsr(await caOf(ctx, c, kind), csr);
  } catch (err) {
    if (err instanceof InvalidCsr) throw new MagnumFault(400, 'InvalidCsr', `Received invalid csr ${err.message}`);
    throw err;
  }
}

function readSign(body: unknown): { ident: string; csr: string; kind: CaKind } {
  const d = readBody(body, 'certificate', SIGN_FIELDS, ['pem', 'links']);
  const ident = (d.cluster_uuid ?? d.bay_uuid) as string | undefined;
  if (ident === undefined) throw invalid('Invalid input for field/attribute cluster_uuid. Value: None. Mandatory field missing.');
  if (d.csr === undefined) throw invalid('Invalid input for field/attribute csr. Value: None. Mandatory field missing.');
  return { ident, csr: d.csr as string, kind: caKind(d.ca_cert_type as string | undefined) };
}

export function certificateRoutes(app: FastifyInstance, ctx: ContainerInfraContext): void {
  tokenPrefixConstraint(app, STRATEGY, NODE_SECRET_PREFIX, 'node');

  app.get<Ident>('/v1/certificates/:ident', async (request) => {
    const caller = callerOf(ctx, request);
    const c = await clusterFor(ctx, caller, request.params.ident);
    caller.authorize('certificate:get', targetOf(c));
    const ca = await caOf(ctx, c, caKind(queryOne(request, 'ca_cert_type')));
    return certJson(c, requestBase(ctx, request), { pem: ca.certPem });
  });

  app.post('/v1/certificates', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { ident, csr, kind } = readSign(request.body);
    const c = await clusterFor(ctx, caller, ident, { missingStatus: 400 });
    caller.authorize('certificate:create', targetOf(c));
    const pem = await sign(ctx, c, csr, kind);
    return reply.code(201).send(certJson(c, requestBase(ctx, request), { csr, pem }));
  });

  // Nodes: the same path with a node-signing secret. Every mismatch is the same 401, before the body is looked at further.
  app.post('/v1/certificates', { config: { public: true }, constraints: { [STRATEGY]: 'node' } }, async (request: FastifyRequest, reply) => {
    const denied = new Unauthorized(AUTH_REQUIRED);
    const secret = String(request.headers['x-auth-token'] ?? '');
    const body = request.body as Json | undefined;
    const ident = typeof body === 'object' && body !== null ? (body.cluster_uuid ?? body.bay_uuid) : undefined;
    if (typeof ident !== 'string' || ident.length > 255 || !(await ctx.store.verifyNodeSecret(ident, secret))) throw denied;
    const { csr, kind } = readSign(body);
    const c = await ctx.store.getCluster(ident);
    if (!c) throw denied;
    const pem = await sign(ctx, c, csr, kind);
    return reply.code(201).send(certJson(c, requestBase(ctx, request), { csr, pem }));
  });

  app.patch<Ident>('/v1/certificates/:ident', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const c = await clusterFor(ctx, caller, request.params.ident);
    caller.authorize('certificate:rotate_ca', targetOf(c));
    const template = await ctx.store.getTemplate(c.clusterTemplateId);
    if (template?.tlsDisabled) throw invalid(`Rotating the CA certificate on a non-TLS cluster is not supported.`);
    if (!UPDATABLE.includes(c.status)) throw statusNotSupported(c.status);
    assertIdle(c, 'rotate_ca');
    await startOperation(ctx, c, { kind: 'rotate_ca' });
    return reply.code(202).send({ uuid: c.uuid });
  });
}
