/**
 * The JSON schemas Glance serves at /v2/schemas/{image,images,member,members}, which clients read to
 * validate and to learn the image's properties (glanceclient builds its CLI options from them), and a
 * validator for the subset of JSON Schema they use. The image schema includes the custom properties
 * Glance ships in etc/schema-image.json, as a default deployment serves them.
 */
import { BadRequest } from '../platform/errors.js';
import { CONTAINER_FORMATS, DISK_FORMATS } from './model.js';

export interface JsonSchema {
  type?: string | string[];
  enum?: ReadonlyArray<string | null>;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  readOnly?: boolean;
  writeOnly?: boolean;
  description?: string;
  [keyword: string]: unknown;
}

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

const str = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'string', description, ...extra });
const nullableStr = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: ['null', 'string'], description, ...extra });

/** The core image attributes, with Glance's types, limits and read-only marks. */
function imageProperties(): Record<string, JsonSchema> {
  return {
    id: str('An identifier for the image', { pattern: UUID_PATTERN }),
    name: nullableStr('Descriptive name for the image', { maxLength: 255 }),
    status: str('Status of the image', { readOnly: true, enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] }),
    visibility: str('Scope of image accessibility', { enum: ['community', 'public', 'private', 'shared'] }),
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: nullableStr('md5 hash of image contents.', { readOnly: true, maxLength: 32 }),
    os_hash_algo: nullableStr('Algorithm to calculate the os_hash_value', { readOnly: true, maxLength: 64 }),
    os_hash_value: nullableStr('Hexdigest of the image contents using the algorithm specified by the os_hash_algo', { readOnly: true, maxLength: 128 }),
    owner: nullableStr('Owner of the image', { maxLength: 255 }),
    size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
    virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
    container_format: nullableStr('Format of the container', { enum: [null, ...CONTAINER_FORMATS] }),
    disk_format: nullableStr('Format of the disk', { enum: [null, ...DISK_FORMATS] }),
    created_at: str('Date and time of image registration', { readOnly: true }),
    updated_at: str('Date and time of the last image modification', { readOnly: true }),
    tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
    direct_url: str('URL to access the image file kept in external store', { readOnly: true }),
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: str('An image self url', { readOnly: true }),
    file: str('An image file url', { readOnly: true }),
    stores: str('Store in which image data resides. Only present when the operator has enabled multiple stores.', { readOnly: true }),
    schema: str('An image schema url', { readOnly: true }),
    locations: {
      type: 'array',
      description: 'A set of URLs to access the image file kept in external store',
      items: {
        type: 'object',
        properties: {
          url: { type: 'string', maxLength: 255 },
          metadata: { type: 'object' },
          validation_data: {
            type: 'object', writeOnly: true, additionalProperties: false, required: ['os_hash_algo', 'os_hash_value'],
            description: 'Values to be used to populate the corresponding image properties.',
            properties: {
              checksum: { type: 'string', minLength: 32, maxLength: 32 },
              os_hash_algo: { type: 'string', maxLength: 64 },
              os_hash_value: { type: 'string', maxLength: 128 },
            },
          },
        },
        required: ['url', 'metadata'],
      },
    },
    // The custom properties of a default deployment (Glance's etc/schema-image.json).
    kernel_id: { type: ['null', 'string'], pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.', is_base: false },
    ramdisk_id: { type: ['null', 'string'], pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.', is_base: false },
    instance_uuid: str('Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)', { is_base: false }),
    architecture: str('Operating system architecture', { is_base: false }),
    os_distro: str('Common name of operating system distribution', { is_base: false }),
    os_version: str('Operating system version as specified by the distributor.', { is_base: false }),
    description: str('A human-readable string describing this image.', { is_base: false }),
    cinder_encryption_key_id: str('Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage Service to use when mounting a volume created from this image', { is_base: false }),
    cinder_encryption_key_deletion_policy: str("States the condition under which the Image Service will delete the object associated with the 'cinder_encryption_key_id' image property.", { enum: ['on_image_deletion', 'do_not_delete'], is_base: false }),
  };
}

/** `GET /v2/schemas/image`: core attributes, and any other property as a string. */
export function imageSchema(): JsonSchema {
  return {
    name: 'image',
    properties: imageProperties(),
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** `GET /v2/schemas/images`. */
export function imagesSchema(): JsonSchema {
  return collection('images', imageSchema());
}

/** A list document of `item` under `name`: definitions move up to the collection, as Glance's do. */
export function collection(name: string, item: JsonSchema, dict = false): JsonSchema {
  const { definitions: defs, ...itemRest } = item;
  return {
    name,
    properties: {
      [name]: dict ? { type: 'object', additionalProperties: itemRest } : { type: 'array', items: itemRest },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
    ...(defs ? { definitions: defs } : {}),
  };
}

function memberProperties(): Record<string, JsonSchema> {
  return {
    member_id: str('An identifier for the image member (tenantId)'),
    image_id: str('An identifier for the image', { pattern: UUID_PATTERN }),
    created_at: str('Date and time of image member creation'),
    updated_at: str('Date and time of last modification of image member'),
    status: str('The status of this image member', { enum: ['pending', 'accepted', 'rejected'] }),
    schema: { readOnly: true, type: 'string' },
  };
}

/** `GET /v2/schemas/member` (Glance serves the member schemas in their minimal form). */
export function memberSchema(): JsonSchema {
  return { name: 'member', properties: memberProperties() };
}

/** `GET /v2/schemas/members`. */
export function membersSchema(): JsonSchema {
  return {
    name: 'members',
    properties: { members: { type: 'array', items: memberSchema() }, schema: { type: 'string' } },
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, type: string): boolean {
  const t = typeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

const py = (v: unknown): string => (v === null ? 'None' : typeof v === 'string' ? `'${v}'` : typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v));

/** The first way `value` breaks `schema`, in jsonschema's words, or undefined. */
export function schemaProblem(value: unknown, schema: JsonSchema): string | undefined {
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(value, t))) return `${py(value)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string | null)) {
    return `${py(value)} is not one of [${schema.enum.map(py).join(', ')}]`;
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) return `${py(value)} is too long`;
    if (schema.minLength !== undefined && [...value].length < schema.minLength) return `${py(value)} is too short`;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return `${py(value)} does not match ${py(schema.pattern)}`;
  }
  if (Array.isArray(value) && schema.items) {
    for (const item of value) {
      const p = schemaProblem(item, schema.items);
      if (p) return p;
    }
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) return `'${r}' is a required property`;
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) {
        const p = schemaProblem(v, sub);
        if (p) return p;
      } else if (schema.additionalProperties === false) {
        return `Additional properties are not allowed ('${k}' was unexpected)`;
      } else if (typeof schema.additionalProperties === 'object') {
        const p = schemaProblem(v, schema.additionalProperties);
        if (p) return p;
      }
    }
  }
  return undefined;
}

/** Throws Glance's 400 when `value` does not match the named schema. */
export function validate(value: unknown, schema: JsonSchema): void {
  const problem = schemaProblem(value, schema);
  if (problem) throw new BadRequest(`Provided object does not match schema '${String(schema.name)}': ${problem}`);
}
