/**
 * Which domain-specific configuration options Keystone accepts, which of them are secrets, and the
 * defaults it reports for them (keystone/resource/core.py DomainConfigManager, keystone/conf/ldap.py,
 * keystone/conf/identity.py). Each option is listed explicitly, as Keystone does, so a new LDAP knob
 * never becomes settable per domain by accident.
 */
import { Forbidden, NotFound } from '../../platform/errors.js';

/** A JSON value as stored for an option (Keystone keeps the type: 10 stays a number). */
export type OptionValue = unknown;

export type ConfigGroups = Record<string, Record<string, OptionValue>>;

/** Options that may be stored and are returned by the API, with Keystone's defaults. */
const WHITELISTED: Readonly<Record<string, Readonly<Record<string, OptionValue>>>> = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost',
    user: null,
    suffix: 'cn=example,cn=com',
    query_scope: 'one',
    page_size: 0,
    alias_dereferencing: 'default',
    debug_level: null,
    chase_referrals: null,
    user_tree_dn: null,
    user_filter: null,
    user_objectclass: 'inetOrgPerson',
    user_id_attribute: 'cn',
    user_name_attribute: 'sn',
    user_mail_attribute: 'mail',
    user_description_attribute: 'description',
    user_pass_attribute: 'userPassword',
    user_enabled_attribute: 'enabled',
    user_enabled_invert: false,
    user_enabled_mask: 0,
    user_enabled_default: 'True',
    user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null,
    user_enabled_emulation: false,
    user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false,
    user_additional_attribute_mapping: [],
    group_tree_dn: null,
    group_filter: null,
    group_objectclass: 'groupOfNames',
    group_id_attribute: 'cn',
    group_name_attribute: 'ou',
    group_members_are_ids: false,
    group_member_attribute: 'member',
    group_desc_attribute: 'description',
    group_attribute_ignore: [],
    group_additional_attribute_mapping: [],
    tls_cacertfile: null,
    tls_cacertdir: null,
    use_tls: false,
    tls_req_cert: 'demand',
    use_pool: true,
    pool_size: 10,
    pool_retry_max: 3,
    pool_retry_delay: 0.1,
    pool_connection_timeout: -1,
    pool_connection_lifetime: 600,
    use_auth_pool: true,
    auth_pool_size: 100,
    auth_pool_connection_lifetime: 60,
  },
};

/** Options that may be stored but are never returned (they feed the driver only). */
const SENSITIVE: Readonly<Record<string, readonly string[]>> = { identity: [], ldap: ['password'] };

/** Keystone's InvalidDomainConfig: a 403, not a 400, whatever the flaw. */
export function invalidConfig(reason: string): Forbidden {
  return new Forbidden(`Invalid domain specific configuration: ${reason}.`);
}

/** Keystone's DomainConfigNotFound. */
export function configNotFound(domainId: string, group?: string, option?: string): NotFound {
  const what = option !== undefined ? `option ${option} in group ${group ?? ''}` : group !== undefined ? `group ${group}` : 'any options';
  return new NotFound(`Could not find ${what} in domain configuration for domain ${domainId}.`);
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function isSensitive(group: string, option: string): boolean {
  return SENSITIVE[group]?.includes(option) ?? false;
}

/** Throws unless the group (and option, if given) may be configured per domain. */
export function assertValidGroupAndOption(group?: string, option?: string): void {
  if (group === undefined) return;
  if (!has(WHITELISTED, group) && !has(SENSITIVE, group)) {
    throw invalidConfig(`Group ${group} is not supported for domain specific configurations`);
  }
  if (option !== undefined && !(has(WHITELISTED[group] ?? {}, option) || isSensitive(group, option))) {
    throw invalidConfig(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
}

/** Checks a whole `config` document: at least one group, each a non-empty object of known options. */
export function assertValidConfig(config: unknown): asserts config is ConfigGroups {
  if (typeof config !== 'object' || config === null || Array.isArray(config) || Object.keys(config).length === 0) {
    throw invalidConfig('No options specified');
  }
  for (const [group, options] of Object.entries(config)) {
    if (typeof options !== 'object' || options === null || Array.isArray(options) || Object.keys(options).length === 0) {
      throw invalidConfig(`The value of group ${group} specified in the config should be a dictionary of options`);
    }
    for (const option of Object.keys(options)) assertValidGroupAndOption(group, option);
  }
}

/** Keystone's defaults for all groups, one group, or one option (`{option: value}` for an option). */
export function defaultConfig(group?: string, option?: string): Record<string, OptionValue> {
  assertValidGroupAndOption(group, option);
  if (group !== undefined && option !== undefined) {
    const defaults = WHITELISTED[group] ?? {};
    if (!has(defaults, option)) throw invalidConfig(`Reading the default for option ${option} in group ${group} is not supported`);
    return { [option]: defaults[option] };
  }
  const groups = group !== undefined ? [group] : Object.keys(WHITELISTED);
  return Object.fromEntries(groups.map((g) => [g, { ...(WHITELISTED[g] ?? {}) }]));
}
