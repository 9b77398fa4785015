/**
 * /v3/credentials: stored secrets owned by a user (ec2 access/secret pairs, TOTP seeds, certificates).
 * Blobs are encrypted at rest with the credential key repository.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { authOf } from '../../platform/auth/middleware.js';
import * as schemas from '../schemas.js';
import { allowed, enforce, link, listBody, query, type IdentityContext } from '../context.js';
import { extrasOf } from '../resource/service.js';
import { SecretCipher } from './cipher.js';
import { CredentialStore, EC2_TYPE, type Credential } from './store.js';
import { assertUnrestricted, assertWithinDelegation, ec2CredentialId, parseEc2Blob, withinDelegation } from './rules.js';

const RESERVED = new Set(['id', 'user_id', 'project_id', 'type', 'blob', 'links']);
/** Scope markers written into an ec2 blob at creation; changing them would widen a delegation. */
const FROZEN_EC2_KEYS = ['trust_id', 'app_cred_id', 'access_token_id', 'access_id'] as const;

export function renderCredential(ctx: IdentityContext, c: Credential): Record<string, unknown> {
  return {
    ...c.extra,
    id: c.id,
    user_id: c.userId,
    project_id: c.projectId,
    type: c.type,
    blob: c.blob,
    links: { self: link(ctx, `credentials/${c.id}`) },
  };
}

/** The policy target Keystone builds for a credential: its stored attributes. */
function target(c: Credential | undefined): Record<string, unknown> {
  return c ? { credential: { id: c.id, user_id: c.userId, project_id: c.projectId, type: c.type } } : {};
}

const isEc2 = (type: string): boolean => type.toLowerCase() === EC2_TYPE;

export function credentialRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new CredentialStore(ctx.db, new SecretCipher(ctx.credentialKeys));

  app.get('/v3/credentials', async (request) => {
    const auth = authOf(request);
    // Keystone checks the list rule against the caller's own id, then filters row by row below.
    enforce(ctx, request, 'identity:list_credentials', auth.scope.kind === 'system' ? {} : { credential: { user_id: auth.user.id } });
    const q = query(request);
    const all = await store.list({
      ...(q.user_id !== undefined ? { userId: q.user_id } : {}),
      ...(q.type !== undefined ? { type: q.type } : {}),
    });
    const visible = all.filter((c) => allowed(ctx, request, 'identity:get_credential', target(c)) && withinDelegation(auth, c.projectId));
    return listBody(ctx, request, 'credentials', visible.map((c) => renderCredential(ctx, c)));
  });

  app.post('/v3/credentials', { schema: { body: schemas.credentialCreate } }, async (request, reply) => {
    const body = (request.body as { credential: Record<string, unknown> }).credential;
    const auth = enforce(ctx, request, 'identity:create_credential', { credential: body });
    const type = String(body.type);
    const projectId = typeof body.project_id === 'string' ? body.project_id : null;
    if (isEc2(type)) assertUnrestricted(auth);
    assertWithinDelegation(auth, projectId, 'Credential');

    let id = newHexId() as string;
    let blob = String(body.blob);
    if (isEc2(type)) {
      const parsed = parseEc2Blob(blob);
      id = ec2CredentialId(parsed.access);
      // A credential made with delegated authority stays bound to that delegation: ec2tokens
      // authentication with it yields a token of the same trust / application credential / consumer.
      const scope: Record<string, string> = {
        ...(auth.trust ? { trust_id: auth.trust.id } : {}),
        ...(auth.applicationCredential ? { app_cred_id: auth.applicationCredential.id } : {}),
        ...(auth.oauth1 ? { access_token_id: auth.oauth1.accessTokenId } : {}),
      };
      if (Object.keys(scope).length > 0) blob = JSON.stringify({ ...parsed, ...scope });
    }
    const credential: Credential = { id, userId: String(body.user_id), projectId, type, blob, extra: extrasOf(body, RESERVED) };
    await store.insert(credential);
    return reply.code(201).send({ credential: renderCredential(ctx, credential) });
  });

  app.get<{ Params: { credential_id: string } }>('/v3/credentials/:credential_id', async (request) => {
    return { credential: renderCredential(ctx, await loadOr404(request, 'identity:get_credential')) };
  });

  app.patch<{ Params: { credential_id: string } }>('/v3/credentials/:credential_id', { schema: { body: schemas.credentialUpdate } }, async (request) => {
    const current = await loadOr404(request, 'identity:update_credential');
    const body = (request.body as { credential: Record<string, unknown> }).credential;
    if (isEc2(current.type) && body.blob !== undefined) {
      const next = parseEc2Blob(String(body.blob));
      const old = safeJsonObject(current.blob);
      for (const key of FROZEN_EC2_KEYS) {
        if (JSON.stringify(old[key] ?? null) !== JSON.stringify(next[key] ?? null)) throw new BadRequest(`${key} can not be updated for credential`);
      }
    }
    if (body.id !== undefined && body.id !== null && body.id !== current.id) throw new BadRequest('Cannot change ID');
    const next: Credential = {
      ...current,
      userId: typeof body.user_id === 'string' ? body.user_id : current.userId,
      projectId: body.project_id === undefined ? current.projectId : (typeof body.project_id === 'string' ? body.project_id : null),
      type: typeof body.type === 'string' ? body.type : current.type,
      blob: typeof body.blob === 'string' ? body.blob : current.blob,
      extra: { ...current.extra, ...extrasOf(body, RESERVED) },
    };
    // Checked again on the result, so an owner cannot hand a credential to someone else.
    enforce(ctx, request, 'identity:update_credential', target(next));
    if (isEc2(next.type) && !next.projectId) throw new BadRequest(
      'Expecting to find project_id in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    );
    await store.update(next);
    return { credential: renderCredential(ctx, next) };
  });

  app.delete<{ Params: { credential_id: string } }>('/v3/credentials/:credential_id', async (request, reply) => {
    const current = await loadOr404(request, 'identity:delete_credential');
    await store.delete(current.id);
    return reply.code(204).send();
  });

  /**
   * Keystone evaluates the rule before revealing whether the credential exists: a caller who could
   * not see it gets 403 either way, an admin gets 404 for a missing one.
   */
  async function loadOr404(request: FastifyRequest<{ Params: { credential_id: string } }>, action: string): Promise<Credential> {
    const current = await store.find(request.params.credential_id);
    const auth = enforce(ctx, request, action, target(current));
    if (!current) return store.get(request.params.credential_id);
    assertWithinDelegation(auth, current.projectId, 'Credential');
    return current;
  }
}

function safeJsonObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
