/**
 * The identity service (Keystone v3): wiring only. Builds the stores, the token service and the HTTP
 * app; nothing here decides behaviour.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.js';
import { serviceUrl } from '../platform/config.js';
import type { Logger } from '../platform/log.js';
import type { Database } from '../platform/db/database.js';
import { migrate } from '../platform/db/migrate.js';
import { createHttpApp } from '../platform/http/server.js';
import { keystoneFaults } from '../platform/http/faults.js';
import { PolicyEnforcer } from '../platform/policy/enforcer.js';
import { installAuth, type TokenValidator } from '../platform/auth/middleware.js';
import { contextFromTokenBody } from '../platform/auth/context.js';
import type { IdentityTables } from './tables.js';
import { identityMigrations } from './migrations/index.js';
import { identityPolicyRules } from './policy-rules.js';
import { Generation } from './cache.js';
import { createPasswordHasher } from './passwords.js';
import { PasswordPolicy } from './users/password-policy.js';
import { KeyRepository } from './keys.js';
import { ResourceStore } from './resource/store.js';
import { UserStore } from './users/store.js';
import { AssignmentStore } from './assignment/store.js';
import { RoleResolver } from './assignment/resolver.js';
import { CatalogStore } from './catalog/store.js';
import { TrustStore } from './trust/store.js';
import { AppCredStore } from './appcred/store.js';
import { RevocationStore } from './revoke/store.js';
import { TokenService, ALLOW_EXPIRED_WINDOW_MS } from './tokens/service.js';
import type { IdentityContext } from './context.js';
import { versionRoutes } from './versions.js';
import { authRoutes } from './auth/routes.js';
import { resourceRoutes } from './resource/routes.js';
import { userRoutes } from './users/routes.js';
import { assignmentRoutes } from './assignment/routes.js';
import { catalogRoutes } from './catalog/routes.js';
import { trustRoutes } from './trust/routes.js';
import { appCredRoutes } from './appcred/routes.js';
import { federationRoutes } from './federation/routes.js';
import { FederationStore } from './federation/store.js';
import { enabledServiceProviders } from './federation/service-providers.js';
import { OAuthStore } from './oauth1/store.js';
import { oauth1Routes } from './oauth1/routes.js';
import { credentialRoutes } from './credential/routes.js';
import { ec2CredentialRoutes } from './credential/ec2-routes.js';
import { policyRoutes } from './policyapi/routes.js';
import { domainConfigRoutes } from './domainconfig/routes.js';
import { epFilterRoutes } from './epfilter/routes.js';
import { EndpointFilterStore } from './epfilter/store.js';
import { endpointFilterFor } from './epfilter/filter.js';
import { limitRoutes } from './limit/routes.js';
import { bootstrap, type BootstrapOptions } from './bootstrap.js';

export interface IdentityService {
  readonly app: FastifyInstance;
  readonly context: IdentityContext;
  /** Validates tokens in-process (for services running in the same process as identity). */
  readonly validator: TokenValidator;
  bootstrap(opts: BootstrapOptions): Promise<{ adminUserId: string; adminProjectId: string }>;
  close(): Promise<void>;
}

export interface IdentityOptions {
  config: Config;
  logger: Logger;
  database: Database<IdentityTables>;
}

/** Builds the identity service: migrates its database and loads its keys and revocation list. */
export async function createIdentityService(opts: IdentityOptions): Promise<IdentityService> {
  const { config, logger, database } = opts;
  const log = logger.child({ service: 'identity' });
  const db = database.db;
  await migrate(db, identityMigrations, database.schema);

  const baseUrl = serviceUrl(config, 'identity');
  const generation = new Generation();
  const tokenKeys = KeyRepository.open(path.join(config.dataDir, 'keys', 'token'), config.identity.maxActiveKeys);
  const credentialKeys = KeyRepository.open(path.join(config.dataDir, 'keys', 'credential'), config.identity.maxActiveKeys);
  const resources = new ResourceStore(db);
  const users = new UserStore(db);
  const assignments = new AssignmentStore(db);
  const resolver = new RoleResolver(assignments, resources, users);
  const catalog = new CatalogStore(db);
  const trusts = new TrustStore(db);
  const appCreds = new AppCredStore(db);
  const oauthTokens = new OAuthStore(db);
  const federation = new FederationStore(db);
  const revocations = new RevocationStore(db, config.identity.tokenLifetime * 1000 + ALLOW_EXPIRED_WINDOW_MS);
  await revocations.load();
  const tokens = new TokenService({
    keys: tokenKeys, generation, resources, users, resolver, trusts, appCreds, revocations, catalog,
    lifetime: config.identity.tokenLifetime,
    endpointFilter: endpointFilterFor(new EndpointFilterStore(db), catalog),
    findAccessToken: (id) => oauthTokens.findAccessTokenRef(id),
    serviceProviders: () => enabledServiceProviders(federation),
  });

  const hasher = createPasswordHasher(config.identity.scryptLogN);
  const context: IdentityContext = {
    config, log, db, baseUrl,
    enforcer: new PolicyEnforcer(identityPolicyRules),
    generation,
    hasher,
    passwordPolicy: new PasswordPolicy(config.identity.securityCompliance, hasher, users),
    tokenKeys, credentialKeys, resources, users, assignments, resolver, catalog, trusts, appCreds, revocations, tokens,
  };

  const validator: TokenValidator = {
    async validate(token) {
      const { body } = await tokens.validate(token, { includeCatalog: false });
      return contextFromTokenBody(token, body);
    },
  };

  const app = createHttpApp({ logger: log, renderFault: keystoneFaults(baseUrl), bodyLimit: config.identity.maxBodyBytes });
  installAuth(app, validator);
  // Every change to identity data invalidates the token-validation cache (see cache.ts).
  app.addHook('onSend', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && !request.url.startsWith('/v3/auth/tokens')) generation.bump();
  });
  for (const register of [versionRoutes, authRoutes, resourceRoutes, userRoutes, assignmentRoutes, catalogRoutes, trustRoutes, appCredRoutes,
    credentialRoutes, ec2CredentialRoutes, policyRoutes, domainConfigRoutes, epFilterRoutes, limitRoutes, federationRoutes, oauth1Routes]) {
    register(app, context);
  }

  let rotation: NodeJS.Timeout | undefined;
  if (config.identity.keyRotationInterval > 0) {
    rotation = setInterval(() => {
      try {
        tokenKeys.rotate();
        log.info({ keys: tokenKeys.all().length }, 'rotated token keys');
      } catch (err) {
        log.error({ err }, 'token key rotation failed');
      }
    }, config.identity.keyRotationInterval * 1000);
    rotation.unref();
  }

  return {
    app,
    context,
    validator,
    bootstrap: (b) => bootstrap(context, b),
    async close() {
      if (rotation) clearInterval(rotation);
      await app.close();
    },
  };
}
