/**
 * Issue 6, must-show 1: an application stack through the real `openstack` CLI against the real cloud with
 * a compute host. app.yaml has a network, a subnet, a router with its gateway on `public`, a security group
 * (ssh and icmp), two debian-12 servers on the network, a floating IP on one, and a WaitCondition that the
 * first server signals from its user_data with the handle's curl_cli (through the metadata address).
 * `stack create --wait` reaches CREATE_COMPLETE, its outputs show the floating IP and ssh to it works;
 * `stack update --existing --parameter flavor=m1.medium` resizes both servers in place (same ids);
 * changing the image replaces them (new ids; image_update_policy REPLACE, since Heat's default, REBUILD,
 * keeps the ids); `stack event list` shows every transition; `stack delete --wait` leaves no server,
 * port, network, router or floating IP. Timings are printed as `# ` lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openstack, openstackJson } from './support/cli.js';
import { computeUnavailable, hostCloud, hostLayout, sshRetry } from './support/compute.js';

const HOST = 'h1';
const heatclient = fs.existsSync('/usr/lib/python3/dist-packages/heatclient') ? undefined : 'python3-heatclient is not installed (apt-get install python3-heatclient)';
const skip = computeUnavailable('ssh', 'mmdebstrap', 'nft') ?? heatclient;
if (skip) console.log(`# orchestration app test skipped: ${skip}`);

const APP = `heat_template_version: 2018-08-31
description: A small application, issue 6's must-show
parameters:
  key_name:
    type: string
  image:
    type: string
    default: debian-12
  flavor:
    type: string
    default: m1.small
resources:
  net:
    type: OS::Neutron::Net
    properties:
      name: app-net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.20.0.0/24
  router:
    type: OS::Neutron::Router
    properties:
      external_gateway_info:
        network: public
  router_interface:
    type: OS::Neutron::RouterInterface
    properties:
      router: {get_resource: router}
      subnet: {get_resource: subnet}
  secgroup:
    type: OS::Neutron::SecurityGroup
    properties:
      description: ssh and ping
      rules:
        - {protocol: tcp, port_range_min: 22, port_range_max: 22, remote_ip_prefix: 0.0.0.0/0}
        - {protocol: icmp, remote_ip_prefix: 0.0.0.0/0}
  wait_handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    properties:
      handle: {get_resource: wait_handle}
      count: 1
      timeout: 600
  server1:
    type: OS::Nova::Server
    depends_on: [subnet]
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      key_name: {get_param: key_name}
      image_update_policy: REPLACE
      networks: [{network: {get_resource: net}}]
      security_groups: [{get_resource: secgroup}]
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            for i in $(seq 1 120); do
              wc_notify --fail --data-binary '{"status": "SUCCESS", "reason": "server1 is up", "data": "booted"}' && break
              sleep 1
            done
          params:
            wc_notify: {get_attr: [wait_handle, curl_cli]}
  server2:
    type: OS::Nova::Server
    depends_on: [subnet]
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      key_name: {get_param: key_name}
      image_update_policy: REPLACE
      networks: [{network: {get_resource: net}}]
      security_groups: [{get_resource: secgroup}]
  floating_ip:
    type: OS::Neutron::FloatingIP
    depends_on: [router_interface]
    properties:
      floating_network: public
      port_id: {get_attr: [server1, addresses, app-net, 0, port]}
outputs:
  floating_ip:
    description: the address to reach server1 at
    value: {get_attr: [floating_ip, floating_ip_address]}
  server_ids:
    value: [{get_resource: server1}, {get_resource: server2}]
  signal_data:
    value: {get_attr: [wait, data]}
`;

type Row = Record<string, unknown>;
const since = (t0: number): string => ((Date.now() - t0) / 1000).toFixed(1);

/** `openstack … --wait -f json`: heatclient prints the event log first, then the JSON document. */
async function waitJson(env: Record<string, string>, ...args: string[]): Promise<Row> {
  const r = await openstack(env, ...args, '-f', 'json');
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${r.stdout}`);
  const at = r.stdout.startsWith('{') ? 0 : r.stdout.lastIndexOf('\n{') + 1;
  return JSON.parse(r.stdout.slice(at)) as Row;
}

async function output(env: Record<string, string>, key: string): Promise<unknown> {
  return (await openstackJson<Row>(env, 'stack', 'output', 'show', 'app', key)).output_value;
}

describe('an application stack through the openstack CLI on a real cloud', { skip }, () => {
  const fixture = hostCloud({ host: HOST, images: 'busybox,debian-12', timeoutMs: 900_000 });

  it('creates, resizes in place, replaces on a new image, lists events, and deletes everything', { timeout: 1_800_000 }, async (ctx) => {
    const unbuildable = fixture.unbuildable('debian-12');
    if (unbuildable) {
      ctx.skip(`debian-12 cannot be built here: ${unbuildable}`);
      return;
    }
    const { cloud, dataDir } = fixture;
    const env = cloud.cliEnv;
    const t0 = Date.now();
    const step = (what: string): void => console.log(`# ${since(t0)} s: ${what}`);
    const file = path.join(dataDir, 'app.yaml');
    fs.writeFileSync(file, APP);
    const kp = await openstack(env, 'keypair', 'create', 'k');
    assert.equal(kp.code, 0, kp.stderr);
    const key = path.join(dataDir, 'k.pem');
    fs.writeFileSync(key, kp.stdout, { mode: 0o600 });

    // Create.
    let t = Date.now();
    const created = await waitJson(env, 'stack', 'create', '-t', file, '--parameter', 'key_name=k', '--wait', 'app');
    assert.equal(created.stack_status, 'CREATE_COMPLETE', JSON.stringify(created));
    step(`stack create --wait: CREATE_COMPLETE in ${since(t)} s`);
    const fip = String(await output(env, 'floating_ip'));
    assert.match(fip, /^198\.19\.\d+\.\d+$/, `the floating_ip output is a public address: ${fip}`);
    const ids = await output(env, 'server_ids') as string[];
    assert.equal(ids.length, 2);
    assert.deepEqual(JSON.parse(String(await output(env, 'signal_data'))), { 1: 'booted' }, 'server1 signalled the wait condition from its user_data');
    const resources = await openstackJson<Row[]>(env, 'stack', 'resource', 'list', 'app');
    assert.equal(resources.length, 10);
    assert.ok(resources.every((r) => r.resource_status === 'CREATE_COMPLETE'), JSON.stringify(resources));

    t = Date.now();
    const uname = await sshRetry(key, fip, 'uname -n', 120_000);
    step(`ssh root@${fip} answered ${since(t)} s after CREATE_COMPLETE: ${uname.trim()}`);
    const s1 = await openstackJson<Row>(env, 'server', 'show', ids[0]!);
    assert.equal(uname.trim(), s1.name);

    // Resize in place.
    t = Date.now();
    const resized = await waitJson(env, 'stack', 'update', '--existing', '--parameter', 'flavor=m1.medium', '--wait', 'app');
    assert.equal(resized.stack_status, 'UPDATE_COMPLETE', JSON.stringify(resized));
    step(`stack update --existing --parameter flavor=m1.medium: UPDATE_COMPLETE in ${since(t)} s`);
    assert.deepEqual(await output(env, 'server_ids'), ids, 'the same servers');
    for (const id of ids) {
      const s = await openstackJson<Row>(env, 'server', 'show', id);
      assert.equal(s.status, 'ACTIVE');
      assert.match(JSON.stringify(s.flavor), /m1\.medium/, JSON.stringify(s.flavor));
    }
    assert.equal(String(await output(env, 'floating_ip')), fip);
    assert.equal((await sshRetry(key, fip, 'uname -n', 60_000)).trim(), s1.name, 'still the same server behind the floating IP');

    // A new image replaces the servers.
    t = Date.now();
    const replaced = await waitJson(env, 'stack', 'update', '--existing', '--parameter', 'image=busybox', '--wait', 'app');
    assert.equal(replaced.stack_status, 'UPDATE_COMPLETE', JSON.stringify(replaced));
    step(`stack update --existing --parameter image=busybox: UPDATE_COMPLETE in ${since(t)} s`);
    const newIds = await output(env, 'server_ids') as string[];
    assert.equal(newIds.length, 2);
    for (const [i, id] of newIds.entries()) assert.notEqual(id, ids[i], 'a new server');
    const servers = await openstackJson<Row[]>(env, 'server', 'list');
    assert.deepEqual(servers.map((s) => s.ID).sort(), [...newIds].sort(), 'the old servers are deleted');
    const fipRow = await openstackJson<Row>(env, 'floating', 'ip', 'show', fip);
    const port = await openstackJson<Row>(env, 'port', 'show', String(fipRow.port_id));
    assert.equal(port.device_id, newIds[0], 'the floating IP follows the new server1');

    // Every transition is an event.
    const events = await openstackJson<Row[]>(env, 'stack', 'event', 'list', 'app');
    const seen = new Set(events.map((e) => `${String(e.resource_name)} ${String(e.resource_status)}`));
    for (const r of ['net', 'subnet', 'router', 'router_interface', 'secgroup', 'wait_handle', 'wait', 'server1', 'server2', 'floating_ip']) {
      for (const st of ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']) assert.ok(seen.has(`${r} ${st}`), `event ${r} ${st}`);
    }
    for (const r of ['server1', 'server2']) {
      for (const st of ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']) assert.ok(seen.has(`${r} ${st}`), `event ${r} ${st}`);
    }
    for (const st of ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']) assert.ok(seen.has(`floating_ip ${st}`), `event floating_ip ${st}`);
    for (const st of ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']) assert.ok(seen.has(`app ${st}`), `event app ${st}`);
    step(`stack event list: ${events.length} events`);

    // Delete: nothing is left behind.
    t = Date.now();
    const del = await openstack(env, 'stack', 'delete', '--yes', '--wait', 'app');
    assert.equal(del.code, 0, del.stderr + del.stdout);
    step(`stack delete --wait: ${since(t)} s`);
    assert.deepEqual(await openstackJson<Row[]>(env, 'server', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(env, 'floating', 'ip', 'list'), []);
    assert.deepEqual(await openstackJson<Row[]>(env, 'router', 'list'), []);
    assert.deepEqual((await openstackJson<Row[]>(env, 'network', 'list')).map((n) => n.Name), ['public']);
    assert.deepEqual(await openstackJson<Row[]>(env, 'port', 'list'), []);
    const groups = await openstackJson<Row[]>(env, 'security', 'group', 'list');
    assert.ok(groups.every((g) => g.Name === 'default'), JSON.stringify(groups));
  });
});
