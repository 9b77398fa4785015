/**
 * A rotating key repository, as Keystone's fernet repository works: files named by index in one
 * directory, mode 0600. Key "0" is staged (known to every reader, not yet used to encrypt), the highest
 * index is primary (encrypts), the rest are secondary (decrypt only). Rotation promotes the staged key,
 * stages a fresh one and drops the oldest secondaries beyond `maxActive`. Every write is a rename, so a
 * crash at any point leaves a usable repository.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Key {
  readonly index: number;
  readonly material: Buffer;
  /** First 4 bytes of SHA-256 of the key: lets a reader pick the key without trying each one. */
  readonly fingerprint: Buffer;
}

function writeKeyFile(file: string, material: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, material.toString('base64url') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function toKey(index: number, material: Buffer): Key {
  return { index, material, fingerprint: createHash('sha256').update(material).digest().subarray(0, 4) };
}

export class KeyRepository {
  readonly #dir: string;
  readonly #maxActive: number;
  #keys: Key[] = [];
  #loadedAt = 0;

  private constructor(dir: string, maxActive: number) {
    this.#dir = dir;
    this.#maxActive = maxActive;
  }

  /** Opens the repository in `dir`, creating a staged and a primary key on first use. */
  static open(dir: string, maxActive = 3): KeyRepository {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const repo = new KeyRepository(dir, Math.max(2, maxActive));
    repo.#ensureInitialised();
    repo.reload();
    return repo;
  }

  /** Re-reads the directory; another process may have rotated. */
  reload(): void {
    const keys: Key[] = [];
    for (const name of fs.readdirSync(this.#dir)) {
      if (!/^\d+$/.test(name)) continue;
      const text = fs.readFileSync(path.join(this.#dir, name), 'utf8').trim();
      const material = Buffer.from(text, 'base64url');
      if (material.length !== 32) continue;
      keys.push(toKey(Number(name), material));
    }
    keys.sort((a, b) => b.index - a.index);
    this.#keys = keys;
    this.#loadedAt = Date.now();
  }

  /** Re-reads the directory at most once a second: for readers that meet an unknown key. */
  refresh(): void {
    if (Date.now() - this.#loadedAt >= 1000) this.reload();
  }

  /** The key that encrypts new tokens. */
  primary(): Key {
    const key = this.#keys[0];
    if (!key || key.index === 0) throw new Error(`key repository ${this.#dir} has no primary key`);
    return key;
  }

  /** Every key that may decrypt, primary first. */
  all(): readonly Key[] {
    return this.#keys;
  }

  /** Finds a key by fingerprint. */
  byFingerprint(fp: Buffer): Key | undefined {
    return this.#keys.find((k) => k.fingerprint.equals(fp));
  }

  /** Promotes the staged key to primary, stages a new key and prunes old secondaries. */
  rotate(): void {
    this.reload();
    const maxIndex = Math.max(0, ...this.#keys.map((k) => k.index));
    const staged = path.join(this.#dir, '0');
    fs.renameSync(staged, path.join(this.#dir, String(maxIndex + 1)));
    writeKeyFile(staged, randomBytes(32));
    this.reload();
    // Keep: staged (0), primary, and secondaries up to maxActive in total.
    const excess = this.#keys.filter((k) => k.index !== 0).slice(this.#maxActive - 1);
    for (const k of excess) fs.rmSync(path.join(this.#dir, String(k.index)), { force: true });
    this.reload();
  }

  #ensureInitialised(): void {
    const names = fs.readdirSync(this.#dir).filter((n) => /^\d+$/.test(n));
    if (!names.includes('0')) writeKeyFile(path.join(this.#dir, '0'), randomBytes(32));
    if (!names.some((n) => n !== '0')) {
      // A fresh repository: promote the staged key at once so there is a primary.
      fs.renameSync(path.join(this.#dir, '0'), path.join(this.#dir, '1'));
      writeKeyFile(path.join(this.#dir, '0'), randomBytes(32));
    }
  }
}
