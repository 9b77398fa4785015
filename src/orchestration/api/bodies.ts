/**
 * Request bodies of stack create, preview, update and validate, read as Heat reads them
 * (heat/api/openstack/v1/stacks.py InstantiationData): the template inline as a map or as YAML/JSON
 * text, environments merged in the order `environment_files` names them and then `environment`,
 * `files` for get_file and provider templates.
 */
import { loadEnvironment, loadTemplate, mergeEnvironments } from '../hot/index.js';
import { badRequest } from '../errors.js';
import type { DefinitionInput } from '../engine/definition.js';
import type { StackDefinition } from '../model.js';

type Body = Record<string, unknown>;

export function asBody(raw: unknown): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('The request body must be a JSON object.');
  return raw as Body;
}

const STACK_NAME = /^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$/;

/** The stack_name, checked as Heat checks it. */
export function stackName(body: Body): string {
  const name = body.stack_name;
  if (name === undefined || name === null || name === '') throw badRequest('No stack name specified');
  if (typeof name !== 'string' || !STACK_NAME.test(name)) {
    throw badRequest(`Invalid stack name ${String(name)} must contain only alphanumeric or "_-." characters, must start with alpha and must be 255 characters or less.`);
  }
  return name;
}

function files(body: Body): Record<string, string> {
  const f = body.files;
  if (f === undefined || f === null) return {};
  if (typeof f !== 'object' || Array.isArray(f)) throw badRequest('"files" must be a map of file names to contents.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) {
    if (typeof v !== 'string') throw badRequest(`"files.${k}" must be a string.`);
    out[k] = v;
  }
  return out;
}

function template(body: Body, fs: Record<string, string>): Record<string, unknown> | undefined {
  const t = body.template;
  if (t === undefined || t === null) {
    if (body.template_url !== undefined && body.template_url !== null) throw badRequest('Could not retrieve template: template_url is not supported; send the template inline.');
    return undefined;
  }
  if (typeof t === 'string') return loadTemplate(t, fs).raw;
  if (typeof t !== 'object' || Array.isArray(t)) throw badRequest('The template must be a map or YAML/JSON text.');
  return t as Record<string, unknown>;
}

function environment(body: Body, fs: Record<string, string>): Record<string, unknown> {
  const names = body.environment_files;
  const envs = [];
  if (Array.isArray(names)) {
    for (const n of names) {
      const text = typeof n === 'string' ? fs[n] : undefined;
      if (text === undefined) throw badRequest(`Environment file ${String(n)} is not in "files".`);
      envs.push(loadEnvironment(text));
    }
  }
  const e = body.environment;
  if (e !== undefined && e !== null) {
    if (typeof e !== 'string' && (typeof e !== 'object' || Array.isArray(e))) throw badRequest('The environment must be a map or YAML/JSON text.');
    envs.push(loadEnvironment(e as string | Record<string, unknown>));
  }
  return envs.length === 0 ? {} : mergeEnvironments(...envs).raw;
}

function params(body: Body): Record<string, unknown> {
  const p = body.parameters;
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p)) throw badRequest('"parameters" must be a map.');
  return p as Record<string, unknown>;
}

/** A create/preview/validate body as a definition input; the template is required. */
export function createInput(body: Body): DefinitionInput {
  const fs = files(body);
  const t = template(body, fs);
  if (!t) throw badRequest('No template specified');
  return { template: t, files: fs, environment: environment(body, fs), params: params(body) };
}

/**
 * An update body against the stack's definition. PUT (`patch` false) replaces template, environment,
 * files and parameters; PATCH keeps what the body leaves out and merges what it gives, and
 * `clear_parameters` drops parameters back to their defaults.
 */
export function updateInput(body: Body, current: StackDefinition, patch: boolean): DefinitionInput {
  const fs = files(body);
  const allFiles = patch ? { ...current.files, ...fs } : fs;
  const t = template(body, allFiles) ?? (patch ? current.template : undefined);
  if (!t) throw badRequest('No template specified');
  const env = environment(body, allFiles);
  const given = params(body);
  if (!patch) return { template: t, files: allFiles, environment: env, params: given };
  const kept = { ...current.params };
  const clear = body.clear_parameters;
  if (Array.isArray(clear)) for (const k of clear) delete kept[String(k)];
  const mergedEnv = Object.keys(env).length === 0 ? current.environment : mergeEnvironments(loadEnvironment(current.environment), loadEnvironment(env)).raw;
  // Parameters in the old environment's `parameters` were folded into params; don't let a new one be shadowed.
  return { template: t, files: allFiles, environment: mergedEnv, params: { ...kept, ...given } };
}

/** Heat's tags: a list, or the comma-separated text heatclient sends. */
export function tags(body: Body): string[] | undefined {
  const t = body.tags;
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'string') return t.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (Array.isArray(t) && t.every((x) => typeof x === 'string')) return t as string[];
  throw badRequest('"tags" must be a list of strings or comma-separated text.');
}

/** timeout_mins: a positive integer or nothing. */
export function timeoutMins(body: Body): number | null | undefined {
  const t = body.timeout_mins;
  if (t === undefined) return undefined;
  if (t === null || t === '') return null;
  const n = typeof t === 'string' ? Number(t) : t;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw badRequest(`Invalid timeout value ${String(t)}`);
  return n;
}

/** disable_rollback, as a boolean or the text booleans clients send. */
export function disableRollback(body: Body): boolean | undefined {
  const v = body.disable_rollback;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|t|yes|y|1|on)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|f|no|n|0|off)$/i.test(v)) return false;
  throw badRequest(`Unrecognized value "${String(v)}" for "disable_rollback", acceptable values are: true, false`);
}
