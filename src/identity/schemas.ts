/**
 * Request-body schemas of Keystone v3, after keystone/<subsystem>/schema.py and the two
 * parameter_types modules (keystone/api/validation, keystone/common/validation)
 * of openstack/keystone master (snapshot 30ef2ffa65, July 2026), re-expressed
 * as JSON Schema draft-07 data for Ajv 8.
 *
 * Conventions:
 * - Every export is the whole request body, wrapper key included.
 * - Where Keystone's schema leaves `additionalProperties` unset, JSON Schema's
 *   default (extra keys allowed) applies; it is spelled out here as
 *   `additionalProperties: true` and marked "(unset)".
 * - Some bodies Keystone checks only partly with a schema: it takes
 *   `body.get('<wrapper>', {})` and validates that. Other top-level keys are
 *   then ignored (so `additionalProperties: true` at the top here), and a
 *   missing wrapper is validated as `{}`.
 * - `required: ['<wrapper>']` marked "(added)" is not in Keystone's schema.
 *   Keystone crashes (500) on a body without it, or rejects `{}` anyway.
 * - Checks that Keystone's handler code makes, and that would also give a 400,
 *   are folded in and marked "(handler check)".
 * - Patterns are not anchored unless they say so, like Python's re.search and
 *   Ajv's RegExp#test. Every pattern compiles with the 'u' flag.
 * - Descriptions are left out: these schemas only validate.
 */

// ---------------------------------------------------------------------------
// Common parameter types
// ---------------------------------------------------------------------------

/** parameter_types.name (both modules). */
const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' } as const;

/** parameter_types.id_string; also api parameter_types.domain_id / project_id. */
const idString = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' } as const;
/** validation.nullable(id_string). */
const nullableIdString = { ...idString, type: ['string', 'null'] } as const;

/** parameter_types.url (both modules). */
const url = { type: 'string', minLength: 0, maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' } as const;

/** common parameter_types.description under validation.nullable: no length limit. */
const legacyNullableDescription = { type: ['string', 'null'] } as const;
/** api parameter_types.description under validation.nullable: max 255 characters. */
const nullableDescription = { type: ['string', 'null'], maxLength: 255 } as const;

/** common parameter_types.boolean: a real JSON boolean. */
const legacyBoolean = { type: 'boolean', enum: [true, false] } as const;
/** validation.nullable(common parameter_types.boolean), as resource options use it. */
const legacyNullableBoolean = { type: ['boolean', 'null'], enum: [true, false, null] } as const;

/**
 * api parameter_types.boolean. Master uses it for request bodies too (project,
 * domain, user `enabled`, etc.). It accepts these string spellings as well as
 * true/false. 'null' is in `type` but not in `enum`, so null is rejected.
 * A handler that takes this must turn the strings into booleans itself.
 */
const apiBoolean = {
  type: ['boolean', 'string', 'null'],
  enum: [
    true, 'True', 'TRUE', 'true',
    false, 'False', 'FALSE', 'false',
    '', '1', '0', 'y', 'Y', 'n', 'N', 'on', 'ON', 'off', 'OFF', 'yes', 'no',
  ],
} as const;

/** api parameter_types.region_id. */
const regionId = { type: ['string', 'null'], minLength: 1, maxLength: 255 } as const;

// ---------------------------------------------------------------------------
// Resource options (keystone/common/resource_options): every option is nullable
// (null removes it), and unknown options are rejected.
// ---------------------------------------------------------------------------

/** PROJECT_OPTIONS_REGISTRY.json_schema and ROLE_OPTIONS_REGISTRY.json_schema. */
const immutableOptions = {
  type: 'object',
  properties: { immutable: legacyNullableBoolean },
  additionalProperties: false,
} as const;

/** USER_OPTIONS_REGISTRY.json_schema. */
const userOptions = {
  type: 'object',
  properties: {
    ignore_change_password_upon_first_use: legacyNullableBoolean,
    ignore_password_expiry: legacyNullableBoolean,
    ignore_lockout_failure_attempts: legacyNullableBoolean,
    lock_password: legacyNullableBoolean,
    ignore_user_inactivity: legacyNullableBoolean,
    multi_factor_auth_rules: {
      type: ['array', 'null'],
      items: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
      uniqueItems: true,
    },
    multi_factor_auth_enabled: legacyNullableBoolean,
  },
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Resource: domains, projects, project tags (keystone/resource/schema.py)
// ---------------------------------------------------------------------------

/** _name_properties: project and domain names are at most 64 characters, not 255. */
const resourceName = { type: 'string', minLength: 1, maxLength: 64, pattern: '[\\S]+' } as const;

/** _project_tag_name_properties: a tag has no ',' and no '/'. */
const projectTagName = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^,/]*$' } as const;

/** _project_tags_list_properties. Keystone's `required: []` on the array is a no-op and is left out. */
const projectTagsList = { type: 'array', items: projectTagName, maxItems: 80, uniqueItems: true } as const;

const domainProperties = {
  description: nullableDescription,
  enabled: apiBoolean,
  name: resourceName,
  options: immutableOptions,
  tags: projectTagsList,
} as const;

/** POST /v3/domains */
export const domainCreate = {
  type: 'object',
  properties: {
    domain: {
      type: 'object',
      properties: { explicit_domain_id: idString, ...domainProperties },
      required: ['name'],
      additionalProperties: true, // (unset)
    },
  },
  required: ['domain'],
  additionalProperties: false,
} as const;

/** PATCH /v3/domains/{domain_id} */
export const domainUpdate = {
  type: 'object',
  properties: {
    domain: {
      type: 'object',
      properties: domainProperties,
      minProperties: 1,
      additionalProperties: true, // (unset)
    },
  },
  required: ['domain'],
  additionalProperties: false,
} as const;

/** POST /v3/projects */
export const projectCreate = {
  type: 'object',
  properties: {
    project: {
      type: 'object',
      properties: {
        description: legacyNullableDescription,
        // Nullable because a project that acts as a domain has no domain_id.
        domain_id: nullableIdString,
        enabled: apiBoolean,
        is_domain: apiBoolean,
        parent_id: nullableIdString,
        name: resourceName,
        tags: projectTagsList,
        options: immutableOptions,
      },
      required: ['name'],
      additionalProperties: true, // (unset)
    },
  },
  required: ['project'], // (added) Keystone answers 500 (KeyError 'name') without it
  additionalProperties: false,
} as const;

/**
 * PATCH /v3/projects/{project_id}. Master lists only the attributes that may
 * change (not domain_id). Extra keys still pass the schema, and it sets no
 * minProperties and no required wrapper: `{}` is an update that changes nothing.
 */
export const projectUpdate = {
  type: 'object',
  properties: {
    project: {
      type: 'object',
      properties: {
        description: legacyNullableDescription,
        enabled: apiBoolean,
        name: resourceName,
        options: immutableOptions,
        tags: projectTagsList,
      },
      additionalProperties: true, // (unset)
    },
  },
  additionalProperties: false,
} as const;

/**
 * PUT /v3/projects/{project_id}/tags. Merges tags_update_request_body with the
 * later lazy_validate(project_tags_update, body.get('tags', {})) check, which
 * adds maxItems/uniqueItems and turns a missing `tags` into a 400.
 */
export const projectTagsUpdate = {
  type: 'object',
  properties: { tags: projectTagsList },
  required: ['tags'],
  additionalProperties: false,
} as const;

/**
 * Not a body: the {value} path segment of PUT /v3/projects/{project_id}/tags/{value}
 * (project_tag_create). Adding it must also keep the project at 80 tags or fewer.
 */
export const projectTagValue = projectTagName;

// ---------------------------------------------------------------------------
// Identity: users, groups, password change (keystone/identity/schema.py)
// ---------------------------------------------------------------------------

const userProperties = {
  default_project_id: { type: ['string', 'null'] },
  description: { type: ['string', 'null'] },
  domain_id: idString,
  enabled: apiBoolean,
  federated: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        idp_id: { type: 'string' },
        protocols: {
          type: 'array',
          items: {
            type: 'object',
            properties: { protocol_id: { type: 'string' }, unique_id: { type: 'string' } },
            required: ['protocol_id', 'unique_id'],
            additionalProperties: true, // (unset)
          },
          minItems: 1,
        },
      },
      required: ['idp_id', 'protocols'],
      additionalProperties: true, // (unset)
    },
  },
  name: name,
  password: { type: ['string', 'null'] },
  options: userOptions,
} as const;

/** POST /v3/users. Extra attributes are kept (Keystone's `extra` column). */
export const userCreate = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: userProperties,
      required: ['name'],
      additionalProperties: true,
    },
  },
  required: ['user'],
  additionalProperties: false,
} as const;

/**
 * PATCH /v3/users/{user_id}. Keystone's comment says domain_id may no longer
 * change, yet its schema still lists it. The domain manager refuses the change.
 */
export const userUpdate = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: userProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['user'],
  additionalProperties: false,
} as const;

/**
 * POST /v3/users/{user_id}/password: lazy_validate(password_change, body.get('user', {})).
 * Keystone also has config-driven checks, left out here: [DEFAULT]
 * strict_password_check gives maxLength = [identity] max_password_length, and
 * [security_compliance] password_regex gives a pattern. Python reads both at
 * import time through getattr. The handler has to enforce them.
 */
export const userPasswordChange = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: {
        original_password: { type: 'string' },
        password: { type: 'string' },
      },
      required: ['original_password', 'password'],
      additionalProperties: false,
    },
  },
  required: ['user'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

/** POST /v3/groups */
export const groupCreate = {
  type: 'object',
  properties: {
    group: {
      type: 'object',
      properties: {
        domain_id: idString,
        description: { type: ['string', 'null'] },
        name: name,
      },
      required: ['name'],
      additionalProperties: true,
    },
  },
  required: ['group'],
  additionalProperties: false,
} as const;

/** PATCH /v3/groups/{group_id} */
export const groupUpdate = {
  type: 'object',
  properties: {
    group: {
      type: 'object',
      properties: {
        description: { type: ['string', 'null'] },
        name: name,
      },
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['group'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Assignment: roles (keystone/assignment/schema.py).
// Implied roles (PUT /v3/roles/{prior}/implies/{implied}), grants and
// OS-INHERIT take no request body.
// ---------------------------------------------------------------------------

const roleProperties = {
  name: { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' },
  description: { type: ['string', 'null'] },
  domain_id: nullableIdString,
  options: immutableOptions,
} as const;

/** POST /v3/roles */
export const roleCreate = {
  type: 'object',
  properties: {
    role: {
      type: 'object',
      properties: roleProperties,
      required: ['name'],
      additionalProperties: true,
    },
  },
  required: ['role'],
  additionalProperties: false,
} as const;

/** PATCH /v3/roles/{role_id} */
export const roleUpdate = {
  type: 'object',
  properties: {
    role: {
      type: 'object',
      properties: roleProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['role'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Catalog: regions, services, endpoints, endpoint groups (keystone/catalog/schema.py)
// ---------------------------------------------------------------------------

const regionProperties = {
  description: nullableDescription,
  id: regionId,
  parent_region_id: regionId,
} as const;

/**
 * POST /v3/regions and PUT /v3/regions/{region_id}. The id may be the empty
 * string; an empty or missing id on POST means "generate one". Keystone spells
 * the top-level keyword 'additonalProperties' (sic), so its real effect is true.
 */
export const regionCreate = {
  type: 'object',
  properties: {
    region: {
      type: 'object',
      properties: { ...regionProperties, id: { ...regionId, minLength: 0 } },
      additionalProperties: true,
    },
  },
  required: ['region'],
  additionalProperties: true, // misspelt, so in effect unset
} as const;

/** PATCH /v3/regions/{region_id} */
export const regionUpdate = {
  type: 'object',
  properties: {
    region: {
      type: 'object',
      properties: regionProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['region'],
  additionalProperties: false,
} as const;

const serviceProperties = {
  enabled: { type: 'boolean' },
  type: { type: 'string', minLength: 1, maxLength: 255 },
  name: { type: 'string', minLength: 1, maxLength: 255 },
} as const;

/** POST /v3/services */
export const serviceCreate = {
  type: 'object',
  properties: {
    service: {
      type: 'object',
      properties: serviceProperties,
      required: ['type'],
      additionalProperties: true,
    },
  },
  required: ['service'], // (added) Keystone answers 500 (None body) without it
  additionalProperties: true, // (unset)
} as const;

/** PATCH /v3/services/{service_id} */
export const serviceUpdate = {
  type: 'object',
  properties: {
    service: {
      type: 'object',
      properties: serviceProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['service'],
  additionalProperties: true, // (unset)
} as const;

const endpointInterface = { type: 'string', enum: ['admin', 'internal', 'public'] } as const;

const endpointProperties = {
  enabled: { type: 'boolean' },
  interface: endpointInterface,
  region_id: { type: ['string', 'null'] }, // since v3.2
  region: { type: ['string', 'null'] }, // deprecated in v3.2
  service_id: { type: 'string' },
  url: url,
  name: { type: 'string' },
  description: { type: ['string', 'null'] },
} as const;

/** POST /v3/endpoints */
export const endpointCreate = {
  type: 'object',
  properties: {
    endpoint: {
      type: 'object',
      properties: { id: { type: 'string' }, ...endpointProperties },
      required: ['interface', 'service_id', 'url'],
      additionalProperties: true,
    },
  },
  required: ['endpoint'], // (added) Keystone answers 500 (None body) without it
  additionalProperties: false,
} as const;

/** PATCH /v3/endpoints/{endpoint_id} */
export const endpointUpdate = {
  type: 'object',
  properties: {
    endpoint: {
      type: 'object',
      properties: endpointProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['endpoint'],
  additionalProperties: false,
} as const;

/**
 * Endpoint-group filters. Keystone's schema also lists `enabled` and does not
 * restrict keys, but _require_valid_filter answers 400 for any key other than
 * service_id, region_id or interface (handler check).
 */
const endpointGroupFilters = {
  type: 'object',
  properties: {
    interface: endpointInterface,
    service_id: { type: 'string' },
    region_id: { type: ['string', 'null'] },
  },
  additionalProperties: false, // (handler check)
} as const;

/** POST /v3/OS-EP-FILTER/endpoint_groups */
export const endpointGroupCreate = {
  type: 'object',
  properties: {
    endpoint_group: {
      type: 'object',
      properties: {
        description: { type: ['string', 'null'] },
        // (handler check) empty filters: "filters field is required and cannot be empty"
        filters: { ...endpointGroupFilters, minProperties: 1 },
        name: name,
      },
      required: ['name', 'filters'],
      additionalProperties: false,
    },
  },
  required: ['endpoint_group'], // (added) `{}` fails Keystone's filters check with 400 anyway
  additionalProperties: false,
} as const;

/** PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id} */
export const endpointGroupUpdate = {
  type: 'object',
  properties: {
    endpoint_group: {
      type: 'object',
      properties: {
        description: { type: ['string', 'null'] },
        filters: endpointGroupFilters,
        name: name,
      },
      minProperties: 1,
      additionalProperties: false,
    },
  },
  required: ['endpoint_group'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Credentials (keystone/credential/schema.py) and OS-EC2 (keystone/api/users.py)
// ---------------------------------------------------------------------------

const credentialProperties = {
  blob: { type: 'string' },
  project_id: { type: ['string', 'null'] },
  type: { type: 'string' },
  user_id: { type: 'string' },
} as const;

/** POST /v3/credentials: an `ec2` credential must also name project_id. */
export const credentialCreate = {
  type: 'object',
  properties: {
    credential: {
      type: 'object',
      properties: { id: { type: 'string' }, ...credentialProperties },
      required: ['blob', 'type', 'user_id'],
      if: { properties: { type: { const: 'ec2' } } },
      then: { required: ['blob', 'type', 'user_id', 'project_id'] },
      additionalProperties: true,
    },
  },
  required: ['credential'],
  additionalProperties: true, // (unset)
} as const;

/** PATCH /v3/credentials/{credential_id} */
export const credentialUpdate = {
  type: 'object',
  properties: {
    credential: {
      type: 'object',
      properties: credentialProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['credential'],
  additionalProperties: true, // (unset)
} as const;

/**
 * POST /v3/users/{user_id}/credentials/OS-EC2. Keystone has no schema here: it
 * reads body['tenant_id'] and looks the project up, so a missing or unknown
 * tenant_id gives 404 (ProjectNotFound), not 400. Only the type is checked here.
 */
export const ec2CredentialCreate = {
  type: 'object',
  properties: { tenant_id: { type: 'string' } },
  additionalProperties: true,
} as const;

// ---------------------------------------------------------------------------
// Policy (keystone/policy/schema.py), lazy-validated on body.get('policy', {}).
// Endpoint-policy associations (OS-ENDPOINT-POLICY) take no request body.
// ---------------------------------------------------------------------------

const policyProperties = {
  blob: { type: 'string' },
  type: { type: 'string', maxLength: 255 },
} as const;

/** POST /v3/policies */
export const policyCreate = {
  type: 'object',
  properties: {
    policy: {
      type: 'object',
      properties: policyProperties,
      required: ['blob', 'type'],
      additionalProperties: true,
    },
  },
  required: ['policy'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

/** PATCH /v3/policies/{policy_id} */
export const policyUpdate = {
  type: 'object',
  properties: {
    policy: {
      type: 'object',
      properties: policyProperties,
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['policy'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

// ---------------------------------------------------------------------------
// Trusts (keystone/trust/schema.py)
// ---------------------------------------------------------------------------

/** A role named by exactly one of id or name (trusts, app creds, OAuth1 authorize). */
const roleRef = {
  type: 'object',
  properties: { id: idString, name: name },
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
} as const;

/**
 * POST /v3/OS-TRUST/trusts. Checks that are not in the schema (the handler makes
 * them, with 403): project_id without roles, and trustor != caller.
 */
export const trustCreate = {
  type: 'object',
  properties: {
    trust: {
      type: 'object',
      properties: {
        trustor_user_id: { type: 'string' },
        trustee_user_id: { type: 'string' },
        impersonation: { type: 'boolean' },
        project_id: { type: ['string', 'null'] },
        remaining_uses: { type: ['integer', 'null'], minimum: 1 },
        expires_at: { type: ['null', 'string'] },
        allow_redelegation: { type: ['boolean', 'null'] },
        redelegation_count: { type: ['integer', 'null'], minimum: 0 },
        redelegated_trust_id: { type: ['string', 'null'] },
        roles: { type: 'array', items: roleRef },
      },
      required: ['trustor_user_id', 'trustee_user_id', 'impersonation'],
      additionalProperties: true,
    },
  },
  required: ['trust'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Application credentials and access rules (keystone/application_credential/schema.py)
// ---------------------------------------------------------------------------

const accessRule = {
  type: 'object',
  properties: {
    id: idString,
    path: { type: 'string', minLength: 0, maxLength: 225, pattern: '^/\\.*' },
    service: idString,
    method: { type: 'string', enum: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] },
  },
  additionalProperties: true, // (unset)
} as const;

/** POST /v3/users/{user_id}/application_credentials */
export const applicationCredentialCreate = {
  type: 'object',
  properties: {
    application_credential: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        secret: { type: ['string', 'null'] },
        name: name,
        description: { type: ['string', 'null'] },
        expires_at: { type: ['string', 'null'] },
        project_id: { type: 'string' },
        access_rules: { type: 'array', items: accessRule },
        unrestricted: { type: ['boolean', 'null'] },
        system: { type: ['string', 'null'] },
        roles: { type: 'array', items: roleRef },
      },
      required: ['name'],
      additionalProperties: false,
    },
  },
  required: ['application_credential'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Auth (keystone/auth/schema.py, token_issue + validate_issue_token_auth)
// ---------------------------------------------------------------------------

/** validate_issue_token_auth: id or name must be present (handler check, 400). */
const idOrName = [{ required: ['id'] }, { required: ['name'] }] as const;

const authDomain = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  anyOf: idOrName, // (handler check)
  additionalProperties: true, // (unset)
} as const;

const authUser = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    password: { type: 'string' },
    domain: authDomain,
  },
  anyOf: idOrName, // (handler check)
  additionalProperties: true, // (unset)
} as const;

/**
 * POST /v3/auth/tokens. Keystone validates body['auth']. Without `auth` it skips
 * the schema and then fails with a 400, so `auth` is required here.
 */
export const authTokenRequest = {
  type: 'object',
  properties: {
    auth: {
      type: 'object',
      properties: {
        identity: {
          type: 'object',
          properties: {
            methods: { type: 'array', items: { type: 'string' } },
            password: {
              type: 'object',
              properties: { user: authUser },
              additionalProperties: true, // (unset)
            },
            token: {
              type: 'object',
              properties: { id: { type: 'string' } },
              required: ['id'],
              additionalProperties: true, // (unset)
            },
            // Not in token_issue: the application_credential plugin
            // (keystone/auth/plugins/core.py AppCredInfo) reads id, or name
            // plus user, and secret. Without id and name it answers 400.
            application_credential: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                name: { type: 'string' },
                secret: { type: 'string' },
                user: {
                  type: 'object',
                  properties: { id: { type: 'string' }, name: { type: 'string' }, domain: authDomain },
                  additionalProperties: true,
                },
              },
              anyOf: [{ required: ['id'] }, { required: ['name', 'user'] }],
              additionalProperties: true,
            },
          },
          required: ['methods'],
          additionalProperties: true, // (unset): other methods (totp, oauth1, mapped...) pass
        },
        // An object, or a string such as "unscoped". Old keystoneauth sends
        // {"unscoped": {}}, which also passes.
        scope: {
          type: ['object', 'string'],
          properties: {
            project: {
              type: 'object',
              properties: { name: { type: 'string' }, id: { type: 'string' }, domain: authDomain },
              anyOf: idOrName, // (handler check)
              additionalProperties: true, // (unset)
            },
            domain: authDomain,
            'OS-TRUST:trust': {
              type: 'object',
              properties: { id: { type: 'string' } },
              additionalProperties: true, // (unset)
            },
            system: {
              type: 'object',
              properties: { all: legacyBoolean },
              additionalProperties: true, // (unset)
            },
          },
          additionalProperties: true, // (unset)
        },
      },
      required: ['identity'],
      additionalProperties: true, // (unset)
    },
  },
  required: ['auth'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

// ---------------------------------------------------------------------------
// Federation (keystone/federation/schema.py, keystone/federation/utils.py)
// ---------------------------------------------------------------------------

const remoteId = { type: 'string', maxLength: 64 } as const;

const identityProviderProperties = {
  enabled: apiBoolean,
  description: { type: ['string', 'null'] },
  authorization_ttl: { type: ['integer', 'null'], minimum: 0 },
  remote_ids: { type: ['array', 'null'], items: remoteId, uniqueItems: true },
} as const;

/**
 * PUT /v3/OS-FEDERATION/identity_providers/{idp_id}. The wrapper is not
 * required: Keystone takes body.get('identity_provider', {}), so `{}` creates a
 * disabled IdP.
 */
export const identityProviderCreate = {
  type: 'object',
  properties: {
    identity_provider: {
      type: 'object',
      properties: { ...identityProviderProperties, domain_id: nullableIdString },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}: domain_id cannot be changed. */
export const identityProviderUpdate = {
  type: 'object',
  properties: {
    identity_provider: {
      type: 'object',
      properties: identityProviderProperties,
      minProperties: 1,
      additionalProperties: false,
    },
  },
  required: ['identity_provider'],
  additionalProperties: true, // (unset)
} as const;

const mappingId = { type: 'string', minLength: 1, maxLength: 64 } as const;

/** PUT /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id} */
export const protocolCreate = {
  type: 'object',
  properties: {
    protocol: {
      type: 'object',
      properties: {
        mapping_id: mappingId,
        remote_id_attribute: { ...remoteId, type: ['string', 'null'] },
      },
      required: ['mapping_id'],
      additionalProperties: false,
    },
  },
  required: ['protocol'],
  additionalProperties: false,
} as const;

/** PATCH ..._providers/{idp_id}/protocols/{protocol_id}: mapping_id is required, remote_id_attribute not nullable. */
export const protocolUpdate = {
  type: 'object',
  properties: {
    protocol: {
      type: 'object',
      properties: { mapping_id: mappingId, remote_id_attribute: remoteId },
      minProperties: 1,
      required: ['mapping_id'],
      additionalProperties: false,
    },
  },
  required: ['protocol'],
  additionalProperties: false,
} as const;

// Attribute-mapping rules (IDP_ATTRIBUTE_MAPPING_SCHEMA_1_0/2_0/3_0, which
// Keystone checks with Draft 4). Its "#/definitions" $refs are inlined here.

const mappingDomain = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  additionalProperties: false,
} as const;

const mappingRoles = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' } },
    additionalProperties: false,
  },
} as const;

const mappingProjectsV1 = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'roles'],
    properties: { name: { type: 'string' }, roles: mappingRoles },
    additionalProperties: false,
  },
} as const;

/** 2.0 adds a domain for each project. */
const mappingProjectsV2 = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'roles'],
    properties: { name: { type: 'string' }, roles: mappingRoles, domain: mappingDomain },
    additionalProperties: false,
  },
} as const;

const mappingLocalV1Properties = {
  user: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      domain: mappingDomain,
      type: { type: 'string', enum: ['ephemeral', 'local'] },
    },
    additionalProperties: false,
  },
  projects: mappingProjectsV1,
  group: {
    type: 'object',
    oneOf: [
      {
        type: 'object',
        properties: { id: { type: 'string' } },
        required: ['id'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { name: { type: 'string' }, domain: mappingDomain },
        required: ['name', 'domain'],
        additionalProperties: false,
      },
    ],
  },
  groups: { type: 'string' },
  group_ids: { type: 'string' },
  domain: mappingDomain,
} as const;

const mappingLocalV2Properties = { ...mappingLocalV1Properties, projects: mappingProjectsV2 } as const;

/** 3.0 adds projects_json. */
const mappingLocalV3Properties = { ...mappingLocalV2Properties, projects_json: { type: 'string' } } as const;

/** A remote condition of the given kind ('any_one_of', ...) with an optional regex flag. */
const remoteCondition = {
  any_one_of: {
    type: 'object',
    required: ['type', 'any_one_of'],
    properties: { type: { type: 'string' }, any_one_of: { type: 'array' }, regex: { type: 'boolean' } },
    additionalProperties: false,
  },
  not_any_of: {
    type: 'object',
    required: ['type', 'not_any_of'],
    properties: { type: { type: 'string' }, not_any_of: { type: 'array' }, regex: { type: 'boolean' } },
    additionalProperties: false,
  },
  blacklist: {
    type: 'object',
    required: ['type', 'blacklist'],
    properties: { type: { type: 'string' }, blacklist: { type: 'array' }, regex: { type: 'boolean' } },
    additionalProperties: false,
  },
  whitelist: {
    type: 'object',
    required: ['type', 'whitelist'],
    properties: { type: { type: 'string' }, whitelist: { type: 'array' }, regex: { type: 'boolean' } },
    additionalProperties: false,
  },
} as const;

const mappingRemote = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    oneOf: [
      {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string' } },
        additionalProperties: false,
      },
      remoteCondition.any_one_of,
      remoteCondition.not_any_of,
      remoteCondition.blacklist,
      remoteCondition.whitelist,
    ],
  },
} as const;

const mappingRulesV1 = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['local', 'remote'],
    properties: {
      local: {
        type: 'array',
        items: { type: 'object', properties: mappingLocalV1Properties, additionalProperties: false },
      },
      remote: mappingRemote,
    },
    additionalProperties: false,
  },
} as const;

const mappingRulesV2 = {
  ...mappingRulesV1,
  items: {
    ...mappingRulesV1.items,
    properties: {
      local: {
        type: 'array',
        items: { type: 'object', properties: mappingLocalV2Properties, additionalProperties: false },
      },
      remote: mappingRemote,
    },
  },
} as const;

const mappingRulesV3 = {
  ...mappingRulesV1,
  items: {
    ...mappingRulesV1.items,
    properties: {
      local: {
        type: 'array',
        items: { type: 'object', properties: mappingLocalV3Properties, additionalProperties: false },
      },
      remote: mappingRemote,
    },
  },
} as const;

/**
 * The `mapping` object. Keystone replaces a falsy schema_version (missing, '',
 * null) with [federation] attribute_mapping_default_schema_version, '1.0' by
 * default. Here that case uses the 1.0 rules. Keystone answers 500 (KeyError)
 * for a version it does not know; the enum below turns that into a 400.
 */
const mappingBody = {
  type: 'object',
  properties: {
    schema_version: { type: ['string', 'null'], enum: ['1.0', '2.0', '3.0', '', null] },
  },
  required: ['rules'],
  if: { properties: { schema_version: { const: '3.0' } }, required: ['schema_version'] },
  then: { properties: { rules: mappingRulesV3 } },
  else: {
    if: { properties: { schema_version: { const: '2.0' } }, required: ['schema_version'] },
    then: { properties: { rules: mappingRulesV2 } },
    else: { properties: { rules: mappingRulesV1 } },
  },
  additionalProperties: true, // (unset)
} as const;

/** PUT /v3/OS-FEDERATION/mappings/{mapping_id} */
export const mappingCreate = {
  type: 'object',
  properties: { mapping: mappingBody },
  required: ['mapping'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

/** PATCH /v3/OS-FEDERATION/mappings/{mapping_id}: the same validation as create. */
export const mappingUpdate = mappingCreate;

const serviceProviderProperties = {
  auth_url: url,
  sp_url: url,
  description: { type: ['string', 'null'] },
  enabled: apiBoolean,
  relay_state_prefix: { type: ['string', 'null'] },
} as const;

/** PUT /v3/OS-FEDERATION/service_providers/{sp_id} */
export const serviceProviderCreate = {
  type: 'object',
  properties: {
    service_provider: {
      type: 'object',
      properties: serviceProviderProperties,
      required: ['auth_url', 'sp_url'],
      additionalProperties: false,
    },
  },
  required: ['service_provider'],
  additionalProperties: false,
} as const;

/** PATCH /v3/OS-FEDERATION/service_providers/{sp_id} */
export const serviceProviderUpdate = {
  type: 'object',
  properties: {
    service_provider: {
      type: 'object',
      properties: serviceProviderProperties,
      minProperties: 1,
      additionalProperties: false,
    },
  },
  required: ['service_provider'],
  additionalProperties: false,
} as const;

const basicPropertyId = {
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id'],
  additionalProperties: false,
} as const;

/** POST /v3/auth/OS-FEDERATION/saml2 and .../saml2/ecp: lazy_validate(saml_create, body.get('auth')). */
export const saml2AssertionCreate = {
  type: 'object',
  properties: {
    auth: {
      type: 'object',
      properties: {
        identity: {
          type: 'object',
          properties: { token: basicPropertyId, methods: { type: 'array' } },
          required: ['token'],
          additionalProperties: false,
        },
        scope: {
          type: 'object',
          properties: { service_provider: basicPropertyId },
          required: ['service_provider'],
          additionalProperties: false,
        },
      },
      required: ['identity', 'scope'],
      additionalProperties: false,
    },
  },
  required: ['auth'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

// ---------------------------------------------------------------------------
// OAuth1 (keystone/oauth1/schema.py), lazy-validated on body.get(<key>, default)
// ---------------------------------------------------------------------------

/** POST /v3/OS-OAUTH1/consumers. The wrapper is optional: `{}` creates a consumer. */
export const consumerCreate = {
  type: 'object',
  properties: {
    consumer: {
      type: 'object',
      properties: { description: legacyNullableDescription },
      additionalProperties: true,
    },
  },
  additionalProperties: true, // other top-level keys are ignored
} as const;

/** PATCH /v3/OS-OAUTH1/consumers/{consumer_id}: the secret cannot be set. */
export const consumerUpdate = {
  type: 'object',
  properties: {
    consumer: {
      type: 'object',
      properties: { description: legacyNullableDescription },
      not: { required: ['secret'] },
      minProperties: 1,
      additionalProperties: true,
    },
  },
  required: ['consumer'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

/**
 * PUT /v3/OS-OAUTH1/authorize/{request_token_id}: lazy_validate(request_token_authorize,
 * body.get('roles', [])). A missing `roles` is validated as [] and passes.
 */
export const requestTokenAuthorize = {
  type: 'object',
  properties: { roles: { type: 'array', items: roleRef } },
  additionalProperties: true, // other top-level keys are ignored
} as const;

// ---------------------------------------------------------------------------
// Unified limits (keystone/limit/schema.py)
// ---------------------------------------------------------------------------

/** -1 (no limit) up to the largest signed 32-bit integer. */
const limitInteger = { type: 'integer', minimum: -1, maximum: 2147483647 } as const;

/**
 * Keystone declares service_id as `format: 'uuid'`, checked with oslo's
 * uuidutils.is_uuid_like: 32 hex digits, dashes optional (so the hex ids
 * Keystone makes pass). Ajv has no 'uuid' format without ajv-formats, so the
 * format is dropped here and the handler has to check it.
 */
const serviceIdRef = { type: 'string' } as const;

const registeredLimitProperties = {
  service_id: serviceIdRef,
  region_id: regionId,
  resource_name: name,
  default_limit: limitInteger,
  description: nullableDescription,
} as const;

/** POST /v3/registered_limits */
export const registeredLimitsCreate = {
  type: 'object',
  properties: {
    registered_limits: {
      type: 'array',
      items: {
        type: 'object',
        properties: registeredLimitProperties,
        required: ['service_id', 'resource_name', 'default_limit'],
        additionalProperties: false,
      },
      minItems: 1,
    },
  },
  required: ['registered_limits'],
  additionalProperties: false,
} as const;

/** PATCH /v3/registered_limits/{registered_limit_id}: no minProperties in Keystone. */
export const registeredLimitUpdate = {
  type: 'object',
  properties: {
    registered_limit: {
      type: 'object',
      properties: registeredLimitProperties,
      additionalProperties: false,
    },
  },
  required: ['registered_limit'],
  additionalProperties: false,
} as const;

/**
 * POST /v3/limits. Each limit names exactly one of domain_id or project_id; a
 * key that is present counts even when its value is null.
 */
export const limitsCreate = {
  type: 'object',
  properties: {
    limits: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          project_id: nullableIdString,
          domain_id: nullableIdString,
          resource_name: name,
          region_id: regionId,
          service_id: serviceIdRef,
          resource_limit: limitInteger,
          description: nullableDescription,
        },
        required: ['service_id', 'resource_name', 'resource_limit'],
        oneOf: [
          { required: ['service_id', 'resource_name', 'resource_limit', 'domain_id'] },
          { required: ['service_id', 'resource_name', 'resource_limit', 'project_id'] },
        ],
        additionalProperties: false,
      },
      minItems: 1,
    },
  },
  required: ['limits'],
  additionalProperties: false,
} as const;

/** PATCH /v3/limits/{limit_id}: only resource_limit and description can change. */
export const limitUpdate = {
  type: 'object',
  properties: {
    limit: {
      type: 'object',
      properties: { resource_limit: limitInteger, description: nullableDescription },
      additionalProperties: false,
    },
  },
  required: ['limit'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------
// Domain-specific configuration (keystone/api/domains.py, resource/core.py
// DomainConfigManager). Keystone has NO JSON schema here. The manager checks
// the structure and answers 403 (InvalidDomainConfig is a Forbidden), not 400,
// also for a missing `config` ("No options specified"). These schemas give the
// structure only. Groups (identity, ldap) and the option whitelist can be
// extended in config, so they are not listed.
// ---------------------------------------------------------------------------

/** {group: {option: value}}: at least one group, each a non-empty object. */
const domainConfigGroups = {
  type: 'object',
  minProperties: 1,
  additionalProperties: { type: 'object', minProperties: 1 },
} as const;

/** PUT /v3/domains/{domain_id}/config */
export const domainConfigSet = {
  type: 'object',
  properties: { config: domainConfigGroups },
  required: ['config'],
  additionalProperties: true, // other top-level keys are ignored
} as const;

/**
 * PATCH /v3/domains/{domain_id}/config and .../config/{group}. For the group
 * URL the config must hold only that group, which the handler checks.
 */
export const domainConfigUpdate = domainConfigSet;

/** PATCH /v3/domains/{domain_id}/config/{group}/{option}: {"config": {"<option>": value}}. */
export const domainConfigOptionUpdate = {
  type: 'object',
  properties: { config: { type: 'object', minProperties: 1, maxProperties: 1 } },
  required: ['config'],
  additionalProperties: true, // other top-level keys are ignored
} as const;
