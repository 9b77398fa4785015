/**
 * The rules of creating and changing an image record (glance/api/v2/images.py and glance/domain): which
 * attributes a request may set, their defaults, the per-image limits, and what each PATCH operation
 * does. Knows no HTTP and no SQL; authorization comes in through ImageAccess.
 */
import { randomUUID } from 'node:crypto';
import { BadRequest, Conflict, Forbidden, OverLimit } from '../platform/errors.js';
import type { Caller, ImageAccess } from './access.js';
import type { Change } from './patch.js';
import { imageSchema, validate } from './schemas.js';
import {
  isReserved, isUuid, LIMITS, nowIso, type ContainerFormat, type DiskFormat, type Image, type ImageId, type ImageVisibility,
} from './model.js';

/** Set by the server, never by a create request (a 403, as Glance's ImageFactory answers). */
const SERVER_SET = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size'];
/** Attributes a create request may not even mention. */
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];
/** The attributes an image has besides its custom properties. */
const CORE = new Set(['id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner',
  'size', 'virtual_size', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'created_at', 'updated_at', 'tags', 'locations',
  'direct_url', 'self', 'file', 'schema', 'stores']);

function checkLimits(image: Image): void {
  if (Object.keys(image.properties).length > LIMITS.properties) {
    throw new OverLimit(`Maximum number of image properties exceeded: ${Object.keys(image.properties).length} of ${LIMITS.properties}`);
  }
  if (image.tags.length > LIMITS.tags) throw new OverLimit(`Maximum number of image tags exceeded: ${image.tags.length} of ${LIMITS.tags}`);
}

function nonNegative(name: 'min_ram' | 'min_disk', value: number): number {
  if (value < 0) throw new BadRequest(`Invalid value '${value}' for parameter '${name}': Cannot be a negative value.`);
  return value;
}

/** A new image from a create request's body (status queued), authorized for the caller. */
export function newImage(access: ImageAccess, caller: Caller, body: unknown): Image {
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest("Provided object does not match schema 'image': the request body must be a JSON object");
  const b = body as Record<string, unknown>;
  for (const key of DISALLOWED) if (key in b) throw new Forbidden(`Attribute '${key}' is read-only.`);
  validate(b, imageSchema());
  for (const key of SERVER_SET) if (key in b) throw new Forbidden(`Attribute '${key}' is read-only.`);
  const properties: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(b)) {
    if (CORE.has(key)) continue;
    if (key.length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
    if (isReserved(key)) throw new Forbidden(`Attribute '${key}' is reserved.`);
    properties[key] = value as string | null;
  }
  const owner = 'owner' in b ? (b.owner as string | null) : caller.project;
  const visibility = (b.visibility as ImageVisibility | undefined) ?? 'shared';
  access.authorizeCreate(caller, owner, visibility);
  if ('id' in b && !isUuid(b.id as string)) throw new BadRequest(`Provided object does not match schema 'image': '${String(b.id)}' is not a valid image id`);
  const now = nowIso();
  const image: Image = {
    id: ((b.id as string | undefined)?.toLowerCase() ?? randomUUID()) as ImageId,
    name: (b.name as string | null | undefined) ?? null,
    status: 'queued',
    visibility,
    protected: (b.protected as boolean | undefined) ?? false,
    osHidden: (b.os_hidden as boolean | undefined) ?? false,
    checksum: null, osHashAlgo: null, osHashValue: null,
    owner,
    size: null, virtualSize: null,
    containerFormat: (b.container_format as ContainerFormat | null | undefined) ?? null,
    diskFormat: (b.disk_format as DiskFormat | null | undefined) ?? null,
    minRam: nonNegative('min_ram', (b.min_ram as number | undefined) ?? 0),
    minDisk: nonNegative('min_disk', (b.min_disk as number | undefined) ?? 0),
    createdAt: now, updatedAt: now,
    properties,
    tags: [...new Set((b.tags as string[] | undefined) ?? [])],
  };
  checkLimits(image);
  return image;
}

/** Whether `name` is a core attribute a PATCH sets directly (not a custom property). */
function isCoreAttribute(name: string): boolean {
  return CORE.has(name);
}

/** Sets a core attribute with Glance's domain rules; the value has passed the image schema. */
function setCore(image: Image, name: string, value: unknown): void {
  switch (name) {
    case 'name': image.name = value as string | null; break;
    case 'visibility': image.visibility = value as ImageVisibility; break;
    case 'protected': image.protected = value as boolean; break;
    case 'os_hidden': image.osHidden = value as boolean; break;
    case 'owner': image.owner = value as string | null; break;
    case 'min_ram': image.minRam = nonNegative('min_ram', value as number); break;
    case 'min_disk': image.minDisk = nonNegative('min_disk', value as number); break;
    case 'tags': image.tags = [...new Set(value as string[])]; break;
    case 'container_format':
    case 'disk_format':
      if (image.status !== 'queued' && image.status !== 'importing') {
        throw new Forbidden(`Attribute ${name} can be only replaced for a queued image.`);
      }
      if (name === 'container_format') image.containerFormat = value as ContainerFormat | null;
      else image.diskFormat = value as DiskFormat | null;
      break;
    case 'locations':
      throw new Forbidden("It's not allowed to update locations if locations are invisible.");
    default:
      throw new Forbidden(`Attribute '${name}' is read-only.`);
  }
}

/**
 * Applies parsed PATCH operations to `image` in place (the caller saves it). Each one is authorized as
 * Glance does: visibility changes by their own rule, everything by modify_image, owner by admins only.
 */
export function applyChanges(access: ImageAccess, caller: Caller, image: Image, changes: readonly Change[]): void {
  const authorizeProperty = (name: string, value?: unknown): void => {
    if (name === 'visibility') access.authorizeVisibility(caller, value, access.target(caller, image));
    access.authorize(caller, 'modify_image', image);
  };
  for (const change of changes) {
    const name = change.path[0]!;
    switch (change.op) {
      case 'replace':
        if (name === 'locations') {
          throw new Forbidden(change.value === undefined || (Array.isArray(change.value) && change.value.length === 0) ? 'Cannot set locations to empty list.' : "It's not allowed to update locations if locations are invisible.");
        }
        if (name === 'owner' && !caller.admin) throw new Forbidden("Owner can't be updated by non admin.");
        authorizeProperty(name, change.value);
        if (isCoreAttribute(name)) setCore(image, name, change.value);
        else if (name in image.properties) image.properties[name] = change.value as string | null;
        else throw new Conflict(`Property ${name} does not exist.`);
        break;
      case 'add':
        if (name === 'locations') throw new Forbidden("It's not allowed to add locations if locations are invisible.");
        authorizeProperty(name, change.value);
        if (change.draft === 4 && (isCoreAttribute(name) || name in image.properties)) throw new Conflict(`Property ${name} already present.`);
        if (isCoreAttribute(name)) setCore(image, name, change.value);
        else {
          if (name.length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
          image.properties[name] = change.value as string | null;
        }
        break;
      case 'remove':
        if (name === 'locations') throw new Forbidden("It's not allowed to remove locations if locations are invisible.");
        authorizeProperty(name);
        if (isCoreAttribute(name)) throw new Forbidden(`Property ${name} may not be removed.`);
        if (!(name in image.properties)) throw new Conflict(`Property ${name} does not exist.`);
        delete image.properties[name];
        break;
      default: {
        const never: never = change.op;
        throw new BadRequest(`Invalid operation: ${String(never)}`);
      }
    }
  }
  if (changes.length > 0) image.updatedAt = nowIso();
  checkLimits(image);
}
