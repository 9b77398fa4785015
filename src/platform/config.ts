/**
 * Runtime configuration, read once from the environment. Every knob has an embedded default so that
 * `npm start` works with no settings at all.
 */
import os from 'node:os';
import path from 'node:path';

/** The services Flotilla runs, keyed as they appear in ports and the catalog. */
export type ServiceName = 'identity' | 'compute' | 'image' | 'network' | 'orchestration' | 'container-infra' | 'application-catalog' | 'registry';

/** OpenStack's usual ports. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = {
  identity: 5000,
  compute: 8774,
  image: 9292,
  network: 9696,
  orchestration: 8004,
  'container-infra': 9511,
  'application-catalog': 8082,
  /** Flotilla's private image registry (Debian's docker-registry; decision 0016); 5000, its usual port, is identity's. */
  registry: 5050,
};

export interface Config {
  /** Where every service keeps its state (databases, keys, engines). */
  readonly dataDir: string;
  /** Address every API binds to and advertises in the catalog. */
  readonly bindHost: string;
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** `postgres://…` to use PostgreSQL; unset means SQLite files under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Admin password given by the operator, if any. */
  readonly adminPassword: string | undefined;
  readonly logLevel: string;
  /** Base images built and registered at start (names of recipes; empty for none). */
  readonly baseImages: readonly string[];
  /** Where built base image archives are cached across data dirs. */
  readonly imageCacheDir: string | undefined;
  /**
   * The name of the compute host the all-in-one runs itself (its agent and private engine keep their
   * state in dataDir/hosts/<name>); undefined when it runs none and every host is a standalone agent.
   */
  readonly computeHost: string | undefined;
  /**
   * Where get-me-a-network takes each project's /24 from (FLOTILLA_SERVER_POOL, default 198.18.0.0/16):
   * a CIDR inside 198.18.0.0/16 of prefix 16 to 24. Two clouds on one machine need disjoint pools, since
   * each routes its subnets from the root namespace.
   */
  readonly serverPool: ServerPool;
  /**
   * The external network `public`'s subnet, where router gateways and floating IPs come from
   * (FLOTILLA_PUBLIC_POOL, default 198.19.128.0/17): an aligned CIDR inside 198.19.128.0/17 of prefix 17
   * to 28. Every host routes exactly this pool from the root namespace into its external segment, so two
   * clouds on one machine need disjoint pools.
   */
  readonly publicPool: string;
  readonly identity: {
    /** Token lifetime in seconds. */
    readonly tokenLifetime: number;
    /** How often the token key repository rotates, in seconds (0 = never automatically). */
    readonly keyRotationInterval: number;
    /** Keys kept in the repository: one staged, one primary, the rest secondary. */
    readonly maxActiveKeys: number;
    /** log2 of scrypt's cost parameter N for password hashing. */
    readonly scryptLogN: number;
    /** Largest request body accepted, in bytes. */
    readonly maxBodyBytes: number;
    /** Keystone's [security_compliance] options; all off by default, as in Keystone. */
    readonly securityCompliance: SecurityCompliance;
  };
}

/** PCI-DSS style password and lockout rules (Keystone's [security_compliance] section). */
export interface SecurityCompliance {
  /** Failed password logins before the account locks (0: never). */
  readonly lockoutFailureAttempts: number;
  /** Seconds a locked account stays locked (0 with attempts > 0: until an admin re-enables it). */
  readonly lockoutDuration: number;
  /** A self-service password change must differ from this many most recent passwords (0/1: off). */
  readonly uniqueLastPasswordCount: number;
  /** Days a password must be kept before its owner may change it. */
  readonly minimumPasswordAgeDays: number;
  /** Days until a newly set password expires (0: never). */
  readonly passwordExpiresDays: number;
  /** Passwords an admin sets are expired at once, so the user must choose one. */
  readonly changePasswordUponFirstUse: boolean;
  /** Every new password must match this (JavaScript) regular expression, if set. */
  readonly passwordRegex: string | undefined;
  readonly passwordRegexDescription: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${key} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Reads the configuration from an environment (process.env by default). Throws on malformed values. */
export function loadConfig(env: Env = process.env): Config {
  const ports = { ...DEFAULT_PORTS };
  for (const name of Object.keys(ports) as ServiceName[]) {
    const key = `FLOTILLA_${name.toUpperCase().replace(/-/g, '_')}_PORT`;
    ports[name] = int(env, key, ports[name], 0);
  }
  const databaseUrl = env.FLOTILLA_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('FLOTILLA_DATABASE_URL must be a postgres:// URL (unset it to use SQLite)');
  }
  return Object.freeze({
    dataDir: path.resolve(env.FLOTILLA_DATA_DIR || '.flotilla'),
    bindHost: env.FLOTILLA_BIND_HOST || '127.0.0.1',
    ports: Object.freeze(ports),
    databaseUrl,
    adminPassword: env.FLOTILLA_ADMIN_PASSWORD || undefined,
    logLevel: env.FLOTILLA_LOG_LEVEL || 'info',
    baseImages: Object.freeze((env.FLOTILLA_BASE_IMAGES ?? 'busybox,debian-12,debian-12-docker').split(',').map((s) => s.trim()).filter((s) => s && s !== 'none')),
    imageCacheDir: env.FLOTILLA_IMAGE_CACHE || undefined,
    computeHost: computeHost(env.FLOTILLA_COMPUTE_HOST),
    serverPool: serverPool(env.FLOTILLA_SERVER_POOL),
    publicPool: publicPool(env.FLOTILLA_PUBLIC_POOL),
    identity: Object.freeze({
      tokenLifetime: int(env, 'FLOTILLA_TOKEN_LIFETIME', 3600, 1),
      keyRotationInterval: int(env, 'FLOTILLA_TOKEN_KEY_ROTATION', 86400, 0),
      maxActiveKeys: int(env, 'FLOTILLA_TOKEN_MAX_ACTIVE_KEYS', 3, 2),
      scryptLogN: int(env, 'FLOTILLA_SCRYPT_LOG_N', 15, 10),
      maxBodyBytes: int(env, 'FLOTILLA_MAX_BODY_BYTES', 114688, 1024),
      securityCompliance: Object.freeze({
        lockoutFailureAttempts: int(env, 'FLOTILLA_LOCKOUT_FAILURE_ATTEMPTS', 0, 0),
        lockoutDuration: int(env, 'FLOTILLA_LOCKOUT_DURATION', 1800, 0),
        uniqueLastPasswordCount: int(env, 'FLOTILLA_UNIQUE_LAST_PASSWORD_COUNT', 0, 0),
        minimumPasswordAgeDays: int(env, 'FLOTILLA_MINIMUM_PASSWORD_AGE', 0, 0),
        passwordExpiresDays: int(env, 'FLOTILLA_PASSWORD_EXPIRES_DAYS', 0, 0),
        changePasswordUponFirstUse: env.FLOTILLA_CHANGE_PASSWORD_UPON_FIRST_USE === '1' || env.FLOTILLA_CHANGE_PASSWORD_UPON_FIRST_USE === 'true',
        passwordRegex: env.FLOTILLA_PASSWORD_REGEX || undefined,
        passwordRegexDescription: env.FLOTILLA_PASSWORD_REGEX_DESCRIPTION || undefined,
      }),
    }),
  });
}

/** The base URL a service advertises, e.g. http://127.0.0.1:5000. */
export function serviceUrl(config: Config, service: ServiceName): string {
  return `http://${config.bindHost}:${config.ports[service]}`;
}

/** A compute host's name as compute keeps it: letters, digits, dots, dashes, underscores; at most 63. */
export function isHostName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name);
}

/** FLOTILLA_COMPUTE_HOST: a host name (default this machine's short name), or `none`. */
function computeHost(value: string | undefined): string | undefined {
  if (value === 'none') return undefined;
  const host = value || os.hostname().split('.')[0] || 'localhost';
  if (!isHostName(host)) throw new Error(`FLOTILLA_COMPUTE_HOST must be a host name (letters, digits, '.', '_', '-') or none, not ${JSON.stringify(host)}`);
  return host;
}

function publicPool(value: string | undefined): string {
  const cidr = value || '198.19.128.0/17';
  const m = /^198\.19\.(\d{1,3})\.(\d{1,3})\/(\d{2})$/.exec(cidr);
  const address = m ? (Number(m[1]) << 8) | Number(m[2]) : NaN;
  const prefix = Number(m?.[3]);
  const size = 2 ** (32 - prefix);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255 || prefix < 17 || prefix > 28 || Number(m[1]) < 128 || address % size !== 0) {
    throw new Error(`FLOTILLA_PUBLIC_POOL must be an aligned CIDR inside 198.19.128.0/17 with a prefix of 17 to 28 (e.g. 198.19.136.0/21), not ${JSON.stringify(cidr)}`);
  }
  return cidr;
}

/** A run of /24s inside 198.18.0.0/16: third octets first … first + count − 1. */
export interface ServerPool { readonly cidr: string; readonly first: number; readonly count: number }

function serverPool(value: string | undefined): ServerPool {
  const cidr = value || '198.18.0.0/16';
  const m = /^198\.18\.(\d{1,3})\.0\/(\d{2})$/.exec(cidr);
  const third = Number(m?.[1]);
  const prefix = Number(m?.[2]);
  const count = 2 ** (24 - prefix);
  if (!m || prefix < 16 || prefix > 24 || third > 255 || third % count !== 0) {
    throw new Error(`FLOTILLA_SERVER_POOL must be an aligned CIDR inside 198.18.0.0/16 with a prefix of 16 to 24 (e.g. 198.18.32.0/20), not ${JSON.stringify(cidr)}`);
  }
  return Object.freeze({ cidr, first: third, count });
}
