/**
 * Token validation for services that run apart from identity: validate through the identity API, cache
 * each answer until the token expires, and drop cached answers as revocation events arrive (polled from
 * OS-REVOKE/events), so a revoked token stops working within one poll interval.
 */
import { Unauthorized } from '../errors.js';
import type { AuthContext, KeystoneTokenBody } from './context.js';
import { contextFromTokenBody } from './context.js';
import type { TokenValidator } from './middleware.js';
import { eventRevokes, type RevocableToken, type RevocationEvent } from './revocation.js';

/** What the validator needs from identity (IdentityClient provides both). */
export interface TokenSource {
  validate(subject: string, token?: string): Promise<KeystoneTokenBody>;
  revocationEvents(token: string, since?: Date): Promise<RevocationEvent[]>;
}

export interface CachingValidatorOptions {
  source: TokenSource;
  /** A service or admin token to read revocation events with. */
  serviceToken: () => Promise<string>;
  pollIntervalMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry { ctx: AuthContext; revocable: RevocableToken; expiresAt: number; }

function revocableOf(ctx: AuthContext): RevocableToken {
  const projectDomain = ctx.scope.kind === 'project' ? ctx.scope.project.domain.id : ctx.scope.kind === 'domain' ? ctx.scope.domain.id : undefined;
  return {
    userId: ctx.user.id,
    userIds: [ctx.user.id, ...(ctx.trust ? [ctx.trust.trustorUserId, ctx.trust.trusteeUserId] : [])],
    projectId: ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined,
    domainIds: [ctx.user.domain.id, ...(projectDomain ? [projectDomain] : [])],
    roleIds: ctx.roles.map((r) => r.id),
    trustId: ctx.trust?.id,
    consumerId: ctx.oauth1?.consumerId,
    accessTokenId: ctx.oauth1?.accessTokenId,
    auditIds: ctx.auditIds,
    issuedAt: ctx.issuedAt.getTime(),
  };
}

export class CachingTokenValidator implements TokenValidator {
  readonly #o: Required<Omit<CachingValidatorOptions, 'now'>> & { now: () => number };
  readonly #cache = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #lastPoll: Date | undefined;

  constructor(opts: CachingValidatorOptions) {
    this.#o = { pollIntervalMs: 1000, maxEntries: 50000, now: Date.now, ...opts };
  }

  /** Starts polling revocation events. */
  start(): void {
    this.#lastPoll ??= new Date(this.#o.now());
    this.#timer = setInterval(() => { void this.poll(); }, this.#o.pollIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  async validate(token: string): Promise<AuthContext> {
    const now = this.#o.now();
    const hit = this.#cache.get(token);
    if (hit) {
      if (hit.expiresAt > now) return hit.ctx;
      this.#cache.delete(token);
    }
    let body: KeystoneTokenBody;
    try {
      body = await this.#o.source.validate(token, token);
    } catch (err) {
      if (err instanceof Unauthorized || (err as { status?: number }).status === 404 || (err as { status?: number }).status === 401) {
        throw new Unauthorized('The request you have made requires authentication.');
      }
      throw err;
    }
    const ctx = contextFromTokenBody(token, body);
    if (this.#cache.size >= this.#o.maxEntries) this.#cache.clear();
    this.#cache.set(token, { ctx, revocable: revocableOf(ctx), expiresAt: ctx.expiresAt.getTime() });
    return ctx;
  }

  /** Fetches new revocation events and evicts every cached token they revoke. */
  async poll(): Promise<void> {
    if (this.#cache.size === 0) { this.#lastPoll = new Date(this.#o.now()); return; }
    const since = new Date((this.#lastPoll?.getTime() ?? this.#o.now()) - 1000); // overlap: clocks and ordering
    const started = new Date(this.#o.now());
    try {
      const events = await this.#o.source.revocationEvents(await this.#o.serviceToken(), since);
      for (const [token, entry] of this.#cache) {
        if (events.some((e) => eventRevokes(e, entry.revocable))) this.#cache.delete(token);
      }
      this.#lastPoll = started;
    } catch {
      // Identity unreachable: keep the old horizon so the next poll catches up; meanwhile fail safe by
      // dropping the cache, so every request is validated afresh (and fails if identity is down).
      this.#cache.clear();
    }
  }
}
