/**
 * Request-body checks with Nova's rules (nova/api/validation/parameter_types.py) and messages in the shape
 * its JSON-schema validator gives ("Invalid input for field/attribute X. Value: Y. reason"). Nova's schemas
 * change with the microversion, so routes check bodies here, in code, rather than with one static schema.
 */
import { isIP } from 'node:net';
import { BadRequest } from '../platform/errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Nova's validation error. */
export function invalid(field: string, value: unknown, reason: string): BadRequest {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new BadRequest(`Invalid input for field/attribute ${field}. Value: ${shown}. ${reason}`);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `body[key]` must be an object; returns it. Nova: `'key' is a required property`. */
export function requireObject(body: unknown, key: string): JsonObject {
  if (!isObject(body)) throw new BadRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(body ?? null)}. '${key}' is a required property`);
  const inner = body[key];
  if (inner === undefined) throw invalid(key, body, `'${key}' is a required property`);
  if (!isObject(inner)) throw invalid(key, inner, `${JSON.stringify(inner)} is not of type 'object'`);
  return inner;
}

/** Refuses properties outside `allowed`, as `additionalProperties: false` does. */
export function onlyKeys(obj: JsonObject, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw invalid(where, obj, `Additional properties are not allowed ('${k}' was unexpected)`);
  }
}

export function required(obj: JsonObject, keys: readonly string[], where: string): void {
  for (const k of keys) if (obj[k] === undefined) throw invalid(where, obj, `'${k}' is a required property`);
}

// Printable: not a control/format/unassigned character (C*), and not a line or paragraph separator.
const NON_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
const EDGE_SPACE = /^[\p{C}\p{Z}]|[\p{C}\p{Z}]$/u;

/** Nova's `name` type: 1–255 printable characters, no leading or trailing whitespace. */
export function name(value: Json | undefined, field: string): string {
  if (typeof value !== 'string') throw invalid(field, value, `${JSON.stringify(value)} is not of type 'string'`);
  if (value.length < 1) throw invalid(field, value, `'' is too short`);
  if (value.length > 255) throw invalid(field, value, `'${value}' is too long`);
  if (NON_PRINTABLE.test(value) || EDGE_SPACE.test(value)) {
    throw invalid(field, value, `'${value}' does not match 'printable characters. Can not start or end with whitespace.'`);
  }
  return value;
}

/** Nova's `description`: null, or up to `max` printable characters. */
export function description(value: Json | undefined, field: string, max = 255): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalid(field, value, `${JSON.stringify(value)} is not of type 'string', 'null'`);
  if (value.length > max) throw invalid(field, value, `'${value}' is too long`);
  if (NON_PRINTABLE.test(value)) throw invalid(field, value, `'${value}' does not match printable characters`);
  return value;
}

/** An integer given as a number or a digit string (Nova's positive_integer and friends). */
export function intLike(value: Json | undefined, field: string, min: number, max = 0x7fffffff, allowNegativeOne = false): number {
  let n: number;
  if (typeof value === 'number' && Number.isInteger(value)) n = value;
  else if (typeof value === 'string' && (allowNegativeOne ? /^-?[0-9]+$/ : /^[0-9]+$/).test(value)) n = Number(value);
  else throw invalid(field, value, `${JSON.stringify(value)} is not of type 'integer', 'string'`);
  if (n < min) throw invalid(field, value, `${n} is less than the minimum of ${min}`);
  if (n > max) throw invalid(field, value, `${n} is greater than the maximum of ${max}`);
  return n;
}

const TRUE = new Set(['True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes']);
const FALSE = new Set(['False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']);

/** Nova's `boolean` type: a JSON boolean or one of its accepted strings. */
export function boolLike(value: Json | undefined, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && TRUE.has(value)) return true;
  if (typeof value === 'string' && FALSE.has(value)) return false;
  throw invalid(field, value, `${JSON.stringify(value)} is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']`);
}

const METADATA_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;

/** Nova's `metadata` type: keys match METADATA_KEY, values strings up to 255 (numbers too, for extra specs). */
export function metadata(value: Json | undefined, field: string, opts: { allowNumbers?: boolean; allowNull?: boolean } = {}): Record<string, string> {
  if (!isObject(value)) throw invalid(field, value, `${JSON.stringify(value)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!METADATA_KEY.test(k)) throw invalid(field, value, `Additional properties are not allowed ('${k}' was unexpected)`);
    if (typeof v === 'number' && opts.allowNumbers) { out[k] = String(v); continue; }
    if (typeof v !== 'string') throw invalid(`${field}/${k}`, v, `${JSON.stringify(v)} is not of type 'string'`);
    if (v.length > 255) throw invalid(`${field}/${k}`, v, `'${v}' is too long`);
    out[k] = v;
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A UUID (oslo's is_uuid_like: dashes optional). */
export function uuid(value: Json | undefined, field: string): string {
  if (typeof value !== 'string') throw invalid(field, value, `${JSON.stringify(value)} is not of type 'string'`);
  if (!UUID.test(value)) throw invalid(field, value, `'${value}' is not a 'uuid'`);
  return value;
}

/** A string of at most `max` characters. */
export function str(value: Json | undefined, field: string, min = 0, max = 255): string {
  if (typeof value !== 'string') throw invalid(field, value, `${JSON.stringify(value)} is not of type 'string'`);
  if (value.length < min) throw invalid(field, value, `'${value}' is too short`);
  if (value.length > max) throw invalid(field, value, `'${value}' is too long`);
  return value;
}

/** Standard base64 as Python's base64.b64decode(validate=True) accepts it. */
export function base64(value: Json | undefined, field: string, maxLength = 65535): string {
  const s = str(value, field, 0, maxLength);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw invalid(field, value, `'${s}' is not a 'base64'`);
  return s;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

export function ipv4(value: Json | undefined, field: string): string {
  const s = str(value, field, 0, 64);
  if (!IPV4.test(s)) throw invalid(field, value, `'${s}' is not a 'ipv4'`);
  return s;
}

/** An IPv6 address, in its canonical compressed form (as Nova stores it: `::babe:dc0c:1602`). */
export function ipv6(value: Json | undefined, field: string): string {
  const s = str(value, field, 0, 64);
  if (!isIP(s) || !s.includes(':')) throw invalid(field, value, `'${s}' is not a 'ipv6'`);
  // The WHATWG URL parser writes IPv6 hosts as RFC 5952 says (lowercase, longest zero run compressed).
  return new URL(`http://[${s}]/`).hostname.slice(1, -1);
}

/** Nova's `tag` type: 1–60 characters without ',' or '/'. */
export function tag(value: Json | undefined, field: string): string {
  const s = str(value, field, 1, 60);
  if (/[,/]/.test(s)) throw invalid(field, value, `'${s}' does not match '^[^,/]*$'`);
  return s;
}
