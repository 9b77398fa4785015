/** Parameters: types and conversion, constraints (the HOT specification's examples), defaults from the
 * template and the environment, custom constraints, immutability. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './errors.js';
import { loadTemplate } from './template.js';
import { emptyEnvironment, loadEnvironment } from './environment.js';
import { resolveParameters, type ConstraintChecker } from './parameters.js';
import type { Template } from './types.js';

const tmpl = (params: Record<string, unknown>, version = '2021-04-16'): Template =>
  loadTemplate({ heat_template_version: version, parameters: params });

async function rejects(p: Promise<unknown>, re: RegExp, path?: (string | number)[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
    assert.match(e.message, re);
    if (path !== undefined) assert.deepEqual(e.path, path);
    return true;
  });
}

const none = emptyEnvironment();

describe('parameter types', () => {
  it('converts each type as Heat does (the specification\'s type table)', async () => {
    const t = tmpl({ s: { type: 'string' }, n: { type: 'number' }, f: { type: 'number' }, l: { type: 'comma_delimited_list' }, l2: { type: 'comma_delimited_list' }, j: { type: 'json' }, b: { type: 'boolean' }, b2: { type: 'boolean' } });
    const v = await resolveParameters(t, none, { s: 'String param', n: '2', f: '0.2', l: 'one, two', l2: ['one', 'two'], j: '{"key": "value"}', b: 'on', b2: 'n' });
    assert.deepEqual(v, { s: 'String param', n: 2, f: 0.2, l: ['one', ' two'], l2: ['one', 'two'], j: { key: 'value' }, b: true, b2: false });
  });
  it('accepts every boolean spelling and rejects others', async () => {
    const t = tmpl({ b: { type: 'boolean' } });
    for (const s of ['t', 'true', 'on', 'y', 'yes', '1', 'TRUE', 'Yes', true, 1]) assert.equal((await resolveParameters(t, none, { b: s })).b, true, String(s));
    for (const s of ['f', 'false', 'off', 'n', 'no', '0', false, 0]) assert.equal((await resolveParameters(t, none, { b: s })).b, false, String(s));
    await rejects(resolveParameters(t, none, { b: 'maybe' }), /Parameter 'b' is invalid: Unrecognized value 'maybe'/, ['parameters', 'b']);
  });
  it('rejects values of the wrong type', async () => {
    await rejects(resolveParameters(tmpl({ n: { type: 'number' } }), none, { n: 'abc' }), /Parameter 'n' is invalid: could not convert string to float: 'abc'/);
    await rejects(resolveParameters(tmpl({ j: { type: 'json' } }), none, { j: '{bad' }), /Parameter 'j' is invalid: Value must be valid JSON/);
    await rejects(resolveParameters(tmpl({ s: { type: 'string' } }), none, { s: { a: 1 } }), /Parameter 's' is invalid: Value .* is invalid for data type "string"/);
  });
  it('needs a value for parameters without a default, and knows no undeclared ones', async () => {
    await rejects(resolveParameters(tmpl({ key: { type: 'string' } }), none, {}), /The Parameter \(key\) was not provided/, ['parameters', 'key']);
    await rejects(resolveParameters(tmpl({ key: { type: 'string', default: 'k' } }), none, { kye: 'x' }), /The Parameter \(kye\) was not defined in template/, ['parameters', 'kye']);
    await assert.rejects(resolveParameters(tmpl({ key: { type: 'string' } }), none, {}), (e: unknown) => e instanceof TemplateError && e.heatType === 'UserParameterMissing');
    await assert.rejects(resolveParameters(tmpl({ key: { type: 'string', default: 'k' } }), none, { kye: 'x' }), (e: unknown) => e instanceof TemplateError && e.heatType === 'UnknownUserParameter');
  });
});

describe('parameter definitions', () => {
  it('rejects bad definitions', () => {
    assert.throws(() => tmpl({ p: { type: 'integer' } }), /Invalid type \(integer\) for parameter p/);
    assert.throws(() => tmpl({ p: { default: 1 } }), /Missing parameter type for parameter: p/);
    assert.throws(() => tmpl({ p: { type: 'string', secret: true } }), /Invalid key 'secret' for parameter \(p\)/);
    assert.throws(() => tmpl({ p: { type: 'string', tags: ['a'] } }, '2017-09-01'), /Invalid key 'tags' for parameter \(p\)/);
    assert.throws(() => tmpl({ p: { type: 'string', tags: 'a' } }), /Tags property should be a list for parameter: p/);
    assert.throws(() => tmpl({ p: 'string' }), /Invalid parameter \(p\), expected a mapping/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: { length: { min: 1 } } } }), /expected a list/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: [{ range: { min: 1 } }] } }), /Range constraint invalid for string/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ length: { min: 1 } }] } }), /Length constraint invalid for number/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ allowed_pattern: 'x' }] } }), /AllowedPattern constraint invalid for number/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ range: {} }] } }), /must have a min value and\/or a max value/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ range: { min: 'a' } }] } }), /min\/max must be numeric/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: [{ length: { min: 1.5 } }] } }), /min\/max length must be integral/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: [{ allowed_pattern: '([a-z' }] } }), /Invalid allowed_pattern/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: [{ allowed_values: 'a' }] } }), /AllowedValues must be a list/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: [{ description: 'only' }] } }), /No constraint expressed/);
    assert.throws(() => tmpl({ p: { type: 'string', constraints: [{ lenght: { min: 1 } }] } }), /Invalid key 'lenght' for parameter constraints/);
    assert.throws(() => tmpl({ p: { type: 'string', default: 'abc', constraints: [{ length: { max: 2 } }] } }), /Parameter 'p' is invalid: Invalid default abc \(length \(3\) is out of range \(min: None, max: 2\)\)/);
  });
  it('knows modulo from 2017-02-24 only, with Heat\'s rules for step and offset', () => {
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ modulo: { step: 2, offset: 1 } }] } }, '2016-10-14'), /modulo constraint requires heat_template_version 2017-02-24/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ modulo: { step: 2 } }] } }), /must have a step value and an offset value/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ modulo: { step: 0, offset: 0 } }] } }), /step cannot be 0/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ modulo: { step: 2, offset: 2 } }] } }), /offset must be smaller/);
    assert.throws(() => tmpl({ p: { type: 'number', constraints: [{ modulo: { step: 2, offset: -1 } }] } }), /both positive or both negative/);
  });
});

describe('constraints', () => {
  it('length and allowed_pattern with descriptions (spec example: user_name)', async () => {
    const t = tmpl({ user_name: { type: 'string', label: 'User Name', constraints: [
      { length: { min: 6, max: 8 }, description: 'User name must be between 6 and 8 characters' },
      { allowed_pattern: '[A-Z]+[a-zA-Z0-9]*', description: 'User name must start with an uppercase character' }] } });
    assert.equal((await resolveParameters(t, none, { user_name: 'Admin12' })).user_name, 'Admin12');
    await rejects(resolveParameters(t, none, { user_name: 'Adm' }), /Parameter 'user_name' is invalid: User name must be between 6 and 8 characters/);
    await rejects(resolveParameters(t, none, { user_name: 'admin12' }), /User name must start with an uppercase character/);
    await rejects(resolveParameters(t, none, { user_name: 'Admin-1' }), /uppercase/, ['parameters', 'user_name']);
  });
  it('default messages without descriptions', async () => {
    const t = tmpl({ s: { type: 'string', default: 'abc', constraints: [{ length: { min: 2, max: 4 } }, { allowed_pattern: '[a-z]+' }] },
      n: { type: 'number', default: 5, constraints: [{ range: { min: 0, max: 10 } }] },
      l: { type: 'comma_delimited_list', default: 'a', constraints: [{ length: { max: 2 } }] },
      j: { type: 'json', default: { a: 1 }, constraints: [{ length: { min: 1 } }] } });
    await rejects(resolveParameters(t, none, { s: 'abcdef' }), /length \(6\) is out of range \(min: 2, max: 4\)/);
    await rejects(resolveParameters(t, none, { s: 'ab1' }), /"ab1" does not match pattern "\[a-z\]\+"/);
    await rejects(resolveParameters(t, none, { n: 11, j: { a: 1 } }), /11 is out of range \(min: 0, max: 10\)/);
    await rejects(resolveParameters(t, none, { l: 'a,b,c', j: { a: 1 } }), /length \(3\) is out of range \(min: None, max: 2\)/);
    await rejects(resolveParameters(t, none, { j: {} }), /Parameter 'j' is invalid: length \(0\) is out of range \(min: 1, max: None\)/);
    assert.throws(() => tmpl({ j: { type: 'json', default: {}, constraints: [{ length: { min: 1 } }] } }), /Invalid default \{\} \(length \(0\) is out of range/);
  });
  it('range includes its bounds (spec example: 0 to 10)', async () => {
    const t = tmpl({ n: { type: 'number', constraints: [{ range: { min: 0, max: 10 } }] } });
    for (const n of [0, 10, 5.5]) assert.equal((await resolveParameters(t, none, { n })).n, n);
    await rejects(resolveParameters(t, none, { n: -1 }), /-1 is out of range/);
  });
  it('modulo allows only odd numbers with step 2, offset 1 (spec example)', async () => {
    const t = tmpl({ n: { type: 'number', constraints: [{ modulo: { step: 2, offset: 1 } }] } });
    for (const n of [1, 3, -1, '7']) await resolveParameters(t, none, { n });
    await rejects(resolveParameters(t, none, { n: 4 }), /4 is not a multiple of 2 with an offset of 1/);
  });
  it('allowed_values for strings, numbers and list items (spec example: instance_type)', async () => {
    const t = tmpl({ instance_type: { type: 'string', constraints: [{ allowed_values: ['m1.small', 'm1.medium', 'm1.large'] }] },
      n: { type: 'number', default: 1, constraints: [{ allowed_values: [1, '2'] }] },
      l: { type: 'comma_delimited_list', default: 'a', constraints: [{ allowed_values: ['a', 'b'] }] } });
    assert.equal((await resolveParameters(t, none, { instance_type: 'm1.medium', n: '2', l: 'b,a' })).n, 2);
    await rejects(resolveParameters(t, none, { instance_type: 'm1.huge' }), /"m1.huge" is not an allowed value \["m1.small", "m1.medium", "m1.large"\]/);
    await rejects(resolveParameters(t, none, { instance_type: 'm1.small', l: 'a,c' }), /\["a", "c"\] is not an allowed value/);
  });
  it('allowed_pattern matches from the start to the end as Python\'s re.match does', async () => {
    const t = tmpl({ s: { type: 'string', constraints: [{ allowed_pattern: 'a|ab' }] } });
    await resolveParameters(t, none, { s: 'a' });
    // re.match('a|ab', 'ab') stops at 'a', which does not reach the end: Heat refuses 'ab'.
    await rejects(resolveParameters(t, none, { s: 'ab' }), /does not match pattern "a\|ab"/);
    const named = tmpl({ s: { type: 'string', constraints: [{ allowed_pattern: '(?P<x>[a-z])(?P=x)' }] } });
    await resolveParameters(named, none, { s: 'aa' });
    const caseless = tmpl({ s: { type: 'string', constraints: [{ allowed_pattern: '(?i)[a-z]+' }] } });
    await resolveParameters(caseless, none, { s: 'ABC' });
    await rejects(resolveParameters(caseless, none, { s: 'AB1' }), /does not match pattern/);
  });
  it('custom constraints ask the checker (spec example: nova.keypair)', async () => {
    const t = tmpl({ key_name: { type: 'string', constraints: [{ custom_constraint: 'nova.keypair' }] } });
    const seen: string[] = [];
    const checker: ConstraintChecker = async (c, v) => { seen.push(`${c}=${String(v)}`); return v === 'k' ? null : 'The Key (nope) could not be found.'; };
    assert.equal((await resolveParameters(t, none, { key_name: 'k' }, checker)).key_name, 'k');
    await rejects(resolveParameters(t, none, { key_name: 'nope' }, checker), /Parameter 'key_name' is invalid: "nope" does not validate nova.keypair \(The Key \(nope\) could not be found.\)/);
    assert.deepEqual(seen, ['nova.keypair=k', 'nova.keypair=nope']);
  });
});

describe('environments and previous values', () => {
  const t = tmpl({ a: { type: 'string', default: 'ta' }, b: { type: 'number', default: 1 }, c: { type: 'string', default: 'tc', immutable: true } });
  it('takes given values over env parameters over parameter_defaults over template defaults', async () => {
    const env = loadEnvironment('parameters: {a: ea}\nparameter_defaults: {a: da, b: 2, unrelated: 1}\n');
    assert.deepEqual(await resolveParameters(t, env, {}), { a: 'ea', b: 2, c: 'tc' });
    assert.deepEqual(await resolveParameters(t, env, { a: 'ga' }), { a: 'ga', b: 2, c: 'tc' });
  });
  it('rejects env parameters the template does not declare (parameter_defaults may name any)', async () => {
    await rejects(resolveParameters(t, loadEnvironment({ parameters: { zz: 1 } }), {}), /The Parameter \(zz\) was not defined in template/);
  });
  it('keeps immutable parameters, and with existing reuses the previous values', async () => {
    await rejects(resolveParameters(t, none, { c: 'new' }, undefined, { a: 'x', b: 1, c: 'old' }), /The following parameters are immutable and may not be updated: c/, ['parameters', 'c']);
    assert.deepEqual(await resolveParameters(t, none, { b: 5 }, undefined, { a: 'pa', b: 1, c: 'tc' }, { existing: true }), { a: 'pa', b: 5, c: 'tc' });
    assert.deepEqual(await resolveParameters(t, none, { b: 5 }, undefined, { a: 'pa', b: 1, c: 'tc' }), { a: 'ta', b: 5, c: 'tc' });
  });
});

describe('/validate parameter format', async () => {
  const { formatValidateParameters } = await import('./validate-format.js');
  it('shows each parameter with CloudFormation-style keys, as Heat\'s format_validate_parameter', () => {
    const t = tmpl({
      user_name: { type: 'string', label: 'User Name', description: 'a user', default: 'Admin12', hidden: true, tags: ['t'],
        constraints: [{ length: { min: 6, max: 8 }, description: 'six to eight' }, { allowed_pattern: '[A-Z]+[a-zA-Z0-9]*', description: 'uppercase first' }] },
      n: { type: 'number', constraints: [{ range: { min: 0, max: 10 } }, { modulo: { step: 2, offset: 0 } }, { allowed_values: [2, 4] }] },
      k: { type: 'comma_delimited_list', constraints: [{ custom_constraint: 'nova.keypair' }] },
    });
    const env = loadEnvironment({ parameter_defaults: { n: 4 } });
    assert.deepEqual(formatValidateParameters(t, env, { k: 'a,b' }), {
      user_name: { Type: 'String', Description: 'a user', NoEcho: 'true', Label: 'User Name', Default: 'Admin12', Tags: ['t'], MinLength: 6, MaxLength: 8,
        AllowedPattern: '[A-Z]+[a-zA-Z0-9]*', ConstraintDescription: 'six to eight uppercase first' },
      n: { Type: 'Number', Description: '', NoEcho: 'false', Label: 'n', Default: 4, MinValue: 0, MaxValue: 10, Step: 2, Offset: 0, AllowedValues: [2, 4] },
      k: { Type: 'CommaDelimitedList', Description: '', NoEcho: 'false', Label: 'k', Value: 'a,b', CustomConstraint: 'nova.keypair' },
    });
  });
});
