/** loadTemplate: versions, sections, resources, outputs, references, cycles and the limits. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './errors.js';
import { loadTemplate, MAX_RESOURCES } from './template.js';
import { HOT_VERSIONS, functionsOf } from './versions.js';
import { activeResources, dependencies } from './dependencies.js';
import { evaluateConditions } from './conditions.js';

function throwsTE(fn: () => unknown, re: RegExp, path?: (string | number)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
    assert.match(e.message, re);
    if (path !== undefined) assert.deepEqual(e.path, path);
    return true;
  });
}

describe('versions', () => {
  it('accepts every version and its release alias, in YAML and JSON', () => {
    for (const { version, alias } of HOT_VERSIONS) {
      assert.equal(loadTemplate(`heat_template_version: ${version}\n`).version, version);
      assert.equal(loadTemplate(JSON.stringify({ heat_template_version: version })).version, version);
      if (alias !== undefined) assert.equal(loadTemplate(`heat_template_version: ${alias}\n`).version, version);
    }
  });
  it('rejects unknown versions, a missing version and CloudFormation templates', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2012-12-12\n'), /template version is invalid.*2012-12-12.*should be one of: 2013-05-23/, ['heat_template_version']);
    throwsTE(() => loadTemplate('heat_template_version: zed\n'), /"heat_template_version: zed"/);
    throwsTE(() => loadTemplate('resources: {}\n'), /Template format version not found/);
    throwsTE(() => loadTemplate('AWSTemplateFormatVersion: 2010-09-09\n'), /CloudFormation-format templates are not supported/);
  });
  it('lists each version\'s functions for GET /template_versions/{v}/functions', () => {
    const names = (v: Parameters<typeof functionsOf>[0], c = false): string[] => functionsOf(v, { conditions: c }).map((f) => f.name);
    assert.deepEqual(names('2013-05-23'), ['Fn::Base64', 'Fn::GetAZs', 'Fn::Join', 'Fn::MemberListToMap', 'Fn::Replace', 'Fn::ResourceFacade', 'Fn::Select', 'Fn::Split',
      'get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'Ref', 'resource_facade', 'str_replace']);
    assert.deepEqual(names('2014-10-16'), ['Fn::Select', 'get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'resource_facade', 'str_replace']);
    assert.deepEqual(names('2015-10-15'), ['digest', 'get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'repeat', 'resource_facade', 'str_replace', 'str_split']);
    assert.deepEqual(names('2021-04-16'), ['contains', 'digest', 'filter', 'get_attr', 'get_file', 'get_param', 'get_resource', 'if', 'list_concat', 'list_concat_unique',
      'list_join', 'make_url', 'map_merge', 'map_replace', 'repeat', 'resource_facade', 'str_replace', 'str_replace_strict', 'str_replace_vstrict', 'str_split', 'yaql']);
    // With conditions, the condition functions join the list (Heat's with_condition_func).
    assert.deepEqual(names('2016-10-14', true).filter((n) => !names('2016-10-14').includes(n)), ['and', 'equals', 'not', 'or']);
    assert.ok(names('2017-09-01', true).includes('contains'));
    assert.deepEqual(names('2015-10-15', true), names('2015-10-15'));
    assert.equal(functionsOf('2015-10-15').find((f) => f.name === 'list_join')?.description, 'A function for joining one or more lists of strings.');
    for (const f of functionsOf('2021-04-16')) assert.ok(f.description.length > 0);
  });
});

describe('sections', () => {
  it('parses every section into the Template shape', () => {
    const t = loadTemplate(`
heat_template_version: 2018-08-31
description: A stack
parameter_groups:
- label: g
  parameters: [key]
parameters:
  key: {type: string, hidden: true, immutable: true, tags: [a]}
conditions:
  yes_please: true
resources:
  net: {type: OS::Neutron::Net, deletion_policy: retain}
  srv:
    type: OS::Nova::Server
    depends_on: net
    condition: yes_please
    metadata: {m: {get_param: key}}
    update_policy: {max_batch: 1}
    properties: {key_name: {get_param: key}}
outputs:
  ip: {description: the address, value: {get_attr: [srv, first_address]}, condition: yes_please}
`);
    assert.equal(t.description, 'A stack');
    assert.deepEqual(t.parameters.key, { name: 'key', type: 'string', hidden: true, immutable: true, tags: ['a'], constraints: [] });
    assert.equal(t.resources.net?.deletionPolicy, 'Retain');
    assert.deepEqual(t.resources.srv?.dependsOn, ['net']);
    assert.equal(t.resources.srv?.condition, 'yes_please');
    assert.deepEqual(t.resources.srv?.updatePolicy, { max_batch: 1 });
    assert.equal(t.outputs.ip?.description, 'the address');
    assert.deepEqual(t.conditions, { yes_please: true });
    assert.equal(t.parameterGroups.length, 1);
  });
  it('rejects unknown sections, conditions before newton and bad section types', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2015-04-30\nfoo: {}\n'), /"foo" is not a valid template section/, ['foo']);
    throwsTE(() => loadTemplate('heat_template_version: 2016-04-08\nconditions: {}\n'), /"conditions" is not a valid template section/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: [a]\n'), /"resources" section must be a mapping/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\ndescription: [a]\n'), /"description" section must be a string/);
    throwsTE(() => loadTemplate('- a\n- b\n'), /not a JSON object or YAML mapping/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X}\n'), /Error parsing template/);
  });
  it('checks resource keys per version, types, depends_on and deletion policies', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, propertys: {}}}\n'), /Invalid keyword\(s\) inside a resource definition: propertys/, ['resources', 'a', 'propertys']);
    throwsTE(() => loadTemplate('heat_template_version: 2016-04-08\nresources: {a: {type: X, condition: c}}\n'), /Invalid keyword\(s\) inside a resource definition: condition/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {properties: {}}}\n'), /Each resource must contain a type key \(resource a\)/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: [X]}}\n'), /Resource a type must be a non-empty string/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, depends_on: b}}\n'), /"b" \(in a\).*depends_on/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, depends_on: {b: 1}}}\n'), /depends_on must be a list or a string/);
    throwsTE(() => loadTemplate('heat_template_version: 2015-10-15\nresources: {a: {type: X, deletion_policy: retain}}\n'), /Invalid deletion policy "retain"/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, deletion_policy: Keep}}\n'), /Invalid deletion policy "Keep"/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, properties: [1]}}\n'), /Resource a properties must be a map/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a/b: {type: X}}\n'), /Resource name may not contain "\/"/);
  });
  it('checks outputs', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\noutputs: {o: {description: x}}\n'), /Each output must contain a value key \(output o\)/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\noutputs: {o: {value: 1, valu: 2}}\n'), /"valu" is not a valid keyword inside a output definition/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-04-08\noutputs: {o: {value: 1, condition: true}}\n'), /"condition" is not a valid keyword/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\noutputs: {o: {value: {get_attr: [nope, a]}}}\n'), /"nope" \(in get_attr\)/, ['outputs', 'o', 'value', 'get_attr', 0]);
  });
  it('checks parameter groups', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nparameter_groups: [{parameters: [x]}]\n'), /grouped parameter x does not reference a valid parameter/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nparameters: {x: {type: string}}\nparameter_groups: [{parameters: [x]}, {parameters: [x]}]\n'), /x parameter must be assigned to one parameter group only/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nparameter_groups: [{label: a}]\n'), /Parameters must be provided for each Parameter Group/);
  });
});

describe('functions in their places', () => {
  it('names the function and the version when the version lacks it', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-04-08\nresources: {a: {type: X, properties: {p: {filter: [[1], [1]]}}}}\n'), /"filter" is not supported in HOT version 2016-04-08/, ['resources', 'a', 'properties', 'p', 'filter']);
    throwsTE(() => loadTemplate('heat_template_version: 2017-02-24\nresources: {a: {type: X, metadata: {m: [{make_url: {host: h}}]}}}\n'), /"make_url" is not supported in HOT version 2017-02-24/, ['resources', 'a', 'metadata', 'm', 0, 'make_url']);
  });
  it('allows only condition functions in conditions', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {r: {type: X}}\nconditions: {c: {equals: [{get_resource: r}, x]}}\n'), /"get_resource" is invalid in this context/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nconditions: {c: {contains: [a, [a]]}}\n'), /"contains" is not supported in HOT version 2016-10-14/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nconditions: {c: {not: nope}}\n'), /Invalid condition "nope"/, ['conditions', 'c', 'not']);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nconditions: {c: just a string}\n'), /definition of condition "c" is invalid/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nconditions: {a: {not: b}, b: {not: a}}\n'), /Circular definition for condition/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {r: {type: X, condition: nope}}\n'), /Invalid condition "nope"/, ['resources', 'r', 'condition']);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {r: {type: X, condition: {get_attr: [r, x]}}}\n'), /"get_attr" is invalid in this context/);
  });
  it('refuses yaql everywhere, naming it', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2017-09-01\nparameters: {s: {type: json}}\nconditions: {c: {yaql: {expression: $.data, data: {get_param: s}}}}\n'), /The yaql function is not supported by Flotilla/, ['conditions', 'c', 'yaql']);
  });
});

describe('references and dependencies', () => {
  const t = loadTemplate(`
heat_template_version: 2021-04-16
parameters:
  big: {type: boolean, default: false}
conditions:
  is_big: {get_param: big}
resources:
  net: {type: OS::Neutron::Net}
  sub: {type: OS::Neutron::Subnet, properties: {network: {get_resource: net}}}
  port: {type: OS::Neutron::Port, properties: {fixed_ips: [{subnet: {get_attr: [sub, name]}}]}}
  extra: {type: OS::Neutron::Net, condition: is_big}
  srv:
    type: OS::Nova::Server
    depends_on: [sub]
    metadata: {p: {get_resource: port}}
    properties: {networks: [{if: [is_big, {network: {get_resource: extra}}]}]}
outputs:
  o: {value: {get_resource: srv}}
`);
  it('derives direct dependencies from depends_on, get_resource and get_attr, for active resources', () => {
    const small = evaluateConditions(t, { big: false });
    assert.deepEqual(activeResources(t, small).map((r) => r.name), ['net', 'sub', 'port', 'srv']);
    const deps = dependencies(t, small);
    assert.deepEqual([...(deps.get('sub') ?? [])], ['net']);
    assert.deepEqual([...(deps.get('port') ?? [])], ['sub']);
    assert.deepEqual([...(deps.get('srv') ?? [])].sort(), ['port', 'sub']);
    const big = evaluateConditions(t, { big: true });
    assert.deepEqual([...(dependencies(t, big).get('srv') ?? [])].sort(), ['extra', 'port', 'sub']);
  });
  it('refuses dependency cycles, self references included', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources:\n  a: {type: X, properties: {p: {get_resource: b}}}\n  b: {type: X, properties: {p: {get_attr: [c, x]}}}\n  c: {type: X, depends_on: a}\n'), /Circular Dependency Found: a -> b -> c -> a/);
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources:\n  a: {type: X, properties: {p: {get_resource: a}}}\n'), /Circular Dependency Found: a -> a/);
  });
  it('needs no dependency for outputs and accepts a 1000-resource chain', () => {
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < MAX_RESOURCES; i++) resources[`r${i}`] = i === 0 ? { type: 'X' } : { type: 'X', depends_on: `r${i - 1}` };
    const big = loadTemplate({ heat_template_version: '2021-04-16', resources });
    assert.equal(Object.keys(big.resources).length, MAX_RESOURCES);
    resources.one_more = { type: 'X' };
    throwsTE(() => loadTemplate({ heat_template_version: '2021-04-16', resources }), /Maximum resources per stack exceeded: the template has 1001 resources/);
  });
});

describe('limits', () => {
  it('refuses templates over 512 KiB, as text and as objects', () => {
    const big = `heat_template_version: 2021-04-16\ndescription: "${'x'.repeat(524288)}"\n`;
    throwsTE(() => loadTemplate(big), /Template size \(\d+ bytes\) exceeds maximum allowed size \(524288 bytes\)/);
    throwsTE(() => loadTemplate({ heat_template_version: '2021-04-16', description: 'x'.repeat(524288) }), /exceeds maximum allowed size/);
  });
  it('refuses a YAML alias bomb fast', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    throwsTE(() => loadTemplate(`heat_template_version: 2021-04-16\ndescription: x\n${lines.join('\n')}\n`), /Error parsing template/);
    assert.ok(Date.now() - started < 1000, 'fails fast');
  });
  it('refuses many aliases even when each is small, and deep nesting', () => {
    const many = Array.from({ length: 150 }, (_, i) => `  k${i}: *v`).join('\n');
    throwsTE(() => loadTemplate(`heat_template_version: 2021-04-16\nparameters:\n  p: {type: string, default: &v x}\nresources: {}\noutputs:\n  o:\n    value:\n${many.replace(/^ {2}/gm, '      ')}\n`), /YAML aliases|alias/);
    throwsTE(() => loadTemplate(`heat_template_version: 2021-04-16\ndescription: x\noutputs: {o: {value: ${'['.repeat(500)}${']'.repeat(500)}}}\n`), /nest/);
  });
  it('treats a few aliases, merge keys and YAML 1.1 words as PyYAML does', () => {
    const t = loadTemplate('heat_template_version: 2021-04-16\nresources:\n  a: &base {type: X, properties: {flag: yes, letter: y, n: 010}}\n  b:\n    <<: *base\n    metadata: {off: off}\n');
    assert.deepEqual(t.resources.a?.properties, { flag: true, letter: 'y', n: 8 });
    assert.equal(t.resources.b?.type, 'X');
    assert.deepEqual(t.resources.b?.metadata, { false: false });
  });
  it('needs get_file keys in files', () => {
    throwsTE(() => loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, properties: {user_data: {get_file: setup.sh}}}}\n'), /No content found in the "files" section for get_file path: setup.sh/, ['resources', 'a', 'properties', 'user_data', 'get_file']);
    const t = loadTemplate('heat_template_version: 2016-10-14\nresources: {a: {type: X, properties: {user_data: {get_file: setup.sh}}}}\n', { 'setup.sh': 'echo' });
    assert.deepEqual(t.files, { 'setup.sh': 'echo' });
  });
});

describe('Heat error types', () => {
  const typeOf = (fn: () => unknown): string => {
    try { fn(); } catch (e) { if (e instanceof TemplateError) return e.heatType; throw e; }
    return 'none';
  };
  it('names the exception Heat would raise, for the body\'s error.type', () => {
    assert.equal(typeOf(() => loadTemplate('heat_template_version: 2012-12-12\n')), 'InvalidTemplateVersion');
    assert.equal(typeOf(() => loadTemplate('heat_template_version: 2015-10-15\nresources: {a: {type: X, properties: {p: {Fn::Select: [0, [a]]}}}}\n')), 'InvalidTemplateVersion');
    assert.equal(typeOf(() => loadTemplate({ heat_template_version: '2021-04-16', description: 'x'.repeat(524288) })), 'RequestLimitExceeded');
    assert.equal(typeOf(() => loadTemplate('heat_template_version: 2021-04-16\nresources: {a: {type: X, depends_on: b}}\n')), 'StackValidationFailed');
  });
});

