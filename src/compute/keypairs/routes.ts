/**
 * /os-keypairs: per-user key pairs; generate (private key returned once) or import; types ssh and x509
 * from 2.2; admins act for other users with `user_id` from 2.10; paging from 2.35.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { enforce, limitAndMarker, nextLinks, projectIdOf, queryAll, requestBase, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import { isoMicros } from '../model.js';
import type { Keypair, KeypairType } from './store.js';
import { generateSshKey, generateX509, sshFingerprint, x509Fingerprint } from './crypto.js';

type NameParams = { name: string };

function render(request: FastifyRequest, kp: Keypair, fields: 'index' | 'create' | 'show', privateKey?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (privateKey !== undefined) out.private_key = privateKey;
  if (request.microversion.atLeast('2.2')) out.type = kp.type;
  Object.assign(out, { name: kp.name, public_key: kp.publicKey, fingerprint: kp.fingerprint });
  if (fields !== 'index') out.user_id = kp.userId;
  if (fields === 'show') Object.assign(out, { created_at: isoMicros(kp.createdAt), deleted: false, deleted_at: null, id: kp.id, updated_at: null });
  return out;
}

/** The user a request acts for: `user_id` (2.10+, policy decides who may) or the caller. */
function targetUser(request: FastifyRequest, allowed: readonly string[]): string {
  const q = queryAll(request);
  if (request.microversion.atLeast('2.75')) {
    for (const k of q.keys()) if (!allowed.includes(k)) throw new BadRequest(`Invalid input for query parameters ${k}. Additional properties are not allowed ('${k}' was unexpected)`);
  }
  const fromQuery = request.microversion.atLeast('2.10') ? q.get('user_id')?.[0] : undefined;
  return fromQuery ?? authOf(request).user.id;
}

export function keypairRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  app.get('/os-keypairs', async (request) => {
    const paged = request.microversion.atLeast('2.35');
    const userId = targetUser(request, paged ? ['user_id', 'limit', 'marker'] : ['user_id']);
    enforce(ctx, request, 'os_compute_api:os-keypairs:index', { user_id: userId });
    const { limit, marker } = paged ? limitAndMarker(request) : { limit: undefined, marker: undefined };
    const list = await ctx.keypairs.list(userId, limit, marker);
    const out: Record<string, unknown> = { keypairs: list.map((kp) => ({ keypair: render(request, kp, 'index') })) };
    if (paged && limit !== undefined) {
      const next = nextLinks(requestBase(ctx, request), request, 'os-keypairs', limit, list.at(-1)?.name, list.length);
      if (next.length > 0) out.keypairs_links = next;
    }
    return out;
  });

  app.get<{ Params: NameParams }>('/os-keypairs/:name', async (request) => {
    const userId = targetUser(request, ['user_id']);
    enforce(ctx, request, 'os_compute_api:os-keypairs:show', { user_id: userId });
    return { keypair: render(request, await ctx.keypairs.get(userId, request.params.name), 'show') };
  });

  app.delete<{ Params: NameParams }>('/os-keypairs/:name', async (request, reply) => {
    const userId = targetUser(request, ['user_id']);
    enforce(ctx, request, 'os_compute_api:os-keypairs:delete', { user_id: userId });
    await ctx.keypairs.delete(userId, request.params.name);
    return reply.code(request.microversion.atLeast('2.2') ? 204 : 202).send();
  });

  app.post('/os-keypairs', async (request, reply) => {
    const mv = request.microversion;
    const body = v.requireObject(request.body, 'keypair');
    const allowed = ['name', 'public_key'];
    if (mv.atLeast('2.2')) allowed.push('type');
    if (mv.atLeast('2.10')) allowed.push('user_id');
    v.onlyKeys(body, allowed, 'keypair');
    v.required(body, ['name'], 'keypair');
    const name = v.name(body.name, 'name').trim();
    if (!/^[_\- a-zA-Z0-9]+$/.test(name)) throw v.invalid('name', body.name, `'${name}' does not match '^[_\\- a-zA-Z0-9]+$'`);
    let type: KeypairType = 'ssh';
    if (body.type !== undefined) {
      if (body.type !== 'ssh' && body.type !== 'x509') throw v.invalid('type', body.type, `${JSON.stringify(body.type)} is not one of ['ssh', 'x509']`);
      type = body.type;
    }
    const auth = authOf(request);
    const userId = body.user_id !== undefined ? v.str(body.user_id, 'user_id', 0, 255) : auth.user.id;
    enforce(ctx, request, 'os_compute_api:os-keypairs:create', { user_id: userId });
    let publicKey: string;
    let fingerprint: string;
    let privateKey: string | undefined;
    if (body.public_key !== undefined) {
      publicKey = v.str(body.public_key, 'public_key', 0, 1 << 20);
      fingerprint = type === 'ssh' ? sshFingerprint(publicKey) : x509Fingerprint(publicKey);
    } else {
      const generated = type === 'ssh' ? generateSshKey() : await generateX509(userId);
      ({ publicKey, fingerprint, privateKey } = generated);
    }
    const projectId = projectIdOf(auth);
    const kp = await ctx.keypairs.create({ userId, name, type, publicKey, fingerprint }, (tx) => ctx.quotas.checkKeypair(tx, projectId, userId));
    return reply.code(mv.atLeast('2.2') ? 201 : 200).send({ keypair: render(request, kp, 'create', privateKey) });
  });
}
