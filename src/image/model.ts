/**
 * The image service's domain: images, their members, the vocabulary Glance v2 uses for them, and the
 * state machine an image's status follows. Knows no HTTP and no SQL.
 */
import { Conflict, NotFound } from '../platform/errors.js';
import type { ContainerFormat, DiskFormat, ImageStatus, ImageVisibility, MemberStatus } from './client.js';

export type { ContainerFormat, DiskFormat, ImageStatus, ImageVisibility, MemberStatus } from './client.js';

export type ImageId = string & { readonly __brand: 'ImageId' };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True for the UUID form Glance's schema requires of image ids. */
export function isUuid(raw: string): boolean {
  return UUID.test(raw);
}

/**
 * An image id from a URL. Glance looks any string up and answers 404 when nothing matches, so an id that
 * cannot exist is a NotFound, not a BadRequest.
 */
export function parseImageId(raw: string): ImageId {
  if (!isUuid(raw)) throw new NotFound(`No image found with ID ${raw}`);
  return raw.toLowerCase() as ImageId;
}

export const CONTAINER_FORMATS: readonly ContainerFormat[] = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
export const DISK_FORMATS: readonly DiskFormat[] = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const VISIBILITIES: readonly ImageVisibility[] = ['community', 'public', 'private', 'shared'];
export const MEMBER_STATUSES: readonly MemberStatus[] = ['pending', 'accepted', 'rejected'];

/** The hash Glance calls the image's "multihash" (os_hash_algo), its default. */
export const HASH_ALGO = 'sha512';

/** Glance's per-image limits (image_property_quota, image_tag_quota, image_member_quota); beyond is a 413. */
export const LIMITS = { properties: 128, tags: 128, members: 128 } as const;
/** Glance's image_size_cap: 1 TiB. */
export const IMAGE_SIZE_CAP = 1024 ** 4;

/** Core attributes the caller may never set (Glance's read-only set); doing so is a 403. */
export const READ_ONLY = new Set(['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores']);
/** Names reserved for Glance itself: a 403 on create and update. */
export const RESERVED = new Set(['location', 'deleted', 'deleted_at']);
/** The namespace Glance keeps for its own properties. */
export const RESERVED_PREFIX = 'os_glance';

export function isReserved(name: string): boolean {
  return RESERVED.has(name) || name.startsWith(RESERVED_PREFIX);
}

/** The core, writable attributes of an image (what a PATCH may replace besides custom properties). */
export const WRITABLE_CORE = ['name', 'visibility', 'protected', 'os_hidden', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'owner', 'tags'] as const;
export type WritableCore = (typeof WRITABLE_CORE)[number];

export interface Image {
  id: ImageId;
  name: string | null;
  status: ImageStatus;
  visibility: ImageVisibility;
  protected: boolean;
  osHidden: boolean;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  /** The owning project; null for images nobody owns (visible to all, mutable by admins only). */
  owner: string | null;
  size: number | null;
  virtualSize: number | null;
  containerFormat: ContainerFormat | null;
  diskFormat: DiskFormat | null;
  minRam: number;
  minDisk: number;
  /** ISO-8601 UTC with milliseconds; shown to clients to the second. */
  createdAt: string;
  updatedAt: string;
  /** Custom properties. Glance keeps them as strings; a null comes from schema properties that allow it. */
  properties: Record<string, string | null>;
  tags: string[];
}

export interface Member {
  imageId: ImageId;
  /** The project the image is shared with. */
  memberId: string;
  status: MemberStatus;
  createdAt: string;
  updatedAt: string;
}

/**
 * Glance's status transitions (glance/domain: Image.valid_state_targets). `saving` may fall back to
 * `queued` so that a failed upload can be retried.
 */
const TRANSITIONS: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deleted: [],
  deactivated: ['active', 'deleted'],
};

/** Throws Conflict unless `from → to` is a transition Glance allows. */
export function assertTransition(from: ImageStatus, to: ImageStatus): void {
  if (!TRANSITIONS[from].includes(to)) throw new Conflict(`Image status transition from ${from} to ${to} is not allowed`);
}

/** Glance's timestamps: ISO-8601 to the second, `Z` for UTC. */
export function isoSeconds(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

/** Now, as stored: ISO-8601 UTC with milliseconds (sorts as text on both engines). */
export function nowIso(): string {
  return new Date().toISOString();
}
