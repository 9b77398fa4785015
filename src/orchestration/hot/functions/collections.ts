/** List and map functions: repeat (three variants), map_merge, map_replace, filter, list_concat(_unique),
 * contains. */
import type { TemplatePath } from '../errors.js';
import { isMapping, type Mapping } from '../parse.js';
import type { FnImpl } from '../versions.js';
import { err, isCallLike, isList, jsonDumpsSorted, pyEquals, pyRepr, pyStr } from './args.js';
import type { FnDef } from './types.js';

type RepeatKind = 'lists' | 'maps' | 'nested';

const REPEAT_SYNTAX = 'repeat:\n  template: This is %var%\n  for_each:\n    %var%: [\'a\', \'b\', \'c\']';

/** Replaces every key with its value in every string (map keys included) of a resolved template. */
function substitute(keys: string[], values: string[], t: unknown): unknown {
  if (typeof t === 'string') {
    let s = t;
    keys.forEach((k, i) => { s = k === '' ? s : s.split(k).join(values[i] ?? ''); });
    return s;
  }
  if (isList(t)) return t.map((x) => substitute(keys, values, x));
  if (isMapping(t)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(t)) out[substitute(keys, values, k) as string] = substitute(keys, values, v);
    return out;
  }
  return t;
}

function* product(lists: unknown[][]): Generator<unknown[]> {
  if (lists.length === 0) { yield []; return; }
  const [first, ...rest] = lists;
  for (const x of first ?? []) for (const tail of product(rest)) yield [x, ...tail];
}

/** Repeat's output is bounded so a for_each over several long lists cannot build millions of items. */
const MAX_REPEAT_ITEMS = 100_000;

function repeatDef(kind: RepeatKind): FnDef {
  const valuesMsg = (name: string, maps: boolean): string =>
    `The values of the "for_each" argument to "${name}" must be ${maps ? 'lists or maps' : 'lists'}`;
  return {
    check(name, args, path) {
      if (!isMapping(args)) throw err(`Arguments to "${name}" must be a map`, path);
      if (!Object.hasOwn(args, 'for_each') || !Object.hasOwn(args, 'template')) throw err(`"repeat" syntax should be ${REPEAT_SYNTAX}`, path);
      const forEach = args.for_each;
      if (!isMapping(forEach)) throw err(`The "for_each" argument to "${name}" must contain a map`, [...path, 'for_each']);
      if (kind === 'nested' && Object.hasOwn(args, 'permutations') && typeof args.permutations !== 'boolean') {
        throw err(`"permutations" should be boolean type for ${name} function.`, [...path, 'permutations']);
      }
      const nested = kind !== 'nested' || args.permutations !== false;
      if (!isCallLike(forEach)) {
        for (const [k, v] of Object.entries(forEach)) {
          if (v === null || isCallLike(v)) continue;
          const ok = isList(v) || (kind !== 'lists' && nested && isMapping(v));
          if (!ok) throw err(valuesMsg(name, kind !== 'lists' && nested), [...path, 'for_each', k]);
        }
      }
    },
    evaluate(name, args, path) {
      const a = args as Mapping;
      const forEach = a.for_each;
      if (!isMapping(forEach)) throw err(`The "for_each" argument to "${name}" must contain a map`, path);
      const nested = kind !== 'nested' || a.permutations !== false;
      const keys = Object.keys(forEach);
      const lists: string[][] = [];
      const lens: number[] = [];
      for (const k of keys) {
        const v = forEach[k];
        if (v === null || v === undefined) { lists.push([]); continue; }
        let items: unknown[];
        if (isList(v)) items = v;
        else if (isMapping(v) && kind !== 'lists' && nested) items = Object.keys(v);
        else throw err(valuesMsg(name, kind !== 'lists' && nested), [...path, 'for_each', k]);
        // Python's str.replace needs strings, so Heat fails on other items; numbers and booleans are
        // rendered as Python's str() would (a template author's evident intent), anything else is refused.
        lists.push(items.map((x) => {
          if (typeof x === 'string') return x;
          if (typeof x === 'number' || typeof x === 'boolean') return pyStr(x);
          throw err(`The items of "for_each" in "${name}" must be strings, not ${pyRepr(x).slice(0, 200)}`, [...path, 'for_each', k]);
        }));
        lens.push(items.length);
      }
      if (!nested && lens.length > 0 && new Set(lens).size !== 1) {
        throw err(`For ${name}, the length of for_each values should be equal if no nested loop.`, path);
      }
      let combos: unknown[][];
      if (nested) {
        const total = lists.reduce((n, l) => n * l.length, 1);
        if (total > MAX_REPEAT_ITEMS) throw err(`"${name}" would produce ${total} items (at most ${MAX_REPEAT_ITEMS})`, path);
        combos = [...product(lists)];
      } else {
        const n = Math.min(...lists.map((l) => l.length));
        combos = Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
      }
      return combos.map((c) => substitute(keys, c as string[], a.template));
    },
  };
}

const mapMerge: FnDef = {
  check(name, args, path) {
    if (isCallLike(args)) return;
    if (!isList(args)) throw err(`Incorrect arguments to "${name}" should be: "${name}" : [ { "key1": "val1" }, { "key2": "val2" } ]`, path);
    args.forEach((m, i) => {
      if (m !== null && !isMapping(m)) throw err(`Incorrect arguments: Items to merge must be maps. ${pyRepr(m).slice(0, 200)} is not a map (in ${name})`, [...path, i]);
    });
  },
  evaluate(name, args, path) {
    if (!isList(args)) throw err(`Incorrect arguments to "${name}" should be: "${name}" : [ { "key1": "val1" }, { "key2": "val2" } ]`, path);
    const out: Mapping = {};
    for (const m of args) {
      if (m === null || m === undefined) continue;
      if (!isMapping(m)) throw err(`Incorrect arguments: Items to merge must be maps. ${pyRepr(m).slice(0, 200)} is not a map (in ${name})`, path);
      Object.assign(out, m);
    }
    return out;
  },
};

const MAP_REPLACE_EXAMPLE = (name: string): string => `"${name}" : [ { "key1": "val1" }, {"keys": {"key1": "key2"}, "values": {"val1": "val2"}}]`;

const mapReplace: FnDef = {
  check(name, args, path) {
    if (isCallLike(args)) return;
    if (!isList(args) || args.length !== 2) throw err(`Incorrect arguments to "${name}" should be: ${MAP_REPLACE_EXAMPLE(name)}`, path);
    const repl = args[1];
    if (isMapping(repl) && !isCallLike(repl)) {
      for (const k of Object.keys(repl)) if (k !== 'keys' && k !== 'values') throw err(`Incorrect arguments to "${name}" should be: ${MAP_REPLACE_EXAMPLE(name)}`, [...path, 1, k]);
    }
  },
  evaluate(name, args, path) {
    const ensure = (m: unknown): Mapping => {
      if (m === null || m === undefined) return {};
      if (isMapping(m)) return m;
      throw err(`Incorrect arguments: to "${name}", arguments must be a list of maps. Example:  ${MAP_REPLACE_EXAMPLE(name)}`, path);
    };
    if (!isList(args) || args.length !== 2) throw err(`Incorrect arguments to "${name}" should be: ${MAP_REPLACE_EXAMPLE(name)}`, path);
    const inMap = ensure(args[0]);
    const repl = ensure(args[1]);
    for (const k of Object.keys(repl)) if (k !== 'keys' && k !== 'values') throw err(`Incorrect arguments to "${name}" should be: ${MAP_REPLACE_EXAMPLE(name)}`, path);
    const keys = ensure(repl.keys ?? {});
    const values = ensure(repl.values ?? {});
    const out: Mapping = {};
    for (const [k, v] of Object.entries(inMap)) {
      let key: unknown = Object.hasOwn(keys, k) ? keys[k] : undefined;
      if (key === undefined || key === null) key = k;
      else if (typeof key !== 'string') key = typeof key === 'number' ? String(key) : jsonDumpsSorted(key);
      const ks = key as string;
      if (ks !== k && Object.hasOwn(inMap, ks)) throw err(`key replacement ${ks} collides with a key in the input map`, path);
      if (ks !== k && Object.hasOwn(out, ks)) throw err(`key replacement ${ks} collides with a key in the output map`, path);
      // Values are looked up by their own value. The keys of `values` are strings, so only string values
      // can match (Python compares 1 and '1' as different keys); lists and maps are left alone, as the
      // specification says.
      out[ks] = typeof v === 'string' && Object.hasOwn(values, v) ? values[v] : v;
    }
    return out;
  },
};

const filter: FnDef = {
  check(name, args, path) {
    if (isCallLike(args)) return;
    if (!isList(args)) throw err(`Argument to "${name}" must be a list`, path);
    if (args.length !== 2) throw err(`"${name}" expected 2 arguments of the form [values, sequence] but got ${args.length} arguments instead`, path);
  },
  evaluate(name, args, path) {
    if (!isList(args) || args.length !== 2) throw err(`"${name}" expected 2 arguments of the form [values, sequence]`, path);
    const [values, seq] = args;
    if (seq === null || seq === undefined || seq === '' || seq === false || seq === 0 || (isList(seq) && seq.length === 0) || (isMapping(seq) && Object.keys(seq).length === 0)) return seq ?? null;
    if (!isList(seq)) throw err(`"${name}" only works with lists`, path);
    if (values === null || values === undefined || (isList(values) && values.length === 0)) return seq;
    if (!isList(values)) throw err(`"${name}" filters a list of values`, path);
    return seq.filter((i) => !values.some((v) => pyEquals(v, i)));
  },
};

function concatDef(unique: boolean): FnDef {
  const example = (name: string): string => `"${name}" : [ [ <value 1>, <value 2> ], [ <value 3>, <value 4> ] ]`;
  return {
    check(name, args, path) {
      if (isCallLike(args)) return;
      if (!isList(args)) throw err(`Incorrect arguments to "${name}" should be: ${example(name)}`, path);
      args.forEach((m, i) => {
        if (m !== null && !isList(m) && !isCallLike(m)) throw err(`Incorrect arguments: Items to concat must be lists. ${jsonDumpsSorted(m)} is not a list (in ${name})`, [...path, i]);
      });
    },
    evaluate(name, args, path) {
      if (!isList(args)) throw err(`Incorrect arguments to "${name}" should be: ${example(name)}`, path);
      const out: unknown[] = [];
      for (const m of args) {
        if (m === null || m === undefined) continue;
        if (!isList(m)) throw err(`Incorrect arguments: Items to concat must be lists. ${jsonDumpsSorted(args)} contains an item that is not a list: ${jsonDumpsSorted(m)}`, path);
        out.push(...m);
      }
      if (!unique) return out;
      const u: unknown[] = [];
      for (const x of out) if (!u.some((y) => pyEquals(x, y))) u.push(x);
      return u;
    },
  };
}

export function containsCheck(name: string, args: unknown, path: TemplatePath): void {
  if (isCallLike(args)) return;
  if (!isList(args) || args.length === 0) throw err(`Incorrect arguments to "${name}" should be: "${name}" : [ "value1", [ "value1", "value2"]]`, path);
  if (args.length !== 2) throw err(`Arguments to "${name}" must be of the form: [value1, [value1, value2]]`, path);
}

const contains: FnDef = {
  check: containsCheck,
  evaluate(name, args, path) {
    if (!isList(args) || args.length !== 2) throw err(`Arguments to "${name}" must be of the form: [value1, [value1, value2]]`, path);
    const [value, seq] = args;
    if (typeof seq === 'string') return typeof value === 'string' && seq.includes(value);
    if (!isList(seq)) throw err(`Second argument to "${name}" should be a sequence.`, path);
    return seq.some((x) => pyEquals(value, x));
  },
};

export const COLLECTION_FUNCTIONS: Partial<Record<FnImpl, FnDef>> = {
  repeat: repeatDef('lists'),
  repeat_map: repeatDef('maps'),
  repeat_nested: repeatDef('nested'),
  map_merge: mapMerge,
  map_replace: mapReplace,
  filter,
  list_concat: concatDef(false),
  list_concat_unique: concatDef(true),
  contains,
};
