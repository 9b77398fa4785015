#!/usr/bin/env node
// npm start: install what is missing, build, then run the all-in-one cloud in the foreground.
// Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build, checkNode, ensureDebianPackages, ensureNodeModules, root, START_PACKAGES } from './lib.mjs';

try {
  checkNode();
  ensureNodeModules();
  try {
    ensureDebianPackages(START_PACKAGES, 'what the cloud runs on this host');
  } catch (err) {
    // Not root, or apt failed: the cloud still starts; what needs a missing package says so itself.
    console.log(`flotilla: ${err.message}; continuing without them`);
  }
  await build();
} catch (err) {
  console.error(`flotilla: ${err.message}`);
  process.exit(1);
}

const { serverArgs, SERVER_ENV } = await import(path.join(root, 'dist', 'src', 'platform', 'runtime.js'));
const child = spawn(process.execPath, serverArgs(), { stdio: 'inherit', cwd: root, env: { ...process.env, ...SERVER_ENV } });
// The terminal sends Ctrl-C to the whole process group; the child handles it. SIGTERM to this process
// is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
