/**
 * The compute service (Nova v2.1): wiring only. Builds the stores, the server state machine, the agent
 * API and the HTTP app; nothing here decides behaviour. See docs/design/compute-and-images.md.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { serviceUrl } from '../platform/config.js';
import { createHttpApp } from '../platform/http/server.js';
import { novaFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';
import { migrate } from '../platform/db/migrate.js';
import { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { ImageClient } from '../image/client.js';
import type { ComputeTables } from './tables.js';
import { computeMigrations } from './migrations/index.js';
import { computePolicyRules } from './policy-rules.js';
import type { ComputeContext } from './context.js';
import { microversionHook } from './microversion.js';
import { FlavorStore } from './flavors/store.js';
import { KeypairStore } from './keypairs/store.js';
import { QuotaService } from './quotas/service.js';
import { HostStore } from './hosts/store.js';
import { RevisionNotifier } from './hosts/notifier.js';
import { ServerStore } from './servers/store.js';
import { ActionStore } from './servers/actions-store.js';
import { ServerGroupStore } from './groups/store.js';
import { ServerService } from './servers/service.js';
import { AgentSync } from './servers/agent-sync.js';
import { ServerPorts } from './ports.js';
import { NetworkClient } from '../network/client.js';
import { IdentityProjectLookup, type ProjectLookup } from './project-lookup.js';
import { ComputeReconciler } from './reconciler.js';
import { versionRoutes } from './versions.js';
import { flavorRoutes } from './flavors/routes.js';
import { keypairRoutes } from './keypairs/routes.js';
import { quotaRoutes } from './quotas/routes.js';
import { hostRoutes } from './hosts/routes.js';
import { agentRoutes } from './hosts/agent-routes.js';
import { groupRoutes } from './groups/routes.js';
import { serverRoutes } from './servers/routes.js';
import { actionRoutes } from './servers/actions.js';
import { instanceActionRoutes } from './servers/instance-actions.js';
import { usageRoutes } from './usage/routes.js';
import { networkRoutes } from './networks-routes.js';
import { imageProxyRoutes } from './images-proxy.js';
import { NotFound } from '../platform/errors.js';

export type { ComputeTables } from './tables.js';

export interface ComputeServiceOptions {
  /** The network API's base URL (default: this cloud's network service). */
  networkUrl?: string;
  /** The image API's base URL (default: this cloud's image service). */
  imageUrl?: string;
  /** Project existence checks (default: through the identity API). */
  projects?: ProjectLookup;
  /** Reconciler tuning (tests shorten these). */
  reconcileIntervalMs?: number;
  hostLostAfterMs?: number;
}

/** A running compute service, with handles tests use to drive it. */
export interface ComputeService extends ServiceHandle {
  readonly context: ComputeContext;
  readonly reconciler: ComputeReconciler;
}

export async function createComputeService(deps: ServiceDeps<ComputeTables>, options: ComputeServiceOptions = {}): Promise<ComputeService> {
  const log = deps.logger.child({ service: 'compute' });
  const db = deps.database.db;
  await migrate(db, computeMigrations, deps.database.schema);

  const imageUrl = options.imageUrl ?? serviceUrl(deps.config, 'image');
  const notifier = new RevisionNotifier();
  const servers = new ServerStore(db);
  const actions = new ActionStore(db);
  const hosts = new HostStore(db);
  const ports = new ServerPorts({
    db, notifier, log,
    network: new NetworkClient(options.networkUrl ?? serviceUrl(deps.config, 'network')),
    serviceToken: () => deps.session.token(),
    actionFailed: (tx, serverId, message) => actions.failOpen(tx, serverId, { message }),
  });
  const serverService = new ServerService({ db, servers, actions, hosts, ports, notifier, log });
  const flavors = new FlavorStore(db);
  await flavors.ensureDefaults();

  const context: ComputeContext = {
    config: deps.config,
    log,
    db,
    baseUrl: serviceUrl(deps.config, 'compute'),
    enforcer: new PolicyEnforcer(computePolicyRules),
    images: new ImageClient(imageUrl),
    imageUrl,
    projects: options.projects ?? new IdentityProjectLookup(deps.identity.url),
    flavors,
    keypairs: new KeypairStore(db),
    quotas: new QuotaService(db),
    hosts,
    servers,
    actions,
    groups: new ServerGroupStore(db),
    serverService,
    notifier,
    ports,
  };
  const sync = new AgentSync({ db, servers, actions, hosts, ports, serverService, notifier });
  const reconciler = new ComputeReconciler({
    db, servers, hosts, serverService, actions, ports, notifier, log,
    ...(options.reconcileIntervalMs !== undefined ? { intervalMs: options.reconcileIntervalMs } : {}),
    ...(options.hostLostAfterMs !== undefined ? { hostLostAfterMs: options.hostLostAfterMs } : {}),
  });

  const app = createHttpApp({ logger: log, renderFault: novaFaults() });
  // Nova answers with its request id under this name too (clients log it, Tempest reads it).
  app.addHook('onRequest', async (request, reply) => { reply.header('x-compute-request-id', request.id); });
  installAuth(app, deps.validator);
  versionRoutes(app, context);
  agentRoutes(app, context, sync);
  await app.register(async (v21: FastifyInstance) => {
    v21.decorateRequest('microversion', null as never);
    // Nova's router does not strip trailing slashes: `/v2.1/servers/` is a 404 there, and clients rely on it.
    v21.addHook('onRequest', async (request) => {
      const p = request.url.split('?')[0]!;
      if (p.length > '/v2.1/'.length && p.endsWith('/')) throw new NotFound('The resource could not be found.');
    });
    v21.addHook('onRequest', microversionHook);
    for (const register of [flavorRoutes, keypairRoutes, quotaRoutes, hostRoutes, groupRoutes, serverRoutes, actionRoutes, instanceActionRoutes, usageRoutes, networkRoutes, imageProxyRoutes]) {
      register(v21, context);
    }
  }, { prefix: '/v2.1' });

  return {
    app,
    context,
    reconciler,
    start: async () => { reconciler.start(); },
    close: async () => {
      notifier.close();
      await reconciler.stop();
      await app.close();
    },
  };
}
