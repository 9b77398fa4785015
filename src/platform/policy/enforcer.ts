/**
 * Evaluates policy rules against the caller's credentials and the target of an action, with
 * oslo.policy's semantics. One enforcer per service, built from that service's rule table.
 */
import { Forbidden } from '../errors.js';
import { parseRule, type Rule } from './rules.js';

/** What the caller's token says, in oslo.policy's credential keys. */
export interface PolicyCredentials {
  user_id: string;
  user_domain_id?: string | null;
  project_id?: string | null;
  project_domain_id?: string | null;
  domain_id?: string | null;
  /** 'all' for a system-scoped token. */
  system_scope?: string | null;
  /** Role names, lowercase. */
  roles: readonly string[];
  is_admin_project?: boolean;
  trust_id?: string | null;
  [key: string]: unknown;
}

/** Attributes of the thing acted on, e.g. `{ 'target.user.domain_id': … }` or nested objects. */
export type PolicyTarget = Record<string, unknown>;

/** Python's str() of a scalar, which is what oslo.policy compares against. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/** Looks up `a.b.c` in a dict, trying the flattened key first (Keystone flattens its targets). */
function lookup(dict: Record<string, unknown>, dotted: string): unknown {
  if (dotted in dict) return dict[dotted];
  let cur: unknown = dict;
  for (const part of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

class MissingKey extends Error {}

/** Replaces every `%(key)s` with the target's value; a missing key fails the check. */
function interpolate(match: string, target: PolicyTarget): string {
  return match.replace(/%\(([^)]+)\)s/g, (_m, key: string) => {
    const v = lookup(target, key);
    if (v === undefined) throw new MissingKey(key);
    return pyStr(v);
  });
}

function literal(text: string): string | undefined {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  if (text === 'True' || text === 'False' || text === 'None' || /^-?\d+(\.\d+)?$/.test(text)) return text;
  return undefined;
}

export class PolicyEnforcer {
  readonly #rules = new Map<string, Rule>();

  constructor(rules: Readonly<Record<string, string>>) {
    for (const [name, text] of Object.entries(rules)) this.#rules.set(name, parseRule(text));
  }

  /** True if the action is allowed. An action with no rule is denied. */
  check(action: string, creds: PolicyCredentials, target: PolicyTarget = {}): boolean {
    const rule = this.#rules.get(action);
    if (!rule) return false;
    return this.#eval(rule, creds, target, 0);
  }

  /** Throws Forbidden unless the action is allowed. */
  authorize(action: string, creds: PolicyCredentials, target: PolicyTarget = {}): void {
    if (!this.check(action, creds, target)) {
      throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
    }
  }

  #eval(rule: Rule, creds: PolicyCredentials, target: PolicyTarget, depth: number): boolean {
    if (depth > 50) return false;
    switch (rule.kind) {
      case 'true': return true;
      case 'false': return false;
      case 'not': return !this.#eval(rule.rule, creds, target, depth + 1);
      case 'and': return rule.rules.every((r) => this.#eval(r, creds, target, depth + 1));
      case 'or': return rule.rules.some((r) => this.#eval(r, creds, target, depth + 1));
      case 'rule': {
        const named = this.#rules.get(rule.name);
        return named ? this.#eval(named, creds, target, depth + 1) : false;
      }
      case 'role': {
        try {
          const want = interpolate(rule.match, target).toLowerCase();
          return creds.roles.some((r) => r.toLowerCase() === want);
        } catch { return false; }
      }
      case 'generic': {
        let match: string;
        try { match = interpolate(rule.match, target); } catch { return false; }
        const lit = literal(rule.key);
        if (lit !== undefined) return match === lit;
        const value = lookup(creds as Record<string, unknown>, rule.key);
        if (Array.isArray(value)) return value.some((v) => pyStr(v) === match);
        return value !== undefined && pyStr(value) === match;
      }
      default: {
        const never: never = rule;
        return never;
      }
    }
  }
}
