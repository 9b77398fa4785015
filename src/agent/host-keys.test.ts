/** Host keys made by the agent: OpenSSH's own tools read them as the keys and fingerprints we say they are. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HOST_KEY_TYPES, makeHostKey } from './host-keys.js';

const keygen = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' }).error ? undefined : 'ssh-keygen';

describe('ssh host keys', () => {
  for (const type of HOST_KEY_TYPES) {
    it(`${type}: ssh-keygen derives the same public key and fingerprint`, { skip: keygen ? false : 'ssh-keygen (openssh-client) is not installed' }, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-hostkey-'));
      try {
        const key = makeHostKey(type, 'root@s1');
        const file = path.join(dir, 'key');
        fs.writeFileSync(file, key.privateKey, { mode: 0o600 });
        fs.writeFileSync(`${file}.pub`, `${key.publicKey}\n`);
        const derived = spawnSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
        assert.equal(derived.status, 0, derived.stderr);
        assert.equal(derived.stdout.trim(), key.publicKey);
        const listed = spawnSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' });
        assert.equal(listed.stdout.trim(), key.fingerprint);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('makes a different key every time', () => {
    assert.notEqual(makeHostKey('ed25519', 'root@a').publicKey, makeHostKey('ed25519', 'root@a').publicKey);
  });
});
