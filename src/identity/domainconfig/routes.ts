/**
 * Domain-specific configuration: /v3/domains/{domain_id}/config[/{group}[/{option}]] and the defaults
 * under /v3/domains/config/…/default. Only the `identity` and `ldap` groups may be set; sensitive
 * options are accepted and stored (encrypted) but never returned. Flotilla stores these for clients
 * and tools; its identity backend is SQL for every domain, so no setting here switches drivers.
 *
 * Keystone answers every structural flaw in a config with 403 (InvalidDomainConfig), not 400, so
 * bodies are checked here rather than by a JSON schema.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { enforce, type IdentityContext } from '../context.js';
import { DEFAULT_DOMAIN_ID } from '../model.js';
import { SecretCipher } from '../credential/cipher.js';
import { DomainConfigStore, type ConfigOption } from './store.js';
import {
  assertValidConfig, assertValidGroupAndOption, configNotFound, defaultConfig, invalidConfig, isSensitive,
  type ConfigGroups, type OptionValue,
} from './options.js';

type Params = { domain_id: string; group?: string; option?: string };

/** The only security_compliance options any caller may read (for building password hints). */
const READABLE_SECURITY_OPTIONS = ['password_regex', 'password_regex_description'] as const;
const SECURITY_COMPLIANCE = 'security_compliance';

function toGroups(options: ConfigOption[]): ConfigGroups {
  const out: ConfigGroups = {};
  for (const o of options) (out[o.group] ??= {})[o.option] = o.value;
  return out;
}

function toOptions(config: ConfigGroups): ConfigOption[] {
  return Object.entries(config).flatMap(([group, options]) =>
    Object.entries(options).map(([option, value]) => ({ group, option, value, sensitive: isSensitive(group, option) })));
}

/** The `config` member of a request body, or {} when there is none (which then fails validation). */
function configOf(request: FastifyRequest): unknown {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return (body as { config?: unknown }).config ?? {};
}

export function domainConfigRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const store = new DomainConfigStore(ctx.db, new SecretCipher(ctx.credentialKeys));

  /** The visible (non-sensitive) config, narrowed to a group or option; 404 if nothing matches. */
  async function visibleConfig(domainId: string, group?: string, option?: string): Promise<Record<string, OptionValue>> {
    assertValidGroupAndOption(group, option);
    const found = await store.list(domainId, { group, option, sensitive: false });
    const first = found[0];
    if (!first) throw configNotFound(domainId, group, option);
    return option !== undefined ? { [first.option]: first.value } : toGroups(found);
  }

  /** The configured password format rule ([security_compliance] password_regex and its description). */
  function securityCompliance(domainId: string, option?: string): Record<string, OptionValue> {
    const rules = ctx.passwordPolicy.rules;
    const values: Record<(typeof READABLE_SECURITY_OPTIONS)[number], OptionValue> = {
      password_regex: rules.passwordRegex ?? null,
      password_regex_description: rules.passwordRegexDescription ?? null,
    };
    if (domainId !== DEFAULT_DOMAIN_ID) {
      throw invalidConfig('Reading security compliance information for any domain other than the default domain is not allowed or supported');
    }
    if (option !== undefined && !(READABLE_SECURITY_OPTIONS as readonly string[]).includes(option)) {
      throw invalidConfig('Reading security compliance values other than password_regex and password_regex_description is not allowed');
    }
    if (option !== undefined) return { [option]: values[option as (typeof READABLE_SECURITY_OPTIONS)[number]] };
    return { [SECURITY_COMPLIANCE]: values };
  }

  const read = async (request: FastifyRequest<{ Params: Params }>): Promise<{ config: Record<string, OptionValue> }> => {
    const { domain_id: domainId, group, option } = request.params;
    const security = group === SECURITY_COMPLIANCE;
    // Whether the domain exists is told only after the policy check, so callers cannot probe for domains.
    const missing = await ctx.resources.getDomain(domainId).then(() => undefined, (err: unknown) => err);
    enforce(ctx, request, security ? 'identity:get_security_compliance_domain_config' : 'identity:get_domain_config');
    if (missing) throw missing;
    return { config: security ? securityCompliance(domainId, option) : await visibleConfig(domainId, group, option) };
  };

  const update = async (request: FastifyRequest<{ Params: Params }>): Promise<{ config: Record<string, OptionValue> }> => {
    enforce(ctx, request, 'identity:update_domain_config');
    const { domain_id: domainId, group, option } = request.params;
    await ctx.resources.getDomain(domainId);
    const body = configOf(request);
    // For one option the body is just {option: value}; it is checked as a one-option group.
    const config: unknown = group !== undefined && option !== undefined ? { [group]: body } : body;
    assertValidConfig(config);
    assertValidGroupAndOption(group, option);
    if (group !== undefined) {
      const [only, ...others] = Object.keys(config);
      if (others.length > 0 || (option !== undefined && Object.keys(config[only ?? ''] ?? {}).length !== 1)) {
        throw invalidConfig(option !== undefined
          ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
          : `Trying to update group ${group}, so that, and only that, group must be specified in the config`);
      }
      const given = config[group];
      if (!given) throw invalidConfig(`request to update group ${group}, but config provided contains group ${only ?? ''} instead`);
      if (option !== undefined && !(option in given)) {
        throw invalidConfig(`Trying to update option ${option} in group ${group}, but config provided contains option ${Object.keys(given)[0] ?? ''} instead`);
      }
      // An update changes what exists; a group or option not yet set is created with PUT or a whole-config PATCH.
      if ((await store.list(domainId, { group, option })).length === 0) throw configNotFound(domainId, group, option);
    }
    await store.merge(domainId, toOptions(config));
    return { config: await visibleConfig(domainId) };
  };

  const remove = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    enforce(ctx, request, 'identity:delete_domain_config');
    const { domain_id: domainId, group, option } = request.params;
    await ctx.resources.getDomain(domainId);
    assertValidGroupAndOption(group, option);
    if (group !== undefined) {
      const current = await store.list(domainId, { group });
      if (current.length === 0) throw configNotFound(domainId, group);
      if (option !== undefined && !current.some((o) => o.option === option)) throw configNotFound(domainId, group, option);
    }
    await store.delete(domainId, group, option);
    return reply.code(204).send();
  };

  app.put<{ Params: Params }>('/v3/domains/:domain_id/config', async (request, reply) => {
    enforce(ctx, request, 'identity:create_domain_config');
    const domainId = request.params.domain_id;
    await ctx.resources.getDomain(domainId);
    const config = configOf(request);
    assertValidConfig(config);
    const existed = (await store.list(domainId)).length > 0;
    await store.replace(domainId, toOptions(config));
    const visible = toGroups(await store.list(domainId, { sensitive: false }));
    return reply.code(existed ? 200 : 201).send({ config: visible });
  });

  for (const path of ['/v3/domains/:domain_id/config', '/v3/domains/:domain_id/config/:group', '/v3/domains/:domain_id/config/:group/:option']) {
    app.get<{ Params: Params }>(path, read);
    app.patch<{ Params: Params }>(path, update);
    app.delete<{ Params: Params }>(path, remove);
  }

  type DefaultParams = { group?: string; option?: string };
  for (const path of ['/v3/domains/config/default', '/v3/domains/config/:group/default', '/v3/domains/config/:group/:option/default']) {
    app.get<{ Params: DefaultParams }>(path, async (request) => {
      enforce(ctx, request, 'identity:get_domain_config_default');
      return { config: defaultConfig(request.params.group, request.params.option) };
    });
  }
}
