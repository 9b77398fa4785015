// Helpers shared by the npm scripts (start, test, bench, ci): install what is missing, build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
}

/**
 * Debian packages `npm start` needs on the host: mmdebstrap and busybox-static build the base images
 * (src/base-images); docker.io (dockerd, with tini as docker-init), iproute2 and iptables are what each
 * host agent runs its private engine and plumbs its namespaces with (src/agent); nftables (`nft`) is what
 * the Neutron data plane filters ports and NATs routers with (src/agent/netplane); haproxy is its metadata
 * proxy on 169.254.169.254 in each segment (docs/decisions/0011-metadata-proxy.md); conntrack flushes a
 * floating IP's tracked connections when its association changes (src/agent/netplane/router.ts);
 * docker-registry is the private registry servers reach at 169.254.169.254:5000 (decision 0016).
 */
export const START_PACKAGES = ['mmdebstrap', 'busybox-static', 'docker.io', 'crun', 'iproute2', 'iptables', 'nftables', 'haproxy', 'conntrack', 'docker-registry'];

/**
 * Debian packages the test suite drives: PostgreSQL, the openstack CLI, openstacksdk and Tempest (with
 * the Keystone and Heat plugins: Tempest 33 has no orchestration API tests of its own); ping
 * (iputils-ping) for the data plane's kernel tests; and what `npm start` needs, since the tests start the cloud.
 */
export const TEST_PACKAGES = ['postgresql', 'python3-openstackclient', 'python3-openstacksdk', 'python3-heatclient', 'tempest', 'keystone-tempest-plugin', 'heat-tempest-plugin', 'python3-magnumclient', 'magnum-tempest-plugin', 'iputils-ping', ...START_PACKAGES];

/** Node.js 20 or newer. */
export function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Flotilla needs Node.js 20 or newer; this is ${process.version}`);
}

/** npm dependencies, installed from the lock file when node_modules is missing or older than it. */
export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  console.log('flotilla: installing npm dependencies');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Debian packages by name, installed with apt-get when any is missing (needs root). */
export function ensureDebianPackages(packages, why) {
  const missing = packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(' ')} (${why}); install them as root`);
  console.log(`flotilla: installing ${missing.join(' ')} (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  if (update.status !== 0) console.log('flotilla: apt-get update failed; trying the install anyway');
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

/**
 * Compiles TypeScript to dist/ (incremental, so quick when little changed), then bundles the server into
 * one file, dist/flotilla.mjs, which is what runs (docs/decisions/0007-runtime.md). Native and optional
 * modules stay outside the bundle.
 */
export async function build() {
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  const { build: bundle } = await import('esbuild');
  await bundle({
    entryPoints: [path.join(root, 'dist', 'src', 'main.js')],
    outfile: path.join(root, 'dist', 'flotilla.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: ['better-sqlite3', 'pg'],
    // Bundled CommonJS dependencies call require() for Node's built-ins.
    banner: { js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
