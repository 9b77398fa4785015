/** Seeded random snippets: every function name with random arguments, in every version, through load and
 * evaluation. Whatever they do, they must either work or fail with a TemplateError, never with a crash. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './errors.js';
import { loadTemplate } from './template.js';
import { resolve } from './evaluate.js';
import { evaluateConditions } from './conditions.js';
import { ALL_FUNCTION_NAMES, HOT_VERSIONS } from './versions.js';
import type { ResolveContext } from './types.js';

/** mulberry32: a small deterministic generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [...ALL_FUNCTION_NAMES];
const WORDS = ['p', 's', 'l', 'j', 'b', 'r1', 'r2', 'c', 'ghost', 'metadata', 'template', 'params', 'for_each', 'keys', 'values', 'host', 'port', 'query', '%x%', ',', '', 'md5', 'sha256'];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 10));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  switch (k) {
    case 0: return pick(WORDS);
    case 1: return Math.floor(r() * 5) - 1;
    case 2: return r() < 0.5;
    case 3: return null;
    case 4: return pick(WORDS) + pick(WORDS);
    case 5: return r() * 100;
    case 6: case 7: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    case 8: {
      const m: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 3); i > 0; i--) m[pick(WORDS)] = value(r, depth + 1);
      return m;
    }
    default: return { [pick(NAMES)]: value(r, depth + 1) };
  }
}

describe('fuzzed snippets', () => {
  it('load and evaluate or fail with a TemplateError, in every version', () => {
    const r = rng(Number(process.env.FUZZ_SEED ?? 20261126));
    const crashes: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 4000; i++) {
      const version = HOT_VERSIONS[i % HOT_VERSIONS.length]?.version ?? '2021-04-16';
      const newton = version >= '2016-10-14';
      const raw: Record<string, unknown> = {
        heat_template_version: version,
        parameters: { p: { type: 'string', default: 'x' }, s: { type: 'number', default: 1 }, l: { type: 'comma_delimited_list', default: 'a,b' }, j: { type: 'json', default: { a: [1] } }, b: { type: 'boolean', default: true } },
        resources: { r1: { type: 'X', properties: { v: value(r, 0) } }, r2: { type: 'X', metadata: { m: value(r, 0) } } },
        outputs: { o: { value: value(r, 0) } },
      };
      if (newton) raw.conditions = { c: r() < 0.5 ? true : { [['equals', 'not', 'and', 'or', 'contains', 'get_param'][i % 6] as string]: value(r, 2) } };
      try {
        const t = loadTemplate(raw, { f: 'file' });
        const params = { p: 'x', s: 1, l: ['a', 'b'], j: { a: [1] }, b: true };
        const conditions = evaluateConditions(t, params);
        const ctx: ResolveContext = {
          stack: { name: 'n', id: 'i', projectId: 'p' }, params, conditions,
          resourceRef: (n) => `${n}-id`, resourceAttr: (_n, a) => (a === undefined ? { x: 1 } : { k: [a] }),
          facade: (kind) => ({ kind }),
        };
        resolve(t, t.resources.r1?.properties, ctx);
        resolve(t, t.resources.r2?.metadata, ctx);
        resolve(t, t.outputs.o?.value, ctx);
        accepted++;
      } catch (e) {
        if (!(e instanceof TemplateError)) crashes.push(`#${i} ${version}: ${e instanceof Error ? e.stack?.split('\n').slice(0, 3).join(' | ') : String(e)}\n${JSON.stringify(raw).slice(0, 400)}`);
      }
    }
    if (process.env.FUZZ_SEED !== undefined) console.log(`accepted ${accepted} of 4000`);
    assert.deepEqual(crashes.slice(0, 5), []);
    assert.ok(accepted > 100, `only ${accepted} snippets were valid: the fuzzer should also exercise success paths`);
  });
});
