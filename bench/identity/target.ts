/**
 * A running identity server the bench drives: Flotilla on SQLite or PostgreSQL, or Debian's Keystone.
 * Both speak the same Keystone v3 API, so the fixtures and load cases are shared.
 */

export type Engine = 'sqlite' | 'postgresql';
export type Product = 'flotilla' | 'keystone';

export interface BenchTarget {
  readonly product: Product;
  readonly engine: Engine;
  /** e.g. http://127.0.0.1:40123 (no path). */
  readonly origin: string;
  /** The v3 API root, e.g. http://127.0.0.1:40123/v3. */
  readonly identityUrl: string;
  readonly adminPassword: string;
  /** The password hash's cost, as the server is configured: "scrypt N=2^15 r=8 p=3", "bcrypt cost 12". */
  readonly kdf: string;
  /** Version and the settings that matter for reading the figures. */
  readonly description: Readonly<Record<string, string | number>>;
  /** The server's processes now (RSS is summed over them). */
  serverPids(): number[];
  /** Helper processes reported apart (memcached for Keystone). */
  helperPids(): Readonly<Record<string, number[]>>;
  /** Stops everything this target started and removes its files. */
  stop(): Promise<void>;
}
