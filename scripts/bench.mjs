#!/usr/bin/env node
// npm run bench: build, then run every compiled benchmark (dist/bench/*.bench.js) one after another,
// each in its own process, passing the arguments on (e.g. `npm run bench -- --baseline keystone`).
// The load generator is Debian's wrk; PostgreSQL backs the postgresql runs; iperf3 measures the network
// data plane's paths (see bench/README.md).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, checkNode, ensureDebianPackages, ensureNodeModules, root } from './lib.mjs';

process.chdir(root);
checkNode();
ensureNodeModules();
ensureDebianPackages(['wrk', 'postgresql', 'iperf3'], 'the load generators and the database the benchmarks run against');
await build();

// `--only NAME[,NAME]` picks benchmarks by name (identity, compute, network, orchestration, container-infra); the other arguments go to each.
const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv.splice(onlyAt, 2)[1]?.split(',') : undefined;
const dir = path.join(root, 'dist', 'bench');
const benches = (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bench.js')).sort() : [])
  .filter((f) => !only || only.includes(f.replace(/\.bench\.js$/, '')));
if (benches.length === 0) throw new Error('no benchmarks in dist/bench (bench/*.bench.ts)');

let failed = 0;
for (const file of benches) {
  console.log(`\n# ${file.replace(/\.bench\.js$/, '')}`);
  const r = spawnSync(process.execPath, [path.join(dir, file), ...argv], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
