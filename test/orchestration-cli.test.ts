/**
 * Orchestration through the real openstack CLI (python-heatclient's `openstack stack …`) against the real
 * all-in-one cloud: create with --wait, show, output show, update --existing with a new parameter,
 * event list, resource list, delete --wait, for a template of RandomString, Value and a ResourceGroup.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { cliUnavailable, openstack, openstackJson } from './support/cli.js';

const heatclient = fs.existsSync('/usr/lib/python3/dist-packages/heatclient') ? undefined : 'python3-heatclient is not installed (apt-get install python3-heatclient)';
const skip = cliUnavailable() ?? heatclient;

const TEMPLATE = `heat_template_version: 2018-08-31
description: CLI test stack
parameters:
  length:
    type: number
    default: 16
  greeting:
    type: string
    default: hello
resources:
  password:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
  message:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: GREETING world
          params:
            GREETING: {get_param: greeting}
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: OS::Heat::RandomString
        properties:
          length: 4
          salt: member-%index%
outputs:
  password:
    description: the generated password
    value: {get_attr: [password, value]}
  message:
    value: {get_attr: [message, value]}
  members:
    value: {get_attr: [group, value]}
`;

type Row = Record<string, string>;

/** `openstack … --wait -f json`: heatclient prints the event log first, then the JSON document. */
async function waitJson(env: Record<string, string>, ...args: string[]): Promise<Row> {
  const r = await openstack(env, ...args, '-f', 'json');
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${r.stdout}`);
  const at = r.stdout.startsWith('{') ? 0 : r.stdout.lastIndexOf('\n{') + 1;
  return JSON.parse(r.stdout.slice(at)) as Row;
}

describe('orchestration through the openstack CLI', { skip }, () => {
  let cloud: TestCloud;
  let env: Record<string, string>;
  let file: string;
  before(async () => {
    cloud = await startTestCloud();
    env = cloud.cliEnv;
    file = path.join(cloud.dataDir, 't.yaml');
    fs.writeFileSync(file, TEMPLATE);
  });
  after(async () => { await cloud?.stop(); });

  it('creates, shows, updates, lists and deletes a stack', async () => {
    const trustsBefore = await openstackJson<Row[]>(env, 'trust', 'list');
    const created = await waitJson(env, 'stack', 'create', '-t', file, '--parameter', 'greeting=hi', '--wait', '--poll', '1', 's1');
    assert.equal(created.stack_status, 'CREATE_COMPLETE', JSON.stringify(created));

    const heatUser = await openstackJson<Row>(env, 'user', 'show', 'heat');
    const trusts = await openstackJson<Row[]>(env, 'trust', 'list');
    const trust = trusts.find((x) => !trustsBefore.some((b) => b.ID === x.ID));
    assert.ok(trust, 'the stack made a trust');
    assert.equal(trust['Trustee User ID'], heatUser.id, 'to the heat service user');
    assert.equal(String(trust.Impersonation).toLowerCase(), 'true');

    const shown = await openstackJson<Record<string, unknown>>(env, 'stack', 'show', 's1');
    assert.equal(shown.stack_name, 's1');
    assert.equal(shown.stack_status, 'CREATE_COMPLETE');
    assert.equal(shown.description, 'CLI test stack');
    const outputs = shown.outputs as Array<{ output_key: string; output_value: unknown }>;
    const byKey = Object.fromEntries(outputs.map((o) => [o.output_key, o.output_value]));
    assert.equal(String(byKey.password).length, 16);
    assert.equal(byKey.message, 'hi world');
    assert.equal((byKey.members as string[]).length, 2);

    const out = await openstackJson<Row>(env, 'stack', 'output', 'show', 's1', 'message');
    assert.equal(out.output_value, 'hi world');

    const before = await openstackJson<Row[]>(env, 'stack', 'resource', 'list', 's1');
    assert.deepEqual(before.map((r) => r.resource_name).sort(), ['group', 'message', 'password']);
    assert.ok(before.every((r) => r.resource_status === 'CREATE_COMPLETE'));
    const passwordId = before.find((r) => r.resource_name === 'password')!.physical_resource_id;

    const updated = await waitJson(env, 'stack', 'update', '--existing', '--parameter', 'length=24', '--wait', 's1');
    assert.equal(updated.stack_status, 'UPDATE_COMPLETE', JSON.stringify(updated));
    const afterShow = await openstackJson<Record<string, unknown>>(env, 'stack', 'show', 's1');
    const params = afterShow.parameters as Record<string, string>;
    assert.equal(params.length, '24');
    assert.equal(params.greeting, 'hi', '--existing keeps the parameters it does not name');
    const newPassword = await openstackJson<Row>(env, 'stack', 'output', 'show', 's1', 'password');
    assert.equal(String(newPassword.output_value).length, 24);
    const after = await openstackJson<Row[]>(env, 'stack', 'resource', 'list', 's1');
    assert.notEqual(after.find((r) => r.resource_name === 'password')!.physical_resource_id, passwordId, 'a new length replaces the RandomString');

    const events = await openstackJson<Row[]>(env, 'stack', 'event', 'list', 's1');
    const seen = events.map((e) => `${e.resource_name} ${e.resource_status}`);
    for (const want of ['s1 CREATE_IN_PROGRESS', 's1 CREATE_COMPLETE', 'password CREATE_COMPLETE', 'group CREATE_COMPLETE', 's1 UPDATE_IN_PROGRESS', 's1 UPDATE_COMPLETE', 'password DELETE_COMPLETE']) {
      assert.ok(seen.includes(want), `${want} in ${JSON.stringify(seen)}`);
    }

    const list = await openstackJson<Row[]>(env, 'stack', 'list');
    assert.deepEqual(list.map((s) => s['Stack Name']), ['s1']);

    const del = await openstack(env, 'stack', 'delete', '--yes', '--wait', 's1');
    assert.equal(del.code, 0, del.stderr);
    const gone = await openstack(env, 'stack', 'show', 's1');
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /not found/);
    assert.deepEqual(await openstackJson<Row[]>(env, 'stack', 'list'), []);
    const trustsAfter = await openstackJson<Row[]>(env, 'trust', 'list');
    assert.ok(!trustsAfter.some((x) => x.ID === trust.ID), 'the stack\'s delete deleted its trust');
  });

  it('works for openstacksdk\'s cloud layer (what Ansible\'s openstack.cloud.stack calls)', { skip: fs.existsSync('/usr/lib/python3/dist-packages/openstack') ? undefined : 'python3-openstacksdk is not installed' }, async () => {
    const script = [
      'import json, openstack',
      "conn = openstack.connect(cloud='flotilla')",
      "st = lambda x: getattr(x, 'status', None) or x['stack_status']",
      `s = conn.create_stack('sdk', template_file=${JSON.stringify(file)}, wait=True, greeting='sdk')`,
      "g = conn.get_stack('sdk')",
      "out = {o['output_key']: o['output_value'] for o in g.outputs}",
      `u = conn.update_stack('sdk', template_file=${JSON.stringify(file)}, wait=True, greeting='again')`,
      "after = {o['output_key']: o['output_value'] for o in conn.get_stack('sdk').outputs}",
      "deleted = conn.delete_stack('sdk', wait=True)",
      "print(json.dumps({'created': st(s), 'message': out['message'], 'updated': st(u), 'after': after['message'], 'deleted': deleted, 'gone': conn.get_stack('sdk') is None}))",
    ].join('\n');
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('/usr/bin/python3', ['-c', script], { env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env }, timeout: 180000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), {
      created: 'CREATE_COMPLETE', message: 'sdk world', updated: 'UPDATE_COMPLETE', after: 'again world', deleted: true, gone: true,
    });
  });
});
