/**
 * A server's ssh host keys, made by the agent and handed over on the config drive (flotilla/ssh/), so the
 * server's init only copies them into /etc/ssh on the instance's first boot. Running ssh-keygen inside
 * the server instead cost four processes per boot (two keys, two fingerprints): 7% of the machine's CPU
 * while five servers boot at once on two cores, for keys Node makes in well under a millisecond.
 *
 * The keys are written in OpenSSH's own private key format (PROTOCOL.key in OpenSSH's source: the
 * "openssh-key-v1" container, unencrypted), the public keys as `type base64 comment` lines, and the
 * fingerprints as `ssh-keygen -l` prints them (bits, SHA256 of the key blob in unpadded base64, comment,
 * type in brackets), which the init writes to the console log as cloud-init does.
 *
 * ed25519 and ECDSA P-256 only: an RSA host key would cost a second of CPU per server, and every OpenSSH
 * since 6.5 prefers ed25519 anyway.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { sshMpint, sshStrings as wire } from '../platform/ssh-wire.js';

export type HostKeyType = 'ed25519' | 'ecdsa';

export interface HostKey {
  type: HostKeyType;
  /** OpenSSH private key file content (mode 0600). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… root@host` */
  publicKey: string;
  /** `256 SHA256:… root@host (ED25519)` */
  fingerprint: string;
}

const b64url = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');

/** The openssh-key-v1 container around one unencrypted key. */
function opensshPrivateKey(publicBlob: Buffer, privateFields: Buffer, comment: string): string {
  const check = randomBytes(4);
  let section = Buffer.concat([check, check, privateFields, wire(comment)]);
  // Padded with 1, 2, 3, … to the cipher's block size (8 for "none").
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), wire('none', 'none', ''), count, wire(publicBlob, section)]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function finish(type: HostKeyType, algorithm: string, publicBlob: Buffer, privateFields: Buffer, comment: string): HostKey {
  const fp = createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '');
  return {
    type,
    privateKey: opensshPrivateKey(publicBlob, privateFields, comment),
    publicKey: `${algorithm} ${publicBlob.toString('base64')} ${comment}`,
    fingerprint: `256 SHA256:${fp} ${comment} (${type.toUpperCase()})`,
  };
}

/** A fresh host key of `type`; `comment` is what ssh-keygen would put (root@hostname). */
export function makeHostKey(type: HostKeyType, comment: string): HostKey {
  if (type === 'ed25519') {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const pub = b64url(jwk.x);
    const blob = wire('ssh-ed25519', pub);
    // The private part is the 32-byte seed followed by the public key, as OpenSSH keeps it.
    return finish(type, 'ssh-ed25519', blob, wire('ssh-ed25519', pub, Buffer.concat([b64url(jwk.d), pub])), comment);
  }
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const q = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
  const blob = wire('ecdsa-sha2-nistp256', 'nistp256', q);
  return finish(type, 'ecdsa-sha2-nistp256', blob, Buffer.concat([wire('ecdsa-sha2-nistp256', 'nistp256', q), sshMpint(b64url(jwk.d))]), comment);
}

export const HOST_KEY_TYPES: readonly HostKeyType[] = ['ed25519', 'ecdsa'];
