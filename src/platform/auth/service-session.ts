/**
 * A service's own Keystone session: it logs in as its service user (project `service`) and keeps a
 * token, renewed a few minutes before it expires. Used to read revocation events, to call other
 * services as itself, and by agents to talk to the compute API.
 */
import type { IdentityClient } from '../../identity/client.js';

export interface ServiceCredentials {
  user: string;
  password: string;
  project: string;
  domain?: string;
}

export class ServiceSession {
  #token: string | undefined;
  #expiresAt = 0;
  #pending: Promise<string> | undefined;

  constructor(private readonly identity: IdentityClient, private readonly creds: ServiceCredentials, private readonly renewBeforeMs = 5 * 60 * 1000) {}

  /** A valid token for the service user, logging in again when the current one nears expiry. */
  async token(): Promise<string> {
    if (this.#token && Date.now() < this.#expiresAt - this.renewBeforeMs) return this.#token;
    this.#pending ??= this.identity.passwordToken({
      user: this.creds.user, password: this.creds.password, project: this.creds.project, ...(this.creds.domain ? { domain: this.creds.domain } : {}),
    }).then((issued) => {
      this.#token = issued.token;
      this.#expiresAt = Date.parse(issued.body.expires_at);
      return issued.token;
    }).finally(() => { this.#pending = undefined; });
    return this.#pending;
  }

  /** Forgets the token (after a 401, say), so the next call logs in afresh. */
  invalidate(): void {
    this.#token = undefined;
  }
}
