/**
 * What every service besides identity is built from in the all-in-one (and what a service running as its
 * own process would build for itself): configuration, a logger, its database, the shared token
 * validator, the identity client and the service's own session.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { TokenValidator } from './auth/middleware.js';
import type { ServiceSession } from './auth/service-session.js';
import type { IdentityClient } from '../identity/client.js';

export interface ServiceDeps<Tables> {
  config: Config;
  logger: Logger;
  database: import('./db/database.js').Database<Tables>;
  validator: TokenValidator;
  identity: IdentityClient;
  /** Logged in as this service's own user (project `service`, role `service`). */
  session: ServiceSession;
}

/** A running service's handle: its HTTP app (not yet listening) and how to stop what it started. */
export interface ServiceHandle {
  readonly app: FastifyInstance;
  /** Starts background work (reconcilers, pollers) once the app listens. */
  start(): Promise<void>;
  close(): Promise<void>;
}
