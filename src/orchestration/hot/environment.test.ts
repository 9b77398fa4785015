/** Environments: sections, merging several -e files, and what a type resolves to through resource_registry. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './errors.js';
import { loadEnvironment, resolveType } from './environment.js';
import { mergeEnvironmentFiles, mergeEnvironments } from './env-merge.js';
import { loadTemplate } from './template.js';

const throwsTE = (fn: () => unknown, re: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof TemplateError && re.test(e.message));
};

describe('loadEnvironment', () => {
  it('reads every section from YAML, JSON or an object; undefined is empty', () => {
    const e = loadEnvironment(`
parameters: {key_name: k}
parameter_defaults: {flavor: m1.small}
resource_registry:
  "Magnum::Optional::Neutron::Net": "OS::Heat::None"
  "My::Server": server.yaml
  resources:
    srv: {hooks: pre-create}
encrypted_param_names: []
event_sinks: []
`);
    assert.deepEqual(e.parameters, { key_name: 'k' });
    assert.deepEqual(e.parameterDefaults, { flavor: 'm1.small' });
    assert.deepEqual(e.resourceRegistry, { 'Magnum::Optional::Neutron::Net': 'OS::Heat::None', 'My::Server': 'server.yaml' });
    assert.deepEqual(loadEnvironment('{"parameters": {"a": 1}}').parameters, { a: 1 });
    assert.deepEqual(loadEnvironment({ parameter_defaults: { b: 2 } }).parameterDefaults, { b: 2 });
    assert.deepEqual(loadEnvironment(undefined).resourceRegistry, {});
    assert.deepEqual(loadEnvironment('').parameters, {});
  });
  it('rejects wrong and empty sections and bad registry entries', () => {
    throwsTE(() => loadEnvironment('paramters: {a: 1}\n'), /environment has wrong section "paramters"/);
    throwsTE(() => loadEnvironment('parameters:\n'), /environment has empty section "parameters"/);
    throwsTE(() => loadEnvironment('parameters: [a]\n'), /section "parameters" must be a mapping/);
    throwsTE(() => loadEnvironment('- a\n'), /The environment is not a valid YAML mapping data type/);
    throwsTE(() => loadEnvironment('resource_registry: {"A::B": [x]}\n'), /resource_registry maps "A::B"/);
    throwsTE(() => loadEnvironment('resource_registry: {"A::*": "B::C"}\n'), /wildcard "A::\*" must map to a wildcard/);
    throwsTE(() => loadEnvironment('parameters: {a: 1\n'), /Error parsing environment/);
  });
});

describe('mergeEnvironments', () => {
  it('lets later files win, one level deep, as Heat\'s merge_map', () => {
    const a = loadEnvironment('parameters: {x: 1, y: 1}\nparameter_defaults: {d: 1}\nresource_registry: {"A::B": a.yaml, "C::D": "OS::Heat::None", resources: {r: {hooks: pre-create}}}\n');
    const b = loadEnvironment('parameters: {y: 2}\nresource_registry: {"A::B": b.yaml, resources: {r: {other: x}}}\n');
    const m = mergeEnvironments(a, b);
    assert.deepEqual(m.parameters, { x: 1, y: 2 });
    assert.deepEqual(m.parameterDefaults, { d: 1 });
    assert.deepEqual(m.resourceRegistry, { 'A::B': 'b.yaml', 'C::D': 'OS::Heat::None' });
    // merge_map is one level deep: b's `resources` replaces a's whole.
    assert.deepEqual((m.raw.resource_registry as Record<string, unknown>).resources, { r: { other: 'x' } });
  });
});

describe('resolveType', () => {
  const files = { 'server.yaml': 'heat_template_version: 2016-10-14\n', 'file:///t/net.yaml': 'heat_template_version: 2016-10-14\n' };
  const env = loadEnvironment({ resource_registry: {
    'Magnum::Optional::Neutron::Net': 'OS::Heat::None',
    'My::Server': 'server.yaml',
    'My::Alias': 'My::Server',
    'OS::Networking::*': 'OS::Neutron::*',
    'Loop::A': 'Loop::B',
    'Loop::B': 'Loop::A',
  } });
  it('chains aliases, maps wildcards and finds provider templates in files', () => {
    assert.deepEqual(resolveType(env, 'OS::Nova::Server', files), { kind: 'builtin', type: 'OS::Nova::Server' });
    assert.deepEqual(resolveType(env, 'Magnum::Optional::Neutron::Net', files), { kind: 'builtin', type: 'OS::Heat::None' });
    assert.deepEqual(resolveType(env, 'My::Alias', files), { kind: 'template', name: 'server.yaml', template: files['server.yaml'] });
    assert.deepEqual(resolveType(env, 'OS::Networking::Port', files), { kind: 'builtin', type: 'OS::Neutron::Port' });
    assert.deepEqual(resolveType(env, 'file:///t/net.yaml', files), { kind: 'template', name: 'file:///t/net.yaml', template: files['file:///t/net.yaml'] });
  });
  it('rejects a provider template missing from files and alias loops', () => {
    throwsTE(() => resolveType(env, 'My::Server', {}), /"server.yaml".*not in the request's "files"/);
    throwsTE(() => resolveType(env, 'missing.yaml', files), /"missing.yaml"/);
    throwsTE(() => resolveType(env, 'Loop::A', files), /resource_registry maps "Loop::A" in a loop/);
  });
});

describe('mergeEnvironmentFiles', () => {
  const t = loadTemplate({ heat_template_version: '2021-04-16', parameters: {
    s: { type: 'string', default: '' }, l: { type: 'comma_delimited_list', default: '' }, j: { type: 'json', default: {} },
    n: { type: 'number', default: 1 }, o: { type: 'string', default: '' } } });
  it('merges files in order over the request environment, overwriting by default', () => {
    const base = loadEnvironment({ parameters: { s: 'given', o: 'given' } });
    const files = { 'a.yaml': 'parameters: {s: from-a}\nresource_registry: {"A::B": a.yaml}\n', 'b.yaml': 'parameter_defaults: {n: 5}\nresource_registry: {"C::D": "OS::Heat::None"}\n' };
    const m = mergeEnvironmentFiles(t, base, ['a.yaml', 'b.yaml'], files);
    assert.deepEqual(m.parameters, { s: 'from-a', o: 'given' });
    assert.deepEqual(m.parameterDefaults, { n: 5 });
    assert.deepEqual(m.resourceRegistry, { 'A::B': 'a.yaml', 'C::D': 'OS::Heat::None' });
  });
  it('applies merge and deep_merge strategies', () => {
    const files = {
      // A parameter keeps the strategy of the first file that names it, so both files state it.
      'a.yaml': 'parameter_merge_strategies: {s: merge, l: merge, j: deep_merge}\nparameter_defaults: {s: ab, l: [x], j: {k: {a: 1}, v: [1]}}\n',
      'b.yaml': 'parameter_merge_strategies: {s: merge, l: merge, j: deep_merge}\nparameter_defaults: {s: cd, l: [y], j: {k: {b: 2}, v: [2]}}\n',
    };
    const m = mergeEnvironmentFiles(t, loadEnvironment(undefined), ['a.yaml', 'b.yaml'], files);
    assert.deepEqual(m.parameterDefaults, { s: 'abcd', l: ['x', 'y'], j: { k: { a: 1, b: 2 }, v: [1, 2] } });
  });
  it('refuses missing files, conflicting strategies and unmergeable types', () => {
    throwsTE(() => mergeEnvironmentFiles(t, loadEnvironment(undefined), ['gone.yaml'], {}), /environment file "gone.yaml" is not in the request's files/);
    const conflict = { 'a.yaml': 'parameter_merge_strategies: {s: merge}\nparameters: {s: a}\n', 'b.yaml': 'parameter_merge_strategies: {s: overwrite}\nparameters: {s: b}\n' };
    throwsTE(() => mergeEnvironmentFiles(t, loadEnvironment(undefined), ['a.yaml', 'b.yaml'], conflict), /Conflicting merge strategy 'overwrite' for parameter 's' in file 'b.yaml'/);
    const num = { 'a.yaml': 'parameter_merge_strategies: {n: merge}\nparameters: {n: 1}\n', 'b.yaml': 'parameter_merge_strategies: {n: merge}\nparameters: {n: 2}\n' };
    throwsTE(() => mergeEnvironmentFiles(t, loadEnvironment(undefined), ['a.yaml', 'b.yaml'], num), /n cannot be merged|Invalid merge strategy/);
    throwsTE(() => mergeEnvironmentFiles(t, loadEnvironment(undefined), ['a.yaml'], { 'a.yaml': 'paramters: {}\n' }), /environment has wrong section "paramters"/);
  });
});
