/**
 * The network service (Neutron v2.0): wiring only. Builds the policy and the HTTP app over the service's
 * own database; nothing here decides behaviour. See docs/design/networks.md.
 */
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { createHttpApp } from '../platform/http/server.js';
import { neutronFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';
import { serviceUrl } from '../platform/config.js';
import { migrate } from '../platform/db/migrate.js';
import { PolicyEnforcer } from '../platform/policy/enforcer.js';
import type { NetworkTables } from './tables.js';
import { networkMigrations } from './migrations/index.js';
import { networkPolicyRules } from './policy-rules.js';
import type { NetworkContext } from './context.js';
import { versionRoutes } from './versions.js';
import { agentListRoutes } from './agents/routes.js';
import { networkRoutes } from './networks/routes.js';
import { subnetRoutes } from './subnets/routes.js';
import { portRoutes } from './ports/routes.js';
import { securityGroupRoutes } from './security-groups/routes.js';
import { quotaRoutes } from './quotas/routes.js';
import { routerRoutes } from './routers/routes.js';
import { floatingIpRoutes } from './floating-ips/routes.js';
import { agentRoutes } from './agent/routes.js';
import { autoAllocationRoutes } from './auto-allocation/routes.js';
import { PlanNotifier } from './agent/notifier.js';

export type { NetworkTables } from './tables.js';
import { ensureExternalNetwork } from './bootstrap.js';
export { ensureExternalNetwork, type ExternalNetwork } from './bootstrap.js';

/** Neutron's bodies are small; its API server's default limit is about this size too. */
const BODY_LIMIT = 1024 * 1024;

/** What the deployment gives the network service beyond every service's dependencies. */
export interface NetworkServiceOptions {
  /**
   * Create the external network `public` over `pool` at start, owned by the admin project, if it is
   * missing (the deployer's step in OpenStack; the all-in-one's here). Idempotent and race-safe.
   */
  external?: { adminProjectId: string; pool: string };
  /**
   * The pool get-me-a-network takes each project's /24 from (FLOTILLA_SERVER_POOL); those subnets are
   * routed from the external network without NAT (auto-allocation/service.ts).
   */
  autoPool?: string;
}

export async function createNetworkService(deps: ServiceDeps<NetworkTables>, opts: NetworkServiceOptions = {}): Promise<ServiceHandle> {
  const log = deps.logger.child({ service: 'network' });
  await migrate(deps.database.db, networkMigrations, deps.database.schema);
  const ctx: NetworkContext = {
    log,
    db: deps.database.db,
    baseUrl: serviceUrl(deps.config, 'network'),
    enforcer: new PolicyEnforcer(networkPolicyRules),
    plans: new PlanNotifier(),
    autoPool: opts.autoPool,
  };
  const app = createHttpApp({ logger: log, renderFault: neutronFaults(serviceUrl(deps.config, 'identity')), bodyLimit: BODY_LIMIT });
  installAuth(app, deps.validator);
  // Any write that ended (its transaction committed) may have moved the plan revision: waiting agents
  // re-read it now instead of at their next one-second check.
  app.addHook('onResponse', async (request) => { if (request.method !== 'GET' && request.method !== 'HEAD') ctx.plans.changed(); });
  for (const register of [versionRoutes, networkRoutes, subnetRoutes, portRoutes, securityGroupRoutes, quotaRoutes, routerRoutes, floatingIpRoutes, autoAllocationRoutes, agentRoutes, agentListRoutes]) {
    register(app, ctx);
  }
  const start = async (): Promise<void> => {
    if (!opts.external) return;
    const made = await ensureExternalNetwork(ctx.db, opts.external);
    if (made.created) log.info({ network: made.networkId, pool: opts.external.pool }, 'created the external network public');
  };
  return { app, start, close: async () => { ctx.plans.close(); await app.close(); } };
}
