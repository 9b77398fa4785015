/**
 * Test support: an image service built in-process on a throwaway data dir (SQLite, or a PostgreSQL
 * schema of its own), validating tokens with a real identity service built beside it, driven through
 * Fastify's inject() so no port is needed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/log.js';
import type { Database, Engine } from '../platform/db/database.js';
import { openTestDatabase } from '../platform/db/testing.js';
import { IdentityClient } from '../identity/client.js';
import { ServiceSession } from '../platform/auth/service-session.js';
import type { ServiceHandle } from '../platform/service.js';
import { createTestIdentity, type TestIdentity } from '../identity/testing.js';
import { createImageService } from './index.js';
import { imageMigrations } from './migrations/index.js';
import type { ImageTables } from './tables.js';

export type { Engine };
export { TEST_ENGINES as ENGINES } from '../platform/db/testing.js';

/** A migrated image database of its own on `engine` (a temp dir; on PostgreSQL a schema of its own). */
export async function openImageTestDatabase(engine: Engine): Promise<{ database: Database<ImageTables>; dataDir: string; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-store-'));
  const db = await openTestDatabase<ImageTables>({ service: 'image', engine, dataDir, migrations: imageMigrations });
  return {
    database: db.database, dataDir,
    async close() {
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Response = LightMyRequestResponse & { json: () => any };

export interface TestImageService {
  readonly identity: TestIdentity;
  readonly service: ServiceHandle;
  readonly dataDir: string;
  /** The image service's own database (for tests that stage a crash's leftovers). */
  readonly database: Database<ImageTables>;
  /** Where blobs are stored. */
  readonly blobDir: string;
  /** Sends a request; `token` defaults to the admin token. A Buffer body is sent as-is. */
  call(method: InjectOptions['method'], url: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<Response>;
  /** Builds the service again on the same data (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** An identity and an image service on `engine`, sharing nothing but the token validator. */
export async function createTestImageService(engine: Engine = 'sqlite'): Promise<TestImageService> {
  const url = engine === 'postgres' ? process.env.FLOTILLA_TEST_DATABASE_URL : undefined;
  const identity = await createTestIdentity(url ? { databaseUrl: url } : {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-test-'));
  const config = loadConfig({ FLOTILLA_DATA_DIR: dataDir });
  const db = await openTestDatabase<ImageTables>({ service: 'image', engine, dataDir });
  const { database } = db;
  const build = (): Promise<ServiceHandle> => createImageService({
    config, logger: silentLogger(), database,
    validator: identity.service.validator,
    // Not called in-process: the validator above checks tokens, and no test needs a service session.
    identity: new IdentityClient('http://127.0.0.1:9/v3'),
    session: new ServiceSession(new IdentityClient('http://127.0.0.1:9/v3'), { user: 'glance', password: 'unused', project: 'service' }),
  });
  let service = await build();

  const call: TestImageService['call'] = async (method, u, body, token, headers = {}) => {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    const t = token === undefined ? identity.adminToken : token;
    if (t) h['x-auth-token'] = t;
    let payload: InjectOptions['payload'];
    if (Buffer.isBuffer(body) || typeof body === 'string') payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await service.app.inject({ method, url: u, headers: h, ...(payload !== undefined ? { payload } : {}) });
    return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
  };

  return {
    identity,
    get service() { return service; },
    dataDir,
    database,
    blobDir: path.join(dataDir, 'image', 'blobs'),
    call,
    async restart() {
      await service.close();
      service = await build();
    },
    async close() {
      await service.close();
      await db.close();
      await identity.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
