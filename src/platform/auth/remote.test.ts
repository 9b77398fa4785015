/**
 * The validator other services use, against a real identity service on a loopback port: answers are
 * cached, and a revocation reaches the cache within one poll.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTestIdentity, type TestIdentity } from '../../identity/testing.js';
import { IdentityClient } from '../../identity/client.js';
import { CachingTokenValidator } from './remote.js';
import { Unauthorized } from '../errors.js';

let id: TestIdentity;
let client: IdentityClient;
before(async () => {
  id = await createTestIdentity();
  await id.service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = id.service.app.server.address() as AddressInfo;
  client = new IdentityClient(`http://127.0.0.1:${port}/v3`);
});
after(async () => { await id.close(); });

describe('CachingTokenValidator', () => {
  it('validates through the identity API, caches, and drops revoked tokens at the next poll', async () => {
    let calls = 0;
    const source = {
      validate: (s: string, t?: string) => { calls++; return client.validate(s, t); },
      revocationEvents: (t: string, since?: Date) => client.revocationEvents(t, since),
    };
    const validator = new CachingTokenValidator({ source, serviceToken: async () => id.adminToken });
    const u = await id.makeUser({ name: 'remote', project: 'remote-p' });
    const ctx = await validator.validate(u.token);
    assert.equal(ctx.user.name, 'remote');
    assert.equal(ctx.scope.kind, 'project');
    await validator.validate(u.token);
    assert.equal(calls, 1, 'second validation served from cache');

    await client.passwordToken({ user: 'remote', password: 'remote-password', project: 'remote-p' });
    assert.equal((await id.call('DELETE', '/v3/auth/tokens', undefined, id.adminToken, { 'x-subject-token': u.token })).statusCode, 204);
    await validator.poll();
    await assert.rejects(validator.validate(u.token), Unauthorized);
  });

  it('refuses garbage without caching it', async () => {
    const validator = new CachingTokenValidator({ source: client, serviceToken: async () => id.adminToken });
    await assert.rejects(validator.validate('not-a-token'), Unauthorized);
  });
});
