/**
 * Every intrinsic function's behaviour, per HOT version, with the examples of Heat's HOT specification
 * (doc/source/template_guide/hot_spec.rst) as cases. Where the specification's stated result differs from
 * what Heat's code returns, the test follows the code and says so.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TemplateError } from './errors.js';
import { evalSnippet } from './testing.js';
import { HOT_VERSIONS, type HotVersion } from './versions.js';

const ALL = HOT_VERSIONS.map((v) => v.version);
const from = (v: HotVersion): HotVersion[] => ALL.filter((x) => x >= v);
const before = (v: HotVersion): HotVersion[] => ALL.filter((x) => x < v);

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('get_param', () => {
  const spec = {
    params: { instance_type: 'm1.tiny', server_data: { metadata: { foo: 'bar' }, keys: ['a_key', 'other_key'] } },
  };
  for (const v of ALL) {
    it(`resolves names and paths (spec example) in ${v}`, async () => {
      assert.equal(await evalSnippet(v, { get_param: 'instance_type' }, spec), 'm1.tiny');
      assert.deepEqual(await evalSnippet(v, { get_param: ['server_data', 'metadata'] }, spec), { foo: 'bar' });
      assert.equal(await evalSnippet(v, { get_param: ['server_data', 'keys', 0] }, spec), 'a_key');
    });
  }
  it('accepts list indexes given as strings and yields "" for a missing path', async () => {
    assert.equal(await evalSnippet('2013-05-23', { get_param: ['server_data', 'keys', '1'] }, spec), 'other_key');
    assert.equal(await evalSnippet('2013-05-23', { get_param: ['server_data', 'nope'] }, spec), '');
    assert.equal(await evalSnippet('2013-05-23', { get_param: ['server_data', 'keys', 5] }, spec), '');
  });
  it('knows the pseudo-parameters', async () => {
    assert.equal(await evalSnippet('2015-04-30', { get_param: 'OS::stack_name' }), 'mystack');
    assert.equal(await evalSnippet('2015-04-30', { get_param: 'OS::stack_id' }), 'stack-id-1');
    assert.equal(await evalSnippet('2015-04-30', { get_param: 'OS::project_id' }), 'project-1');
  });
  it('rejects an unknown parameter, a bad shape and a non-integer list index', async () => {
    await rejects(evalSnippet('2018-08-31', { get_param: 'nope' }), /"nope".*get_param/);
    await rejects(evalSnippet('2018-08-31', { get_param: { a: 1, b: 2 } }), /Argument to "get_param" must be string or list/);
    await rejects(evalSnippet('2018-08-31', { get_param: [] }), /must have arguments/);
    await rejects(evalSnippet('2018-08-31', { get_param: [3] }), /Parameter name in "get_param" must be string/);
    await rejects(evalSnippet('2018-08-31', { get_param: ['server_data', 'keys', 'x'] }, spec), /parsed into an integer/);
  });
});

describe('get_resource', () => {
  it('is the resource reference id, null before it exists (spec example)', async () => {
    const o = { resources: { instance_port: { ref: 'port-uuid' }, instance: {} } };
    for (const v of ALL) assert.deepEqual(await evalSnippet(v, { port: { get_resource: 'instance_port' } }, o), { port: 'port-uuid' });
    assert.equal(await evalSnippet('2021-04-16', { get_resource: 'x' }, { resources: { x: { ref: null } } }), null);
  });
  it('rejects an unknown resource and a non-string argument', async () => {
    await rejects(evalSnippet('2021-04-16', { get_resource: 'ghost' }), /"ghost".*get_resource/);
    await rejects(evalSnippet('2021-04-16', { get_resource: ['a'] }), /get_resource/);
  });
});

describe('get_attr', () => {
  const networks = { public: ['2001:0db8:0000:0000:0000:ff00:0042:8329', '1.2.3.4'], private: ['10.0.0.1'] };
  const o = { resources: { my_instance: { attrs: { first_address: '1.2.3.4', networks } } } };
  it('reads an attribute in every version (spec example)', async () => {
    for (const v of ALL) assert.equal(await evalSnippet(v, { get_attr: ['my_instance', 'first_address'] }, o), '1.2.3.4');
  });
  it('follows a path from 2014-10-16 (spec example), and 2013-05-23 selects the same way', async () => {
    for (const v of ALL) assert.equal(await evalSnippet(v, { get_attr: ['my_instance', 'networks', 'private', 0] }, o), '10.0.0.1');
    assert.equal(await evalSnippet('2016-10-14', { get_attr: ['my_instance', 'networks', 'nope', 0] }, o), null);
  });
  it('returns all attributes for [resource] from 2015-10-15 only', async () => {
    for (const v of from('2015-10-15')) assert.deepEqual(await evalSnippet(v, { get_attr: ['my_instance'] }, o), { first_address: '1.2.3.4', networks });
    for (const v of before('2015-10-15')) await rejects(evalSnippet(v, { get_attr: ['my_instance'] }, o), /get_attr.*\[resource_name, attribute/);
  });
  it('rejects an unknown resource and a non-list argument', async () => {
    await rejects(evalSnippet('2017-09-01', { get_attr: ['ghost', 'x'] }, o), /"ghost".*get_attr/);
    await rejects(evalSnippet('2017-09-01', { get_attr: 'my_instance' }, o), /Argument to "get_attr" must be a list/);
  });
});

describe('get_file', () => {
  it('inlines a file of the files map (spec example)', async () => {
    const files = { 'file:///path/to/my_instance_user_data.sh': '#!/bin/sh\necho hi\n' };
    for (const v of ALL) assert.equal(await evalSnippet(v, { get_file: 'file:///path/to/my_instance_user_data.sh' }, { files }), files['file:///path/to/my_instance_user_data.sh']);
  });
  it('rejects a missing file and a non-static argument', async () => {
    await rejects(evalSnippet('2021-04-16', { get_file: 'http://example.com/x.sh' }), /No content found in the "files" section for get_file path: http:\/\/example.com\/x.sh/);
    await rejects(evalSnippet('2021-04-16', { get_file: { get_param: 'p' } }, { params: { p: 'x' } }), /Argument to "get_file" must be a string/);
  });
});

describe('list_join', () => {
  it('joins one list in every version (spec example)', async () => {
    for (const v of ALL) assert.equal(await evalSnippet(v, { list_join: [', ', ['one', 'two', 'and three']] }), 'one, two, and three');
  });
  it('joins several lists from 2015-10-15 (spec example), not before', async () => {
    for (const v of from('2015-10-15')) assert.equal(await evalSnippet(v, { list_join: [', ', ['one', 'two'], ['three', 'four']] }), 'one, two, three, four');
    for (const v of before('2015-10-15')) await rejects(evalSnippet(v, { list_join: [', ', ['one', 'two'], ['three', 'four']] }), /Incorrect arguments to "list_join"/);
  });
  it('serialises maps and lists as JSON from 2015-10-15, rejects them before', async () => {
    for (const v of from('2015-10-15')) assert.equal(await evalSnippet(v, { list_join: [' ', ['a', { b: 1, a: [2] }, null]] }), 'a {"a": [2], "b": 1} ');
    await rejects(evalSnippet('2015-04-30', { list_join: [' ', ['a', { b: 1 }]] }), /Items to join must be strings/);
  });
  it('rejects a non-string delimiter and a non-list', async () => {
    await rejects(evalSnippet('2016-04-08', { list_join: [1, ['a']] }), /delimiter must be a string/);
    await rejects(evalSnippet('2016-04-08', { list_join: [',', 'abc'] }), /must operate on a list/);
    await rejects(evalSnippet('2016-04-08', { list_join: ',' }), /Incorrect arguments to "list_join"/);
  });
});

describe('digest', () => {
  const cases: [string, string][] = [['md5', '900150983cd24fb0d6963f7d28e17f72'], ['sha1', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad']];
  it('hashes with hashlib algorithms from 2015-04-30 (spec example with a parameter)', async () => {
    for (const v of from('2015-04-30')) {
      for (const [algo, hex] of cases) assert.equal(await evalSnippet(v, { digest: [algo, 'abc'] }), hex);
      for (const algo of ['sha224', 'sha384', 'sha512']) assert.equal(await evalSnippet(v, { digest: [algo, 'abc'] }), createHash(algo).update('abc').digest('hex'));
      assert.equal(await evalSnippet(v, { digest: ['sha512', { get_param: 'raw_password' }] }, { params: { raw_password: 'secret' } }), createHash('sha512').update('secret').digest('hex'));
    }
  });
  it('does not exist before 2015-04-30; rejects unknown algorithms and bad shapes', async () => {
    for (const v of before('2015-04-30')) await rejects(evalSnippet(v, { digest: ['md5', 'abc'] }), new RegExp(`"digest" is not supported in HOT version ${v}`));
    await rejects(evalSnippet('2015-04-30', { digest: ['rot13', 'abc'] }), /Algorithm must be one of/);
    await rejects(evalSnippet('2015-04-30', { digest: ['md5'] }), /usage/);
    await rejects(evalSnippet('2015-04-30', { digest: 'md5' }), /must be a list of strings/);
  });
});

describe('repeat', () => {
  it('repeats a template for each list item (spec example: security group rules)', async () => {
    for (const v of from('2015-04-30')) {
      const r = await evalSnippet(v, { repeat: { for_each: { '<%port%>': { get_param: 'ports' } }, template: { protocol: 'tcp', port_range_min: '<%port%>', port_range_max: '<%port%>' } } }, { params: { ports: '80,443,8080' }, types: { ports: 'comma_delimited_list' } });
      assert.deepEqual(r, [
        { protocol: 'tcp', port_range_min: '80', port_range_max: '80' },
        { protocol: 'tcp', port_range_min: '443', port_range_max: '443' },
        { protocol: 'tcp', port_range_min: '8080', port_range_max: '8080' },
      ]);
    }
  });
  it('nests loops over several lists (spec example: ports x protocols)', async () => {
    const r = await evalSnippet('2015-04-30', { repeat: { for_each: { '<%port%>': { get_param: 'ports' }, '<%protocol%>': { get_param: 'protocols' } }, template: { protocol: '<%protocol%>', port_range_min: '<%port%>' } } },
      { params: { ports: '80,443,8080', protocols: 'tcp,udp' }, types: { ports: 'comma_delimited_list', protocols: 'comma_delimited_list' } });
    assert.deepEqual(r, [
      { protocol: 'tcp', port_range_min: '80' }, { protocol: 'udp', port_range_min: '80' },
      { protocol: 'tcp', port_range_min: '443' }, { protocol: 'udp', port_range_min: '443' },
      { protocol: 'tcp', port_range_min: '8080' }, { protocol: 'udp', port_range_min: '8080' },
    ]);
  });
  it('iterates a map\'s keys from 2016-10-14 only', async () => {
    for (const v of from('2016-10-14')) assert.deepEqual(await evalSnippet(v, { repeat: { for_each: { '%k%': { a: 1, b: 2 } }, template: 'x-%k%' } }), ['x-a', 'x-b']);
    for (const v of ['2015-04-30', '2015-10-15', '2016-04-08'] as const) await rejects(evalSnippet(v, { repeat: { for_each: { '%k%': { a: 1 } }, template: 'x' } }), /must be lists/);
  });
  it('zips with permutations: false from 2017-09-01 (spec example: subnets and networks)', async () => {
    // The specification shows "sub1, sub2" giving sub2 without its space; Heat's list split keeps it.
    const o = { params: { subnets: 'sub1, sub2', networks: 'net1, net2' }, types: { subnets: 'comma_delimited_list' as const, networks: 'comma_delimited_list' as const } };
    const snippet = { repeat: { for_each: { '<%sub%>': { get_param: 'subnets' }, '<%net%>': { get_param: 'networks' } }, template: { subnet: '<%sub%>', network: '<%net%>' }, permutations: false } };
    for (const v of from('2017-09-01')) assert.deepEqual(await evalSnippet(v, snippet, o), [{ subnet: 'sub1', network: 'net1' }, { subnet: ' sub2', network: ' net2' }]);
    await rejects(evalSnippet('2017-09-01', { repeat: { for_each: { '%a%': ['1', '2'], '%b%': ['1'] }, template: 'x', permutations: false } }), /length of for_each values should be equal/);
    await rejects(evalSnippet('2017-09-01', { repeat: { for_each: { '%a%': ['1'] }, template: 'x', permutations: 'no' } }), /"permutations" should be boolean/);
  });
  it('does not exist before 2015-04-30 and rejects bad shapes', async () => {
    for (const v of before('2015-04-30')) await rejects(evalSnippet(v, { repeat: { for_each: { '%a%': ['1'] }, template: '%a%' } }), /"repeat" is not supported/);
    await rejects(evalSnippet('2015-04-30', { repeat: { template: 'x' } }), /"repeat" syntax should be/);
    await rejects(evalSnippet('2015-04-30', { repeat: { for_each: ['a'], template: 'x' } }), /must contain a map/);
    await rejects(evalSnippet('2015-04-30', { repeat: { for_each: { '%a%': 'abc' }, template: 'x' } }), /must be lists/);
  });
});

describe('resource_facade', () => {
  it('reads the parent resource\'s metadata, deletion_policy and update_policy', async () => {
    const facade = { metadata: { a: 1 }, deletion_policy: 'Retain', update_policy: { batch: 2 } };
    for (const v of ALL) {
      assert.deepEqual(await evalSnippet(v, { resource_facade: 'metadata' }, { facade }), { a: 1 });
      assert.equal(await evalSnippet(v, { resource_facade: 'deletion_policy' }, { facade }), 'Retain');
      assert.deepEqual(await evalSnippet(v, { resource_facade: 'update_policy' }, { facade }), { batch: 2 });
    }
  });
  it('rejects other data types and use outside a provider template', async () => {
    await rejects(evalSnippet('2021-04-16', { resource_facade: 'type' }), /should be one of: metadata, deletion_policy, update_policy/);
    await rejects(evalSnippet('2021-04-16', { resource_facade: 'metadata' }), /only valid in a provider template/);
  });
});

describe('str_replace', () => {
  it('builds a URL in an output (spec example)', async () => {
    for (const v of ALL) {
      const r = await evalSnippet(v, { str_replace: { template: 'http://host/MyApplication', params: { host: { get_attr: ['my_instance', 'first_address'] } } } }, { resources: { my_instance: { attrs: { first_address: '10.0.0.5' } } } });
      assert.equal(r, 'http://10.0.0.5/MyApplication');
    }
  });
  it('builds a user_data script (spec example)', async () => {
    const template = '#!/bin/bash\necho "Hello world"\necho "Setting MySQL root password"\nmysqladmin -u root password $db_rootpassword\n# do more things ...\n';
    const r = await evalSnippet('2013-05-23', { str_replace: { template, params: { $db_rootpassword: { get_param: 'DBRootPassword' } } } }, { params: { DBRootPassword: 's3cr3t' } });
    assert.equal(r, template.replace('$db_rootpassword', 's3cr3t'));
  });
  it('prefers longer keys, then lexically smaller ones, and never re-replaces a value', async () => {
    assert.equal(await evalSnippet('2016-04-08', { str_replace: { template: 'foo foobar', params: { foo: 'X', foobar: 'Y' } } }), 'X Y');
    assert.equal(await evalSnippet('2016-04-08', { str_replace: { template: 'ab', params: { a: 'b', b: 'c' } } }), 'bc');
  });
  it('takes numbers always, and maps and lists as JSON from 2015-10-15 only', async () => {
    for (const v of ALL) assert.equal(await evalSnippet(v, { str_replace: { template: 'n=N b=B z=Z', params: { N: 3, B: true, Z: null } } }), 'n=3 b=True z=');
    for (const v of from('2015-10-15')) assert.equal(await evalSnippet(v, { str_replace: { template: 'x=X', params: { X: { b: [1], a: 'q' } } } }), 'x={"a": "q", "b": [1]}');
    for (const v of before('2015-10-15')) await rejects(evalSnippet(v, { str_replace: { template: 'x=X', params: { X: [1] } } }), /params must be strings or numbers, param X is not valid/);
  });
  it('rejects bad shapes', async () => {
    await rejects(evalSnippet('2021-04-16', { str_replace: { template: 'x' } }), /"str_replace" syntax should be/);
    await rejects(evalSnippet('2021-04-16', { str_replace: ['a', 'b'] }), /Arguments to "str_replace" must be a map/);
    await rejects(evalSnippet('2021-04-16', { str_replace: { template: 'x', params: ['a'] } }), /parameters must be a mapping/);
    await rejects(evalSnippet('2021-04-16', { str_replace: { template: ['x'], params: {} } }), /template must be a string/);
  });
});

describe('str_replace_strict and str_replace_vstrict', () => {
  it('str_replace_strict exists from 2017-02-24 and fails on params absent from the template', async () => {
    for (const v of from('2017-02-24')) {
      assert.equal(await evalSnippet(v, { str_replace_strict: { template: 'a-X', params: { X: 'b' } } }), 'a-b');
      await rejects(evalSnippet(v, { str_replace_strict: { template: 'a-X', params: { X: 'b', Y: 'c', ZZ: 'd' } } }), /The following params were not found in the template: ZZ,Y/);
      assert.equal(await evalSnippet(v, { str_replace_strict: { template: 'a-X', params: { X: '' } } }), 'a-');
    }
    for (const v of before('2017-02-24')) await rejects(evalSnippet(v, { str_replace_strict: { template: 'a', params: {} } }), /"str_replace_strict" is not supported/);
  });
  it('str_replace_vstrict exists from 2017-09-01 and also fails on empty values', async () => {
    for (const v of from('2017-09-01')) {
      assert.equal(await evalSnippet(v, { str_replace_vstrict: { template: 'a-X', params: { X: 'b' } } }), 'a-b');
      await rejects(evalSnippet(v, { str_replace_vstrict: { template: 'a-X', params: { X: '' } } }), /str_replace_vstrict has an undefined or empty value for param X/);
      await rejects(evalSnippet(v, { str_replace_vstrict: { template: 'a-X', params: { X: null } } }), /empty value for param X/);
      await rejects(evalSnippet(v, { str_replace_vstrict: { template: 'a-X', params: { X: [] } } }), /empty value for param X/);
    }
    await rejects(evalSnippet('2017-02-24', { str_replace_vstrict: { template: 'a', params: {} } }), /"str_replace_vstrict" is not supported in HOT version 2017-02-24/);
  });
});

describe('str_split', () => {
  it('splits, optionally picking an index, from 2015-10-15 (spec examples)', async () => {
    for (const v of from('2015-10-15')) {
      assert.deepEqual(await evalSnippet(v, { str_split: [',', 'string,to,split'] }), ['string', 'to', 'split']);
      assert.equal(await evalSnippet(v, { str_split: [',', 'string,to,split', 0] }), 'string');
      await rejects(evalSnippet(v, { str_split: [',', 'string,to,split', 3] }), /Incorrect index to "str_split" should be between 0 and 2/);
    }
    for (const v of before('2015-10-15')) await rejects(evalSnippet(v, { str_split: [',', 'a,b'] }), /"str_split" is not supported/);
  });
  it('rejects bad shapes', async () => {
    await rejects(evalSnippet('2016-10-14', { str_split: 'a,b' }), /Incorrect arguments to "str_split"/);
    await rejects(evalSnippet('2016-10-14', { str_split: [','] }), /Incorrect arguments to "str_split"/);
  });
});

describe('map_merge', () => {
  it('merges maps, later ones winning, from 2016-04-08 (spec example)', async () => {
    for (const v of from('2016-04-08')) {
      assert.deepEqual(await evalSnippet(v, { map_merge: [{ k1: 'v1', k2: 'v2' }, { k1: 'v2' }] }), { k1: 'v2', k2: 'v2' });
      assert.deepEqual(await evalSnippet(v, { map_merge: [{}, null] }), {});
    }
    for (const v of before('2016-04-08')) await rejects(evalSnippet(v, { map_merge: [{ a: 1 }] }), /"map_merge" is not supported/);
    await rejects(evalSnippet('2016-04-08', { map_merge: [{ a: 1 }, ['b']] }), /Items to merge must be maps/);
  });
});

describe('map_replace', () => {
  it('replaces keys and values from 2016-10-14 (spec example)', async () => {
    for (const v of from('2016-10-14')) {
      assert.deepEqual(await evalSnippet(v, { map_replace: [{ k1: 'v1', k2: 'v2' }, { keys: { k1: 'K1' }, values: { v2: 'V2' } }] }), { K1: 'v1', k2: 'V2' });
      assert.deepEqual(await evalSnippet(v, { map_replace: [{ k1: ['v1'] }, { values: { v1: 'x' } }] }), { k1: ['v1'] });
    }
    for (const v of before('2016-10-14')) await rejects(evalSnippet(v, { map_replace: [{}, {}] }), /"map_replace" is not supported/);
  });
  it('fails on key collisions and bad shapes', async () => {
    await rejects(evalSnippet('2016-10-14', { map_replace: [{ k1: 'a', k2: 'b' }, { keys: { k1: 'k2' } }] }), /key replacement k2 collides with a key in the input map/);
    await rejects(evalSnippet('2016-10-14', { map_replace: [{ k1: 'a', k2: 'b' }, { keys: { k1: 'x', k2: 'x' } }] }), /key replacement x collides with a key in the output map/);
    await rejects(evalSnippet('2016-10-14', { map_replace: [{ k1: 'a' }, { kyes: {} }] }), /Incorrect arguments to "map_replace"/);
    await rejects(evalSnippet('2016-10-14', { map_replace: [{ k1: 'a' }] }), /Incorrect arguments to "map_replace"/);
  });
});

describe('yaql', () => {
  it('is rejected by Flotilla wherever a version has it, naming the function (spec example)', async () => {
    const spec = { yaql: { expression: '$.data.list_param.select(int($)).max()', data: { list_param: { get_param: 'list_param' } } } };
    for (const v of from('2016-10-14')) await rejects(evalSnippet(v, spec, { params: { list_param: ['1', '2', '3'] } }), /The yaql function is not supported by Flotilla/);
    for (const v of before('2016-10-14')) await rejects(evalSnippet(v, spec, { params: { list_param: ['1', '2', '3'] } }), /"yaql" is not supported in HOT version/);
  });
});

describe('if', () => {
  const conditions = { create_prod_res: { equals: [{ get_param: 'env_type' }, 'prod'] } };
  it('picks a branch by a condition from 2016-10-14 (spec example)', async () => {
    for (const v of from('2016-10-14')) {
      const snippet = { name: { if: ['create_prod_res', 's_prod', 's_test'] } };
      assert.deepEqual(await evalSnippet(v, snippet, { params: { env_type: 'prod' }, conditions }), { name: 's_prod' });
      assert.deepEqual(await evalSnippet(v, snippet, { params: { env_type: 'test' }, conditions }), { name: 's_test' });
      assert.equal(await evalSnippet(v, { if: [{ equals: [{ get_param: 'env_type' }, 'test'] }, 1, 2] }, { params: { env_type: 'test' }, conditions }), 1);
      assert.equal(await evalSnippet(v, { if: [true, 1, 2] }, { params: { env_type: 'x' }, conditions }), 1);
    }
    for (const v of before('2016-10-14')) await rejects(evalSnippet(v, { if: [true, 1, 2] }), /"if" is not supported/);
  });
  it('evaluates only the chosen branch', async () => {
    assert.equal(await evalSnippet('2016-10-14', { if: [false, { get_file: 'nothere' }, 'ok'] }, { files: { nothere: 'x' } }), 'ok');
    assert.equal(await evalSnippet('2016-10-14', { if: [false, { str_split: [',', 'a', 9] }, 'ok'] }), 'ok');
  });
  it('elides the enclosing item with two arguments and a false condition, from wallaby (spec example)', async () => {
    const c = { override_name: { not: { equals: [{ get_param: 'server_name' }, ''] } } };
    const snippet = { name: { if: ['override_name', { get_param: 'server_name' }] } };
    assert.deepEqual(await evalSnippet('2021-04-16', snippet, { params: { server_name: 'web' }, types: { server_name: 'string' }, conditions: c }), { name: 'web' });
    assert.deepEqual(await evalSnippet('2021-04-16', snippet, { params: { server_name: '' }, types: { server_name: 'string' }, conditions: c }), {});
    assert.deepEqual(await evalSnippet('2021-04-16', ['a', { if: [false, 'b'] }, 'c']), ['a', 'c']);
    assert.equal(await evalSnippet('2021-04-16', { if: [false, 'b'] }), null);
    for (const v of ['2016-10-14', '2017-02-24', '2017-09-01', '2018-03-02', '2018-08-31'] as const) {
      await rejects(evalSnippet(v, { if: [true, 'b'] }), /Arguments to "if" must be of the form: \[condition_name, value_if_true, value_if_false\]/);
    }
  });
  it('rejects unknown conditions and non-condition functions as the condition', async () => {
    const params = { env_type: 'x' };
    await rejects(evalSnippet('2016-10-14', { if: ['nope', 1, 2] }, { params, conditions }), /Invalid condition "nope"/);
    await rejects(evalSnippet('2016-10-14', { if: [{ get_resource: 'r' }, 1, 2] }, { params, conditions, resources: { r: {} } }), /"get_resource" is invalid in this context/);
  });
});

describe('condition functions: equals, not, and, or, contains', () => {
  const base = { params: { env_type: 'prod', zone: 'shanghai' } };
  const run = async (v: HotVersion, cond: unknown, extra: Record<string, unknown> = {}): Promise<unknown> =>
    evalSnippet(v, { if: ['c', true, false] }, { ...base, conditions: { ...extra, c: cond } });
  it('equals compares any values (spec example)', async () => {
    for (const v of from('2016-10-14')) {
      assert.equal(await run(v, { equals: [{ get_param: 'env_type' }, 'prod'] }), true);
      assert.equal(await run(v, { equals: [{ get_param: 'env_type' }, 'test'] }), false);
      assert.equal(await run(v, { equals: [[1, { a: 2 }], [1, { a: 2 }]] }), true);
    }
  });
  it('not negates an expression, a boolean or another condition (spec examples)', async () => {
    for (const v of from('2016-10-14')) {
      assert.equal(await run(v, { not: { equals: [{ get_param: 'env_type' }, 'prod'] } }), false);
      assert.equal(await run(v, { not: true }), false);
      assert.equal(await run(v, { not: 'my_other_condition' }, { my_other_condition: true }), false);
    }
  });
  it('and / or combine conditions (spec examples)', async () => {
    const notBeijing = { not: { equals: [{ get_param: 'zone' }, 'beijing'] } };
    for (const v of from('2016-10-14')) {
      assert.equal(await run(v, { and: [{ equals: [{ get_param: 'env_type' }, 'prod'] }, notBeijing] }), true);
      assert.equal(await run(v, { or: [{ equals: [{ get_param: 'env_type' }, 'test'] }, notBeijing] }), true);
      assert.equal(await run(v, { and: ['other_condition_1', 'other_condition_2'] }, { other_condition_1: true, other_condition_2: false }), false);
      assert.equal(await run(v, { or: ['other_condition_1', 'other_condition_2'] }, { other_condition_1: true, other_condition_2: false }), true);
      await rejects(run(v, { and: [true] }), /minimum number of condition arguments to "and" is 2/);
      await rejects(run(v, { or: 'x' }), /Arguments to "or" must be a list of conditions/);
      await rejects(run(v, { equals: [1] }), /Arguments to "equals" must be of the form: \[value_1, value_2\]/);
    }
  });
  it('contains tests membership from 2017-09-01, as a function and as a condition (spec example)', async () => {
    for (const v of from('2017-09-01')) {
      assert.equal(await evalSnippet(v, { contains: ['v1', ['v1', 'v2', 'v3']] }), true);
      assert.equal(await evalSnippet(v, { contains: ['v4', ['v1', 'v2', 'v3']] }), false);
      assert.equal(await run(v, { contains: ['neutron', { get_param: 'ServiceNames' }] }, {}).catch(() => 'needs-param'), 'needs-param');
    }
    for (const v of before('2017-09-01')) await rejects(evalSnippet(v, { contains: ['v1', ['v1']] }), /"contains" is not supported/);
    await rejects(evalSnippet('2017-09-01', { contains: ['v1', 'v1', 'v2'] }), /Arguments to "contains" must be of the form/);
    await rejects(evalSnippet('2017-09-01', { contains: ['v1', 5] }), /Second argument to "contains" should be a sequence/);
  });
  it('equals and friends are only allowed in conditions', async () => {
    await rejects(evalSnippet('2016-10-14', { equals: [1, 1] }), /"equals" is only allowed in conditions/);
  });
});

describe('filter', () => {
  it('removes values from a list from 2017-02-24 (spec example)', async () => {
    for (const v of from('2017-02-24')) {
      // The specification's list_param default [1, 2, 3] is a comma_delimited_list: its items are the
      // strings '1', '2', '3', and Heat's filter compares with ==, so filtering [3] removes nothing; ['3'] does.
      const o = { params: { list_param: [1, 2, 3] }, types: { list_param: 'comma_delimited_list' as const } };
      assert.deepEqual(await evalSnippet(v, { filter: [[3], { get_param: 'list_param' }] }, o), ['1', '2', '3']);
      assert.deepEqual(await evalSnippet(v, { filter: [['3'], { get_param: 'list_param' }] }, o), ['1', '2']);
      assert.deepEqual(await evalSnippet(v, { filter: [[3], [1, 2, 3]] }), [1, 2]);
      assert.deepEqual(await evalSnippet(v, { filter: [null, [1, 2]] }), [1, 2]);
    }
    for (const v of before('2017-02-24')) await rejects(evalSnippet(v, { filter: [[3], [1, 2, 3]] }), /"filter" is not supported/);
    await rejects(evalSnippet('2017-02-24', { filter: [[3]] }), /"filter" expected 2 arguments of the form \[values, sequence\] but got 1 arguments instead/);
    await rejects(evalSnippet('2017-02-24', { filter: [[3], 'abc'] }), /"filter" only works with lists/);
  });
});

describe('make_url', () => {
  const spec = { make_url: { scheme: 'http', host: { get_attr: ['server', 'networks', 'private', 0] }, port: 8080, path: '/hello', query: { recipient: 'world' }, fragment: 'greeting' } };
  it('builds URLs, bracketing IPv6 hosts, from 2017-09-01 (spec example)', async () => {
    for (const v of from('2017-09-01')) {
      assert.equal(await evalSnippet(v, spec, { resources: { server: { attrs: { networks: { private: ['2001:db8::5'] } } } } }), 'http://[2001:db8::5]:8080/hello?recipient=world#greeting');
      assert.equal(await evalSnippet(v, spec, { resources: { server: { attrs: { networks: { private: ['10.0.0.5'] } } } } }), 'http://10.0.0.5:8080/hello?recipient=world#greeting');
    }
    for (const v of before('2017-09-01')) await rejects(evalSnippet(v, { make_url: { host: 'a' } }), /"make_url" is not supported/);
  });
  it('escapes credentials, path and query', async () => {
    assert.equal(await evalSnippet('2017-09-01', { make_url: { scheme: 'https', username: 'u@x', password: 'p:w', host: 'h', path: '/a b', query: { q: 'a b/c', r: 'x&y' } } }), 'https://u%40x:p%3Aw@h/a%20b?q=a+b/c&r=x%26y');
  });
  it('rejects bad arguments', async () => {
    await rejects(evalSnippet('2017-09-01', { make_url: { host: 'h', port: 70000 } }), /Invalid URL port 70000, must be in range 1-65535/);
    await rejects(evalSnippet('2017-09-01', { make_url: { host: 'h', port: 'http' } }), /Invalid URL port "http"/);
    await rejects(evalSnippet('2017-09-01', { make_url: { host: 'h', colour: 'red' } }), /Invalid arguments to "make_url": colour/);
    await rejects(evalSnippet('2017-09-01', { make_url: { host: 'h', query: 'a=b' } }), /The "query" argument to "make_url" must be a map/);
    await rejects(evalSnippet('2017-09-01', { make_url: { host: ['h'] } }), /The "host" argument to "make_url" must be a string/);
    await rejects(evalSnippet('2017-09-01', { make_url: ['h'] }), /The arguments to "make_url" must be a map/);
  });
});

describe('list_concat and list_concat_unique', () => {
  it('concatenate lists from 2017-09-01, ignoring nulls (spec examples)', async () => {
    for (const v of from('2017-09-01')) {
      assert.deepEqual(await evalSnippet(v, { list_concat: [['v1', 'v2'], ['v3', 'v4']] }), ['v1', 'v2', 'v3', 'v4']);
      assert.deepEqual(await evalSnippet(v, { list_concat: [['v1'], null] }), ['v1']);
      assert.deepEqual(await evalSnippet(v, { list_concat_unique: [['v1', 'v2'], ['v2', 'v3']] }), ['v1', 'v2', 'v3']);
    }
    for (const v of before('2017-09-01')) {
      await rejects(evalSnippet(v, { list_concat: [['a']] }), /"list_concat" is not supported/);
      await rejects(evalSnippet(v, { list_concat_unique: [['a']] }), /"list_concat_unique" is not supported/);
    }
    await rejects(evalSnippet('2017-09-01', { list_concat: [['a'], 'b'] }), /Items to concat must be lists/);
    await rejects(evalSnippet('2017-09-01', { list_concat: 'ab' }), /Incorrect arguments to "list_concat"/);
  });
});

describe('CloudFormation functions', () => {
  it('2013-05-23 has Fn::Select, Fn::Join, Fn::Split, Fn::Replace, Fn::Base64, Fn::MemberListToMap, Fn::GetAZs, Ref, Fn::ResourceFacade', async () => {
    const v = '2013-05-23';
    assert.equal(await evalSnippet(v, { 'Fn::Select': ['1', ['a', 'b', 'c']] }), 'b');
    assert.equal(await evalSnippet(v, { 'Fn::Select': ['k', { k: 'v' }] }), 'v');
    assert.equal(await evalSnippet(v, { 'Fn::Select': ['5', ['a']] }), '');
    assert.equal(await evalSnippet(v, { 'Fn::Join': ['-', ['a', 'b']] }), 'a-b');
    assert.deepEqual(await evalSnippet(v, { 'Fn::Split': [',', 'a,b'] }), ['a', 'b']);
    assert.equal(await evalSnippet(v, { 'Fn::Replace': [{ $x: 'y' }, 'a $x'] }), 'a y');
    assert.equal(await evalSnippet(v, { 'Fn::Base64': 'plain' }), 'plain');
    assert.deepEqual(await evalSnippet(v, { 'Fn::MemberListToMap': ['Name', 'Value', ['.member.0.Name=key', '.member.0.Value=door', '.member.1.Name=k2', '.member.1.Value=v2']] }), { key: 'door', k2: 'v2' });
    assert.deepEqual(await evalSnippet(v, { 'Fn::GetAZs': '' }), ['nova']);
    assert.equal(await evalSnippet(v, { Ref: 'p' }, { params: { p: 'pv' } }), 'pv');
    assert.equal(await evalSnippet(v, { Ref: 'r' }, { resources: { r: { ref: 'rid' } } }), 'rid');
    assert.deepEqual(await evalSnippet(v, { 'Fn::ResourceFacade': 'Metadata' }, { facade: { metadata: { m: 1 } } }), { m: 1 });
  });
  it('2014-10-16 keeps only Fn::Select; 2015-10-15 removes it', async () => {
    for (const v of ['2014-10-16', '2015-04-30'] as const) {
      assert.equal(await evalSnippet(v, { 'Fn::Select': [0, ['a']] }), 'a');
      for (const f of ['Fn::Join', 'Fn::Split', 'Fn::Replace', 'Fn::Base64', 'Fn::MemberListToMap', 'Fn::GetAZs', 'Fn::ResourceFacade', 'Ref']) {
        await rejects(evalSnippet(v, { [f]: ['x', 'y'] }), new RegExp(`The function ${f} is not supported in this version of HOT \\(${v}\\)`));
      }
    }
    for (const v of from('2015-10-15')) await rejects(evalSnippet(v, { 'Fn::Select': [0, ['a']] }), /Fn::Select is not supported in this version of HOT/);
  });
  it('an unknown Fn:: function is rejected, naming it and the version', async () => {
    await rejects(evalSnippet('2013-05-23', { 'Fn::Frobnicate': 1 }), /"Fn::Frobnicate" is not supported in HOT version 2013-05-23/);
  });
});

describe('cases from Heat\'s own unit tests (heat/tests/test_hot.py)', () => {
  it('str_replace: longest keys first, a single pass, equal lengths in lexical order', async () => {
    const p = { 1: 'a', 12: 'b', 123: 'c', 1234: 'd', 12345: 'e', 123456: 'f', 1234567: 'g' };
    assert.equal(await evalSnippet('2013-05-23', { str_replace: { template: '1234567890', params: p } }), 'g890');
    assert.equal(await evalSnippet('2013-05-23', { str_replace: { template: '1234567890', params: { 1: 'a', 4: 'd', 8: 'h', 9: 'i', 123: '1', 456: '4', 890: '8', 90: '9' } } }), '1478');
    assert.equal(await evalSnippet('2013-05-23', { str_replace: { template: '9876543210', params: { 987654: 'a', 876543: 'b', 765432: 'c', 654321: 'd', 543210: 'e' } } }), '9876e');
  });
  it('list_join of maps: JSON from liberty, Heat\'s message before', async () => {
    const snippet = { list_join: [',', [{ foo: 'json' }, { foo2: 'json2' }]] };
    assert.equal(await evalSnippet('2015-10-15', snippet), '{"foo": "json"},{"foo2": "json2"}');
    await rejects(evalSnippet('2015-04-30', snippet), /Items to join must be strings not \{'foo': 'json'\}/);
  });
  it('map_merge over a repeat, map_replace edge cases', async () => {
    assert.deepEqual(await evalSnippet('2016-04-08', { map_merge: { repeat: { template: { ROLE: 'ROLE' }, for_each: { ROLE: ['role1', 'role2'] } } } }), { role1: 'role1', role2: 'role2' });
    assert.deepEqual(await evalSnippet('2016-10-14', { map_replace: [{ f1: 'b1', f2: 'b2' }, { keys: { f2: 'f2' } }] }), { f1: 'b1', f2: 'b2' });
    assert.deepEqual(await evalSnippet('2016-10-14', { map_replace: [{ f1: 'b1', f2: 'b2' }, { values: null }] }), { f1: 'b1', f2: 'b2' });
  });
  it('filter refuses maps and strings; list_concat keeps repeated maps; contains works on strings', async () => {
    await rejects(evalSnippet('2017-02-24', { filter: [[null], { a: 1 }] }), /"filter" only works with lists/);
    await rejects(evalSnippet('2017-02-24', { filter: [['a'], 'abcd'] }), /"filter" only works with lists/);
    assert.deepEqual(await evalSnippet('2017-09-01', { list_concat: [[{ v1: 'v2' }], [{ v1: 'v2' }]] }), [{ v1: 'v2' }, { v1: 'v2' }]);
    assert.deepEqual(await evalSnippet('2017-09-01', { list_concat_unique: [[{ v1: 'v2' }], [{ v1: 'v2' }]] }), [{ v1: 'v2' }]);
    assert.equal(await evalSnippet('2017-09-01', { contains: ['a', 'abc'] }), true);
  });
  it('str_split of null is null; if may return null', async () => {
    assert.equal(await evalSnippet('2015-10-15', { str_split: ['.', null] }), null);
    assert.equal(await evalSnippet('2016-10-14', { if: [true, null, 'value_if_false'] }), null);
  });
  it('make_url: the cases of test_make_url_*', async () => {
    const u = async (args: Record<string, unknown>): Promise<unknown> => evalSnippet('2017-09-01', { make_url: args });
    assert.equal(await u({ scheme: 'http', host: 'example.com', path: '/foo/bar' }), 'http://example.com/foo/bar');
    assert.equal(await u({ scheme: 'http', host: '::1', path: '/foo/bar' }), 'http://[::1]/foo/bar');
    assert.equal(await u({ scheme: 'http', host: '[::1]', path: '/foo/bar' }), 'http://[::1]/foo/bar');
    assert.equal(await u({ scheme: 'https', host: 'example.com', port: '80', path: '/foo/bar' }), 'https://example.com:80/foo/bar');
    assert.equal(await u({ scheme: 'https', host: 'example.com', port: 80, path: '/foo/bar' }), 'https://example.com:80/foo/bar');
    await rejects(u({ scheme: 'https', host: 'example.com', port: 100000 }), /Invalid URL port 100000/);
    await rejects(u({ scheme: 'https', host: 'example.com', port: '0' }), /Invalid URL port 0/);
    await rejects(u({ scheme: 'https', host: 'example.com', port: '1.1' }), /Invalid URL port "1.1"/);
    assert.equal(await u({ scheme: 'http', username: 'wibble', host: 'example.com', path: '/foo/bar' }), 'http://wibble@example.com/foo/bar');
    assert.equal(await u({ scheme: 'http', username: 'wibble', password: 'blarg', host: 'example.com', path: '/foo/bar' }), 'http://wibble:blarg@example.com/foo/bar');
    assert.equal(await u({ scheme: 'http', host: 'example.com', path: '/foo/?bar', query: { 'foo#': 'bar & baz', blarg: '/wib=ble/' } }), 'http://example.com/foo/%3Fbar?foo%23=bar+%26+baz&blarg=/wib%3Dble/');
    assert.equal(await u({ scheme: 'http', host: 'example.com', path: 'foo/bar', fragment: 'baz' }), 'http://example.com/foo/bar#baz');
    assert.equal(await u({ scheme: 'file', path: 'foo/bar' }), 'file:foo/bar');
    assert.equal(await u({ scheme: 'file', path: '/foo/bar' }), 'file:///foo/bar');
    await rejects(evalSnippet('2017-09-01', { make_url: 'http://example.com/foo/bar' }), /The arguments to "make_url" must be a map/);
  });
});
