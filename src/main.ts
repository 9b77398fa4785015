/**
 * The all-in-one cloud: every service in one process, each on its own port, sharing nothing but the
 * process. `npm start` runs this after installing what is missing (scripts/start.mjs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, serviceUrl, type Config } from './platform/config.js';
import { createLogger, type Logger } from './platform/log.js';
import { openDatabase } from './platform/db/database.js';
import { DisposableStore } from './platform/lifecycle.js';
import { writeFileAtomic } from './platform/files.js';
import { createIdentityService } from './identity/index.js';
import type { IdentityTables } from './identity/tables.js';
import type { CatalogEntrySpec, ServiceUserSpec } from './identity/bootstrap.js';
import { IdentityClient } from './identity/client.js';
import { ServiceSession } from './platform/auth/service-session.js';
import { createAgent } from './agent/index.js';
import { CachingTokenValidator } from './platform/auth/remote.js';
import type { ServiceDeps, ServiceHandle } from './platform/service.js';
import type { ServiceName } from './platform/config.js';
import { createImageService, type ImageTables } from './image/index.js';
import { createComputeService, type ComputeTables } from './compute/index.js';
import { createNetworkService, type NetworkTables } from './network/index.js';
import { createOrchestrationService, type OrchestrationTables } from './orchestration/index.js';
import { createContainerInfraService, type ContainerInfraTables } from './container-infra/index.js';
import { ImageClient } from './image/client.js';
import { defaultImageCacheDir, ensureBaseImages, RECIPES } from './base-images/index.js';
import { SERVER_REGISTRY_ADDRESS, startRegistry } from './registry/index.js';

export const REGION = 'RegionOne';

/** The admin password: from the environment, else the one stored on first run, else a new one. */
export function adminPassword(config: Config): { password: string; fromEnv: boolean } {
  if (config.adminPassword) return { password: config.adminPassword, fromEnv: true };
  const file = path.join(config.dataDir, 'admin-password');
  if (fs.existsSync(file)) return { password: fs.readFileSync(file, 'utf8').trim(), fromEnv: false };
  const password = randomBytes(18).toString('base64url');
  writeFileAtomic(file, `${password}\n`);
  return { password, fromEnv: false };
}

type YamlMap = { [key: string]: string | number | YamlMap };

/** Block-style YAML for nested maps of scalars; strings are JSON-quoted, which YAML reads as-is. */
function toYaml(map: YamlMap, indent = ''): string {
  return Object.entries(map).map(([k, v]) => (typeof v === 'object'
    ? `${indent}${k}:\n${toYaml(v, `${indent}  `)}`
    : `${indent}${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}\n`)).join('');
}

/** clouds.yaml for the admin, as openstacksdk and the openstack CLI read it. */
export function cloudsYaml(config: Config, password: string): string {
  return toYaml({
    clouds: {
      flotilla: {
        auth: {
          auth_url: `${serviceUrl(config, 'identity')}/v3`,
          username: 'admin',
          password,
          project_name: 'admin',
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        region_name: REGION,
        interface: 'public',
        identity_api_version: 3,
      },
    },
  });
}

/** What each running service registers in the catalog. */
export function catalogEntries(config: Config): CatalogEntrySpec[] {
  return [
    { type: 'identity', name: 'keystone', description: 'Flotilla Identity', url: `${serviceUrl(config, 'identity')}/v3` },
    { type: 'image', name: 'glance', description: 'Flotilla Images', url: serviceUrl(config, 'image') },
    { type: 'compute', name: 'nova', description: 'Flotilla Compute', url: `${serviceUrl(config, 'compute')}/v2.1` },
    // Neutron's catalog URL is its root: clients append /v2.0 themselves.
    { type: 'network', name: 'neutron', description: 'Flotilla Networks', url: serviceUrl(config, 'network') },
    // Heat's URL carries the project: heatclient and openstacksdk call it as the token's catalog fills it in.
    { type: 'orchestration', name: 'heat', description: 'Flotilla Orchestration', url: `${serviceUrl(config, 'orchestration')}/v1/%(tenant_id)s` },
    { type: 'container-infra', name: 'magnum', description: 'Flotilla Container Infrastructure', url: `${serviceUrl(config, 'container-infra')}/v1` },
  ];
}

/** The users Flotilla's own services and agents log in as. */
export const SERVICE_USERS = ['glance', 'nova', 'neutron', 'compute-agent', 'heat', 'magnum'] as const;
export type ServiceUser = (typeof SERVICE_USERS)[number];

/** Service users' passwords: generated on first run, kept in the data dir (0600). */
export function servicePasswords(config: Config): Record<ServiceUser, string> {
  const file = path.join(config.dataDir, 'service-passwords.json');
  let stored: Partial<Record<ServiceUser, string>> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Record<ServiceUser, string>>;
  const out = {} as Record<ServiceUser, string>;
  let changed = false;
  for (const name of SERVICE_USERS) {
    out[name] = stored[name] ?? randomBytes(24).toString('base64url');
    if (stored[name] === undefined) changed = true;
  }
  if (changed) writeFileAtomic(file, `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

export interface RunningCloud {
  config: Config;
  close(): Promise<void>;
}

/** Starts every service and writes clouds.yaml when all are listening. */
export async function startCloud(config: Config, logger: Logger, say: (line: string) => void = () => {}): Promise<RunningCloud> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const cloudsFile = path.join(config.dataDir, 'clouds.yaml');
  // A clouds.yaml from an earlier run must not signal readiness of this one.
  fs.rmSync(cloudsFile, { force: true });
  const disposables = new DisposableStore();
  try {
    const { password, fromEnv } = adminPassword(config);
    const identityDb = await openDatabase<IdentityTables>({ service: 'identity', dataDir: config.dataDir, url: config.databaseUrl });
    disposables.add(() => identityDb.close());
    const identity = await createIdentityService({ config, logger, database: identityDb });
    disposables.add(() => identity.close());
    say('bootstrapping identity (domain Default, project admin, user admin, roles, catalog)');
    const passwords = servicePasswords(config);
    const serviceUsers: ServiceUserSpec[] = SERVICE_USERS.map((name) => ({ name, password: passwords[name] }));
    const { adminProjectId } = await identity.bootstrap({ adminPassword: password, resetPassword: fromEnv, region: REGION, services: catalogEntries(config), serviceUsers });
    await identity.app.listen({ host: config.bindHost, port: config.ports.identity });
    say(`identity listening on ${serviceUrl(config, 'identity')}/v3`);

    // Every other service validates tokens through identity's API with one shared cache, and logs in as
    // its own service user, exactly as it would running as its own process.
    const identityClient = new IdentityClient(`${serviceUrl(config, 'identity')}/v3`);
    const sessionFor = (user: ServiceUser): ServiceSession => new ServiceSession(identityClient, { user, password: passwords[user], project: 'service' });
    const validatorSession = sessionFor('nova');
    const validator = new CachingTokenValidator({ source: identityClient, serviceToken: () => validatorSession.token() });
    validator.start();
    disposables.add(() => validator.stop());
    const startService = async <T>(name: ServiceName, user: ServiceUser, create: (deps: ServiceDeps<T>) => Promise<ServiceHandle>): Promise<void> => {
      const database = await openDatabase<T>({ service: name.replace(/-/g, '_'), dataDir: config.dataDir, url: config.databaseUrl });
      disposables.add(() => database.close());
      const handle = await create({ config, logger, database, validator, identity: identityClient, session: sessionFor(user) });
      disposables.add(() => handle.close());
      await handle.app.listen({ host: config.bindHost, port: config.ports[name] });
      await handle.start();
      say(`${name} listening on ${serviceUrl(config, name)}`);
    };
    await startService<ImageTables>('image', 'glance', createImageService);
    await startService<ComputeTables>('compute', 'nova', createComputeService);
    await startService<NetworkTables>('network', 'neutron', (deps) => createNetworkService(deps, { external: { adminProjectId, pool: config.publicPool }, autoPool: config.serverPool.cidr }));
    await startService<OrchestrationTables>('orchestration', 'heat', createOrchestrationService);
    await startService<ContainerInfraTables>('container-infra', 'magnum', createContainerInfraService);

    // This machine's own compute host: an agent with its private engine, logged in as compute-agent and
    // talking to compute and images over their APIs, as a standalone `flotilla agent` on another host does.
    // It starts beside the base images (both take seconds) and is up before the cloud says it is ready.
    const localHost = config.computeHost === undefined ? undefined : (async () => {
      const host = config.computeHost!;
      // The private registry its servers reach at 169.254.169.254:5000 (decision 0016).
      const registry = await startRegistry({ dataDir: config.dataDir, bindHost: config.bindHost, port: config.ports.registry, logger });
      if (registry) {
        disposables.add(() => registry.close());
        say(`registry listening on ${registry.address} (servers: ${SERVER_REGISTRY_ADDRESS})`);
      }
      const dataDir = path.join(config.dataDir, 'hosts', host);
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const agent = await createAgent({
        config, logger: logger.child({ host }), host, zone: 'nova', dataDir,
        computeUrl: serviceUrl(config, 'compute'), imageUrl: serviceUrl(config, 'image'), networkUrl: serviceUrl(config, 'network'),
        orchestrationUrl: serviceUrl(config, 'orchestration'), containerInfraUrl: serviceUrl(config, 'container-infra'),
        ...(registry ? { registryAddress: registry.address } : {}), session: sessionFor('compute-agent'),
      });
      disposables.add(() => agent.close());
      say(`compute host ${host} running (engine ${agent.layout.engine.socket})`);
    })();
    // Never left unobserved: awaited below, after the base images.
    localHost?.catch(() => undefined);

    // Base images are built once per machine (cached) and registered by the admin, who alone may make
    // images public. clouds.yaml is written after, so "ready" means `image list` shows them.
    if (config.baseImages.length > 0) {
      const adminSession = new ServiceSession(identityClient, { user: 'admin', password, project: 'admin' });
      const baseImages = new AbortController();
      disposables.add(() => baseImages.abort());
      const recipes = RECIPES.filter((r) => config.baseImages.includes(r.name));
      await ensureBaseImages({
        image: new ImageClient(serviceUrl(config, 'image')), token: () => adminSession.token(),
        cacheDir: config.imageCacheDir ?? defaultImageCacheDir(), say, signal: baseImages.signal, recipes,
      });
    }
    await localHost;
    writeFileAtomic(cloudsFile, cloudsYaml(config, password));
    return { config, close: () => disposables.close() };
  } catch (err) {
    await disposables.close().catch(() => {});
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(config.dataDir, 'flotilla.log');
  const logger = process.env.FLOTILLA_LOG_STDOUT
    ? createLogger({ level: config.logLevel })
    : createLogger({ level: config.logLevel, destination: fs.createWriteStream(logFile, { flags: 'a', mode: 0o600 }) });
  const say = (line: string): void => { process.stdout.write(`flotilla: ${line}\n`); };
  say(`data in ${config.dataDir}${config.databaseUrl ? ' (PostgreSQL)' : ' (SQLite)'}; logs in ${process.env.FLOTILLA_LOG_STDOUT ? 'stdout' : logFile}`);
  const cloud = await startCloud(config, logger, say);
  say(`ready: OS_CLIENT_CONFIG_FILE=${path.join(config.dataDir, 'clouds.yaml')} openstack --os-cloud flotilla token issue`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    cloud.close().then(
      () => { say('stopped'); process.exit(0); },
      (err) => { logger.error({ err }, 'error while stopping'); process.exit(1); },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `flotilla agent …` runs a standalone host agent (another simulated host) instead of the cloud.
  const entry = process.argv[2] === 'agent'
    ? async () => { const { runAgentProcess } = await import('./agent/main.js'); await runAgentProcess(process.argv.slice(3)); }
    : main;
  entry().catch((err: unknown) => {
    process.stderr.write(`flotilla: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
