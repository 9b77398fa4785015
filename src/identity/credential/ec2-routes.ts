/**
 * OS-EC2: /v3/users/{user_id}/credentials/OS-EC2. EC2-style access/secret pairs scoped to one project,
 * stored as `ec2` credentials (so /v3/credentials lists them too) and addressed by their access key.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound, Unauthorized } from '../../platform/errors.js';
import * as schemas from '../schemas.js';
import { enforce, link, listBody, type IdentityContext } from '../context.js';
import { SecretCipher } from './cipher.js';
import { CredentialStore, EC2_TYPE, type Credential } from './store.js';
import { assertUnrestricted, assertWithinDelegation, ec2CredentialId, withinDelegation } from './rules.js';

type UserParams = { user_id: string };
type CredParams = { user_id: string; credential_id: string };

/** The OS-EC2 view of a stored ec2 credential. */
function renderEc2(ctx: IdentityContext, c: Credential): Record<string, unknown> {
  let blob: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(c.blob);
    if (typeof parsed === 'object' && parsed !== null) blob = parsed as Record<string, unknown>;
  } catch { /* a blob that is not JSON shows as empty, as Keystone's .get() on it would */ }
  const access = typeof blob.access === 'string' ? blob.access : null;
  return {
    user_id: c.userId,
    tenant_id: c.projectId,
    access,
    secret: blob.secret ?? null,
    trust_id: blob.trust_id ?? null,
    links: { self: link(ctx, `users/${c.userId}/credentials/OS-EC2/${access ?? ''}`) },
  };
}

/** A fresh random key, as Keystone makes them (uuid4 hex). */
const newKey = (): string => randomUUID().replace(/-/g, '');

export function ec2CredentialRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new CredentialStore(ctx.db, new SecretCipher(ctx.credentialKeys));

  /**
   * Finds the credential for the access key in the URL (404 if none), then checks the rule against
   * its owner, so a matching user id in the path proves nothing.
   */
  async function load(request: FastifyRequest<{ Params: CredParams }>, action: string): Promise<Credential> {
    const cred = await store.get(ec2CredentialId(request.params.credential_id));
    const auth = enforce(ctx, request, action, { credential: { id: cred.id, user_id: cred.userId, project_id: cred.projectId, type: cred.type } });
    await ctx.users.get(request.params.user_id);
    if (cred.type !== EC2_TYPE) throw new Unauthorized('EC2 access key not found.');
    assertWithinDelegation(auth, cred.projectId, 'EC2 credential');
    return cred;
  }

  app.get<{ Params: UserParams }>('/v3/users/:user_id/credentials/OS-EC2', async (request) => {
    const auth = enforce(ctx, request, 'identity:ec2_list_credentials');
    await ctx.users.get(request.params.user_id);
    const creds = (await store.list({ userId: request.params.user_id, type: EC2_TYPE })).filter((c) => withinDelegation(auth, c.projectId));
    return listBody(ctx, request, 'credentials', creds.map((c) => renderEc2(ctx, c)));
  });

  app.post<{ Params: UserParams }>('/v3/users/:user_id/credentials/OS-EC2', { schema: { body: schemas.ec2CredentialCreate } }, async (request, reply) => {
    const userId = request.params.user_id;
    const auth = enforce(ctx, request, 'identity:ec2_create_credential', { credential: { user_id: userId } });
    assertUnrestricted(auth);
    await ctx.users.get(userId);
    const tenantId = ((request.body ?? {}) as { tenant_id?: string }).tenant_id;
    // Keystone looks up whatever was sent, so a missing tenant_id is a missing project (404), not a 400.
    if (tenantId === undefined) throw new NotFound('Could not find project: None.');
    await ctx.resources.getProject(tenantId);
    assertWithinDelegation(auth, tenantId, 'EC2 credential');
    const blob = { access: newKey(), secret: newKey(), trust_id: auth.trust?.id ?? null };
    const credential: Credential = {
      id: ec2CredentialId(blob.access),
      userId,
      projectId: tenantId,
      type: EC2_TYPE,
      blob: JSON.stringify(blob),
      extra: {},
    };
    await store.insert(credential);
    return reply.code(201).send({ credential: renderEc2(ctx, credential) });
  });

  app.get<{ Params: CredParams }>('/v3/users/:user_id/credentials/OS-EC2/:credential_id', async (request) => {
    return { credential: renderEc2(ctx, await load(request, 'identity:ec2_get_credential')) };
  });

  app.delete<{ Params: CredParams }>('/v3/users/:user_id/credentials/OS-EC2/:credential_id', async (request, reply) => {
    const cred = await load(request, 'identity:ec2_delete_credential');
    await store.delete(cred.id);
    return reply.code(204).send();
  });
}
