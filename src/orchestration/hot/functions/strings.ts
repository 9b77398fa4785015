/** String functions: list_join (one list, then several), str_replace (and strict, vstrict), str_split,
 * digest, make_url. */
import { createHash, getHashes } from 'node:crypto';
import type { TemplatePath } from '../errors.js';
import { isMapping, type Mapping } from '../parse.js';
import type { FnImpl } from '../versions.js';
import { err, isCallLike, isList, jsonDumpsSorted, pyRepr, pyStr } from './args.js';
import type { FnDef } from './types.js';

function joinDef(multi: boolean): FnDef {
  const example = (name: string): string => multi ? `"${name}" : [ " ", [ "str1", "str2"] ...]` : `"${name}" : [ " ", [ "str1", "str2"]]`;
  return {
    check(name, args, path) {
      if (!isList(args)) throw err(`Incorrect arguments to "${name}" should be: ${example(name)}`, path);
      if (multi ? args.length < 2 : args.length !== 2) throw err(`Incorrect arguments to "${name}" should be: ${example(name)}`, path);
    },
    evaluate(name, args, path) {
      const a = args as unknown[];
      const delim = a[0];
      const lists = multi ? a.slice(1) : [a[1] ?? []];
      const strings: unknown[] = [];
      for (const jl of lists) {
        // JoinMultiple skips every falsy list argument (None, '', [], {}), as Python's `if jl:` does.
        if (jl === null || jl === undefined || (multi && (jl === '' || (isList(jl) && jl.length === 0) || (isMapping(jl) && Object.keys(jl).length === 0)))) continue;
        if (!isList(jl)) throw err(`"${name}" must operate on a list`, path);
        strings.push(...jl);
      }
      if (typeof delim !== 'string') throw err(`"${name}" delimiter must be a string`, path);
      return strings.map((s) => {
        if (s === null || s === undefined) return '';
        if (typeof s === 'string') return s;
        if (multi && (isList(s) || isMapping(s))) return jsonDumpsSorted(s);
        throw err(multi
          ? `Items to join must be string, map or list not ${pyRepr(s).slice(0, 200)}`
          : `Items to join must be strings not ${pyRepr(s).slice(0, 200)}`, path);
      }).join(delim);
    },
  };
}

type ReplaceMode = 'plain' | 'json' | 'strict' | 'vstrict';

function replacementValue(name: string, mode: ReplaceMode, value: unknown, param: string, path: TemplatePath): string {
  const allowEmpty = mode !== 'vstrict';
  const empty = (): never => { throw err(`${name} has an undefined or empty value for param ${param}, must be a defined non-empty value`, path); };
  if (value === null || value === undefined) return allowEmpty ? '' : empty();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const s = pyStr(value);
    if (!allowEmpty && s === '') empty();
    return s;
  }
  if (mode === 'plain') throw err(`"${name}" params must be strings or numbers, param ${param} is not valid`, path);
  if (isList(value) || isMapping(value)) {
    if (!allowEmpty && (isList(value) ? value.length === 0 : Object.keys(value).length === 0)) empty();
    return jsonDumpsSorted(value);
  }
  throw err(`"${name}" params must be strings, numbers, list or map.`, path);
}

/** Heat's replacement order: longest key first, equal lengths in lexical order; each key splits the text
 * and later keys work on the pieces, so a replaced value is never itself replaced. */
export function strReplace(name: string, mode: ReplaceMode, template: unknown, mapping: unknown, path: TemplatePath): string {
  if (typeof template !== 'string') throw err(`"${name}" template must be a string`, path);
  if (!isMapping(mapping)) throw err(`"${name}" params must be a map`, path);
  const strict = mode === 'strict' || mode === 'vstrict';
  const keys = Object.keys(mapping).sort().sort((a, b) => b.length - a.length);
  const unreplaced = new Set(keys);
  const replace = (strings: string[], i: number): string[] => {
    if (i >= keys.length) return strings;
    const placeholder = keys[i] as string;
    const value = replacementValue(name, mode, mapping[placeholder], placeholder, path);
    return strings.map((s) => {
      // Python's str.split('') raises; Heat's placeholders come from YAML keys, which are never empty in
      // practice, but an empty one must not loop forever here.
      const parts = placeholder === '' ? [s] : s.split(placeholder);
      if (parts.length > 1) unreplaced.delete(placeholder);
      return replace(parts, i + 1).join(value);
    });
  };
  const out = replace([template], 0)[0] as string;
  if (strict && unreplaced.size > 0) {
    const list = [...unreplaced].sort().sort((a, b) => b.length - a.length).join(',');
    throw err(`The following params were not found in the template: ${list}`, path);
  }
  return out;
}

function replaceDef(mode: ReplaceMode): FnDef {
  const syntax = (name: string): string => `"${name}" syntax should be ${name}:\n  template: This is var1 template var2\n  params:\n    var1: a\n    var2: string`;
  return {
    check(name, args, path) {
      if (isCallLike(args)) return;
      if (!isMapping(args)) throw err(`Arguments to "${name}" must be a map`, path);
      if (!Object.hasOwn(args, 'params') || !Object.hasOwn(args, 'template')) throw err(syntax(name), path);
      const params = args.params;
      if (!isMapping(params)) throw err(`"${name}" parameters must be a mapping`, [...path, 'params']);
    },
    evaluate(name, args, path) {
      if (!isMapping(args) || !Object.hasOwn(args, 'params') || !Object.hasOwn(args, 'template')) throw err(syntax(name), path);
      return strReplace(name, mode, args.template, args.params, path);
    },
  };
}

const strSplit: FnDef = {
  check(name, args, path) {
    const example = `"${name}" : [ ",", "apples,pears", <index>]`;
    if (typeof args === 'string' || (isMapping(args) && !isCallLike(args))) throw err(`Incorrect arguments to "${name}" should be: ${example}`, path);
    if (isList(args) && (args.length < 2 || args.length > 3)) throw err(`Incorrect arguments to "${name}" should be: ${example}`, path);
  },
  evaluate(name, args, path) {
    const example = `"${name}" : [ ",", "apples,pears", <index>]`;
    if (!isList(args) || args.length < 2) throw err(`Incorrect arguments to "${name}" should be: ${example}`, path);
    const [delim, str] = args;
    if (str === null || str === undefined) return null;
    if (typeof str !== 'string' || typeof delim !== 'string' || delim === '') throw err(`Incorrect arguments to "${name}" should be: ${example}`, path);
    const parts = str.split(delim);
    if (args.length < 3) return parts;
    const raw = args[2];
    const index = typeof raw === 'number' ? Math.trunc(raw) : typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN;
    if (Number.isNaN(index)) throw err(`Incorrect index to "${name}" should be: ${example}`, path);
    const i = index < 0 ? parts.length + index : index;
    if (i < 0 || i >= parts.length) throw err(`Incorrect index to "${name}" should be between 0 and ${parts.length - 1}`, path);
    return parts[i];
  },
};

/** hashlib's always-present algorithms; others OpenSSL offers are accepted too, as Heat does. */
const DIGESTS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);
function digestAlgorithm(a: string): string | undefined {
  const lower = a.toLowerCase();
  if (DIGESTS.has(lower)) return lower;
  return getHashes().includes(lower) ? lower : undefined;
}

const digest: FnDef = {
  check(name, args, path) {
    if (isCallLike(args)) return;
    if (!isList(args) || !args.every((a) => typeof a === 'string' || isCallLike(a))) throw err(`Argument to function "${name}" must be a list of strings`, path);
    if (args.length !== 2) throw err(`Function "${name}" usage: ["<algorithm>", "<value>"]`, path);
    if (typeof args[0] === 'string' && digestAlgorithm(args[0]) === undefined) {
      throw err(`Algorithm must be one of ${[...DIGESTS].join(', ')} (in ${name}), not "${args[0]}"`, [...path, 0]);
    }
  },
  evaluate(name, args, path) {
    if (!isList(args) || !args.every((a) => typeof a === 'string')) throw err(`Argument to function "${name}" must be a list of strings`, path);
    if (args.length !== 2) throw err(`Function "${name}" usage: ["<algorithm>", "<value>"]`, path);
    const algo = digestAlgorithm(args[0] as string);
    if (algo === undefined) throw err(`Algorithm must be one of ${[...DIGESTS].join(', ')} (in ${name}), not "${String(args[0])}"`, path);
    // Heat encodes the value as latin-1 before hashing; a character outside it makes Python's encode fail.
    const value = args[1] as string;
    if (/[^\u0000-\u00ff]/.test(value)) throw err(`The value to "${name}" must be latin-1 text (Heat encodes it as latin-1 before hashing)`, path);
    return createHash(algo).update(Buffer.from(value, 'latin1')).digest('hex');
  },
};

const URL_KEYS = ['scheme', 'username', 'password', 'host', 'port', 'path', 'query', 'fragment'];

function checkUrlArgs(name: string, args: Mapping, path: TemplatePath, resolved: boolean): void {
  for (const key of URL_KEYS) {
    if (!Object.hasOwn(args, key)) continue;
    const v = args[key];
    if (!resolved && isCallLike(v) && key !== 'query') continue;
    if (key === 'query') {
      if (!isMapping(v)) throw err(`The "query" argument to "${name}" must be a map`, [...path, key]);
      // Heat stops checking at query (its loop returns there); the rest is checked when the URL is made.
      return;
    } else if (key === 'port') {
      let port: number;
      if (typeof v === 'number' && Number.isInteger(v)) port = v;
      else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) port = Number.parseInt(v, 10);
      else throw err(`Invalid URL port "${pyStr(v)}" for ${name}`, [...path, key]);
      if (!(port > 0 && port <= 65535)) throw err(`Invalid URL port ${port}, must be in range 1-65535`, [...path, key]);
    } else if (typeof v !== 'string') {
      throw err(`The "${key}" argument to "${name}" must be a string`, [...path, key]);
    }
  }
}

/** Python's urllib.parse.quote: `safe` characters and unreserved ones stay, the rest is %-encoded UTF-8. */
function quote(s: string, safe: string): string {
  const keep = /[A-Za-z0-9_.\-~]/;
  let out = '';
  for (const ch of s) {
    if (keep.test(ch) || safe.includes(ch)) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** Python's urlencode (quote_plus on str() of each key and value). */
function urlencode(q: Mapping): string {
  const plus = (s: string): string => quote(s, ' ').replace(/ /g, '+');
  return Object.entries(q).map(([k, v]) => `${plus(k)}=${plus(pyStr(v))}`).join('&');
}

const makeUrl: FnDef = {
  check(name, args, path) {
    if (isCallLike(args)) return;
    if (!isMapping(args)) throw err(`The arguments to "${name}" must be a map`, path);
    const invalid = Object.keys(args).filter((k) => !URL_KEYS.includes(k));
    if (invalid.length > 0) throw err(`Invalid arguments to "${name}": ${invalid.join(', ')}`, path);
    checkUrlArgs(name, args, path, false);
  },
  evaluate(name, args, path) {
    if (!isMapping(args)) throw err(`The arguments to "${name}" must be a map`, path);
    checkUrlArgs(name, args, path, true);
    const str = (k: string): string => (typeof args[k] === 'string' ? args[k] : args[k] === undefined || args[k] === null ? '' : pyStr(args[k]));
    const scheme = str('scheme');
    if (scheme.includes(':')) throw err(`URL "scheme" should not contain ':'`, [...path, 'scheme']);
    const username = quote(str('username'), '');
    const password = quote(str('password'), '');
    let netloc = '';
    if (username !== '' || password !== '') netloc += username + (password !== '' ? `:${password}` : '') + '@';
    let host = str('host');
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    host = quote(host, ':');
    if (host.includes(':')) host = `[${host}]`;
    netloc += host;
    const port = args.port;
    if (port !== undefined && port !== null && port !== '' && port !== 0) netloc += `:${pyStr(port)}`;
    const p = quote(str('path'), '/');
    const query = urlencode(isMapping(args.query) ? args.query : {}).replace(/%2F/g, '/');
    const fragment = quote(str('fragment'), '/');
    return urlunsplit(scheme, netloc, p, query, fragment);
  },
};

/** Schemes Python's urllib treats as having a network location. */
const USES_NETLOC = new Set(['', 'ftp', 'http', 'gopher', 'nntp', 'telnet', 'imap', 'wais', 'file', 'mms', 'https', 'shttp', 'snews',
  'prospero', 'rtsp', 'rtsps', 'rtspu', 'rsync', 'svn', 'svn+ssh', 'sftp', 'nfs', 'git', 'git+ssh', 'ws', 'wss', 'itms-services']);

/** Python's urlunsplit (3.12.6 and later: `file` with a relative path stays `file:foo/bar`). */
function urlunsplit(scheme: string, netloc: string, path: string, query: string, fragment: string): string {
  let url = path;
  if (netloc !== '') {
    if (url !== '' && !url.startsWith('/')) url = `/${url}`;
    url = `//${netloc}${url}`;
  } else if (url.startsWith('//')) {
    url = `//${url}`;
  } else if (scheme !== '' && USES_NETLOC.has(scheme) && (url === '' || url.startsWith('/'))) {
    url = `//${url}`;
  }
  if (scheme !== '') url = `${scheme}:${url}`;
  if (query !== '') url = `${url}?${query}`;
  if (fragment !== '') url = `${url}#${fragment}`;
  return url;
}

export const STRING_FUNCTIONS: Partial<Record<FnImpl, FnDef>> = {
  list_join: joinDef(false),
  list_join_multi: joinDef(true),
  str_replace: replaceDef('plain'),
  str_replace_json: replaceDef('json'),
  str_replace_strict: replaceDef('strict'),
  str_replace_vstrict: replaceDef('vstrict'),
  str_split: strSplit,
  digest,
  make_url: makeUrl,
};
