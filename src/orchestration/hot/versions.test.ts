/** Each version's functions and condition functions exactly as the HOT specification's "Heat template
 * version" section lists them. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { functionsOf, HOT_VERSIONS, parseVersion, type HotVersion } from './versions.js';

const BASE = ['get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'resource_facade', 'str_replace'];
const NEWTON = ['digest', 'get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'map_merge', 'map_replace', 'repeat', 'resource_facade', 'str_replace', 'str_split', 'yaql', 'if'];
const OCATA = [...NEWTON, 'filter', 'str_replace_strict'];
const PIKE = [...OCATA, 'make_url', 'list_concat', 'list_concat_unique', 'contains', 'str_replace_vstrict'];
const COND_NEWTON = ['equals', 'get_param', 'not', 'and', 'or'];
const COND_PIKE = [...COND_NEWTON, 'yaql', 'contains'];

const SPEC: Record<HotVersion, { functions: string[]; conditions: string[] }> = {
  '2013-05-23': { functions: [...BASE, 'Fn::Base64', 'Fn::GetAZs', 'Fn::Join', 'Fn::MemberListToMap', 'Fn::Replace', 'Fn::ResourceFacade', 'Fn::Select', 'Fn::Split', 'Ref'], conditions: [] },
  '2014-10-16': { functions: [...BASE, 'Fn::Select'], conditions: [] },
  '2015-04-30': { functions: [...BASE, 'repeat', 'digest', 'Fn::Select'], conditions: [] },
  '2015-10-15': { functions: [...BASE, 'repeat', 'digest', 'str_split'], conditions: [] },
  '2016-04-08': { functions: [...BASE, 'repeat', 'digest', 'str_split', 'map_merge'], conditions: [] },
  '2016-10-14': { functions: NEWTON, conditions: COND_NEWTON },
  '2017-02-24': { functions: OCATA, conditions: COND_NEWTON },
  '2017-09-01': { functions: PIKE, conditions: COND_PIKE },
  '2018-03-02': { functions: PIKE, conditions: COND_PIKE },
  '2018-08-31': { functions: PIKE, conditions: COND_PIKE },
  '2021-04-16': { functions: PIKE, conditions: COND_PIKE },
};

describe('versions', () => {
  for (const { version } of HOT_VERSIONS) {
    it(`${version} has the specification's functions and condition functions`, () => {
      const fns = functionsOf(version).map((f) => f.name).sort();
      assert.deepEqual(fns, [...SPEC[version].functions].sort());
      const withConditions = functionsOf(version, { conditions: true }).map((f) => f.name);
      assert.deepEqual(withConditions.filter((n) => !fns.includes(n)).sort(), SPEC[version].conditions.filter((n) => !fns.includes(n)).sort());
    });
  }
  it('accepts the aliases newton to wallaby and nothing else', () => {
    assert.deepEqual(HOT_VERSIONS.flatMap((v) => (v.alias === undefined ? [] : [v.alias])), ['newton', 'ocata', 'pike', 'queens', 'rocky', 'wallaby']);
    assert.equal(parseVersion('wallaby'), '2021-04-16');
    assert.throws(() => parseVersion('mitaka'), /template version is invalid/);
  });
});
