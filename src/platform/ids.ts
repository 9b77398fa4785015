/**
 * Identifiers. OpenStack ids are usually a UUID4 as 32 lowercase hex characters (Keystone) or with dashes
 * (Nova, Neutron). Branded types keep one kind of id from being passed where another is expected.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** A string known to be an id of kind K. Obtain one only through a parse or new function. */
export type Id<K extends string> = string & { readonly __brand: K };

/** A fresh 32-hex-character id (Keystone's format). */
export function newHexId<K extends string>(): Id<K> {
  return randomUUID().replace(/-/g, '') as Id<K>;
}

/** A fresh dashed UUID4 (Nova's, Neutron's and Glance's format). */
export function newUuid<K extends string>(): Id<K> {
  return randomUUID() as Id<K>;
}

/** URL-safe random string of `bytes` random bytes, without padding. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Casts a string read from trusted storage to a branded id. */
export function asId<K extends string>(raw: string): Id<K> {
  return raw as Id<K>;
}
