/**
 * `GET /v2/images` query parameters, read as Glance reads them (glance/api/v2/images.py RequestDeserializer
 * and the filter handling of its SQL driver): filters, the two sorting syntaxes, limit and marker.
 */
import { BadRequest } from '../platform/errors.js';
import type { ImageTable } from './tables.js';
import { isUuid, MEMBER_STATUSES, VISIBILITIES, type ImageId, type ImageVisibility, type MemberStatus } from './model.js';

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';
export interface SortSpec { key: SortKey; dir: SortDir; }

export type TimeOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';
const TIME_OPS: readonly TimeOp[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];

/** Columns filtered by `in:a,b` or equality. */
type ListColumn = 'name' | 'id' | 'status' | 'container_format' | 'disk_format';
type ExactColumn = 'owner' | 'checksum' | 'os_hash_value';
type NumberColumn = 'size' | 'virtual_size' | 'min_ram' | 'min_disk';
const LIST_COLUMNS: readonly string[] = ['name', 'id', 'status', 'container_format', 'disk_format'];
const EXACT_COLUMNS: readonly string[] = ['owner', 'checksum', 'os_hash_value'];
const NUMBER_COLUMNS: readonly string[] = ['size', 'virtual_size', 'min_ram', 'min_disk'];

export interface ImageFilters {
  visibility?: ImageVisibility | 'all';
  memberStatus: MemberStatus | 'all';
  osHidden: boolean;
  protected?: boolean;
  oneOf: Partial<Record<ListColumn, string[]>>;
  exact: Partial<Record<ExactColumn, string>>;
  numbers: Array<{ column: NumberColumn; op: 'eq' | 'gte' | 'lte'; value: number }>;
  times: Array<{ column: 'created_at' | 'updated_at'; op: TimeOp; value: string }>;
  properties: Record<string, string>;
  tags: string[];
}

/** Who is listing: admins see every image, others what their project owns, is shared or is public. */
export interface Viewer { admin: boolean; project: string | null; }

export interface ImageQuery {
  viewer: Viewer;
  filters: ImageFilters;
  sort: SortSpec[];
  marker?: ImageId;
  limit: number;
}

/** Glance's limit_param_default and api_limit_max. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

function sortKey(raw: string): SortKey {
  const key = raw.trim();
  if (!(SORT_KEYS as readonly string[]).includes(key)) {
    throw new BadRequest(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  }
  return key as SortKey;
}

function sortDir(raw: string): SortDir {
  const dir = raw.trim();
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

/** Both syntaxes: `sort=name:asc,size` and `sort_key=name&sort_dir=asc` (repeatable). */
function parseSort(params: URLSearchParams): SortSpec[] {
  let keys: SortKey[] = [];
  let dirs: SortDir[] = [];
  if (params.has('sort')) {
    if (params.has('sort_key') || params.has('sort_dir')) throw new BadRequest('Old and new sorting syntax cannot be combined');
    for (const part of (params.get('sort') ?? '').trim().split(',')) {
      const [k = '', d] = part.split(':', 2);
      keys.push(sortKey(k));
      dirs.push(d ? sortDir(d) : 'desc');
    }
  } else {
    keys = params.getAll('sort_key').map(sortKey);
    dirs = params.getAll('sort_dir').map(sortDir);
    if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequest('Number of sort dirs does not match the number of sort keys');
  }
  if (keys.length === 0) keys = ['created_at'];
  if (dirs.length === 0) dirs = ['desc'];
  // One direction applies to every key; created_at and id always follow, so the order is total.
  const fallback = dirs.length === 1 ? dirs[0]! : 'desc';
  const spec = keys.map((key, i) => ({ key, dir: dirs.length === 1 ? fallback : dirs[i]! }));
  for (const key of ['created_at', 'id'] as const) if (!keys.includes(key)) spec.push({ key, dir: fallback });
  return spec;
}

function bool(name: string, raw: string): boolean {
  const v = raw.toLowerCase();
  if (v !== 'true' && v !== 'false') throw new BadRequest(`Invalid value '${raw}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return v === 'true';
}

function integer(raw: string, message: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw new BadRequest(message);
  return Number(raw);
}

/** Glance's `op:value`; a bare value (or an ISO time, which contains colons) is `eq`. */
function splitOp(raw: string): [string, string] {
  const i = raw.indexOf(':');
  if (i < 0 || !Number.isNaN(Date.parse(raw))) return ['eq', raw];
  return [raw.slice(0, i), raw.slice(i + 1)];
}

/** The values of `in:"a,b",c`: commas separate, double quotes protect commas, `\"` escapes a quote. */
function splitIn(raw: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)",?|([^,]+),?|,/g;
  let m: RegExpExecArray | null;
  if ((raw.match(/(?<!\\)"/g) ?? []).length % 2 === 1) throw new BadRequest(`Invalid filter value ${raw}. The quote is not closed.`);
  while ((m = re.exec(raw)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

/** Reads a list request's query string. The viewer is filled in by the caller. */
export function parseImageQuery(params: URLSearchParams, viewer: Viewer): ImageQuery {
  const last = (k: string): string | undefined => { const all = params.getAll(k); return all.length > 0 ? all[all.length - 1] : undefined; };
  const limitRaw = last('limit');
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    limit = integer(limitRaw, 'limit param must be an integer');
    if (limit < 0) throw new BadRequest('limit param must be positive');
  }
  const memberStatus = last('member_status') ?? 'accepted';
  if (memberStatus !== 'all' && !(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) throw new BadRequest(`Invalid status: ${memberStatus}`);
  const markerRaw = last('marker');

  const filters: ImageFilters = {
    memberStatus: memberStatus as MemberStatus | 'all', osHidden: false, oneOf: {}, exact: {}, numbers: [], times: [], properties: {},
    tags: params.getAll('tag').map((t) => t.trim()),
  };
  const handled = new Set(['limit', 'marker', 'member_status', 'tag', 'sort', 'sort_key', 'sort_dir']);
  for (const key of new Set(params.keys())) {
    if (handled.has(key)) continue;
    const value = last(key)!;
    if (key === 'visibility') {
      if (value !== 'all' && !(VISIBILITIES as readonly string[]).includes(value)) throw new BadRequest(`Invalid visibility value: ${value}`);
      filters.visibility = value as ImageVisibility | 'all';
    } else if (key === 'changes-since') {
      throw new BadRequest('The "changes-since" filter is no longer available on v2.');
    } else if (key === 'os_hidden') {
      filters.osHidden = bool(key, value);
    } else if (key === 'protected') {
      filters.protected = bool(key, value);
    } else if ((key.endsWith('_min') || key.endsWith('_max')) && NUMBER_COLUMNS.includes(key.slice(0, -4))) {
      filters.numbers.push({ column: key.slice(0, -4) as NumberColumn, op: key.endsWith('_min') ? 'gte' : 'lte', value: integer(value, 'Unable to filter on a range with a non-numeric value.') });
    } else if (NUMBER_COLUMNS.includes(key)) {
      filters.numbers.push({ column: key as NumberColumn, op: 'eq', value: integer(value, `Unable to filter on ${key} with a non-numeric value.`) });
    } else if (key === 'created_at' || key === 'updated_at') {
      const [op, time] = splitOp(value);
      if (!(TIME_OPS as readonly string[]).includes(op)) throw new BadRequest('Unable to filter on a unknown operator.');
      const parsed = Date.parse(time);
      if (Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}/.test(time)) throw new BadRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
      filters.times.push({ column: key, op: op as TimeOp, value: new Date(parsed).toISOString() });
    } else if (LIST_COLUMNS.includes(key)) {
      const [op, v] = splitOp(value);
      if (op === 'in') filters.oneOf[key as ListColumn] = splitIn(v);
      else if (op === 'eq') filters.oneOf[key as ListColumn] = [v];
      else throw new BadRequest(`Unable to filter by unknown operator '${op}'.`);
    } else if (EXACT_COLUMNS.includes(key)) {
      filters.exact[key as ExactColumn] = value;
    } else {
      filters.properties[key] = value;
    }
  }
  // An id that is no UUID matches nothing; Glance then answers 400 for a marker it cannot find.
  if (markerRaw !== undefined && !isUuid(markerRaw)) throw new BadRequest(`No image found with ID ${markerRaw}`);
  return {
    viewer, filters, sort: parseSort(params), limit: Math.min(limit, MAX_LIMIT),
    ...(markerRaw !== undefined ? { marker: markerRaw.toLowerCase() as ImageId } : {}),
  };
}

/**
 * Orders two image rows by a sort spec. NULLs come first ascending and last descending, as Glance's
 * MySQL orders them, on either engine.
 */
export function compareImages(a: ImageTable, b: ImageTable, sort: readonly SortSpec[]): number {
  for (const { key, dir } of sort) {
    const x = a[key];
    const y = b[key];
    let c = 0;
    if (x === y) c = 0;
    else if (x === null) c = -1;
    else if (y === null) c = 1;
    else if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else c = String(x) < String(y) ? -1 : 1;
    if (c !== 0) return dir === 'asc' ? c : -c;
  }
  return 0;
}
