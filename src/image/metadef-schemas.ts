/**
 * The metadata-definition schemas Glance serves under /v2/schemas/metadefs/ (namespaces, objects,
 * properties, resource type associations, tags): the documents clients such as Horizon read to describe
 * the metadata catalog. Their structure (fields, types, limits, required members) is Glance's.
 */
import { collection, type JsonSchema } from './schemas.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', null];
const timestamp = (description: string): JsonSchema => ({ type: 'string', readOnly: true, description, format: 'date-time' });
const readOnlyString: JsonSchema = { readOnly: true, type: 'string' };

/** The fields of one property definition (a JSON-schema-like description of a metadata key). */
function propertyFields(): Record<string, JsonSchema> {
  return {
    name: { type: 'string', maxLength: 80 },
    title: { type: 'string' },
    description: { type: 'string' },
    operators: { type: 'array', items: { type: 'string' } },
    type: { type: 'string', enum: TYPES },
    required: { $ref: '#/definitions/stringArray' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    maxLength: { $ref: '#/definitions/positiveInteger' },
    minLength: { $ref: '#/definitions/positiveIntegerDefault0' },
    pattern: { type: 'string', format: 'regex' },
    enum: { type: 'array' },
    readonly: { type: 'boolean' },
    default: {},
    items: { type: 'object', properties: { type: { type: 'string', enum: TYPES }, enum: { type: 'array' } } },
    maxItems: { $ref: '#/definitions/positiveInteger' },
    minItems: { $ref: '#/definitions/positiveIntegerDefault0' },
    uniqueItems: { type: 'boolean', default: false },
    additionalItems: { type: 'boolean' },
  };
}

function definitions(stringArrayMinItems: boolean): Record<string, unknown> {
  return {
    positiveInteger: { type: 'integer', minimum: 0 },
    positiveIntegerDefault0: { allOf: [{ $ref: '#/definitions/positiveInteger' }, { default: 0 }] },
    stringArray: { type: 'array', items: { type: 'string' }, ...(stringArrayMinItems ? { minItems: 1 } : {}), uniqueItems: true },
    ...(stringArrayMinItems ? {} : {
      property: { type: 'object', additionalProperties: { type: 'object', required: ['title', 'type'], properties: propertyFields() } },
    }),
  };
}

function namespaceSchema(): JsonSchema {
  return {
    name: 'namespace',
    properties: {
      namespace: { type: 'string', description: 'The unique namespace text.', maxLength: 80 },
      display_name: { type: 'string', description: 'A user-friendly name for the namespace.', maxLength: 80 },
      description: { type: 'string', description: 'A user-friendly description of the namespace.', maxLength: 500 },
      visibility: { type: 'string', description: 'Who can see the namespace.', enum: ['public', 'private'] },
      protected: { type: 'boolean', description: 'If true, the namespace cannot be deleted.' },
      owner: { type: 'string', description: 'The owning project.', maxLength: 255 },
      created_at: timestamp('When the namespace was created'),
      updated_at: timestamp('When the namespace last changed'),
      schema: readOnlyString,
      self: readOnlyString,
      resource_type_associations: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, prefix: { type: 'string' }, properties_target: { type: 'string' } } },
      },
      properties: { $ref: '#/definitions/property' },
      objects: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' }, description: { type: 'string' },
            required: { $ref: '#/definitions/stringArray' }, properties: { $ref: '#/definitions/property' },
          },
        },
      },
      tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
    },
    additionalProperties: false,
    definitions: definitions(false),
    required: ['namespace'],
  };
}

function objectSchema(): JsonSchema {
  return {
    name: 'object',
    properties: {
      name: { type: 'string', maxLength: 80 },
      description: { type: 'string' },
      required: { $ref: '#/definitions/stringArray' },
      properties: { $ref: '#/definitions/property' },
      schema: readOnlyString,
      self: readOnlyString,
      created_at: timestamp('When the object was created'),
      updated_at: timestamp('When the object last changed'),
    },
    additionalProperties: false,
    definitions: definitions(false),
    required: ['name'],
  };
}

function propertySchema(requireName: boolean): JsonSchema {
  return {
    name: 'property',
    properties: propertyFields(),
    additionalProperties: false,
    definitions: definitions(true),
    required: requireName ? ['type', 'title', 'name'] : ['type', 'title'],
  };
}

function resourceTypeSchema(): JsonSchema {
  return {
    name: 'resource_type_association',
    properties: {
      name: { type: 'string', description: 'The resource type, named as Heat names resource types where possible.', maxLength: 80 },
      prefix: { type: 'string', description: 'The prefix (separator included, e.g. a colon) of the namespace\'s properties on this resource type.', maxLength: 80 },
      properties_target: { type: 'string', description: 'Which of the resource type\'s key/value sets the properties apply to.', maxLength: 80 },
      created_at: timestamp('When the association was created'),
      updated_at: timestamp('When the association last changed'),
    },
    additionalProperties: false,
    required: ['name'],
  };
}

function tagSchema(): JsonSchema {
  return {
    name: 'tag',
    properties: {
      name: { type: 'string', maxLength: 80 },
      created_at: timestamp('When the tag was created'),
      updated_at: timestamp('When the tag last changed'),
    },
    additionalProperties: false,
    required: ['name'],
  };
}


/** Every metadef schema by its path under /v2/schemas/. */
export const metadefSchemas: Readonly<Record<string, () => JsonSchema>> = {
  'metadefs/namespace': namespaceSchema,
  'metadefs/namespaces': () => collection('namespaces', namespaceSchema()),
  'metadefs/object': objectSchema,
  'metadefs/objects': () => collection('objects', objectSchema()),
  'metadefs/property': () => propertySchema(true),
  'metadefs/properties': () => collection('properties', propertySchema(false), true),
  'metadefs/resource_type': resourceTypeSchema,
  'metadefs/resource_types': () => collection('resource_type_associations', resourceTypeSchema()),
  'metadefs/tag': tagSchema,
  'metadefs/tags': () => collection('tags', tagSchema()),
};
