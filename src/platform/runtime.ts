/**
 * How a Flotilla server process is started, in one place for `npm start`, the tests and the benchmarks:
 * the bundled entry point and the Node/V8 settings measured for it (docs/decisions/0007-runtime.md).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is dist/src/platform/runtime.js once built). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The server bundle `npm run build` writes (one file: fewer modules to load, less memory). */
export const SERVER_ENTRY = path.join(REPO_ROOT, 'dist', 'flotilla.mjs');

/**
 * Node flags for the server. V8's young generation otherwise grows to 32 MiB during start-up and stays
 * committed while the server idles; 2 MiB semi-spaces keep it at 4 MiB for a small cost in throughput.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Environment for the server: glibc keeps fewer per-thread malloc arenas (each holds freed memory). */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The argv (after the node executable) that starts the server. */
export function serverArgs(): string[] {
  return [...SERVER_NODE_FLAGS, SERVER_ENTRY];
}
