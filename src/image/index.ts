/**
 * The image service (Glance v2): wiring only. (Being built for issue 4: see docs/design/compute-and-images.md.)
 */
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { createHttpApp } from '../platform/http/server.js';
import { keystoneFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';
import { serviceUrl } from '../platform/config.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ImageTables {}

export async function createImageService(deps: ServiceDeps<ImageTables>): Promise<ServiceHandle> {
  const log = deps.logger.child({ service: 'image' });
  const app = createHttpApp({ logger: log, renderFault: keystoneFaults(serviceUrl(deps.config, 'image')) });
  installAuth(app, deps.validator);
  return { app, start: async () => {}, close: async () => { await app.close(); } };
}
