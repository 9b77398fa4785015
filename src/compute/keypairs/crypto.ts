/**
 * Key pair material as Nova makes and checks it (nova/crypto.py): OpenSSH public keys validated by their
 * wire structure and fingerprinted by the MD5 of the key blob, X.509 certificates fingerprinted by SHA-1,
 * generated RSA 2048 keys returned once in PEM.
 */
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BadRequest } from '../../platform/errors.js';
import { sshMpint as mpint, sshString } from '../../platform/ssh-wire.js';

const run = promisify(execFile);

function invalidKeypair(reason: string): BadRequest {
  return new BadRequest(`Keypair data is invalid: ${reason}`);
}

/** Colon-separated lowercase hex, as Nova prints fingerprints. */
function colonHex(hex: string): string {
  return hex.match(/../g)!.join(':');
}

/** Reads SSH wire-format strings (uint32 length + bytes) off a buffer. */
class WireReader {
  #at = 0;
  constructor(private readonly buf: Buffer) {}
  string(): Buffer {
    if (this.#at + 4 > this.buf.length) throw new Error('truncated');
    const n = this.buf.readUInt32BE(this.#at);
    this.#at += 4;
    if (n > this.buf.length - this.#at) throw new Error('truncated');
    const out = this.buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  get done(): boolean { return this.#at === this.buf.length; }
}

const ECDSA_CURVES: Readonly<Record<string, number>> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/** Checks that a key blob is a well-formed key of its declared type; throws otherwise. */
function checkBlob(type: string, blob: Buffer): void {
  const r = new WireReader(blob);
  if (r.string().toString('latin1') !== type) throw new Error('type mismatch');
  switch (type) {
    case 'ssh-rsa': {
      const e = r.string();
      const n = r.string();
      if (e.length === 0 || n.length < 64) throw new Error('bad RSA key');
      const bits = (n.length - (n[0] === 0 ? 1 : 0)) * 8;
      if (bits < 1024 || bits > 16384) throw new Error('unsupported RSA key size');
      break;
    }
    case 'ssh-dss': for (let i = 0; i < 4; i++) if (r.string().length === 0) throw new Error('bad DSA key'); break;
    case 'ssh-ed25519': if (r.string().length !== 32) throw new Error('bad Ed25519 key'); break;
    default: {
      const curve = /^ecdsa-sha2-(nistp\d+)$/.exec(type)?.[1];
      if (!curve || ECDSA_CURVES[curve] === undefined) throw new Error('unsupported key type');
      if (r.string().toString('latin1') !== curve) throw new Error('curve mismatch');
      const point = r.string();
      if (point.length !== ECDSA_CURVES[curve] || point[0] !== 4) throw new Error('bad ECDSA point');
    }
  }
  if (!r.done) throw new Error('trailing data');
}

/** The fingerprint of an OpenSSH public key line; BadRequest if it is not one. */
export function sshFingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  try {
    if (parts.length < 2) throw new Error('not a key');
    const b64 = parts[1]!;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('not base64');
    const blob = Buffer.from(b64, 'base64');
    checkBlob(parts[0]!, blob);
    return colonHex(createHash('md5').update(blob).digest('hex'));
  } catch {
    throw invalidKeypair('failed to generate fingerprint');
  }
}

/** The fingerprint of a PEM X.509 certificate; BadRequest if it is not one. */
export function x509Fingerprint(pem: string): string {
  try {
    const cert = new X509Certificate(pem);
    return colonHex(createHash('sha1').update(cert.raw).digest('hex'));
  } catch (err) {
    throw invalidKeypair(`failed to generate X509 fingerprint. Error message: ${(err as Error).message}`);
  }
}

export interface GeneratedKey { privateKey: string; publicKey: string; fingerprint: string; }

/** A new RSA 2048 key pair: the private key in PEM (PKCS#1, what ssh accepts), the public key as OpenSSH writes it. */
export function generateSshKey(): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e!, 'base64url')),
    mpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  const line = `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`;
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicKey: line,
    fingerprint: colonHex(createHash('md5').update(blob).digest('hex')),
  };
}

/**
 * A new self-signed client certificate for the user (Nova's WinRM certificate: CN is the user id), made
 * with the openssl command, since Node can verify certificates but not issue them.
 */
export async function generateX509(userId: string): Promise<GeneratedKey> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-x509-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '3650',
      '-subj', `/CN=${userId.replace(/[/\\]/g, '')}`, '-addext', 'extendedKeyUsage=clientAuth'], { timeout: 30_000 });
    const publicKey = await fs.readFile(cert, 'utf8');
    return { privateKey: await fs.readFile(key, 'utf8'), publicKey, fingerprint: x509Fingerprint(publicKey) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
