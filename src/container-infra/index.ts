/**
 * The container-infra service (Magnum v1): wiring only. Builds the store (its database migrated, CA keys
 * sealed with the key file under the data dir), the policy and the HTTP app, and starts the conductor the
 * caller passes once the app listens. The API stores desired state and kicks the conductor; it never
 * drives clusters itself. See docs/design/container-infra.md.
 */
import os from 'node:os';
import path from 'node:path';
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { createHttpApp } from '../platform/http/server.js';
import { magnumFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';
import { serviceUrl } from '../platform/config.js';
import { migrate } from '../platform/db/migrate.js';
import { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { ComputeClient } from '../compute/client.js';
import { ImageClient } from '../image/client.js';
import { NetworkClient } from '../network/client.js';
import type { ContainerInfraTables } from './tables.js';
import { containerInfraMigrations } from './migrations/index.js';
import { containerInfraPolicyRules } from './policy-rules.js';
import { ContainerInfraStore } from './store.js';
import { SecretBox } from './secret-box.js';
import { createTrustPlumbing, type TrustPlumbing } from '../platform/auth/trusts.js';
import { serviceChecks, type ResourceChecks } from './validation.js';
import type { ConductorHandle, ContainerInfraContext } from './context.js';
import type { ClusterId } from './model.js';
import { versionRoutes } from './api/versions.js';
import { templateRoutes } from './api/templates.js';
import { clusterRoutes } from './api/clusters.js';
import { actionRoutes } from './api/actions.js';
import { nodeGroupRoutes } from './api/nodegroups.js';
import { certificateRoutes } from './api/certificates.js';
import { adminRoutes } from './api/admin.js';
import { createConductor } from './conductor/index.js';

export type { ContainerInfraTables } from './tables.js';
export type { ConductorHandle } from './context.js';

/** What a conductor is built from, for callers that pass a factory. */
export interface ConductorParts {
  store: ContainerInfraStore;
  /** The cluster trusts (absent when the service runs without an identity API). */
  trusts: TrustPlumbing | undefined;
  log: ServiceDeps<ContainerInfraTables>['logger'];
  /** This host's name (its mservices row). */
  host: string;
}

export interface ContainerInfraServiceOptions {
  /** The conductor, or how to build it from the service's store and trusts; by default the real one when there are trusts; null: none (operations wait in their rows). */
  conductor?: ConductorHandle | ((parts: ConductorParts) => ConductorHandle) | null;
  /** Create a Keystone trust per cluster (default true; unit tests without an identity API turn it off). */
  trusts?: boolean;
  /** The image, flavor, keypair and network checks (default: over Flotilla's own APIs). */
  checks?: ResourceChecks;
  /** Whether a project exists, asked with the caller's token (default: Keystone's project list). */
  projectExists?: (token: string, projectId: string) => Promise<boolean>;
  /** The key file sealing CA keys (default `<data dir>/container-infra/ca-key.bin`). */
  keyFile?: string;
}

export async function createContainerInfraService(deps: ServiceDeps<ContainerInfraTables>, opts: ContainerInfraServiceOptions = {}): Promise<ServiceHandle & { store: ContainerInfraStore }> {
  const log = deps.logger.child({ service: 'container-infra' });
  await migrate(deps.database.db, containerInfraMigrations, deps.database.schema);
  const box = SecretBox.fromKeyFile(opts.keyFile ?? path.join(deps.config.dataDir, 'container-infra', 'ca-key.bin'));
  const store = new ContainerInfraStore(deps.database.db, box);
  const trusts = opts.trusts === false ? undefined : createTrustPlumbing(deps.identity, deps.session, log, {
    // Once more: the conductor creates each cluster's stack with a token of this trust, and orchestration
    // makes the stack's own trust from it (Keystone's redelegation).
    purpose: 'cluster', redelegations: 1,
  });
  // Without a conductor given, the real one runs whenever there are trusts for it to act with.
  const parts: ConductorParts = { store, trusts, log, host: os.hostname() };
  const conductor = typeof opts.conductor === 'function' ? opts.conductor(parts)
    : opts.conductor ?? (trusts && opts.conductor !== null ? createConductor(deps.config, parts) : undefined);
  const checks = opts.checks ?? serviceChecks({
    image: new ImageClient(serviceUrl(deps.config, 'image')), compute: new ComputeClient(serviceUrl(deps.config, 'compute')),
    network: new NetworkClient(serviceUrl(deps.config, 'network')),
  });
  const ctx: ContainerInfraContext = {
    log, store, enforcer: new PolicyEnforcer(containerInfraPolicyRules), baseUrl: serviceUrl(deps.config, 'container-infra'), trusts, checks,
    projectExists: opts.projectExists ?? (async (token, projectId) => (await deps.identity.list(token, 'projects')).some((p) => p.id === projectId)),
    kick: (clusterId: ClusterId) => { conductor?.kick(clusterId); },
  };
  const app = createHttpApp({ logger: log, renderFault: magnumFaults(serviceUrl(deps.config, 'identity')) });
  installAuth(app, deps.validator);
  for (const register of [versionRoutes, templateRoutes, clusterRoutes, actionRoutes, nodeGroupRoutes, certificateRoutes, adminRoutes]) register(app, ctx);
  return {
    app,
    store,
    start: async () => { await conductor?.start(); },
    close: async () => { await app.close(); await conductor?.close(); },
  };
}
