/**
 * Seals private keys at rest (decision 0014): AES-256-GCM under a 32-byte key kept in a file of its own
 * under the data dir (0600), made on first use. A database dump alone then reveals no cluster's CA key;
 * the key file and the database together do, as with any service that must sign unattended.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('a SecretBox key is 32 bytes');
    this.#key = Buffer.from(key);
  }

  /** The key in `file`, made (random, 0600) when the file does not exist yet. */
  static fromKeyFile(file: string): SecretBox {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const key = fs.readFileSync(file);
    if (key.length !== 32) throw new Error(`${file} must hold exactly 32 bytes (it holds ${key.length})`);
    return new SecretBox(key);
  }

  /** base64 of iv (12) | tag (16) | ciphertext; `context` (e.g. the cluster and purpose) is bound as AAD. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plaintext; throws if the box was altered or sealed for another context or key. */
  open(sealed: string, context: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
