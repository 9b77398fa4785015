/**
 * The image service (Glance v2): wiring only. Builds the store, the blob store under
 * `$FLOTILLA_DATA_DIR/image`, the policy and the HTTP app; nothing here decides behaviour.
 */
import path from 'node:path';
import type { ServiceDeps, ServiceHandle } from '../platform/service.js';
import { createHttpApp } from '../platform/http/server.js';
import { glanceFaults } from '../platform/http/faults.js';
import { installAuth } from '../platform/auth/middleware.js';
import { serviceUrl } from '../platform/config.js';
import { migrate } from '../platform/db/migrate.js';
import { NotFound } from '../platform/errors.js';
import { PolicyEnforcer } from '../platform/policy/enforcer.js';
import type { ImageTables } from './tables.js';
import { imageMigrations } from './migrations/index.js';
import { imagePolicyRules } from './policy-rules.js';
import { ImageStore } from './store.js';
import { ImageAccess } from './access.js';
import { BlobStore } from './blobs/store.js';
import { ImageData } from './data.js';
import type { ImageContext } from './context.js';
import { versionRoutes } from './routes/versions.js';
import { imageRoutes } from './routes/images.js';
import { dataRoutes } from './routes/data.js';
import { memberRoutes } from './routes/members.js';
import { schemaRoutes } from './routes/schemas.js';
import { importRoutes } from './routes/import.js';
import { MetadefStore } from './metadefs/store.js';
import { metadefRoutes } from './metadefs/routes.js';

export type { ImageTables } from './tables.js';

/** Glance's JSON bodies are small; image data is streamed and not subject to this. */
const BODY_LIMIT = 1024 * 1024;

export async function createImageService(deps: ServiceDeps<ImageTables>): Promise<ServiceHandle> {
  const log = deps.logger.child({ service: 'image' });
  const db = deps.database.db;
  await migrate(db, imageMigrations, deps.database.schema);

  const store = new ImageStore(db);
  const blobs = new BlobStore(path.join(deps.config.dataDir, 'image'));
  const data = new ImageData(store, blobs, log);
  // Before any request: uploads cut off by a crash go back to queued and their orphan blobs go.
  await data.recover();

  const ctx: ImageContext = {
    log,
    baseUrl: serviceUrl(deps.config, 'image'),
    store,
    access: new ImageAccess(new PolicyEnforcer(imagePolicyRules), store),
    data,
  };

  const app = createHttpApp({ logger: log, renderFault: glanceFaults(serviceUrl(deps.config, 'identity')), bodyLimit: BODY_LIMIT });
  installAuth(app, deps.validator);
  // The platform's router ignores trailing slashes; Glance's does not (`GET /v2/images/` is a 404).
  app.addHook('onRequest', async (request) => {
    const p = request.url.split('?')[0]!;
    if (p.length > 1 && p.endsWith('/')) throw new NotFound('The resource could not be found.');
  });
  for (const register of [versionRoutes, imageRoutes, dataRoutes, importRoutes, memberRoutes, schemaRoutes]) register(app, ctx);
  metadefRoutes(app, ctx, new MetadefStore(db));

  return { app, start: async () => {}, close: async () => { await app.close(); } };
}
