/**
 * Neutron's collection query language, one implementation for every collection (neutron/api/api_common.py
 * semantics): filters on visible attributes (a repeated key is an OR; empty values are ignored; unknown
 * keys are a 400 as with `filter-validation`), tag filters, `changed_since`, `fields`, `sort_key`/`sort_dir` pairs, and
 * `limit`/`marker`/`page_reverse` with `<collection>_links`. It works on rendered resources, after the
 * store has scoped the rows to what the caller may see.
 */
import type { FastifyRequest } from 'fastify';
import { httpBadRequest, invalidInput, NeutronFault } from './errors.js';
import { toBoolean, toInt } from './attributes.js';

export type FilterKind = 'string' | 'boolean' | 'int';
/** A filter the collection interprets itself (e.g. ports' `fixed_ips=ip_address=…`). */
export type CustomFilter = (item: Record<string, unknown>, values: readonly string[]) => boolean;

export interface ListSpec {
  /** Attributes a filter may name, with how its query values convert. */
  readonly filters: Readonly<Record<string, FilterKind>>;
  readonly custom?: Readonly<Record<string, CustomFilter>>;
  /** Attributes `sort_key` may name. */
  readonly sortable: ReadonlySet<string>;
}

type Item = Record<string, unknown>;

/** Every value of every query parameter, in order. */
export function queryAll(request: FastifyRequest): Array<[string, string]> {
  const raw = request.raw.url ?? '';
  const qs = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '';
  return [...new URLSearchParams(qs)];
}

const PAGING = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'changed_since']);
const TAG_FILTERS = new Set(['tags', 'tags-any', 'not-tags', 'not-tags-any']);

/** The `fields` a request asks for, or undefined for all. */
export function requestedFields(request: FastifyRequest): string[] | undefined {
  const fields = queryAll(request).filter(([k, v]) => k === 'fields' && v !== '').map(([, v]) => v);
  return fields.length > 0 ? fields : undefined;
}

/** Keeps only the requested fields of an item (Neutron drops unknown names silently). */
export function selectFields(item: Item, fields: readonly string[] | undefined): Item {
  if (!fields) return item;
  const out: Item = {};
  for (const f of fields) if (f in item) out[f] = item[f];
  return out;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function matches(value: unknown, wanted: readonly unknown[]): boolean {
  if (value === null || value === undefined) return false;
  return wanted.some((w) => (typeof w === 'string' ? String(value) === w : value === w));
}

function tagList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).filter((t) => t !== '');
}

/** Applies the request's filters, sorting and pagination; returns the page and its links. */
export function listPage(request: FastifyRequest, base: string, items: readonly Item[], spec: ListSpec): { items: Item[]; links: Array<{ rel: string; href: string }> } {
  const params = queryAll(request);
  const filters = new Map<string, string[]>();
  for (const [k, v] of params) {
    if (PAGING.has(k)) continue;
    const list = filters.get(k) ?? [];
    list.push(v);
    filters.set(k, list);
  }
  const invalid = [...filters.keys()].filter((k) => !(k in spec.filters) && !spec.custom?.[k] && !TAG_FILTERS.has(k));
  if (invalid.length > 0) throw httpBadRequest(`[${invalid[0]}] is invalid attribute for filtering`);
  if (filters.has('tenant_id') && filters.has('project_id')) throw new NeutronFault(400, 'TenantIdProjectIdFilterConflict', 'Both tenant_id and project_id passed as filters.');

  // standard-attr-timestamp: only resources changed at or after the given time.
  const since = params.filter(([k]) => k === 'changed_since').map(([, v]) => v).at(-1);
  let sinceMs: number | undefined;
  if (since !== undefined) {
    sinceMs = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(since) ? Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(since) ? since : `${since}Z`) : NaN;
    if (Number.isNaN(sinceMs)) throw invalidInput('The input changed_since must be in the following format: YYYY-MM-DDTHH:MM:SS');
  }

  let out = items.filter((item) => {
    if (sinceMs !== undefined && !(typeof item.updated_at === 'string' && Date.parse(item.updated_at) >= sinceMs)) return false;
    for (const [key, raw] of filters) {
      const vals = raw.filter((v) => v !== '');
      if (vals.length === 0) continue;
      if (TAG_FILTERS.has(key)) {
        const tags = new Set((item.tags as string[] | undefined) ?? []);
        const want = tagList(vals);
        const all = want.every((t) => tags.has(t));
        const any = want.some((t) => tags.has(t));
        if (key === 'tags' && !all) return false;
        if (key === 'tags-any' && !any) return false;
        if (key === 'not-tags' && all) return false;
        if (key === 'not-tags-any' && any) return false;
        continue;
      }
      const custom = spec.custom?.[key];
      if (custom) {
        if (!custom(item, vals)) return false;
        continue;
      }
      const kind = spec.filters[key]!;
      const converted = vals.map((v) => (kind === 'boolean' ? toBoolean(v) : kind === 'int' ? toInt(v) : v));
      if (!matches(item[key], converted)) return false;
    }
    return true;
  });

  // Sorting: sort_key and sort_dir in pairs.
  const keys = params.filter(([k, v]) => k === 'sort_key' && v !== '').map(([, v]) => v);
  const dirs = params.filter(([k, v]) => k === 'sort_dir' && v !== '').map(([, v]) => v);
  if (keys.length !== dirs.length) throw httpBadRequest('The number of sort_keys and sort_dirs must be same');
  const absent = keys.filter((k) => !spec.sortable.has(k));
  if (absent.length > 0) throw httpBadRequest(`[${absent.map((k) => `'${k}'`).join(', ')}] is invalid attribute for sort_keys`);
  const badDirs = dirs.filter((d) => d !== 'asc' && d !== 'desc');
  if (badDirs.length > 0) throw httpBadRequest(`[${badDirs.map((d) => `'${d}'`).join(', ')}] is invalid value for sort_dirs, valid value is 'asc' and 'desc'`);
  const sorts: Array<[string, boolean]> = keys.map((k, i) => [k, dirs[i] === 'asc']);

  // Pagination.
  const first = (name: string): string | undefined => params.find(([k]) => k === name)?.[1];
  const rawLimit = first('limit') ?? '0';
  if (!/^\d+$/.test(rawLimit.trim())) throw new NeutronFault(400, 'BadRequest', `Bad limit request: Limit must be an integer 0 or greater and not '${rawLimit}'.`);
  const limit = Number(rawLimit.trim());
  const marker = first('marker');
  const pageReverse = (first('page_reverse') ?? 'False').toLowerCase() === 'true';
  if (limit > 0 && !sorts.some(([k]) => k === 'id')) sorts.push(['id', true]);
  if (sorts.length > 0) {
    out = [...out].sort((a, b) => {
      for (const [key, asc] of sorts) {
        const c = compare(a[key], b[key]);
        if (c !== 0) return asc ? c : -c;
      }
      return 0;
    });
  }
  if (limit === 0) return { items: out, links: [] };

  let page: Item[];
  const at = marker === undefined ? -1 : out.findIndex((i) => i.id === marker);
  if (pageReverse) {
    const end = at >= 0 ? at : out.length;
    page = out.slice(Math.max(0, end - limit), end);
  } else {
    page = out.slice(at + 1, at + 1 + limit);
  }
  const path = (request.raw.url ?? '').split('?')[0];
  const link = (markerId: string | undefined, reverse: boolean): string => {
    const rest = params.filter(([k]) => k !== 'marker' && k !== 'page_reverse');
    if (markerId !== undefined) rest.push(['marker', markerId]);
    if (reverse) rest.push(['page_reverse', 'True']);
    return `${base}${path}?${new URLSearchParams(rest).toString()}`;
  };
  const links: Array<{ rel: string; href: string }> = [];
  if (!(page.length < limit && !pageReverse)) links.push({ rel: 'next', href: link(page.at(-1)?.id as string | undefined, false) });
  if (!(page.length < limit && pageReverse)) links.push({ rel: 'previous', href: link(page[0]?.id as string | undefined, true) });
  return { items: page, links };
}
