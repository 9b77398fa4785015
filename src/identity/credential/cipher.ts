/**
 * Encryption at rest for stored secrets (credential blobs, sensitive domain-config options), as
 * Keystone's fernet credential provider does: the primary key of a rotating key repository encrypts,
 * every key in the repository decrypts, and each row records which key sealed it (`key_hash`), so a
 * rotation leaves old rows readable until `reencrypt` moves them to the new primary.
 *
 * Sealed form: base64url(iv(12) | ciphertext | tag(16)), AES-256-GCM. The caller's context string
 * (e.g. the credential id) is authenticated as associated data, so a sealed value copied into another
 * row does not decrypt there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Key, KeyRepository } from '../keys.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  /** base64url(iv | ciphertext | tag). */
  readonly ciphertext: string;
  /** Hex fingerprint of the key that sealed it. */
  readonly keyHash: string;
}

/** A stored secret whose key is no longer in the repository, or whose bytes were altered. */
export class SecretUnreadable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretUnreadable';
  }
}

export class SecretCipher {
  readonly #keys: KeyRepository;

  constructor(keys: KeyRepository) {
    this.#keys = keys;
  }

  /** The fingerprint of the key new secrets are sealed with. */
  primaryKeyHash(): string {
    return this.#keys.primary().fingerprint.toString('hex');
  }

  /** Encrypts `plaintext` under the primary key, bound to `context`. */
  seal(plaintext: string, context: string): Sealed {
    const key = this.#keys.primary();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url'),
      keyHash: key.fingerprint.toString('hex'),
    };
  }

  /** Decrypts a sealed value; throws SecretUnreadable if its key is gone or it was tampered with. */
  open(sealed: Sealed, context: string): string {
    const key = this.#find(sealed.keyHash);
    const raw = Buffer.from(sealed.ciphertext, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable('stored secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.material, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new SecretUnreadable('stored secret failed authentication', { cause: err });
    }
  }

  #find(keyHash: string): Key {
    const fp = Buffer.from(keyHash, 'hex');
    let key = this.#keys.byFingerprint(fp);
    if (!key) {
      // Another process may have rotated since we last read the repository.
      this.#keys.refresh();
      key = this.#keys.byFingerprint(fp);
    }
    if (!key) throw new SecretUnreadable(`no key with fingerprint ${keyHash} in the credential key repository`);
    return key;
  }
}
