/**
 * Checks Keystone makes on credentials besides policy: the shape of an ec2 blob, the id it implies,
 * and the project boundary of delegated tokens (trusts, application credentials, OAuth1).
 */
import { createHash } from 'node:crypto';
import { BadRequest, Forbidden } from '../../platform/errors.js';
import { projectIdOf, type AuthContext } from '../../platform/auth/context.js';

/** Keystone's ValidationError text for a missing attribute. */
export function missingAttribute(attribute: string, target: string): BadRequest {
  return new BadRequest(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
}

/** An ec2 blob: a JSON object with at least an access key. */
export type Ec2Blob = Record<string, unknown> & { access: string };

/** Parses and checks an ec2 credential's blob as Keystone does; BadRequest otherwise. */
export function parseEc2Blob(blob: string): Ec2Blob {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw new BadRequest('Invalid blob in credential');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw missingAttribute('blob', 'credential');
  }
  const access = (parsed as Record<string, unknown>).access;
  if (access === undefined || access === null) throw missingAttribute('access', 'credential');
  if (typeof access !== 'string') throw new BadRequest("Invalid input for field 'access': must be a string");
  return parsed as Ec2Blob;
}

/** An ec2 credential's id: the SHA-256 hex of its access key, so the key alone finds it. */
export function ec2CredentialId(access: string): string {
  return createHash('sha256').update(access, 'utf8').digest('hex');
}

/** True if the caller's token carries delegated authority rather than the user's own login. */
export function isDelegated(auth: AuthContext): boolean {
  return auth.trust !== undefined || auth.applicationCredential !== undefined || auth.oauth1 !== undefined;
}

/**
 * A delegated token is bound to one project: it may only touch credentials of exactly that project
 * (never project-less ones such as TOTP secrets), so a stolen delegation cannot reach other secrets.
 */
export function withinDelegation(auth: AuthContext, credentialProjectId: string | null): boolean {
  return !isDelegated(auth) || (credentialProjectId !== null && credentialProjectId === projectIdOf(auth));
}

/** As withinDelegation, but throws Forbidden naming `what` (e.g. 'EC2 credential'). */
export function assertWithinDelegation(auth: AuthContext, credentialProjectId: string | null, what: string): void {
  if (!withinDelegation(auth, credentialProjectId)) {
    throw new Forbidden(`You are not authorized to perform the requested action: ${what} project does not match the project scope of the delegated token.`);
  }
}

/** A restricted application credential may not mint further credentials. */
export function assertUnrestricted(auth: AuthContext): void {
  if (auth.applicationCredential?.restricted) {
    throw new Forbidden("You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional credentials.");
  }
}
