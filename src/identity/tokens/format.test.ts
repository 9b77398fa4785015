import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRepository } from '../keys.js';
import { newAuditId, openToken, sealToken, type TokenPayload } from './format.js';

function repo(): { keys: KeyRepository; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-keys-'));
  return { keys: KeyRepository.open(dir, 3), dir };
}

const payload: TokenPayload = {
  userId: '0123456789abcdef0123456789abcdef',
  methods: ['password', 'token'],
  scope: { kind: 'project', projectId: 'fedcba9876543210fedcba9876543210' },
  issuedAt: 1795675000123,
  expiresAt: 1795678600123,
  auditIds: [newAuditId(), newAuditId()],
  trustId: 'not-hex-trust-id',
};

describe('token format', () => {
  it('round-trips every field and stays short', () => {
    const { keys } = repo();
    const token = sealToken(keys, payload);
    assert.ok(token.length < 200, `token is ${token.length} characters`);
    assert.deepEqual(openToken(keys, token), { ...payload, appCredId: undefined, accessTokenId: undefined });
  });

  it('rejects any bit flip, truncation or foreign key', () => {
    const { keys } = repo();
    const token = sealToken(keys, payload);
    const raw = Buffer.from(token, 'base64url');
    for (let i = 0; i < raw.length; i += 7) {
      const flipped = Buffer.from(raw);
      flipped[i] = flipped[i]! ^ 0x01;
      assert.equal(openToken(keys, flipped.toString('base64url')), undefined, `flip at byte ${i}`);
    }
    assert.equal(openToken(keys, token.slice(0, -4)), undefined);
    assert.equal(openToken(repo().keys, token), undefined);
    assert.equal(openToken(keys, 'garbage!!'), undefined);
  });

  it('keeps tokens valid across rotations until their key is pruned', () => {
    const { keys, dir } = repo();
    const token = sealToken(keys, payload);
    keys.rotate();
    assert.ok(openToken(keys, token), 'valid after one rotation (key is secondary)');
    // max 3 keys counts the staged one (as Keystone's max_active_keys): staged, primary, one secondary.
    keys.rotate();
    assert.equal(openToken(keys, token), undefined, 'its key was pruned at the second rotation');
    assert.equal(keys.all().length, 3);
    for (const f of fs.readdirSync(dir)) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  });

  it('encrypts with the staged key once it is promoted', () => {
    const { keys } = repo();
    const stagedBefore = keys.all().find((k) => k.index === 0)!;
    keys.rotate();
    assert.ok(keys.primary().material.equals(stagedBefore.material));
  });
});
