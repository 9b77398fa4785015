/**
 * The compute service (Nova v2.1): wiring only. (Being built for issue 4: see docs/design/compute-and-images.md.)
 */
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { createHttpApp } from '../platform/http/server.js';
import { novaFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ComputeTables {}

export async function createComputeService(deps: ServiceDeps<ComputeTables>): Promise<ServiceHandle> {
  const log = deps.logger.child({ service: 'compute' });
  const app = createHttpApp({ logger: log, renderFault: novaFaults() });
  installAuth(app, deps.validator);
  return { app, start: async () => {}, close: async () => { await app.close(); } };
}
