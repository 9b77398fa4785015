/**
 * Request bodies the way Neutron's API layer reads them (neutron/api/v2/base.py and neutron-lib's
 * validators): each resource declares its attributes, whether POST or PUT may set them, their defaults and
 * validators; unknown attributes, read-only ones and missing required ones are 400s with Neutron's texts.
 */
import { httpBadRequest, invalidAttribute, invalidInput } from './errors.js';
import { parseCidr, parseIp, formatCidr } from './ipv4.js';

/** Converts and validates one value; throws a NeutronFault naming `attr`. */
export type Validator = (value: unknown, attr: string) => unknown;

export interface AttrSpec {
  readonly post: boolean;
  readonly put: boolean;
  readonly required?: boolean;
  /** The value an absent attribute takes on POST (Neutron's `default`). */
  readonly default?: () => unknown;
  readonly validate?: Validator;
}

export type ResourceSpec = Readonly<Record<string, AttrSpec>>;

/** Python's str() of a JSON value, which Neutron's messages interpolate. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
}

function pyRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : py(v);
}

/** What a parsed body holds: converted values (with defaults on POST) and which keys the client sent. */
export interface ParsedBody {
  readonly values: Record<string, unknown>;
  readonly given: ReadonlySet<string>;
}

/**
 * Reads `{<resource>: {...}}`. `project_id` and `tenant_id` are one attribute (either name, equal if
 * both) and come back as `project_id`.
 */
export function parseBody(body: unknown, resource: string, spec: ResourceSpec, op: 'create' | 'update'): ParsedBody {
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)) {
    throw httpBadRequest('Resource body required');
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw httpBadRequest('Body contains invalid data');
  const inner = (body as Record<string, unknown>)[resource];
  if (inner === undefined) throw httpBadRequest(`Unable to find '${resource}' in request body`);
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw httpBadRequest(`Unable to find '${resource}' in request body`);
  const data = { ...(inner as Record<string, unknown>) };

  if ('tenant_id' in data) {
    if ('project_id' in data && data.project_id !== data.tenant_id) throw httpBadRequest('project_id and tenant_id do not match');
    data.project_id = data.tenant_id;
    delete data.tenant_id;
  }
  const unknown = Object.keys(data).filter((k) => !(k in spec));
  if (unknown.length > 0) throw httpBadRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);

  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [attr, s] of Object.entries(spec)) {
    if (attr in data) {
      if (op === 'create' && !s.post) throw httpBadRequest(`Attribute '${attr}' not allowed in POST`);
      if (op === 'update' && !s.put) throw httpBadRequest(`Cannot update read-only attribute ${attr}`);
      values[attr] = s.validate ? s.validate(data[attr], attr) : data[attr];
      given.add(attr);
    } else if (op === 'create') {
      if (s.required) throw httpBadRequest(`Failed to parse request. Required attribute '${attr}' not specified`);
      if (s.default) values[attr] = s.default();
    }
  }
  return { values, given };
}

// Validators, with neutron-lib's messages.

export const string = (max: number): Validator => (v, attr) => {
  if (typeof v !== 'string') throw invalidAttribute(attr, `'${py(v)}' is not a valid string`);
  if (v.length > max) throw invalidAttribute(attr, `'${v}' exceeds maximum length of ${max}`);
  return v;
};

/** Names and descriptions: 255 characters (Neutron's NAME_MAX_LEN and DESCRIPTION_MAX_LEN). */
export const name = string(255);

/** neutron-lib's convert_to_boolean: booleans, 0/1, and 'true'/'false'/'1'/'0' in any case. */
export function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  throw invalidInput(`'${py(v)}' cannot be converted to boolean`);
}
export const boolean: Validator = (v) => toBoolean(v);

/** neutron-lib's convert_to_int. */
export function toInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  throw invalidInput(`'${py(v)}' is not an integer`);
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);
export const uuid: Validator = (v, attr) => {
  if (!isUuid(v)) throw invalidAttribute(attr, `'${py(v)}' is not a valid UUID`);
  return v;
};
export const uuidOrNull: Validator = (v, attr) => (v === null ? null : uuid(v, attr));

export const values = (allowed: readonly (string | number)[]): Validator => (v, attr) => {
  if (!allowed.includes(v as string)) throw invalidAttribute(attr, `'${py(v)}' is not in [${allowed.map(pyRepr).join(', ')}]`);
  return v;
};

/** An IPv4 address in canonical form; IPv6 is refused as unsupported rather than as malformed. */
export function ipAddress(v: unknown, attr: string): string {
  if (typeof v === 'string' && parseIp(v) !== undefined) return v;
  if (typeof v === 'string' && v.includes(':')) throw invalidInput(`IPv6 address ${v} is not supported by this cloud (IPv4 only)`);
  throw invalidAttribute(attr, `'${py(v)}' is not a valid IP address`);
}
export const ipOrNull: Validator = (v, attr) => (v === null ? null : ipAddress(v, attr));

/** A subnet CIDR without host bits (validate_subnet). */
export const subnetCidr: Validator = (v, attr) => {
  const parsed = typeof v === 'string' ? parseCidr(v) : undefined;
  if (!parsed || typeof v !== 'string' || !v.includes('/')) {
    if (typeof v === 'string' && v.includes(':')) throw invalidInput(`IPv6 subnet ${v} is not supported by this cloud (IPv4 only)`);
    throw invalidAttribute(attr, `'${py(v)}' is not a valid IP subnet`);
  }
  const clean = formatCidr(parsed.cidr);
  if (clean !== v) throw invalidAttribute(attr, `'${v}' isn't a recognized IP subnet cidr, '${clean}' is recommended`);
  return v;
};

/** A prefix that may have host bits (a security group rule's remote_ip_prefix, a route destination). */
export const ipPrefix: Validator = (v, attr) => {
  if (typeof v !== 'string' || !parseCidr(v)) throw invalidAttribute(attr, `'${py(v)}' is not a valid IP subnet`);
  return v;
};

const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
export const macAddress: Validator = (v, attr) => {
  if (typeof v !== 'string' || !MAC.test(v)) throw invalidAttribute(attr, `'${py(v)}' is not a valid MAC address`);
  const mac = v.toLowerCase().replace(/-/g, ':');
  // Multicast and all-zero addresses cannot be a port's (validate_mac_address).
  if (mac === '00:00:00:00:00:00' || (parseInt(mac.slice(0, 2), 16) & 1) === 1) throw invalidAttribute(attr, `'${v}' is not a valid MAC address`);
  return mac;
};

export const list = (each: Validator): Validator => (v, attr) => {
  if (!Array.isArray(v)) throw invalidAttribute(attr, `'${py(v)}' is not a list`);
  return v.map((x) => each(x, attr));
};

/** A dict whose keys are exactly among `keys` (and include `required`). */
export function dict(v: unknown, attr: string, keys: readonly string[], required: readonly string[], what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidAttribute(attr, `Invalid data format for ${what}: '${py(v)}'`);
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0 || required.some((k) => !(k in o))) throw invalidAttribute(attr, `Invalid data format for ${what}: '${py(v)}'`);
  return o;
}

/** A project id as Keystone makes them (32 hex) or any id an admin names; bounded like Neutron's column. */
export const projectId = string(255);
