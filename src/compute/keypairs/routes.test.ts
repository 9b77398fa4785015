/**
 * Key pairs through the API: generated (the private key works with ssh-keygen, the fingerprint is the one
 * ssh-keygen computes), imported, x509, Nova's validation, status codes per microversion, admins acting
 * for other users.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestCompute, type TestCompute } from '../testing.js';

const hasSshKeygen = (() => { try { execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' }); return true; } catch (e) { return (e as { status?: number }).status !== undefined; } })();

describe('key pairs', () => {
  let t: TestCompute;
  let user: { userId: string; projectId: string; token: string };
  let dir: string;
  before(async () => {
    t = await createTestCompute();
    user = await t.identity.makeUser({ name: 'kp-user' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-kp-test-'));
  });
  after(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generates a key pair: the private key once, a fingerprint ssh-keygen agrees with', { skip: hasSshKeygen ? false : 'ssh-keygen is not installed' }, async () => {
    const r = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'gen' } }, { token: user.token });
    assert.equal(r.statusCode, 200);
    const kp = r.json().keypair;
    assert.deepEqual(Object.keys(kp).sort(), ['fingerprint', 'name', 'private_key', 'public_key', 'user_id']);
    assert.match(kp.private_key, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(kp.public_key, /^ssh-rsa AAAA\S+ Generated-by-Nova$/);
    const keyFile = path.join(dir, 'gen.pem');
    fs.writeFileSync(keyFile, kp.private_key, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' }).trim();
    assert.equal(derived.split(' ')[1], kp.public_key.split(' ')[1], 'the private key belongs to the public one');
    const pubFile = path.join(dir, 'gen.pub');
    fs.writeFileSync(pubFile, kp.public_key);
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', pubFile], { encoding: 'utf8' });
    assert.ok(fp.includes(`MD5:${kp.fingerprint}`), fp);
    const shown = (await t.call('GET', '/v2.1/os-keypairs/gen', undefined, { token: user.token })).json().keypair;
    assert.equal(shown.private_key, undefined);
    assert.equal(shown.deleted, false);
    assert.equal(shown.user_id, user.userId);
    assert.equal(typeof shown.id, 'number');
  });

  it('imports a public key (201 and a type from 2.2) and refuses bad ones', async () => {
    const gen = (await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'source' } }, { token: user.token })).json().keypair;
    const r = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'imported', public_key: gen.public_key.replace('Generated-by-Nova', 'me@host') } }, { token: user.token, version: '2.2' });
    assert.equal(r.statusCode, 201);
    assert.equal(r.json().keypair.type, 'ssh');
    assert.equal(r.json().keypair.fingerprint, gen.fingerprint);
    assert.equal(r.json().keypair.private_key, undefined);
    for (const bad of ['ssh-rsa JUNK nova@ubuntu', ' ', `ssh-rsa ${'A'.repeat(2048)} x@y`, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== short']) {
      const res = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'bad', public_key: bad } }, { token: user.token });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().badRequest.message, 'Keypair data is invalid: failed to generate fingerprint');
    }
    for (const name of ['', 'x'.repeat(256), 'key_/.\\@:']) {
      assert.equal((await t.call('POST', '/v2.1/os-keypairs', { keypair: { name } }, { token: user.token })).statusCode, 400, name);
    }
    const dup = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'imported' } }, { token: user.token });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().conflictingRequest.message, "Key pair 'imported' already exists.");
    assert.equal((await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'typed', type: 'ssh' } }, { token: user.token })).statusCode, 400, 'no type before 2.2');
  });

  it('makes x509 key pairs from 2.2', async () => {
    const r = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'cert', type: 'x509' } }, { token: user.token, version: '2.2' });
    assert.equal(r.statusCode, 201, r.body);
    const kp = r.json().keypair;
    assert.equal(kp.type, 'x509');
    assert.match(kp.public_key, /^-----BEGIN CERTIFICATE-----/);
    assert.match(kp.fingerprint, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    const list = (await t.call('GET', '/v2.1/os-keypairs', undefined, { token: user.token, version: '2.2' })).json().keypairs;
    assert.equal(list.find((k: any) => k.keypair.name === 'cert').keypair.type, 'x509');
  });

  it('lists by name with paging from 2.35; deletes with 202 before 2.2 and 204 from it', async () => {
    const page = (await t.call('GET', '/v2.1/os-keypairs?limit=2', undefined, { token: user.token, version: '2.35' })).json();
    assert.equal(page.keypairs.length, 2);
    const names = page.keypairs.map((k: any) => k.keypair.name);
    assert.deepEqual(names, [...names].sort());
    assert.match(page.keypairs_links[0].href, /marker=/);
    assert.equal((await t.call('DELETE', '/v2.1/os-keypairs/imported', undefined, { token: user.token })).statusCode, 202);
    assert.equal((await t.call('DELETE', '/v2.1/os-keypairs/source', undefined, { token: user.token, version: '2.2' })).statusCode, 204);
    const gone = await t.call('DELETE', '/v2.1/os-keypairs/source', undefined, { token: user.token });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().itemNotFound.message, `Keypair source not found for user ${user.userId}`);
  });

  it('admins create, show and delete for another user from 2.10', async () => {
    const r = await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'for-user', user_id: user.userId } }, { version: '2.10' });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().keypair.user_id, user.userId);
    assert.equal((await t.call('GET', '/v2.1/os-keypairs/for-user', undefined, { token: user.token })).statusCode, 200);
    assert.equal((await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'x', user_id: 'someone' } }, { token: user.token, version: '2.10' })).statusCode, 403);
  });
});
