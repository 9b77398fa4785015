/**
 * A standalone host agent process: `node dist/flotilla.mjs agent --host h2 [--zone nova]` runs one more
 * host beside the all-in-one (tests and benchmarks simulate several hosts this way). It reads the same
 * FLOTILLA_* settings as the cloud, logs in as the `compute-agent` user with the password the cloud stored
 * in $FLOTILLA_DATA_DIR/service-passwords.json, and keeps its state in $FLOTILLA_DATA_DIR/hosts/<host>.
 * SIGTERM or SIGINT stops it (and its engine) cleanly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isHostName, loadConfig, serviceUrl } from '../platform/config.js';
import { createLogger } from '../platform/log.js';
import { ServiceSession } from '../platform/auth/service-session.js';
import { IdentityClient } from '../identity/client.js';
import { createAgent } from './index.js';

const USAGE = 'usage: flotilla agent [--host NAME] [--zone ZONE] [--compute-url URL] [--image-url URL] [--network-url URL] [--orchestration-url URL] [--container-infra-url URL] [--registry-address HOST:PORT] [--identity-url URL]';

function checkHost(host: string): string {
  if (!isHostName(host)) throw new Error(`invalid host name ${JSON.stringify(host)}\n${USAGE}`);
  return host;
}

export async function runAgentProcess(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      zone: { type: 'string' },
      'compute-url': { type: 'string' },
      'image-url': { type: 'string' },
      'network-url': { type: 'string' },
      'orchestration-url': { type: 'string' },
      'container-infra-url': { type: 'string' },
      'registry-address': { type: 'string' },
      'identity-url': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) { process.stdout.write(`${USAGE}\n`); return; }
  const config = loadConfig();
  const host = checkHost(values.host ?? os.hostname().split('.')[0]!);
  const dataDir = path.join(config.dataDir, 'hosts', host);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = process.env.FLOTILLA_LOG_STDOUT
    ? createLogger({ level: config.logLevel, name: `flotilla-agent-${host}` })
    : createLogger({ level: config.logLevel, name: `flotilla-agent-${host}`, destination: fs.createWriteStream(path.join(dataDir, 'agent.log'), { flags: 'a', mode: 0o600 }) });
  const passwordsFile = path.join(config.dataDir, 'service-passwords.json');
  let password: string | undefined;
  try { password = (JSON.parse(fs.readFileSync(passwordsFile, 'utf8')) as Record<string, string>)['compute-agent']; } catch { /* below */ }
  if (!password) throw new Error(`no compute-agent password in ${passwordsFile}: start the cloud (npm start) with this FLOTILLA_DATA_DIR first`);
  const identity = new IdentityClient(values['identity-url'] ?? `${serviceUrl(config, 'identity')}/v3`);
  const session = new ServiceSession(identity, { user: 'compute-agent', password, project: 'service' });
  const agent = await createAgent({
    config, logger, host, zone: values.zone ?? 'nova', dataDir,
    computeUrl: values['compute-url'] ?? serviceUrl(config, 'compute'),
    imageUrl: values['image-url'] ?? serviceUrl(config, 'image'),
    networkUrl: values['network-url'] ?? serviceUrl(config, 'network'),
    orchestrationUrl: values['orchestration-url'] ?? serviceUrl(config, 'orchestration'),
    containerInfraUrl: values['container-infra-url'] ?? serviceUrl(config, 'container-infra'),
    registryAddress: values['registry-address'] ?? `${config.bindHost}:${config.ports.registry}`,
    session,
  });
  process.stdout.write(`flotilla agent: host ${host} running (engine ${agent.layout.engine.socket}, console ${agent.layout.agentSocket})\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`flotilla agent: ${signal}: stopping\n`);
    agent.close().then(() => process.exit(0), (err: unknown) => { logger.error({ err }, 'error while stopping'); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
