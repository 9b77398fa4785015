/**
 * HOT versions and the functions each one allows, as heat/engine/hot/template.py's HOTemplate* classes
 * define them. A name maps to the implementation variant that version uses (e.g. list_join joins one list
 * until 2015-04-30 and several lists, JSON-serialising non-strings, from 2015-10-15).
 */
import { TemplateError } from './errors.js';

export type HotVersion =
  | '2013-05-23' | '2014-10-16' | '2015-04-30' | '2015-10-15' | '2016-04-08' | '2016-10-14'
  | '2017-02-24' | '2017-09-01' | '2018-03-02' | '2018-08-31' | '2021-04-16';

/** Every HOT version in order, with the release alias Heat accepts for it (newton and later). */
export const HOT_VERSIONS: readonly { version: HotVersion; alias?: string }[] = [
  { version: '2013-05-23' },
  { version: '2014-10-16' },
  { version: '2015-04-30' },
  { version: '2015-10-15' },
  { version: '2016-04-08' },
  { version: '2016-10-14', alias: 'newton' },
  { version: '2017-02-24', alias: 'ocata' },
  { version: '2017-09-01', alias: 'pike' },
  { version: '2018-03-02', alias: 'queens' },
  { version: '2018-08-31', alias: 'rocky' },
  { version: '2021-04-16', alias: 'wallaby' },
];

/** The implementation a function name selects in a version. 'removed' is Heat's hot_funcs.Removed. */
export type FnImpl =
  | 'get_param' | 'get_resource' | 'get_file' | 'resource_facade'
  | 'get_attr_then_select' | 'get_attr' | 'get_attr_all'
  | 'list_join' | 'list_join_multi'
  | 'str_replace' | 'str_replace_json' | 'str_replace_strict' | 'str_replace_vstrict'
  | 'repeat' | 'repeat_map' | 'repeat_nested'
  | 'digest' | 'str_split' | 'map_merge' | 'map_replace' | 'yaql' | 'if' | 'if_nullable'
  | 'filter' | 'make_url' | 'list_concat' | 'list_concat_unique' | 'contains'
  | 'equals' | 'not' | 'and' | 'or'
  | 'cfn_getazs' | 'cfn_ref' | 'cfn_select' | 'cfn_join' | 'cfn_split' | 'cfn_replace' | 'cfn_base64'
  | 'cfn_member_list_to_map' | 'cfn_resource_facade'
  | 'removed';

type Table = Readonly<Record<string, FnImpl>>;

const CFN_REMOVED_2014: Table = {
  'Fn::GetAZs': 'removed', 'Fn::Join': 'removed', 'Fn::Split': 'removed', 'Fn::Replace': 'removed',
  'Fn::Base64': 'removed', 'Fn::MemberListToMap': 'removed', 'Fn::ResourceFacade': 'removed', Ref: 'removed',
};

const V20130523: Table = {
  'Fn::GetAZs': 'cfn_getazs', get_param: 'get_param', get_resource: 'get_resource', Ref: 'cfn_ref',
  get_attr: 'get_attr_then_select', 'Fn::Select': 'cfn_select', 'Fn::Join': 'cfn_join', list_join: 'list_join',
  'Fn::Split': 'cfn_split', str_replace: 'str_replace', 'Fn::Replace': 'cfn_replace', 'Fn::Base64': 'cfn_base64',
  'Fn::MemberListToMap': 'cfn_member_list_to_map', resource_facade: 'resource_facade',
  'Fn::ResourceFacade': 'cfn_resource_facade', get_file: 'get_file',
};
const V20141016: Table = {
  get_attr: 'get_attr', get_file: 'get_file', get_param: 'get_param', get_resource: 'get_resource',
  list_join: 'list_join', resource_facade: 'resource_facade', str_replace: 'str_replace', 'Fn::Select': 'cfn_select',
  ...CFN_REMOVED_2014,
};
const V20150430: Table = { ...V20141016, repeat: 'repeat', digest: 'digest' };
const V20151015: Table = {
  ...V20150430, get_attr: 'get_attr_all', list_join: 'list_join_multi', str_replace: 'str_replace_json',
  str_split: 'str_split', 'Fn::Select': 'removed',
};
const V20160408: Table = { ...V20151015, map_merge: 'map_merge' };
const V20161014: Table = { ...V20160408, repeat: 'repeat_map', yaql: 'yaql', map_replace: 'map_replace', if: 'if' };
const V20170224: Table = { ...V20161014, filter: 'filter', str_replace_strict: 'str_replace_strict' };
const V20170901: Table = {
  ...V20170224, repeat: 'repeat_nested', make_url: 'make_url', list_concat: 'list_concat',
  str_replace_vstrict: 'str_replace_vstrict', list_concat_unique: 'list_concat_unique', contains: 'contains',
};
const V20210416: Table = { ...V20170901, if: 'if_nullable' };

const COND_20161014: Table = { get_param: 'get_param', equals: 'equals', not: 'not', and: 'and', or: 'or' };
const COND_20170901: Table = { ...COND_20161014, yaql: 'yaql', contains: 'contains' };

const FUNCTIONS: Record<HotVersion, Table> = {
  '2013-05-23': V20130523, '2014-10-16': V20141016, '2015-04-30': V20150430, '2015-10-15': V20151015,
  '2016-04-08': V20160408, '2016-10-14': V20161014, '2017-02-24': V20170224, '2017-09-01': V20170901,
  '2018-03-02': V20170901, '2018-08-31': V20170901, '2021-04-16': V20210416,
};
const CONDITION_FUNCTIONS: Record<HotVersion, Table> = {
  '2013-05-23': {}, '2014-10-16': {}, '2015-04-30': {}, '2015-10-15': {}, '2016-04-08': {},
  '2016-10-14': COND_20161014, '2017-02-24': COND_20161014, '2017-09-01': COND_20170901,
  '2018-03-02': COND_20170901, '2018-08-31': COND_20170901, '2021-04-16': COND_20170901,
};

/** Every name any version knows (functions and condition functions): a single-key map using one of these
 * is a function call, so using it where the version lacks it is an error rather than a plain map. */
export const ALL_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  [...Object.values(FUNCTIONS), ...Object.values(CONDITION_FUNCTIONS)].flatMap((t) => Object.keys(t)),
);

/** The implementation of `name` in `version`'s value context, or undefined when that version lacks it. */
export function valueFunction(version: HotVersion, name: string): FnImpl | undefined {
  return Object.hasOwn(FUNCTIONS[version], name) ? FUNCTIONS[version][name] : undefined;
}

/** The implementation of `name` in `version`'s condition context (conditions section, `if`, `condition`). */
export function conditionFunction(version: HotVersion, name: string): FnImpl | undefined {
  return Object.hasOwn(CONDITION_FUNCTIONS[version], name) ? CONDITION_FUNCTIONS[version][name] : undefined;
}

/** Whether the version has the `conditions` section and resource/output `condition` (newton and later). */
export function hasConditions(version: HotVersion): boolean {
  return Object.keys(CONDITION_FUNCTIONS[version]).length > 0;
}

/** The first line of each implementation's docstring, which Heat's list_template_functions reports. */
const DESCRIPTIONS: Record<Exclude<FnImpl, 'removed'>, string> = {
  get_param: 'A function for resolving parameter references.',
  get_resource: 'A function for resolving resource references.',
  get_file: 'A function for including a file inline.',
  resource_facade: 'A function for retrieving data in a parent provider template.',
  get_attr_then_select: 'A function for resolving resource attributes.',
  get_attr: 'A function for resolving resource attributes.',
  get_attr_all: 'A function for resolving resource attributes.',
  list_join: 'A function for joining strings.',
  list_join_multi: 'A function for joining one or more lists of strings.',
  str_replace: 'A function for performing string substitutions.',
  str_replace_json: 'A function for performing string substitutions.',
  str_replace_strict: 'A function for performing string substitutions.',
  str_replace_vstrict: 'A function for performing string substitutions.',
  repeat: 'A function for iterating over a list of items.',
  repeat_map: 'A function for iterating over a list of items or a dict of keys.',
  repeat_nested: 'A function for iterating over a list of items or a dict of keys.',
  digest: 'A function for performing digest operations.',
  str_split: 'A function for splitting delimited strings into a list.',
  map_merge: 'A function for merging maps.',
  map_replace: 'A function for performing substitutions on maps.',
  yaql: 'A function for executing a yaql expression (rejected by Flotilla: see its decision 0012).',
  if: 'A function to return corresponding value based on condition evaluation.',
  if_nullable: 'A function to return corresponding value based on condition evaluation.',
  filter: 'A function for filtering out values from lists.',
  // Heat's MakeURL docstring really does start with this line.
  make_url: 'A function for performing substitutions on maps.',
  list_concat: 'A function for extending lists.',
  list_concat_unique: 'A function for extending lists with unique items.',
  contains: 'A function for checking whether specific value is in sequence.',
  equals: 'A function for comparing whether two values are equal.',
  not: 'A function that acts as a NOT operator on a condition.',
  and: 'A function that acts as an AND operator on conditions.',
  or: 'A function that acts as an OR operator on conditions.',
  cfn_getazs: 'A function for retrieving the availability zones.',
  cfn_ref: 'A function for resolving parameters or resource references.',
  cfn_select: 'A function for selecting an item from a list or map.',
  cfn_join: 'A function for joining strings.',
  cfn_split: 'A function for splitting strings.',
  cfn_replace: 'A function for performing string substitutions.',
  cfn_base64: 'A placeholder function for converting to base64.',
  cfn_member_list_to_map: 'A function to convert lists with enumerated keys and values to mapping.',
  cfn_resource_facade: 'A function for retrieving data in a parent provider template.',
};

/** For GET /template_versions/{v}/functions, as Heat's list_template_functions answers: the version's
 * functions without the removed ones; with `conditions`, the condition functions merged in. */
export function functionsOf(version: HotVersion, options: { conditions?: boolean } = {}): readonly { name: string; description: string }[] {
  const table: Record<string, FnImpl> = options.conditions === true
    ? { ...FUNCTIONS[version], ...CONDITION_FUNCTIONS[version] }
    : { ...FUNCTIONS[version] };
  return Object.entries(table)
    .flatMap(([name, impl]) => (impl === 'removed' ? [] : [{ name, description: DESCRIPTIONS[impl] }]))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `heat_template_version` value (a date string or newton..wallaby) to a HotVersion, or a TemplateError. */
export function parseVersion(value: unknown, path: readonly (string | number)[] = ['heat_template_version']): HotVersion {
  const text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString().slice(0, 10) : undefined;
  const found = HOT_VERSIONS.find((v) => v.version === text || (v.alias !== undefined && v.alias === text));
  if (found === undefined) {
    const allowed = HOT_VERSIONS.flatMap((v) => (v.alias !== undefined ? [v.version, v.alias] : [v.version])).join(', ');
    throw new TemplateError(`The template version is invalid: "heat_template_version: ${String(text ?? JSON.stringify(value))}". "heat_template_version" should be one of: ${allowed}`, path, { heatType: 'InvalidTemplateVersion' });
  }
  return found.version;
}

/** Whether `a` is `b` or later. */
export function atLeast(a: HotVersion, b: HotVersion): boolean {
  return a >= b;
}
