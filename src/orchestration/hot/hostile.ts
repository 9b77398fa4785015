/**
 * Malformed templates, environments and parameters, each with what the 400 must name. The API's bad-input
 * test (issue 6, must-show 5) sends them all; hostile.test.ts checks each is refused with a TemplateError
 * by loadTemplate, loadEnvironment or resolveParameters, and never with anything else.
 */
import { ALL_FUNCTION_NAMES, HOT_VERSIONS, conditionFunction, valueFunction, type HotVersion } from './versions.js';

export interface HostileCase {
  name: string;
  template: unknown;
  files?: Record<string, string>;
  environment?: unknown;
  parameters?: Record<string, unknown>;
  /** What the 400's message must name. */
  expect: RegExp;
}

const VERSIONS = HOT_VERSIONS.map((v) => v.version);
const LATEST: HotVersion = '2021-04-16';

function esc(s: string): RegExp {
  return new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** A template with one resource `r` whose property `p` is `value`. */
function prop(version: HotVersion, value: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { heat_template_version: version, resources: { r: { type: 'OS::Heat::None', properties: { p: value } }, ...extra } };
}

function badVersions(): HostileCase[] {
  const values: unknown[] = ['2012-12-12', '2013-05-22', '2013-05-24', '2014-10-15', '2015-04-31', '2016-10-15', '2017-02-25',
    '2017-09-02', '2018-03-03', '2018-08-30', '2021-04-15', '2021-04-17', '2022-01-01', 'mitaka', 'kilo', 'liberty', 'ocata2',
    'Newton', 'WALLABY', 'zed', '', ' ', '2013/05/23', '13-05-23', 20130523, 2013, 1.5, true, false, ['2013-05-23'],
    { version: '2013-05-23' }, 'latest', 'heat', '2013-05-23 ', '2021-04-16T00:00:00'];
  return values.map((v, i) => ({ name: `bad version #${i} ${JSON.stringify(v)}`, template: { heat_template_version: v }, expect: /template version is invalid/ }));
}

function missingOrForeignVersion(): HostileCase[] {
  return [
    { name: 'no version at all', template: { resources: {} }, expect: /Template format version not found/ },
    { name: 'empty YAML document', template: '', expect: /Template format version not found/ },
    { name: 'CloudFormation AWSTemplateFormatVersion', template: { AWSTemplateFormatVersion: '2010-09-09' }, expect: /CloudFormation/ },
    { name: 'CloudFormation HeatTemplateFormatVersion', template: { HeatTemplateFormatVersion: '2012-12-12' }, expect: /CloudFormation/ },
    { name: 'a YAML list', template: '- heat_template_version: 2013-05-23\n', expect: /not a JSON object or YAML mapping/ },
    { name: 'a YAML scalar', template: 'just words\n', expect: /not a JSON object or YAML mapping/ },
    { name: 'a JSON array', template: '[1, 2]', expect: /not a JSON object or YAML mapping/ },
    { name: 'broken YAML flow mapping', template: 'heat_template_version: 2013-05-23\nresources: {a: {type: X}\n', expect: /Error parsing template/ },
    { name: 'broken JSON', template: '{"heat_template_version": "2013-05-23",', expect: /Error parsing template/ },
    { name: 'duplicate YAML keys', template: 'heat_template_version: 2013-05-23\nresources: {}\nresources: {}\n', expect: /Error parsing template/ },
    { name: 'tab indentation', template: 'heat_template_version: 2013-05-23\nresources:\n\ta: {type: X}\n', expect: /Error parsing template/ },
    { name: 'undefined YAML alias', template: 'heat_template_version: 2013-05-23\ndescription: *nothing\n', expect: /Error parsing template/ },
  ];
}

function badSections(): HostileCase[] {
  const out: HostileCase[] = [];
  for (const s of ['Resources', 'resource', 'output', 'param', 'Parameters', 'mappings', 'Mappings', 'heat_template', 'Outputs', 'metadata']) {
    out.push({ name: `unknown section ${s}`, template: { heat_template_version: LATEST, [s]: {} }, expect: esc(`"${s}" is not a valid template section`) });
  }
  for (const v of VERSIONS.filter((x) => x < '2016-10-14')) {
    out.push({ name: `conditions section in ${v}`, template: { heat_template_version: v, conditions: {} }, expect: /"conditions" is not a valid template section/ });
  }
  for (const s of ['parameters', 'resources', 'outputs', 'conditions']) {
    for (const [kind, v] of [['list', ['a']], ['string', 'abc'], ['number', 3]] as const) {
      out.push({ name: `${s} section as a ${kind}`, template: { heat_template_version: LATEST, [s]: v }, expect: esc(`"${s}" section must be a mapping`) });
    }
  }
  out.push({ name: 'description as a map', template: { heat_template_version: LATEST, description: { a: 1 } }, expect: /"description" section must be a string/ });
  out.push({ name: 'parameter_groups as a map', template: { heat_template_version: LATEST, parameter_groups: { a: 1 } }, expect: /"parameter_groups" section must be a list/ });
  out.push({ name: 'parameter group without parameters', template: { heat_template_version: LATEST, parameter_groups: [{ label: 'x' }] }, expect: /Parameters must be provided for each Parameter Group/ });
  out.push({ name: 'parameter group naming nothing', template: { heat_template_version: LATEST, parameter_groups: [{ parameters: ['ghost'] }] }, expect: /grouped parameter ghost/ });
  out.push({ name: 'parameter in two groups', template: { heat_template_version: LATEST, parameters: { p: { type: 'string' } }, parameter_groups: [{ parameters: ['p'] }, { parameters: ['p'] }] }, expect: /p parameter must be assigned to one parameter group only/ });
  return out;
}

/** Every function used in every version that lacks it (value context), and removed CFN functions. */
function functionsOutOfVersion(): HostileCase[] {
  const out: HostileCase[] = [];
  for (const v of VERSIONS) {
    for (const name of [...ALL_FUNCTION_NAMES].sort()) {
      const impl = valueFunction(v, name);
      if (impl !== undefined && impl !== 'removed') continue;
      const expect = impl === 'removed'
        ? esc(`The function ${name} is not supported in this version of HOT (${v})`)
        : conditionFunction(v, name) !== undefined
          ? esc(`"${name}" is only allowed in conditions`)
          : esc(`"${name}" is not supported in HOT version ${v}`);
      out.push({ name: `${name} in ${v}`, template: prop(v, { [name]: ['a', 'b'] }), expect });
    }
  }
  for (const v of [VERSIONS[0] as HotVersion, LATEST]) {
    for (const name of ['Fn::GetAtt', 'Fn::FindInMap', 'Fn::If', 'Fn::Equals', 'Fn::Frobnicate', 'Fn::Sub', 'Fn::ImportValue']) {
      out.push({ name: `${name} in ${v}`, template: prop(v, { [name]: ['a', 'b'] }), expect: esc(`"${name}" is not supported in HOT version ${v}`) });
    }
  }
  for (const v of VERSIONS.filter((x) => x >= '2016-10-14')) {
    out.push({ name: `yaql in properties, ${v}`, template: prop(v, { yaql: { expression: '$.data', data: {} } }), expect: /The yaql function is not supported by Flotilla/ });
    if (v >= '2017-09-01') out.push({ name: `yaql in conditions, ${v}`, template: { heat_template_version: v, conditions: { c: { yaql: { expression: '$.data', data: {} } } } }, expect: /The yaql function is not supported by Flotilla/ });
  }
  return out;
}

/** Wrong argument shapes for each function, in a version that has it. */
function wrongShapes(): HostileCase[] {
  const cases: [string, HotVersion, unknown, RegExp][] = [
    ['get_param', LATEST, null, /"get_param" must have arguments/],
    ['get_param', LATEST, [], /"get_param" must have arguments/],
    ['get_param', LATEST, 3, /Argument to "get_param" must be string or list/],
    ['get_param', LATEST, true, /Argument to "get_param" must be string or list/],
    ['get_param', LATEST, [1, 2], /Parameter name in "get_param" must be string/],
    ['get_resource', LATEST, ['r'], /get_resource/],
    ['get_resource', LATEST, 7, /get_resource/],
    ['get_resource', LATEST, null, /get_resource/],
    ['get_attr', LATEST, 'r', /Argument to "get_attr" must be a list/],
    ['get_attr', LATEST, [], /Arguments to "get_attr" can be of the next forms/],
    ['get_attr', LATEST, null, /Arguments to "get_attr" can be of the next forms/],
    ['get_attr', LATEST, [1, 'a'], /Resource name in "get_attr" must be a string/],
    ['get_attr', LATEST, ['r', 2], /Attribute name in "get_attr" must be a string/],
    ['get_attr', '2015-04-30', ['r'], /Arguments to "get_attr" must be of the form \[resource_name, attribute/],
    ['get_attr', '2014-10-16', 'r', /Argument to "get_attr" must be a list/],
    ['get_attr', '2013-05-23', ['r'], /Arguments to "get_attr" must be of the form/],
    ['get_file', LATEST, ['a'], /Argument to "get_file" must be a string/],
    ['get_file', LATEST, { get_param: 'x' }, /Argument to "get_file" must be a string/],
    ['get_file', LATEST, 5, /Argument to "get_file" must be a string/],
    ['resource_facade', LATEST, 'type', /"resource_facade" should be one of: metadata, deletion_policy, update_policy/],
    ['resource_facade', LATEST, ['metadata'], /"resource_facade" should be one of/],
    ['resource_facade', LATEST, 'Metadata', /"resource_facade" should be one of/],
    ['list_join', LATEST, ',', /Incorrect arguments to "list_join"/],
    ['list_join', LATEST, [','], /Incorrect arguments to "list_join"/],
    ['list_join', LATEST, { a: 1, b: 2 }, /Incorrect arguments to "list_join"/],
    ['list_join', '2015-04-30', [',', ['a'], ['b']], /Incorrect arguments to "list_join"/],
    ['list_join', '2013-05-23', [','], /Incorrect arguments to "list_join"/],
    ['str_replace', LATEST, 'abc', /Arguments to "str_replace" must be a map/],
    ['str_replace', LATEST, ['a', 'b'], /Arguments to "str_replace" must be a map/],
    ['str_replace', LATEST, { template: 'x' }, /"str_replace" syntax should be/],
    ['str_replace', LATEST, { params: {} }, /"str_replace" syntax should be/],
    ['str_replace', LATEST, { template: 'x', params: ['a'] }, /"str_replace" parameters must be a mapping/],
    ['str_replace', LATEST, { template: 'x', params: 'a' }, /"str_replace" parameters must be a mapping/],
    ['str_replace', '2013-05-23', { template: 'x', parms: {} }, /"str_replace" syntax should be/],
    ['str_replace_strict', LATEST, { template: 'x' }, /"str_replace_strict" syntax should be/],
    ['str_replace_strict', LATEST, [1], /Arguments to "str_replace_strict" must be a map/],
    ['str_replace_vstrict', LATEST, { params: {} }, /"str_replace_vstrict" syntax should be/],
    ['str_replace_vstrict', LATEST, 'x', /Arguments to "str_replace_vstrict" must be a map/],
    ['str_split', LATEST, 'a,b', /Incorrect arguments to "str_split"/],
    ['str_split', LATEST, [','], /Incorrect arguments to "str_split"/],
    ['str_split', LATEST, [',', 'a', 0, 1], /Incorrect arguments to "str_split"/],
    ['str_split', LATEST, { a: 1, b: 2 }, /Incorrect arguments to "str_split"/],
    ['repeat', LATEST, ['a'], /Arguments to "repeat" must be a map/],
    ['repeat', LATEST, { template: 'x' }, /"repeat" syntax should be/],
    ['repeat', LATEST, { for_each: { '%a%': ['1'] } }, /"repeat" syntax should be/],
    ['repeat', LATEST, { for_each: ['a'], template: 'x' }, /The "for_each" argument to "repeat" must contain a map/],
    ['repeat', LATEST, { for_each: { '%a%': 'abc' }, template: 'x' }, /The values of the "for_each" argument to "repeat" must be lists/],
    ['repeat', LATEST, { for_each: { '%a%': 5 }, template: 'x' }, /The values of the "for_each" argument to "repeat" must be lists/],
    ['repeat', LATEST, { for_each: { '%a%': ['1'] }, template: 'x', permutations: 'yes' }, /"permutations" should be boolean type for repeat function/],
    ['repeat', LATEST, { for_each: { '%a%': { k: 1 } }, template: 'x', permutations: false }, /must be lists/],
    ['repeat', '2015-10-15', { for_each: { '%a%': { k: 1 } }, template: 'x' }, /must be lists/],
    ['digest', LATEST, 'md5', /Argument to function "digest" must be a list of strings/],
    ['digest', LATEST, ['md5'], /Function "digest" usage/],
    ['digest', LATEST, ['md5', 'a', 'b'], /Function "digest" usage/],
    ['digest', LATEST, ['md5', 5], /must be a list of strings/],
    ['digest', LATEST, ['rot13', 'abc'], /Algorithm must be one of/],
    ['digest', LATEST, ['sha3000', 'abc'], /Algorithm must be one of/],
    ['map_merge', LATEST, 'abc', /Incorrect arguments to "map_merge"/],
    ['map_merge', LATEST, [{ a: 1 }, ['b']], /Items to merge must be maps/],
    ['map_merge', LATEST, [{ a: 1 }, 'b'], /Items to merge must be maps/],
    ['map_replace', LATEST, [{ a: 1 }], /Incorrect arguments to "map_replace"/],
    ['map_replace', LATEST, [{ a: 1 }, { keys: {} }, {}], /Incorrect arguments to "map_replace"/],
    ['map_replace', LATEST, 'x', /Incorrect arguments to "map_replace"/],
    ['map_replace', LATEST, [{ a: 1 }, { kyes: {} }], /Incorrect arguments to "map_replace"/],
    ['if', LATEST, [true], /Arguments to "if" must be of the form/],
    ['if', LATEST, [true, 1, 2, 3], /Arguments to "if" must be of the form/],
    ['if', LATEST, 'c', /Arguments to "if" must be of the form/],
    ['if', '2018-08-31', [true, 1], /Arguments to "if" must be of the form/],
    ['if', LATEST, ['ghost', 1, 2], /Invalid condition "ghost"/],
    ['if', LATEST, [[1], 1, 2], /Invalid condition/],
    ['if', LATEST, [5, 1, 2], /Invalid condition "5"/],
    ['if', LATEST, [{ get_resource: 'r' }, 1, 2], /"get_resource" is invalid in this context/],
    ['if', LATEST, [{ list_join: [',', ['a']] }, 1, 2], /"list_join" is invalid in this context/],
    ['if', LATEST, [{ equals: [1] }, 1, 2], /Arguments to "equals" must be of the form/],
    ['if', LATEST, [{ and: [true] }, 1, 2], /minimum number of condition arguments to "and" is 2/],
    ['if', LATEST, [{ or: 'x' }, 1, 2], /Arguments to "or" must be a list of conditions/],
    ['if', LATEST, [{ not: null }, 1, 2], /Argument to "not" must be a condition/],
    ['if', LATEST, [{ not: 'ghost' }, 1, 2], /Invalid condition "ghost"/],
    ['filter', LATEST, [[1]], /"filter" expected 2 arguments/],
    ['filter', LATEST, [[1], [2], [3]], /"filter" expected 2 arguments/],
    ['filter', LATEST, 'x', /Argument to "filter" must be a list/],
    ['make_url', LATEST, ['h'], /The arguments to "make_url" must be a map/],
    ['make_url', LATEST, { host: 'h', colour: 'red' }, /Invalid arguments to "make_url": colour/],
    ['make_url', LATEST, { host: 'h', port: 0 }, /Invalid URL port 0/],
    ['make_url', LATEST, { host: 'h', port: 65536 }, /Invalid URL port 65536/],
    ['make_url', LATEST, { host: 'h', port: 'eighty' }, /Invalid URL port "eighty"/],
    ['make_url', LATEST, { host: 'h', query: 'a=b' }, /The "query" argument to "make_url" must be a map/],
    ['make_url', LATEST, { host: ['h'] }, /The "host" argument to "make_url" must be a string/],
    ['make_url', LATEST, { scheme: 5, host: 'h' }, /The "scheme" argument to "make_url" must be a string/],
    ['make_url', LATEST, { host: 'h', path: { a: 1 } }, /The "path" argument to "make_url" must be a string/],
    ['list_concat', LATEST, 'ab', /Incorrect arguments to "list_concat"/],
    ['list_concat', LATEST, [['a'], 'b'], /Items to concat must be lists/],
    ['list_concat_unique', LATEST, [['a'], { b: 1, c: 2 }], /Items to concat must be lists/],
    ['list_concat_unique', LATEST, 5, /Incorrect arguments to "list_concat_unique"/],
    ['contains', LATEST, ['a'], /Arguments to "contains" must be of the form/],
    ['contains', LATEST, 'a', /Incorrect arguments to "contains"/],
    ['contains', LATEST, [], /Incorrect arguments to "contains"/],
    ['Fn::Select', '2014-10-16', ['a'], /Arguments to "Fn::Select" must be of the form \[index, collection\]/],
    ['Fn::Select', '2013-05-23', 'a', /Arguments to "Fn::Select" must be of the form/],
    ['Fn::Join', '2013-05-23', [','], /Incorrect arguments to "Fn::Join"/],
    ['Fn::Split', '2013-05-23', 'a,b', /Incorrect arguments to "Fn::Split"/],
    ['Fn::Split', '2013-05-23', [','], /Incorrect arguments to "Fn::Split"/],
    ['Fn::Replace', '2013-05-23', { a: 'b', c: 'd' }, /Incorrect arguments to "Fn::Replace"/],
    ['Fn::Replace', '2013-05-23', ['x', 'y'], /"Fn::Replace" parameters must be a mapping/],
    ['Fn::MemberListToMap', '2013-05-23', ['Name', 'Value'], /Wrong Arguments try/],
    ['Fn::MemberListToMap', '2013-05-23', [1, 'Value', []], /Fn::MemberListToMap Key Name must be a string/],
    ['Fn::ResourceFacade', '2013-05-23', 'metadata', /"Fn::ResourceFacade" should be one of: Metadata, DeletionPolicy, UpdatePolicy/],
    ['Ref', '2013-05-23', ['a'], /Argument to "Ref" must be a string/],
    ['Ref', '2013-05-23', 'ghost', /"ghost" \(in Ref\)/],
  ];
  return cases.map(([fn, v, args, expect], i) => ({ name: `${fn} shape #${i} in ${v}: ${JSON.stringify(args)}`, template: prop(v, { [fn]: args }), expect }));
}

function brokenReferences(): HostileCase[] {
  const out: HostileCase[] = [];
  const places: [string, (snippet: unknown) => Record<string, unknown>][] = [
    ['property', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X', properties: { p: s } } } })],
    ['nested property', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X', properties: { p: [{ q: [s] }] } } } })],
    ['metadata', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X', metadata: { m: s } } } })],
    ['output', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X' } }, outputs: { o: { value: s } } })],
    ['update_policy', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X', update_policy: { u: s } } } })],
    ['inside str_replace', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X', properties: { p: { str_replace: { template: 'x', params: { x: s } } } } } } })],
    ['inside an if branch', (s) => ({ heat_template_version: LATEST, resources: { r: { type: 'X', properties: { p: { if: [true, s, 'no'] } } } } })],
  ];
  for (const [where, make] of places) {
    out.push({ name: `get_param of an undeclared parameter in ${where}`, template: make({ get_param: 'ghost_param' }), expect: /"ghost_param".*get_param/ });
    out.push({ name: `get_param path on an undeclared parameter in ${where}`, template: make({ get_param: ['ghost_param', 'a', 0] }), expect: /"ghost_param".*get_param/ });
    out.push({ name: `get_resource of a missing resource in ${where}`, template: make({ get_resource: 'ghost_res' }), expect: /"ghost_res".*get_resource/ });
    out.push({ name: `get_attr of a missing resource in ${where}`, template: make({ get_attr: ['ghost_res', 'a'] }), expect: /"ghost_res".*get_attr/ });
    out.push({ name: `get_attr (all) of a missing resource in ${where}`, template: make({ get_attr: ['ghost_res'] }), expect: /"ghost_res".*get_attr/ });
    out.push({ name: `get_file missing from files in ${where}`, template: make({ get_file: 'ghost.sh' }), expect: /No content found in the "files" section for get_file path: ghost.sh/ });
  }
  for (const dep of ['ghost', ['ghost'], ['r2', 'ghost']]) {
    out.push({ name: `depends_on ${JSON.stringify(dep)}`, template: { heat_template_version: LATEST, resources: { r: { type: 'X', depends_on: dep }, r2: { type: 'X' } } }, expect: /"ghost" \(in r\)/ });
  }
  out.push({ name: 'depends_on a map', template: { heat_template_version: LATEST, resources: { r: { type: 'X', depends_on: { a: 1 } } } }, expect: /depends_on must be a list or a string/ });
  out.push({ name: 'depends_on a number inside a list', template: { heat_template_version: LATEST, resources: { r: { type: 'X', depends_on: [1] } } }, expect: /depends_on value must be a resource name/ });
  out.push({ name: 'resource condition naming nothing', template: { heat_template_version: LATEST, resources: { r: { type: 'X', condition: 'ghost_cond' } } }, expect: /Invalid condition "ghost_cond"/ });
  out.push({ name: 'output condition naming nothing', template: { heat_template_version: LATEST, outputs: { o: { value: 1, condition: 'ghost_cond' } } }, expect: /Invalid condition "ghost_cond"/ });
  out.push({ name: 'condition referring to a missing condition', template: { heat_template_version: LATEST, conditions: { c: { and: ['ghost_cond', true] } } }, expect: /Invalid condition "ghost_cond"/ });
  out.push({ name: 'condition get_param of an undeclared parameter', template: { heat_template_version: LATEST, conditions: { c: { equals: [{ get_param: 'ghost_param' }, 1] } } }, expect: /"ghost_param"/ });
  out.push({ name: 'condition using get_attr', template: { heat_template_version: LATEST, resources: { r: { type: 'X' } }, conditions: { c: { equals: [{ get_attr: ['r', 'a'] }, 1] } } }, expect: /"get_attr" is invalid in this context/ });
  out.push({ name: 'condition as a plain string', template: { heat_template_version: LATEST, conditions: { c: 'yes please' } }, expect: /definition of condition "c" is invalid/ });
  out.push({ name: 'condition as a number', template: { heat_template_version: LATEST, conditions: { c: 1 } }, expect: /definition of condition "c" is invalid/ });
  out.push({ name: 'condition as a list', template: { heat_template_version: LATEST, conditions: { c: [true] } }, expect: /definition of condition "c" is invalid/ });
  out.push({ name: 'condition with a non-condition function', template: { heat_template_version: LATEST, conditions: { c: { str_split: [',', 'a'] } } }, expect: /"str_split" is invalid in this context/ });
  out.push({ name: 'contains as a condition before pike', template: { heat_template_version: '2017-02-24', conditions: { c: { contains: ['a', ['a']] } } }, expect: /"contains" is not supported in HOT version 2017-02-24/ });
  for (let n = 1; n <= 6; n++) {
    const conditions: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) conditions[`c${i}`] = { not: `c${(i + 1) % n}` };
    out.push({ name: `condition cycle of ${n}`, template: { heat_template_version: LATEST, conditions }, expect: /Circular definition for condition "c\d+"/ });
  }
  return out;
}

function dependencyCycles(): HostileCase[] {
  const out: HostileCase[] = [];
  const links: [string, (target: string) => Record<string, unknown>][] = [
    ['depends_on', (t) => ({ type: 'X', depends_on: t })],
    ['get_resource', (t) => ({ type: 'X', properties: { p: { get_resource: t } } })],
    ['get_attr', (t) => ({ type: 'X', properties: { p: { get_attr: [t, 'a'] } } })],
    ['get_attr (all)', (t) => ({ type: 'X', properties: { p: { get_attr: [t] } } })],
    ['metadata get_resource', (t) => ({ type: 'X', metadata: { p: { get_resource: t } } })],
    ['nested get_attr', (t) => ({ type: 'X', properties: { p: { list_join: [',', [{ get_attr: [t, 'a', 0] }]] } } })],
  ];
  for (const [how, link] of links) {
    for (const n of [1, 2, 3, 5, 10, 50]) {
      const resources: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) resources[`n${i}`] = link(`n${(i + 1) % n}`);
      out.push({ name: `cycle of ${n} through ${how}`, template: { heat_template_version: LATEST, resources }, expect: /Circular Dependency Found: n\d+ -> / });
    }
  }
  // A long acyclic chain that closes at its end.
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < 999; i++) resources[`c${i}`] = { type: 'X', depends_on: i === 0 ? 'c998' : `c${i - 1}` };
  out.push({ name: 'cycle of 999 by depends_on', template: { heat_template_version: LATEST, resources }, expect: /Circular Dependency Found/ });
  return out;
}

function bombsAndLimits(): HostileCase[] {
  const out: HostileCase[] = [];
  for (const [width, depth] of [[9, 9], [10, 8], [20, 6], [50, 4], [2, 40], [3, 25], [100, 3]] as const) {
    const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(',')}]`];
    for (let i = 1; i < depth; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(',')}]`);
    out.push({ name: `alias bomb ${width}x${depth}`, template: `heat_template_version: 2021-04-16\ndescription: bomb\nparameters:\n  p:\n    type: json\n    default:\n${lines.map((l) => `      ${l}`).join('\n')}\n`, expect: /Error parsing template/ });
  }
  out.push({ name: 'map alias bomb with merge keys', template: `heat_template_version: 2021-04-16\nx0: &x0 {a: 1, b: 2}\n${Array.from({ length: 30 }, (_, i) => `x${i + 1}: &x${i + 1} {k1: *x${i}, k2: *x${i}, k3: *x${i}, k4: *x${i}}`).join('\n')}\n`, expect: /Error parsing template|alias/ });
  out.push({ name: '150 small aliases', template: `heat_template_version: 2021-04-16\ndescription: &d x\noutputs:\n  o:\n    value: [${Array(150).fill('*d').join(', ')}]\n`, expect: /alias/ });
  out.push({ name: 'template over 512 KiB as text', template: `heat_template_version: 2021-04-16\ndescription: "${'x'.repeat(524300)}"\n`, expect: /Template size \(\d+ bytes\) exceeds maximum allowed size \(524288 bytes\)/ });
  out.push({ name: 'template over 512 KiB as an object', template: { heat_template_version: LATEST, description: 'y'.repeat(524300) }, expect: /exceeds maximum allowed size \(524288 bytes\)/ });
  out.push({ name: 'template over 512 KiB in multibyte characters', template: `heat_template_version: 2021-04-16\ndescription: "${'é'.repeat(262200)}"\n`, expect: /exceeds maximum allowed size/ });
  out.push({ name: 'YAML nested 300 deep', template: `heat_template_version: 2021-04-16\noutputs: {o: {value: ${'['.repeat(300)}${']'.repeat(300)}}}\n`, expect: /nest/ });
  out.push({ name: 'JSON nested 1000 deep', template: `{"heat_template_version": "2021-04-16", "outputs": {"o": {"value": ${'['.repeat(1000)}${']'.repeat(1000)}}}}`, expect: /nest/ });
  const nested: Record<string, unknown> = {};
  let cur = nested;
  for (let i = 0; i < 400; i++) { const next: Record<string, unknown> = {}; cur.a = next; cur = next; }
  out.push({ name: 'object nested 400 deep', template: { heat_template_version: LATEST, outputs: { o: { value: nested } } }, expect: /nest/ });
  out.push({ name: 'recursive YAML alias in a list', template: 'heat_template_version: 2021-04-16\ndescription: x\noutputs: {o: {value: &a [*a]}}\n', expect: /nested deeper than/ });
  out.push({ name: 'recursive YAML alias in a map', template: 'heat_template_version: 2021-04-16\nparameters: &p {x: *p}\n', expect: /nested deeper than/ });
  const cyclic: Record<string, unknown> = { heat_template_version: LATEST, outputs: {} };
  (cyclic.outputs as Record<string, unknown>).o = { value: cyclic };
  out.push({ name: 'cyclic object', template: cyclic, expect: /nested deeper than/ });
  const many: Record<string, unknown> = {};
  for (let i = 0; i < 1001; i++) many[`r${i}`] = { type: 'X' };
  out.push({ name: '1001 resources', template: { heat_template_version: LATEST, resources: many }, expect: /Maximum resources per stack exceeded: the template has 1001 resources/ });
  const lots: Record<string, unknown> = {};
  for (let i = 0; i < 5000; i++) lots[`r${i}`] = { type: 'X' };
  out.push({ name: '5000 resources', template: { heat_template_version: LATEST, resources: lots }, expect: /Maximum resources per stack exceeded/ });
  return out;
}

function badResources(): HostileCase[] {
  const out: HostileCase[] = [];
  const bad: [string, unknown, RegExp][] = [
    ['null resource', null, /Each resource must contain a type key \(resource r\)/],
    ['list resource', ['X'], /must contain a map of resource maps/],
    ['string resource', 'OS::Nova::Server', /must contain a map of resource maps/],
    ['no type', { properties: {} }, /Each resource must contain a type key/],
    ['empty type', { type: '' }, /Resource r type must be a non-empty string/],
    ['numeric type', { type: 5 }, /Resource r type must be a non-empty string/],
    ['type as a function', { type: { get_param: 't' } }, /Resource r type must be a non-empty string/],
    ['misspelt properties', { type: 'X', propertys: {} }, /Invalid keyword\(s\) inside a resource definition: propertys/],
    ['Properties capitalised', { type: 'X', Properties: {} }, /Invalid keyword\(s\) inside a resource definition: Properties/],
    ['DependsOn', { type: 'X', DependsOn: [] }, /Invalid keyword\(s\) inside a resource definition: DependsOn/],
    ['properties as a list', { type: 'X', properties: ['a'] }, /Resource r properties must be a map/],
    ['properties as a string', { type: 'X', properties: 'a' }, /Resource r properties must be a map/],
    ['metadata as a list', { type: 'X', metadata: [1] }, /Resource r metadata must be a map/],
    ['update_policy as a string', { type: 'X', update_policy: 'rolling' }, /Resource r update_policy must be a map/],
    ['deletion_policy Keep', { type: 'X', deletion_policy: 'Keep' }, /Invalid deletion policy "Keep"/],
    ['deletion_policy DELETE', { type: 'X', deletion_policy: 'DELETE' }, /Invalid deletion policy "DELETE"/],
    ['deletion_policy as a list', { type: 'X', deletion_policy: ['Delete'] }, /Invalid deletion policy/],
    ['deletion_policy as a function', { type: 'X', deletion_policy: { get_param: 'p' } }, /Invalid deletion policy/],
    ['external_id as a list', { type: 'X', external_id: ['a'] }, /Resource r external_id must be a string/],
    ['description as a map', { type: 'X', description: { a: 1 } }, /Resource r description must be a string/],
    ['condition as a list', { type: 'X', condition: ['a'] }, /Invalid condition/],
    ['condition as a number', { type: 'X', condition: 3 }, /Invalid condition "3"/],
  ];
  for (const [name, def, expect] of bad) out.push({ name: `resource: ${name}`, template: { heat_template_version: LATEST, resources: { r: def } }, expect });
  for (const v of VERSIONS.filter((x) => x < '2016-10-14')) {
    out.push({ name: `resource condition in ${v}`, template: { heat_template_version: v, resources: { r: { type: 'X', condition: true } } }, expect: /Invalid keyword\(s\) inside a resource definition: condition/ });
    out.push({ name: `resource external_id in ${v}`, template: { heat_template_version: v, resources: { r: { type: 'X', external_id: 'abc' } } }, expect: /Invalid keyword\(s\) inside a resource definition: external_id/ });
    out.push({ name: `lowercase deletion policy in ${v}`, template: { heat_template_version: v, resources: { r: { type: 'X', deletion_policy: 'retain' } } }, expect: /Invalid deletion policy "retain"/ });
  }
  out.push({ name: 'resource name with a slash', template: { heat_template_version: LATEST, resources: { 'a/b': { type: 'X' } } }, expect: /Resource name may not contain "\/"/ });
  return out;
}

function badOutputs(): HostileCase[] {
  const bad: [string, unknown, RegExp][] = [
    ['null output', null, /Each output must contain a value key \(output o\)/],
    ['no value', { description: 'x' }, /Each output must contain a value key/],
    ['list output', [1], /must contain a map of output maps/],
    ['string output', 'x', /must contain a map of output maps/],
    ['misspelt value', { valu: 1 }, /"valu" is not a valid keyword inside a output definition/],
    ['extra key', { value: 1, export: true }, /"export" is not a valid keyword inside a output definition/],
    ['condition naming nothing', { value: 1, condition: 'nope' }, /Invalid condition "nope"/],
  ];
  const out: HostileCase[] = bad.map(([name, def, expect]) => ({ name: `output: ${name}`, template: { heat_template_version: LATEST, outputs: { o: def } }, expect }));
  for (const v of VERSIONS.filter((x) => x < '2016-10-14')) {
    out.push({ name: `output condition in ${v}`, template: { heat_template_version: v, outputs: { o: { value: 1, condition: true } } }, expect: /"condition" is not a valid keyword inside a output definition/ });
  }
  return out;
}

function badParameterDefinitions(): HostileCase[] {
  const bad: [string, unknown, RegExp][] = [
    ['string definition', 'string', /Invalid parameter \(p\), expected a mapping/],
    ['no type', { default: 1 }, /Missing parameter type for parameter: p/],
    ['type integer', { type: 'integer' }, /Invalid type \(integer\) for parameter p/],
    ['type String (CFN spelling)', { type: 'String' }, /Invalid type \(String\) for parameter p/],
    ['type list', { type: 'list' }, /Invalid type \(list\) for parameter p/],
    ['type as a list', { type: ['string'] }, /Invalid type/],
    ['unknown key', { type: 'string', secret: true }, /Invalid key 'secret' for parameter \(p\)/],
    ['CFN key', { type: 'string', NoEcho: true }, /Invalid key 'NoEcho' for parameter \(p\)/],
    ['hidden not boolean', { type: 'string', hidden: 'perhaps' }, /"hidden" must be a boolean/],
    ['immutable not boolean', { type: 'string', immutable: 'perhaps' }, /"immutable" must be a boolean/],
    ['tags not a list', { type: 'string', tags: 'a' }, /Tags property should be a list for parameter: p/],
    ['label a map', { type: 'string', label: { a: 1 } }, /"label" of parameter p must be a string/],
    ['constraints a map', { type: 'string', constraints: { length: { min: 1 } } }, /Invalid parameter constraints for parameter p, expected a list/],
    ['constraint a string', { type: 'string', constraints: ['length'] }, /Invalid parameter constraints, expected a mapping/],
    ['constraint misspelt', { type: 'string', constraints: [{ lenght: { min: 1 } }] }, /Invalid key 'lenght' for parameter constraints/],
    ['constraint only a description', { type: 'string', constraints: [{ description: 'x' }] }, /No constraint expressed/],
    ['range on a string', { type: 'string', constraints: [{ range: { min: 1 } }] }, /Range constraint invalid for string/],
    ['range on a list', { type: 'comma_delimited_list', constraints: [{ range: { min: 1 } }] }, /Range constraint invalid for comma_delimited_list/],
    ['length on a number', { type: 'number', constraints: [{ length: { min: 1 } }] }, /Length constraint invalid for number/],
    ['length on a boolean', { type: 'boolean', constraints: [{ length: { min: 1 } }] }, /Length constraint invalid for boolean/],
    ['pattern on a number', { type: 'number', constraints: [{ allowed_pattern: '[0-9]+' }] }, /AllowedPattern constraint invalid for number/],
    ['pattern on json', { type: 'json', constraints: [{ allowed_pattern: 'x' }] }, /AllowedPattern constraint invalid for json/],
    ['allowed_values on json', { type: 'json', constraints: [{ allowed_values: [{}] }] }, /AllowedValues constraint invalid for json/],
    ['modulo on a string', { type: 'string', constraints: [{ modulo: { step: 2, offset: 1 } }] }, /Modulo constraint invalid for string/],
    ['empty range', { type: 'number', constraints: [{ range: {} }] }, /A range constraint must have a min value and\/or a max value specified/],
    ['range with a bad key', { type: 'number', constraints: [{ range: { minimum: 1 } }] }, /Invalid key 'minimum' for range constraint/],
    ['range min not numeric', { type: 'number', constraints: [{ range: { min: 'low' } }] }, /min\/max must be numeric/],
    ['range a list', { type: 'number', constraints: [{ range: [1, 2] }] }, /Invalid range constraint, expected a mapping/],
    ['length not integral', { type: 'string', constraints: [{ length: { max: 2.5 } }] }, /min\/max length must be integral/],
    ['empty length', { type: 'string', constraints: [{ length: {} }] }, /A length constraint must have a min value/],
    ['modulo without offset', { type: 'number', constraints: [{ modulo: { step: 2 } }] }, /A modulo constraint must have a step value and an offset value/],
    ['modulo step 0', { type: 'number', constraints: [{ modulo: { step: 0, offset: 0 } }] }, /step cannot be 0/],
    ['modulo offset too big', { type: 'number', constraints: [{ modulo: { step: 3, offset: 3 } }] }, /offset must be smaller \(by absolute value\) than step/],
    ['modulo signs differ', { type: 'number', constraints: [{ modulo: { step: -2, offset: 1 } }] }, /step and offset must be both positive or both negative/],
    ['modulo not integer', { type: 'number', constraints: [{ modulo: { step: 1.5, offset: 0.5 } }] }, /step\/offset must be integer/],
    ['allowed_values a string', { type: 'string', constraints: [{ allowed_values: 'a,b' }] }, /AllowedValues must be a list/],
    ['allowed_pattern a list', { type: 'string', constraints: [{ allowed_pattern: ['a'] }] }, /AllowedPattern must be a string/],
    ['allowed_pattern unbalanced', { type: 'string', constraints: [{ allowed_pattern: '([a-z]' }] }, /Invalid allowed_pattern/],
    ['allowed_pattern bad escape', { type: 'string', constraints: [{ allowed_pattern: '[z-a]' }] }, /Invalid allowed_pattern/],
    ['custom_constraint a list', { type: 'string', constraints: [{ custom_constraint: ['nova.flavor'] }] }, /custom_constraint must be a string/],
    ['default too long', { type: 'string', default: 'abcdef', constraints: [{ length: { max: 3 } }] }, /Parameter 'p' is invalid: Invalid default abcdef/],
    ['default out of range', { type: 'number', default: 11, constraints: [{ range: { max: 10 } }] }, /Invalid default 11/],
    ['default not allowed', { type: 'string', default: 'm1.huge', constraints: [{ allowed_values: ['m1.small'] }] }, /Invalid default m1.huge/],
    ['default not matching', { type: 'string', default: 'abc', constraints: [{ allowed_pattern: '[0-9]+' }] }, /Invalid default abc/],
    ['default not a number', { type: 'number', default: 'ten' }, /Invalid default ten/],
    ['default not a boolean', { type: 'boolean', default: 'perhaps' }, /Invalid default perhaps/],
    ['default not JSON', { type: 'json', default: '{nope' }, /Invalid default \{nope/],
    ['default list too long', { type: 'comma_delimited_list', default: 'a,b,c', constraints: [{ length: { max: 2 } }] }, /Invalid default a,b,c/],
  ];
  const out: HostileCase[] = bad.map(([name, def, expect]) => ({ name: `parameter definition: ${name}`, template: { heat_template_version: LATEST, parameters: { p: def } }, expect }));
  for (const v of VERSIONS.filter((x) => x < '2017-02-24')) {
    out.push({ name: `modulo in ${v}`, template: { heat_template_version: v, parameters: { p: { type: 'number', constraints: [{ modulo: { step: 2, offset: 1 } }] } } }, expect: /modulo constraint requires heat_template_version 2017-02-24/ });
  }
  for (const v of VERSIONS.filter((x) => x < '2018-03-02')) {
    out.push({ name: `parameter tags in ${v}`, template: { heat_template_version: v, parameters: { p: { type: 'string', tags: ['a'] } } }, expect: /Invalid key 'tags' for parameter \(p\)/ });
  }
  return out;
}

function badParameterValues(): HostileCase[] {
  const t = (def: Record<string, unknown>): Record<string, unknown> => ({ heat_template_version: LATEST, parameters: { p: def } });
  const bad: [string, Record<string, unknown>, unknown, RegExp][] = [
    ['number from words', { type: 'number' }, 'ten', /Parameter 'p' is invalid: could not convert string to float: 'ten'/],
    ['number from a list', { type: 'number' }, [1], /Parameter 'p' is invalid/],
    ['number from a map', { type: 'number' }, { a: 1 }, /Parameter 'p' is invalid/],
    ['number from an empty string', { type: 'number' }, '', /Parameter 'p' is invalid/],
    ['number from 1,5', { type: 'number' }, '1,5', /Parameter 'p' is invalid/],
    ['boolean maybe', { type: 'boolean' }, 'maybe', /Parameter 'p' is invalid: Unrecognized value 'maybe'/],
    ['boolean 2', { type: 'boolean' }, 2, /Parameter 'p' is invalid: Unrecognized value '2'/],
    ['boolean empty', { type: 'boolean' }, '', /Parameter 'p' is invalid: Unrecognized value/],
    ['boolean list', { type: 'boolean' }, [true], /Parameter 'p' is invalid/],
    ['json broken', { type: 'json' }, '{"a": ', /Parameter 'p' is invalid: Value must be valid JSON/],
    ['json single quotes', { type: 'json' }, "{'a': 1}", /Value must be valid JSON/],
    ['string from a map', { type: 'string' }, { a: 1 }, /Parameter 'p' is invalid: Value .* is invalid for data type "string"/],
    ['string from a list', { type: 'string' }, ['a'], /is invalid for data type "string"/],
    ['list from a map', { type: 'comma_delimited_list' }, { a: 1 }, /Value must be a comma-delimited list string/],
    ['list from a boolean', { type: 'comma_delimited_list' }, true, /Value must be a comma-delimited list string/],
  ];
  const out: HostileCase[] = bad.map(([name, def, value, expect]) => ({ name: `parameter value: ${name}`, template: t(def), parameters: { p: value }, expect }));
  const constrained: [string, Record<string, unknown>, unknown[], RegExp][] = [
    ['length 6..8', { type: 'string', constraints: [{ length: { min: 6, max: 8 } }] }, ['', 'abc', 'abcde', 'abcdefghi', 'x'.repeat(100)], /length \(\d+\) is out of range \(min: 6, max: 8\)/],
    ['length with description', { type: 'string', constraints: [{ length: { min: 6, max: 8 }, description: 'User name must be between 6 and 8 characters' }] }, ['abc', 'abcdefghijk'], /User name must be between 6 and 8 characters/],
    ['range 0..10', { type: 'number', constraints: [{ range: { min: 0, max: 10 } }] }, [-1, 11, '12', -0.5, 10.01, 1e9], /is out of range \(min: 0, max: 10\)/],
    ['range min only', { type: 'number', constraints: [{ range: { min: 5 } }] }, [4, '-3'], /is out of range \(min: 5, max: None\)/],
    ['modulo odd', { type: 'number', constraints: [{ modulo: { step: 2, offset: 1 } }] }, [0, 2, '4', -2, 100], /is not a multiple of 2 with an offset of 1/],
    ['allowed flavors', { type: 'string', constraints: [{ allowed_values: ['m1.small', 'm1.medium', 'm1.large'] }] }, ['m1.huge', 'M1.SMALL', '', 'm1.small '], /is not an allowed value \["m1.small", "m1.medium", "m1.large"\]/],
    ['allowed numbers', { type: 'number', constraints: [{ allowed_values: [1, 2, 3] }] }, [4, '0', 2.5], /is not an allowed value \[1, 2, 3\]/],
    ['allowed list items', { type: 'comma_delimited_list', constraints: [{ allowed_values: ['a', 'b'] }] }, ['a,c', 'c', ['a', 'z']], /is not an allowed value \["a", "b"\]/],
    ['allowed booleans', { type: 'boolean', constraints: [{ allowed_values: [true] }] }, ['false', 'no', 0], /is not an allowed value \[true\]/],
    ['pattern uppercase first', { type: 'string', constraints: [{ allowed_pattern: '[A-Z]+[a-zA-Z0-9]*' }] }, ['admin', '1Admin', 'Admin-1', ' Admin', 'Admin '], /does not match pattern "\[A-Z\]\+\[a-zA-Z0-9\]\*"/],
    ['pattern digits', { type: 'string', constraints: [{ allowed_pattern: '[0-9]{3}' }] }, ['12', '1234', 'abc'], /does not match pattern "\[0-9\]\{3\}"/],
    ['pattern alternation', { type: 'string', constraints: [{ allowed_pattern: 'a|ab' }] }, ['ab', 'b'], /does not match pattern "a\|ab"/],
    ['json length', { type: 'json', constraints: [{ length: { min: 1 } }] }, [{}, [], '{}'], /length \(0\) is out of range \(min: 1, max: None\)/],
    ['list length', { type: 'comma_delimited_list', constraints: [{ length: { max: 1 } }] }, ['a,b', ['a', 'b', 'c']], /is out of range \(min: None, max: 1\)/],
  ];
  for (const [name, def, values, expect] of constrained) {
    values.forEach((value, i) => out.push({ name: `constraint ${name} refuses #${i} ${JSON.stringify(value)}`, template: t(def), parameters: { p: value }, expect }));
  }
  for (const k of ['key_name', 'flavor', 'image', 'OS::stack_name', 'p ', 'P']) {
    out.push({ name: `undeclared parameter ${k}`, template: t({ type: 'string', default: 'x' }), parameters: { [k]: 'v' }, expect: esc(`The Parameter (${k}) was not defined in template.`) });
  }
  out.push({ name: 'required parameter missing', template: t({ type: 'string' }), expect: /The Parameter \(p\) was not provided/ });
  out.push({ name: 'required parameter given null', template: t({ type: 'number' }), parameters: { p: null }, expect: /The Parameter \(p\) was not provided/ });
  out.push({ name: 'env parameter undeclared', template: t({ type: 'string', default: 'x' }), environment: { parameters: { q: 1 } }, expect: /The Parameter \(q\) was not defined in template/ });
  out.push({ name: 'env parameter breaking a constraint', template: t({ type: 'number', constraints: [{ range: { max: 3 } }] }), environment: { parameters: { p: 5 } }, expect: /5 is out of range/ });
  out.push({ name: 'parameter_defaults value breaking a constraint', template: t({ type: 'string', constraints: [{ allowed_values: ['a'] }] }), environment: { parameter_defaults: { p: 'b' } }, expect: /"b" is not an allowed value/ });
  out.push({ name: 'parameter_defaults of the wrong type', template: t({ type: 'number' }), environment: { parameter_defaults: { p: 'many' } }, expect: /Parameter 'p' is invalid/ });
  return out;
}

function badEnvironments(): HostileCase[] {
  const ok = { heat_template_version: LATEST };
  const bad: [string, unknown, RegExp][] = [
    ['misspelt parameters', { paramters: { a: 1 } }, /environment has wrong section "paramters"/],
    ['CFN Parameters', { Parameters: {} }, /environment has wrong section "Parameters"/],
    ['resources section', { resources: {} }, /environment has wrong section "resources"/],
    ['empty parameters', 'parameters:\n', /environment has empty section "parameters"/],
    ['empty resource_registry', 'resource_registry:\n', /environment has empty section "resource_registry"/],
    ['empty parameter_defaults', { parameter_defaults: null }, /environment has empty section "parameter_defaults"/],
    ['parameters a list', { parameters: ['a'] }, /environment section "parameters" must be a mapping/],
    ['parameter_defaults a string', { parameter_defaults: 'x' }, /environment section "parameter_defaults" must be a mapping/],
    ['resource_registry a list', { resource_registry: ['a'] }, /environment section "resource_registry" must be a mapping/],
    ['encrypted_param_names a map', { encrypted_param_names: { a: 1 } }, /environment section "encrypted_param_names" must be a list/],
    ['event_sinks a string', { event_sinks: 'x' }, /environment section "event_sinks" must be a list/],
    ['registry target a list', { resource_registry: { 'My::T': ['a'] } }, /resource_registry maps "My::T"/],
    ['registry target a number', { resource_registry: { 'My::T': 5 } }, /resource_registry maps "My::T"/],
    ['registry target empty', { resource_registry: { 'My::T': '' } }, /resource_registry maps "My::T"/],
    ['registry wildcard to a plain type', { resource_registry: { 'My::*': 'OS::Heat::None' } }, /wildcard "My::\*" must map to a wildcard/],
    ['registry resources a list', { resource_registry: { resources: ['a'] } }, /"resources" in resource_registry must be a mapping/],
    ['registry resource entry a string', { resource_registry: { resources: { r: 'x' } } }, /resource_registry entry for resource "r" must be a mapping/],
    ['environment a list', '- a\n', /The environment is not a valid YAML mapping data type/],
    ['environment a scalar', 'words\n', /The environment is not a valid YAML mapping data type/],
    ['environment broken YAML', 'parameters: {a: 1\n', /Error parsing environment/],
    ['environment alias bomb', `parameters:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 8 }, (_, i) => `  b${i}: &b${i} [${Array(10).fill(i === 0 ? '*a' : `*b${i - 1}`).join(',')}]`).join('\n')}\n`, /Error parsing environment/],
    ['environment over 512 KiB', `parameters: {a: "${'z'.repeat(524300)}"}\n`, /Environment size \(\d+ bytes\) exceeds maximum allowed size/],
  ];
  return bad.map(([name, env, expect]) => ({ name: `environment: ${name}`, template: ok, environment: env, expect }));
}

/** At least 500 distinct malformed templates, environments and parameter sets. */
export function hostileTemplates(): HostileCase[] {
  return [
    ...badVersions(), ...missingOrForeignVersion(), ...badSections(), ...functionsOutOfVersion(), ...wrongShapes(),
    ...brokenReferences(), ...dependencyCycles(), ...bombsAndLimits(), ...badResources(), ...badOutputs(),
    ...badParameterDefinitions(), ...badParameterValues(), ...badEnvironments(),
  ];
}
