#!/usr/bin/env node
// npm test: build, start a throwaway PostgreSQL (when Debian's binaries are here), run every test with
// node:test, stop PostgreSQL. Unit tests live beside the code (src/**/*.test.ts), integration tests
// in test/ (*.test.ts). Extra arguments are passed to `node --test` (e.g. a file list).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, checkNode, ensureDebianPackages, ensureNodeModules, root, TEST_PACKAGES } from './lib.mjs';

process.chdir(root);
checkNode();
ensureNodeModules();
try {
  ensureDebianPackages(TEST_PACKAGES, 'the real peers integration tests run against');
} catch (err) {
  console.log(`# ${err.message}: tests that need them will be skipped`);
}
await build();

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const tests = files.length > 0
  ? files.map((f) => f.replace(/^(src|test)\//, 'dist/$1/').replace(/\.ts$/, '.js'))
  : [...findTests('dist/src'), ...findTests('dist/test')].sort();

const { startPostgres, postgresUnavailable } = await import(path.join(root, 'dist/test/support/postgres.js'));
const env = { ...process.env };
let pg;
const why = postgresUnavailable();
if (why) {
  console.log(`# PostgreSQL tests will be skipped: ${why}`);
} else {
  pg = startPostgres();
  env.FLOTILLA_TEST_DATABASE_URL = pg.url;
  console.log(`# throwaway PostgreSQL at ${pg.dir}`);
}

const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...flags, ...tests], { stdio: 'inherit', env });
const stop = () => { try { pg?.stop(); } catch { /* ignore */ } };
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { child.kill(sig); });
child.on('exit', (code, signal) => {
  stop();
  process.exit(code ?? (signal ? 1 : 0));
});
