/**
 * What the route modules share: Magnum's strict body reading (WSME: unknown attributes and wrong types are
 * 400s naming them), paging query parameters, RFC 6902 patches with Magnum's allow-lists, links and
 * generated names.
 */
import { randomInt } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { invalid } from '../errors.js';
import type { PageQuery } from '../store.js';

export type Json = Record<string, unknown>;

export type FieldSpec =
  | { type: 'string'; min?: number; max?: number; pattern?: RegExp; enum?: readonly string[] }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'bool' }
  | { type: 'labels' }
  | { type: 'strings' }
  | { type: 'any' };

const pyType = (v: unknown): string =>
  v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'string' ? 'str' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'boolean' ? 'bool' : 'dict';

/** False for strings with a lone surrogate, which no database column can hold as UTF-8. */
const wellFormed = (s: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

function wrong(field: string, value: unknown, why: string): Error {
  let shown: string;
  try { shown = JSON.stringify(value)?.slice(0, 200) ?? String(value); } catch { shown = String(value); }
  return invalid(`Invalid input for field/attribute ${field}. Value: ${shown}. ${why}`);
}

/** A value read by its spec (nulls are "not given"); throws Magnum's 400 naming the field. */
export function readField(field: string, spec: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  switch (spec.type) {
    case 'any': return value;
    case 'string': {
      if (typeof value !== 'string') throw wrong(field, value, `Wrong type. Expected 'str', got '${pyType(value)}'`);
      if (!wellFormed(value)) throw wrong(field, value, 'Value is not valid Unicode (a lone surrogate)');
      if (spec.min !== undefined && value.length < spec.min) throw wrong(field, value, `Value should have a minimum character requirement of ${spec.min}`);
      if (spec.max !== undefined && value.length > spec.max) throw wrong(field, value, `Value should have a maximum character requirement of ${spec.max}`);
      if (spec.enum && !spec.enum.includes(value)) throw wrong(field, value, `Value should be one of: ${spec.enum.join(', ')}`);
      if (spec.pattern && !spec.pattern.test(value)) throw wrong(field, value, `Value should match the pattern ${spec.pattern.source}`);
      return value;
    }
    case 'int': {
      let n: number;
      if (typeof value === 'number' && Number.isInteger(value)) n = value;
      else if (typeof value === 'string' && /^\s*[-+]?\d{1,15}\s*$/.test(value)) n = Number(value);
      else throw wrong(field, value, `Wrong type. Expected 'int', got '${pyType(value)}'`);
      if (!Number.isSafeInteger(n)) throw wrong(field, value, 'Value is out of range');
      if (spec.min !== undefined && n < spec.min) throw wrong(field, value, `Value should be greater or equal to ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw wrong(field, value, `Value should be lower or equal to ${spec.max}`);
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false|t|f|yes|no|y|n|on|off|1|0)$/i.test(value)) return /^(true|t|yes|y|on|1)$/i.test(value);
      if (value === 0 || value === 1) return value === 1;
      throw wrong(field, value, `Wrong type. Expected 'bool', got '${pyType(value)}'`);
    }
    case 'labels': return readLabels(field, value);
    case 'strings': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw wrong(field, value, 'Value should be a list of strings');
      return value as string[];
    }
  }
}

/**
 * Labels: a dict of scalars (stored as strings), or, as Magnum's `/labels` patches allow, a Python-literal
 * or JSON dict in a string.
 */
export function readLabels(field: string, value: unknown): Record<string, string> {
  let v = value;
  if (typeof v === 'string') {
    const text = v.trim();
    try {
      v = JSON.parse(text.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null'));
    } catch {
      throw wrong(field, value, 'Value should be a dict');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrong(field, value, `Wrong type. Expected 'dict', got '${pyType(v)}'`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.length > 255) throw wrong(field, value, 'Label keys are at most 255 characters');
    if (!wellFormed(k) || (typeof x === 'string' && !wellFormed(x))) throw wrong(field, value, 'Labels must be valid Unicode');
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = typeof x === 'boolean' ? (x ? 'true' : 'false') : String(x);
    else throw wrong(field, value, `Label ${k} must be a string, number or boolean`);
  }
  return out;
}

/** The body as an object of known fields (unknown ones are a 400, as WSME's strict validation). */
export function readBody(body: unknown, resource: string, specs: Readonly<Record<string, FieldSpec>>, readOnly: readonly string[] = []): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(`Invalid input for ${resource}: the body must be a JSON object.`);
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    if (readOnly.includes(k)) continue;
    const spec = specs[k];
    if (!spec) throw invalid(`Unknown attribute for argument ${resource}: ${k}`);
    const read = readField(k, spec, v);
    if (read !== undefined) out[k] = read;
  }
  return out;
}

/** Every value of a query parameter. */
function queryValues(request: FastifyRequest, key: string): string[] {
  const raw = request.raw.url ?? '';
  const qs = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '';
  let params: URLSearchParams;
  try { params = new URLSearchParams(qs); } catch { throw invalid('Malformed query string.'); }
  return params.getAll(key);
}

export function queryOne(request: FastifyRequest, key: string): string | undefined {
  return queryValues(request, key).at(-1);
}

export function queryBool(request: FastifyRequest, key: string): boolean {
  const v = queryOne(request, key);
  if (v === undefined || v === '') return false;
  if (/^(true|t|yes|y|on|1)$/i.test(v)) return true;
  if (/^(false|f|no|n|off|0)$/i.test(v)) return false;
  throw invalid(`Invalid value for ${key}: ${v.slice(0, 100)}`);
}

export const MAX_LIMIT = 1000;

/** marker, limit (1..1000, default 1000), sort_key (allowed ones), sort_dir, as Magnum's collection helpers. */
export function pageQuery(request: FastifyRequest, sortKeys: readonly string[], defaultKey = 'id'): PageQuery {
  const limitRaw = queryOne(request, 'limit');
  let limit = MAX_LIMIT;
  if (limitRaw !== undefined && limitRaw !== '') {
    if (!/^-?\d{1,15}$/.test(limitRaw)) throw invalid(`Invalid input for field/attribute limit. Value: '${limitRaw.slice(0, 50)}'. unable to convert to int`);
    const n = Number(limitRaw);
    if (n <= 0) throw invalid('Limit must be positive');
    limit = Math.min(n, MAX_LIMIT);
  }
  const sortDir = (queryOne(request, 'sort_dir') ?? 'asc').toLowerCase();
  if (sortDir !== 'asc' && sortDir !== 'desc') throw invalid(`Invalid sort direction: ${sortDir.slice(0, 50)}. Acceptable values are 'asc' or 'desc'`);
  const sortKey = queryOne(request, 'sort_key') ?? defaultKey;
  if (!sortKeys.includes(sortKey)) throw invalid(`The sort_key value "${sortKey.slice(0, 100)}" is an invalid field for sorting`);
  const marker = queryOne(request, 'marker');
  return { limit, sortKey, sortDir, ...(marker ? { marker } : {}) };
}

/** Magnum's `next` link: present only when the page is full. */
export function nextLink(base: string, resource: string, page: PageQuery, items: ReadonlyArray<{ uuid?: string; id?: number }>, markerOf: (i: { uuid?: string; id?: number }) => string = (i) => String(i.uuid)): Json {
  if (items.length === 0 || items.length < page.limit) return {};
  const last = items[items.length - 1]!;
  return { next: `${base}/v1/${resource}?limit=${page.limit}&sort_key=${page.sortKey}&sort_dir=${page.sortDir}&marker=${encodeURIComponent(markerOf(last))}` };
}

export function links(base: string, resource: string, id: string): Json[] {
  return [{ href: `${base}/v1/${resource}/${id}`, rel: 'self' }, { href: `${base}/${resource}/${id}`, rel: 'bookmark' }];
}

export interface PatchOp { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }

const INTERNAL = ['/created_at', '/id', '/links', '/updated_at', '/uuid', '/project_id', '/user_id'];

/** Reads a JSON-Patch array as Magnum's JsonPatchType does; `internal` are more paths nobody may touch. */
export function readPatch(body: unknown, internal: readonly string[] = []): PatchOp[] {
  if (!Array.isArray(body)) throw invalid('Invalid input for patch: the body must be a JSON-Patch array.');
  if (body.length === 0) throw invalid('The patch is empty.');
  if (body.length > 100) throw invalid('A patch has at most 100 operations.');
  return body.map((raw): PatchOp => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('Each patch operation must be an object.');
    const o = raw as Json;
    for (const k of Object.keys(o)) if (!['op', 'path', 'value'].includes(k)) throw invalid(`Unknown attribute for argument patch: ${k}`);
    if (typeof o.path !== 'string' || !/^(\/[\w-]+)+$/.test(o.path)) throw invalid(`Invalid patch path: ${JSON.stringify(o.path)?.slice(0, 100)}`);
    if (o.op !== 'add' && o.op !== 'replace' && o.op !== 'remove') throw invalid(`Invalid patch operation: ${JSON.stringify(o.op)?.slice(0, 50)}. Valid values: add, replace, remove`);
    if ([...INTERNAL, ...internal].includes(o.path)) throw invalid(`'${o.path}' is an internal attribute and can not be updated`);
    if (o.op !== 'remove' && !('value' in o)) throw invalid("'add' and 'replace' operations need a value");
    return { op: o.op, path: o.path, ...('value' in o ? { value: o.value } : {}) };
  });
}

/**
 * Applies a patch to a flat document of API fields. `add` on a field that has a value is refused (Magnum
 * says use replace); `remove` sets null and is refused for `nonRemovable` fields.
 */
export function applyPatch(doc: Json, ops: readonly PatchOp[], nonRemovable: readonly string[] = []): Json {
  const out: Json = { ...doc };
  for (const o of ops) {
    const parts = o.path.slice(1).split('/');
    const field = parts[0]!;
    if (parts.length > 2) throw invalid(`Invalid patch path: ${o.path}`);
    if (parts.length === 2) {
      // /labels/key
      const current = out[field];
      if (typeof current !== 'object' || current === null || Array.isArray(current)) throw invalid(`Can't apply patch: ${o.path} is not a dict member.`);
      const copy = { ...(current as Json) };
      if (o.op === 'remove') {
        if (!(parts[1]! in copy)) throw invalid(`Can't remove non-existent object '${parts[1]}'`);
        delete copy[parts[1]!];
      } else {
        copy[parts[1]!] = o.value;
      }
      out[field] = copy;
      continue;
    }
    if (!(field in doc)) throw invalid(`Can't apply patch: the attribute ${field} does not exist.`);
    if (o.op === 'remove') {
      if (nonRemovable.includes(`/${field}`)) throw invalid(`'/${field}' is a mandatory attribute and can not be removed`);
      out[field] = null;
    } else if (o.op === 'add' && out[field] !== null && out[field] !== undefined && !(typeof out[field] === 'object' && Object.keys(out[field] as Json).length === 0)) {
      throw invalid(`Adding a new attribute (/${field}) to the root of the resource is not allowed. Use replace instead.`);
    } else {
      out[field] = o.value;
    }
  }
  return out;
}

const WORDS = ['alpha', 'bravo', 'cedar', 'delta', 'ember', 'fjord', 'gamma', 'harbor', 'iris', 'juniper', 'kite', 'lumen', 'maple', 'nova', 'orbit', 'pine', 'quartz', 'river', 'sierra', 'tundra', 'umber', 'vega', 'willow', 'xenon', 'yarrow', 'zeta'];

/** Magnum's generated names: `zeta-22-template`, `kite-07-cluster`. */
export function generatedName(kind: 'template' | 'cluster' | 'bay' | 'baymodel'): string {
  return `${WORDS[randomInt(WORDS.length)]}-${String(randomInt(100)).padStart(2, '0')}-${kind}`;
}
