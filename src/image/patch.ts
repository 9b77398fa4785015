/**
 * Image PATCH bodies, read as Glance reads them: `application/openstack-images-v2.1-json-patch` (JSON
 * Schema draft 10 operations, `{"op": "replace", "path": "/name", "value": …}`) or the older v2.0 form
 * (draft 4, `{"replace": "/name", "value": …}`, where `add` refuses an existing property).
 */
import { BadRequest, Forbidden, UnsupportedMediaType } from '../platform/errors.js';
import { READ_ONLY, isReserved } from './model.js';
import { imageSchema, validate } from './schemas.js';

export type PatchOp = 'add' | 'remove' | 'replace';

export interface Change {
  op: PatchOp;
  /** The decoded JSON pointer; one element except for `locations`. */
  path: string[];
  value?: unknown;
  /** 4 for the v2.0 media type, 10 for v2.1. */
  draft: 4 | 10;
}

export const PATCH_MEDIA_TYPES: Readonly<Record<string, 4 | 10>> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const OPS: readonly PatchOp[] = ['add', 'remove', 'replace'];

function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new BadRequest(`Pointer \`${String(pointer)}\` does not start with "/".`);
  if (!pointer.startsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw new BadRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw new BadRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw new BadRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer.replace(/^\/+/, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/** How deep a path may go per operation: only `locations` has elements addressed by index. */
function checkDepth(op: PatchOp, path: string[]): void {
  const limit = path[0] === 'locations' ? (op === 'replace' ? 1 : 2) : 1;
  if (path.length !== limit) throw new BadRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
}

/** Read-only and reserved names are a 403; a value must fit the image schema. */
function checkChange(change: Change): void {
  const root = change.path[0]!;
  if (READ_ONLY.has(root)) throw new Forbidden(`Attribute '${root}' is read-only.`);
  if (isReserved(root)) throw new Forbidden(`Attribute '${root}' is reserved.`);
  if (change.op === 'remove') return;
  const schema = imageSchema();
  if (change.path.length === 1) validate({ [root]: change.value }, schema);
  else if (schema.properties?.[root]?.type === 'array') validate({ [root]: [change.value] }, schema);
}

/** Parses and checks a PATCH body; `contentType` is the request's media type without parameters. */
export function parsePatch(contentType: string | undefined, body: unknown): Change[] {
  const draft = contentType === undefined ? undefined : PATCH_MEDIA_TYPES[contentType.split(';')[0]!.trim().toLowerCase()];
  if (draft === undefined) {
    const allowed = Object.keys(PATCH_MEDIA_TYPES).sort().join(', ');
    throw new UnsupportedMediaType(`Image PATCH expects Content-Type one of: ${allowed}`, { headers: { 'accept-patch': allowed } });
  }
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequest('Operations must be JSON objects.');
    const r = raw as Record<string, unknown>;
    let op: PatchOp;
    let pointer: unknown;
    if (draft === 10) {
      if (r.op === undefined) throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`);
      if (!OPS.includes(r.op as PatchOp)) throw new BadRequest(`Invalid operation: \`${String(r.op)}\`. It must be one of the following: ${OPS.join(', ')}.`);
      op = r.op as PatchOp;
      if (!('path' in r)) throw new BadRequest("Unable to find 'path' in JSON Schema change");
      pointer = r.path;
    } else {
      const present = OPS.filter((o) => o in r);
      if (present.length > 1) throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
      if (present.length === 0) throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = present[0]!;
      pointer = r[op];
    }
    const path = decodePointer(pointer);
    checkDepth(op, path);
    const change: Change = { op, path, draft };
    if (op !== 'remove') {
      if (!('value' in r)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
      change.value = r.value;
    }
    checkChange(change);
    return change;
  });
}
