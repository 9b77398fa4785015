/**
 * Resolved properties against a plugin's schema, as Heat's Properties class does: unknown names refused,
 * required ones checked, defaults filled in, scalar strings converted to the declared type.
 */
import type { PropertySchema, PropertyType } from '../plugins/types.js';

/** Heat's "Property error" (StackValidationFailed), with the path of the property. */
export class PropertyError extends Error {
  constructor(readonly resourceName: string, readonly property: string, detail: string) {
    super(`Property error: resources.${resourceName}.properties.${property}: ${detail}`);
    this.name = 'StackValidationFailed';
  }
}

const TRUE = new Set(['true', 't', 'on', 'y', 'yes', '1']);
const FALSE = new Set(['false', 'f', 'off', 'n', 'no', '0']);

function convert(type: PropertyType, v: unknown): { ok: true; value: unknown } | { ok: false; detail: string } {
  switch (type) {
    case 'string':
      if (typeof v === 'string') return { ok: true, value: v };
      if (typeof v === 'number' || typeof v === 'boolean') return { ok: true, value: String(v) };
      return { ok: false, detail: `Value must be a string; got ${JSON.stringify(v)}` };
    case 'integer': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n === 'number' && Number.isInteger(n)) return { ok: true, value: n };
      return { ok: false, detail: `Value '${String(v)}' is not an integer` };
    }
    case 'number': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n === 'number' && Number.isFinite(n)) return { ok: true, value: n };
      return { ok: false, detail: `Value '${String(v)}' is not a number` };
    }
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (typeof v === 'string' && TRUE.has(v.toLowerCase())) return { ok: true, value: true };
      if (typeof v === 'string' && FALSE.has(v.toLowerCase())) return { ok: true, value: false };
      return { ok: false, detail: `Unrecognized value "${String(v)}", acceptable values are: true, false` };
    case 'list':
      if (Array.isArray(v)) return { ok: true, value: v };
      if (typeof v === 'string') return { ok: true, value: v === '' ? [] : v.split(',') };
      return { ok: false, detail: `"${JSON.stringify(v)}" is not a list` };
    case 'any':
      return { ok: true, value: v };
    case 'map':
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { ok: true, value: v };
      return { ok: false, detail: `"${JSON.stringify(v)}" is not a map` };
    default: { const never: never = type; return { ok: false, detail: `unknown type ${String(never)}` }; }
  }
}

function checkConstraints(schema: PropertySchema, v: unknown): string | null {
  for (const c of schema.constraints ?? []) {
    if (c.allowed_values && !c.allowed_values.some((a) => a === v)) return c.description ?? `"${String(v)}" is not an allowed value [${c.allowed_values.join(', ')}]`;
    if (c.range && typeof v === 'number') {
      if ((c.range.min !== undefined && v < c.range.min) || (c.range.max !== undefined && v > c.range.max)) {
        return c.description ?? `${v} is out of range (min: ${c.range.min ?? 'None'}, max: ${c.range.max ?? 'None'})`;
      }
    }
    if (c.length) {
      const len = typeof v === 'string' || Array.isArray(v) ? v.length : typeof v === 'object' && v !== null ? Object.keys(v).length : undefined;
      if (len !== undefined && ((c.length.min !== undefined && len < c.length.min) || (c.length.max !== undefined && len > c.length.max))) {
        return c.description ?? `length (${len}) is out of range (min: ${c.length.min ?? 'None'}, max: ${c.length.max ?? 'None'})`;
      }
    }
  }
  return null;
}

/** The properties a plugin receives: defaults in, types converted; throws PropertyError. */
export function applySchema(resourceName: string, schema: Readonly<Record<string, PropertySchema>>, given: unknown, open = false): Record<string, unknown> {
  if (given !== null && given !== undefined && (typeof given !== 'object' || Array.isArray(given))) {
    throw new PropertyError(resourceName, '', 'Properties must be a map');
  }
  const props = (given ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (open) return { ...props };
  for (const key of Object.keys(props)) {
    if (!(key in schema)) throw new PropertyError(resourceName, key, `Unknown Property ${key}`);
  }
  for (const [key, s] of Object.entries(schema)) {
    const raw = props[key];
    if (raw === undefined || raw === null) {
      if (s.required) throw new PropertyError(resourceName, key, `Property ${key} not assigned`);
      if (s.default !== undefined) out[key] = structuredClone(s.default);
      continue;
    }
    const c = convert(s.type, raw);
    if (!c.ok) throw new PropertyError(resourceName, key, c.detail);
    const problem = checkConstraints(s, c.value);
    if (problem) throw new PropertyError(resourceName, key, problem);
    out[key] = c.value;
  }
  return out;
}

/** Names whose values differ between two resolved property maps. */
export function changedProperties(before: Record<string, unknown> | null, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify((before ?? {})[k]) !== JSON.stringify(after[k])).sort();
}
