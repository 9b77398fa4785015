/**
 * Checks that an OAuth 1.0a request is fresh, not a replay, and signed with the expected secrets.
 * Timestamps must fall within a window around now (oauthlib's 600 seconds, which Keystone inherits);
 * a nonce is remembered for that window after a request with it verified, so the same signed request
 * cannot be sent twice. The memory is per process: a replay against another process running the same
 * identity database within the window is not caught (the token it yields is the victim's anyway).
 */
import { Unauthorized } from '../../platform/errors.js';
import type { OAuthRequest } from './request.js';
import { hmacSha1, signatureBaseString, signaturesEqual } from './signature.js';

/** How far a request's timestamp may be from the server's clock, either way. */
export const TIMESTAMP_WINDOW_MS = 600 * 1000;
/** Past this many remembered nonces, expired ones are swept on the next insert. */
const SWEEP_AT = 10000;

export const INVALID_SIGNATURE = 'Invalid signature';

export class SignatureVerifier {
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Throws Unauthorized unless the request is fresh, unreplayed and signed with these secrets. */
  verify(req: OAuthRequest, consumerSecret: string, tokenSecret = ''): void {
    const method = req.oauth.get('oauth_signature_method');
    if (method !== 'HMAC-SHA1') throw new Unauthorized(`Unsupported OAuth signature method ${method ?? '(none)'}: use HMAC-SHA1.`);
    const version = req.oauth.get('oauth_version');
    if (version !== undefined && version !== '1.0') throw new Unauthorized(`Unsupported OAuth version ${version}.`);
    const signature = req.oauth.get('oauth_signature');
    const nonce = req.oauth.get('oauth_nonce');
    const timestampText = req.oauth.get('oauth_timestamp');
    if (!signature || !nonce || nonce.length > 255 || !timestampText || !/^\d{1,12}$/.test(timestampText)) {
      throw new Unauthorized('OAuth requests need oauth_signature, oauth_nonce and oauth_timestamp.');
    }
    const now = this.#now();
    const timestamp = Number(timestampText) * 1000;
    if (Math.abs(now - timestamp) > TIMESTAMP_WINDOW_MS) throw new Unauthorized('The OAuth timestamp is too far from the server time.');

    const signed: Array<readonly [string, string]> = [...req.params];
    for (const [k, v] of req.oauth) if (k !== 'oauth_signature') signed.push([k, v]);
    const ok = req.urls.some((url) => signaturesEqual(hmacSha1(signatureBaseString(req.method, url, signed), consumerSecret, tokenSecret), signature));
    if (!ok) throw new Unauthorized(INVALID_SIGNATURE);

    // Only signed requests reach here, so nobody without the secrets can fill this map.
    const key = `${req.oauth.get('oauth_consumer_key') ?? ''}\n${req.oauth.get('oauth_token') ?? ''}\n${timestampText}\n${nonce}`;
    if ((this.#seen.get(key) ?? 0) > now) throw new Unauthorized('This OAuth nonce was already used.');
    if (this.#seen.size >= SWEEP_AT) for (const [k, until] of this.#seen) if (until <= now) this.#seen.delete(k);
    this.#seen.set(key, timestamp + TIMESTAMP_WINDOW_MS + 1);
  }
}
