/**
 * Runs one host agent as its own process against stand-in peers, so a test can SIGKILL it mid-work:
 * `node dist/test/support/agent-process.js '<json: host, dataDir, computeUrl, imageUrl>'`. It prints
 * `ready` when the agent is up. (The production entry point, `flotilla agent`, logs in through identity.)
 */
import { loadConfig } from '../../src/platform/config.js';
import { silentLogger } from '../../src/platform/log.js';
import { createAgent } from '../../src/agent/index.js';

interface Args { host: string; dataDir: string; computeUrl: string; imageUrl: string }

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const agent = await createAgent({
  config: loadConfig({}), logger: silentLogger(), host: args.host, zone: 'nova', dataDir: args.dataDir,
  computeUrl: args.computeUrl, imageUrl: args.imageUrl, session: { token: async () => 'stand-in-token', invalidate: () => {} },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => { void agent.close().then(() => process.exit(0)); });
