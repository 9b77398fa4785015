/**
 * The orchestration service (Heat v1): wiring only. Builds the engine, the policy and the HTTP app over
 * the service's own database, and resumes the operations a previous process left unfinished once the
 * app listens. See docs/design/orchestration.md.
 */
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { createHttpApp } from '../platform/http/server.js';
import { heatFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';
import { serviceUrl } from '../platform/config.js';
import { migrate } from '../platform/db/migrate.js';
import { PolicyEnforcer } from '../platform/policy/enforcer.js';
import type { OrchestrationTables } from './tables.js';
import { orchestrationMigrations } from './migrations/index.js';
import { orchestrationPolicyRules } from './policy-rules.js';
import type { OrchestrationContext } from './context.js';
import { Engine } from './engine/engine.js';
import { createRegistry } from './plugins/registry.js';
import type { ResourcePlugin, StackClients } from './plugins/types.js';
import type { StackId } from './model.js';
import { createTrustPlumbing } from '../platform/auth/trusts.js';
import { lookupRoutes } from './api/lookup.js';
import { stackRoutes } from './api/stacks.js';
import { resourceRoutes } from './api/resources.js';
import { infoRoutes } from './api/info.js';
import { snapshotRoutes } from './api/snapshots.js';
import { softwareRoutes } from './api/software.js';
import { serviceClients, stackClients } from './plugins/stack-clients.js';
import { customConstraints } from './constraints.js';
import { handleSignalRoutes } from './handle-signals.js';

export type { OrchestrationTables } from './tables.js';

/** Templates are at most 512 KiB, and files and environments ride along; Heat's max_json_body_size is 1 MiB. */
const BODY_LIMIT = 4 * 1024 * 1024;

export interface OrchestrationServiceOptions {
  /** Resource plugins beyond the built-in ones (OS::Nova::*, OS::Neutron::* as they arrive). */
  plugins?: readonly ResourcePlugin[];
  /** Create a Keystone trust per stack (default true; unit tests without an identity API turn it off). */
  trusts?: boolean;
}

export async function createOrchestrationService(deps: ServiceDeps<OrchestrationTables>, opts: OrchestrationServiceOptions = {}): Promise<ServiceHandle> {
  const log = deps.logger.child({ service: 'orchestration' });
  await migrate(deps.database.db, orchestrationMigrations, deps.database.schema);
  const trusts = opts.trusts === false ? undefined : createTrustPlumbing(deps.identity, deps.session, log, { purpose: 'stack' });
  const pendingTrustDeletes = new Map<string, string>();
  // One client per service for every stack; each call carries the stack's trust-scoped token.
  const services = serviceClients({
    compute: serviceUrl(deps.config, 'compute'), network: serviceUrl(deps.config, 'network'), identity: deps.identity, image: serviceUrl(deps.config, 'image'),
  });
  const clientsFor = (stack: { id: StackId; projectId: string; trustId: string | null }): StackClients => stackClients(deps.database.db, stack, services, async () => {
    if (!trusts || !stack.trustId) throw new Error('This stack has no trust to act for its owner with.');
    return trusts.token(stack.trustId);
  });
  const engine = await Engine.create({
    db: deps.database.db, log, registry: createRegistry(opts.plugins ?? []), clientsFor,
    onDeleted: async (stack) => {
      const token = pendingTrustDeletes.get(stack.id);
      pendingTrustDeletes.delete(stack.id);
      if (trusts && stack.trustId) await trusts.delete(stack.trustId, token);
    },
  });
  const ctx: OrchestrationContext = {
    log, db: deps.database.db, engine, baseUrl: serviceUrl(deps.config, 'orchestration'),
    enforcer: new PolicyEnforcer(orchestrationPolicyRules), trusts, pendingTrustDeletes,
    checkerFor: (token) => customConstraints(services, token),
  };
  const app = createHttpApp({ logger: log, renderFault: heatFaults(serviceUrl(deps.config, 'identity')), bodyLimit: BODY_LIMIT });
  // heat-api (webob) answers JSON as plain `application/json`; clients and heat_tempest_plugin compare it whole.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8') reply.header('content-type', 'application/json');
    return payload;
  });
  installAuth(app, deps.validator);
  for (const register of [infoRoutes, lookupRoutes, stackRoutes, resourceRoutes, snapshotRoutes, handleSignalRoutes, softwareRoutes]) register(app, ctx);
  return {
    app,
    start: async () => {
      const resumed = await engine.resumeAll();
      if (resumed > 0) log.info({ stacks: resumed }, 'continuing stack operations left in progress');
    },
    close: async () => { await app.close(); await engine.close(); },
  };
}
