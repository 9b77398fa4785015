/** The CloudFormation functions HOT 2013-05-23 still accepts (Fn::Select survives until 2015-04-30). */
import { isMapping, type Mapping } from '../parse.js';
import type { FnImpl } from '../versions.js';
import { err, isCallLike, isList } from './args.js';
import { strReplace, STRING_FUNCTIONS } from './strings.js';
import type { FnDef } from './types.js';

const select: FnDef = {
  check(name, args, path) {
    if (!isList(args) || args.length !== 2) {
      if (isCallLike(args)) return;
      throw err(`Arguments to "${name}" must be of the form [index, collection]`, path);
    }
  },
  evaluate(name, args, path) {
    if (!isList(args) || args.length !== 2) throw err(`Arguments to "${name}" must be of the form [index, collection]`, path);
    let [index, strings] = args as [unknown, unknown];
    if (strings === '') return '';
    if (typeof strings === 'string') {
      try { strings = JSON.parse(strings); } catch (e) { throw err(`"${name}": ${e instanceof Error ? e.message : String(e)}`, path); }
    }
    if (isMapping(strings)) {
      if (typeof index !== 'string') throw err(`Index to "${name}" must be a string`, path);
      return Object.hasOwn(strings, index) ? strings[index] : '';
    }
    if (typeof index === 'string' && /^\s*[+-]?\d+\s*$/.test(index)) index = Number.parseInt(index, 10);
    if (isList(strings)) {
      if (typeof index !== 'number' || !Number.isInteger(index)) throw err(`Index to "${name}" must be an integer`, path);
      const i = index < 0 ? strings.length + index : index;
      return i >= 0 && i < strings.length ? strings[i] : '';
    }
    if (strings === null || strings === undefined) return '';
    throw err(`Arguments to ${name} not fully resolved`, path);
  },
};

const split: FnDef = {
  check(name, args, path) {
    const example = `"${name}" : [ ",", "str1,str2"]]`;
    if (typeof args === 'string' || isMapping(args) || !isList(args) || args.length !== 2) {
      throw err(`Incorrect arguments to "${name}" should be: ${example}`, path);
    }
  },
  evaluate(name, args, path) {
    const [delim, str] = args as [unknown, unknown];
    if (typeof delim !== 'string') throw err(`Delimiter for ${name} must be string`, path);
    if (typeof str !== 'string') throw err(`String to split must be string; got ${typeof str}`, path);
    return delim === '' ? [str] : str.split(delim);
  },
};

const replace: FnDef = {
  check(name, args, path) {
    const example = `{"${name}": [ {"$var1": "foo", "%var2%": "bar"}, "$var1 is %var2%"]}`;
    if (typeof args === 'string' || isMapping(args) || !isList(args) || args.length !== 2) {
      throw err(`Incorrect arguments to "${name}" should be: ${example}`, path);
    }
    if (!isMapping(args[0])) throw err(`"${name}" parameters must be a mapping`, [...path, 0]);
  },
  evaluate(name, args, path) {
    const [mapping, template] = args as [unknown, unknown];
    return strReplace(name, 'plain', template, mapping, path);
  },
};

const base64: FnDef = {
  check: () => undefined,
  // Heat passes the string through: servers take user_data as plain text.
  evaluate(name, args, path) {
    if (typeof args !== 'string') throw err(`"${name}" argument must be a string`, path);
    return args;
  },
};

const memberListToMap: FnDef = {
  check(name, args, path) {
    if (!isList(args) || args.length !== 3) {
      throw err(`Wrong Arguments try: "{'Fn::MemberListToMap': ['Name', 'Value', ['.member.0.Name=key', '.member.0.Value=door']]}"`, path);
    }
    if (typeof args[0] !== 'string') throw err(`${name} Key Name must be a string`, path);
    if (typeof args[1] !== 'string') throw err(`${name} Value Name must be a string`, path);
  },
  evaluate(_name, args, path) {
    const [keyName, valueName, list] = args as [string, string, unknown];
    if (!isList(list)) throw err('Member list must be a list', path);
    const partials: Mapping = {};
    for (const s of list) {
      if (typeof s !== 'string') throw err('Member list items must be strings', path);
      const eq = s.indexOf('=');
      partials[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? undefined : s.slice(eq + 1);
    }
    // heat/api/aws/utils.py extract_param_pairs: ".member.N.<keyName>" pairs with ".member.N.<valueName>".
    const out: Mapping = {};
    for (const [k, v] of Object.entries(partials)) {
      const m = /^(.*\.member\.\d+\.)(.+)$/.exec(k);
      if (m === null || m[2] !== keyName || typeof v !== 'string') continue;
      const value = partials[`${m[1]}${valueName}`];
      if (value !== undefined) out[v] = value;
    }
    return out;
  },
};

export const CFN_FUNCTIONS: Partial<Record<FnImpl, FnDef>> = {
  cfn_select: select,
  cfn_join: STRING_FUNCTIONS.list_join as FnDef,
  cfn_split: split,
  cfn_replace: replace,
  cfn_base64: base64,
  cfn_member_list_to_map: memberListToMap,
};
