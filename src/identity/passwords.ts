/**
 * Password and secret hashing with scrypt (memory-hard; OpenSSL's implementation through node:crypto,
 * so no native add-on to build). Hashes are self-describing: `$scrypt$ln=15,r=8,p=3$<salt>$<hash>`, so
 * the cost can be raised later while old hashes still verify. Comparison is constant-time.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LEN = 32;

function scrypt(secret: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function options(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  // OpenSSL refuses unless maxmem covers 128 * N * r bytes plus working space.
  return { N, r, p, maxmem: 129 * N * r * p + 1024 * 1024 };
}

export interface PasswordHasher {
  hash(secret: string): Promise<string>;
  verify(secret: string, encoded: string | null | undefined): Promise<boolean>;
  /** A description of the cost, for benchmark reports. */
  readonly cost: string;
}

/** OWASP's scrypt profile N=2^15, r=8, p=3 by default; logN is configurable. */
export function createPasswordHasher(logN = 15, r = 8, p = 3): PasswordHasher {
  const opts = options(logN, r, p);
  // A dummy hash verified when the user does not exist, so that timing does not reveal which users exist.
  let dummy: Promise<string> | undefined;
  const hasher: PasswordHasher = {
    cost: `scrypt N=2^${logN} r=${r} p=${p}`,
    async hash(secret) {
      const salt = randomBytes(16);
      const key = await scrypt(secret, salt, opts);
      return `$scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
    },
    async verify(secret, encoded) {
      if (!encoded) {
        dummy ??= hasher.hash('not a password');
        await hasher.verify(secret, await dummy);
        return false;
      }
      const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(encoded);
      if (!m) return false;
      const expected = Buffer.from(m[5]!, 'base64url');
      const key = await scrypt(secret, Buffer.from(m[4]!, 'base64url'), options(Number(m[1]), Number(m[2]), Number(m[3])));
      return key.length === expected.length && timingSafeEqual(key, expected);
    },
  };
  return hasher;
}
