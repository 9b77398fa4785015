/**
 * The Nova and Keystone plugins against real identity, image, network and compute services in-process
 * (compute's host agent played through its internal API): a server is created on a network and waits for
 * ACTIVE, a create retried after a crash finds the same server, a flavor change resizes and confirms in
 * place, an image change rebuilds it (or asks to be replaced under image_update_policy REPLACE), a
 * delete waits until it is gone; key pairs, flavors and server groups; Keystone projects, users and role
 * assignments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTestCompute, type TestCompute } from '../../compute/testing.js';
import { ComputeClient } from '../../compute/client.js';
import { silentLogger } from '../../platform/log.js';
import { asId } from '../../platform/ids.js';
import type { Resource } from '../model.js';
import type { NestedStacks, ResourceContext, ResourcePlugin, StackClients } from './types.js';
import { UpdateReplace } from './types.js';
import { serviceClients } from './stack-clients.js';
import { netPlugin } from './neutron/net.js';
import { subnetPlugin } from './neutron/subnet.js';
import { serverPlugin } from './nova/server.js';
import { keyPairPlugin } from './nova/keypair.js';
import { flavorPlugin } from './nova/flavor.js';
import { serverGroupPlugin } from './nova/server-group.js';
import { projectPlugin } from './keystone/project.js';
import { userPlugin } from './keystone/user.js';
import { roleAssignmentPlugin } from './keystone/role-assignment.js';
import { cloudConfigPlugin } from './heat/cloud-config.js';
import { multipartMimePlugin } from './heat/multipart-mime.js';

describe('Nova and Keystone resource plugins against the services', () => {
  let t: TestCompute;
  let clients: StackClients;
  let token = '';
  const rows: Resource[] = [];
  const STACK = { id: asId<'StackId'>(randomUUID()), name: 'st', projectId: '', nestedDepth: 0 };

  before(async () => {
    t = await createTestCompute();
    await t.compute.app.listen({ host: '127.0.0.1', port: 0 });
    const computeUrl = `http://127.0.0.1:${(t.compute.app.server.address() as AddressInfo).port}`;
    const identityUrl = `http://127.0.0.1:${(t.identity.service.app.server.address() as AddressInfo).port}/v3`;
    assert.equal((await t.register('h1')).statusCode, 200);
    // The admin acts here: flavors and Keystone resources are admin-only, as in OpenStack.
    token = t.identity.adminToken;
    STACK.projectId = t.identity.adminProjectId;
    clients = {
      ...serviceClients({ compute: computeUrl, network: t.networkUrl, identity: identityUrl, image: t.compute.context.imageUrl }),
      projectId: STACK.projectId, token: async () => token,
      resourceRow: async (name) => rows.find((r) => r.name === name && r.replacedBy === null),
      resourceRows: async () => rows,
    };
  });
  after(async () => { await t?.close(); });

  function row(name: string, type: string): Resource {
    const r: Resource = {
      id: asId(randomUUID()), stackId: STACK.id, name, type, physicalId: null, action: 'INIT', status: 'COMPLETE', statusReason: '',
      properties: null, attributes: {}, data: {}, metadata: {}, requires: [], replacedBy: null, replaces: null, createdAt: '', updatedAt: null,
    };
    rows.push(r);
    return r;
  }
  function ctx(r: Resource): ResourceContext {
    return {
      stack: STACK, resource: r, log: silentLogger(), signal: new AbortController().signal, updatePolicy: {}, clients, files: {}, nested: {} as NestedStacks,
      savePhysicalId: async (id, data) => { r.physicalId = id; if (data) r.data = { ...r.data, ...data }; },
    };
  }
  const withDefaults = (plugin: ResourcePlugin, props: Record<string, unknown>): Record<string, unknown> => {
    const full: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(plugin.properties)) if (s.default !== undefined) full[k] = structuredClone(s.default);
    return Object.assign(full, props);
  };
  /** Runs `step` while playing the host agent, as the real one would carry out what compute asks. */
  async function withAgent<T>(step: Promise<T>): Promise<T> {
    let done = false;
    const settled = step.finally(() => { done = true; });
    while (!done) {
      await t.converge('h1');
      await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, 50))]);
    }
    return settled;
  }
  async function create(plugin: ResourcePlugin, r: Resource, props: Record<string, unknown>): Promise<void> {
    const full = withDefaults(plugin, props);
    assert.equal(plugin.validate?.(full) ?? null, null);
    const out = await withAgent(plugin.create(ctx(r), full));
    Object.assign(r, { physicalId: out.physicalId, attributes: out.attributes, data: { ...r.data, ...out.data }, properties: full });
  }

  it('a server: create, a retried create, resize in place, rebuild, replace when asked, delete', async () => {
    const net = row('net', 'OS::Neutron::Net');
    await create(netPlugin, net, { name: 'srv-net' });
    const subnet = row('subnet', 'OS::Neutron::Subnet');
    await create(subnetPlugin, subnet, { network: net.physicalId, cidr: '10.40.0.0/24' });

    const server = row('server', 'OS::Nova::Server');
    await create(serverPlugin, server, {
      image: 'cirros', flavor: 'm1.tiny', networks: [{ network: 'srv-net', fixed_ip: '10.40.0.20' }], metadata: { role: 'web', n: 1 },
      user_data_format: 'RAW', user_data: '#!/bin/sh\necho hi',
    });
    const id = server.physicalId!;
    assert.equal(server.attributes.first_address, '10.40.0.20');
    assert.deepEqual(server.attributes.networks, { 'srv-net': ['10.40.0.20'] });
    const addresses = server.attributes.addresses as Record<string, Array<{ addr: string; port?: string }>>;
    assert.match(String(addresses['srv-net']?.[0]?.port), /^[0-9a-f-]{36}$/, 'each address names its port');
    const compute = new ComputeClient(`http://127.0.0.1:${(t.compute.app.server.address() as AddressInfo).port}`);
    const shown = await compute.getServer(token, id);
    assert.deepEqual(shown.metadata, { role: 'web', n: '1' });
    assert.match(shown.name, /^st-server-[a-z0-9x]{12}$/);

    server.physicalId = null; // as if the engine died before storing the id
    await create(serverPlugin, server, server.properties!);
    assert.equal(server.physicalId, id, 'the retried create found the server it had made');
    assert.equal((await compute.listServers(token)).length, 1);

    const props = server.properties!;
    const resized = await withAgent(serverPlugin.update!(ctx(server), { ...props, flavor: 'm1.small', metadata: { role: 'db' } }, ['flavor', 'metadata']));
    assert.equal(resized.physicalId, id, 'resized in place');
    const after1 = await compute.getServer(token, id);
    assert.equal(after1.status, 'ACTIVE');
    assert.equal(after1.flavor.original_name, 'm1.small');
    assert.deepEqual(after1.metadata, { role: 'db' });

    const image2 = await t.makeImage(token, { name: 'cirros-2', visibility: 'public' });
    server.properties = { ...props, flavor: 'm1.small', metadata: { role: 'db' } };
    await assert.rejects(serverPlugin.update!(ctx(server), { ...server.properties, image: image2, image_update_policy: 'REPLACE' }, ['image', 'image_update_policy']),
      (err) => err instanceof UpdateReplace);
    const rebuilt = await withAgent(serverPlugin.update!(ctx(server), { ...server.properties, image: 'cirros-2' }, ['image']));
    assert.equal(rebuilt.physicalId, id, 'REBUILD, Heat\'s default, keeps the server');
    const img = (await compute.getServer(token, id)).image;
    assert.equal(typeof img === 'object' ? img.id : '', image2);

    // user_data_format SOFTWARE_CONFIG: the user data is the config of the stack's config resource it names.
    const cloudConfig = row('cc', 'OS::Heat::CloudConfig');
    await create(cloudConfigPlugin, cloudConfig, { cloud_config: { runcmd: ['touch /done'] } });
    const mime = row('mime', 'OS::Heat::MultipartMime');
    await create(multipartMimePlugin, mime, { parts: [{ config: cloudConfig.physicalId, subtype: 'cloud-config' }, { config: '#!/bin/sh\necho two' }] });
    const configured = row('configured', 'OS::Nova::Server');
    await create(serverPlugin, configured, { image: 'cirros', flavor: 'm1.tiny', networks: [{ network: 'srv-net' }], user_data_format: 'SOFTWARE_CONFIG', user_data: mime.physicalId });
    const withData = await new ComputeClient(`http://127.0.0.1:${(t.compute.app.server.address() as AddressInfo).port}`, '2.3').getServer(token, configured.physicalId!);
    const userData = Buffer.from(String(withData['OS-EXT-SRV-ATTR:user_data']), 'base64').toString('utf8');
    assert.equal(userData, mime.attributes.config);
    assert.match(userData, /Content-Type: text\/cloud-config[^]*#cloud-config\nruncmd:\n  - touch \/done[^]*Content-Type: text\/plain[^]*echo two/);
    await withAgent(serverPlugin.delete(ctx(configured)));

    await withAgent(serverPlugin.delete(ctx(server)));
    assert.deepEqual(await compute.listServers(token), []);
    await subnetPlugin.delete(ctx(subnet));
    await netPlugin.delete(ctx(net));
  });

  it('key pairs, flavors and server groups', async () => {
    const kp = row('kp', 'OS::Nova::KeyPair');
    await create(keyPairPlugin, kp, { name: 'heat-k', save_private_key: true });
    assert.equal(kp.physicalId, 'heat-k');
    assert.match(String(kp.attributes.private_key), /PRIVATE KEY/);
    await create(keyPairPlugin, kp, { name: 'heat-k' });
    assert.match(String(kp.attributes.public_key), /^ssh-/, 'a retried create finds the key pair');
    await keyPairPlugin.delete(ctx(kp));
    await keyPairPlugin.delete(ctx(kp));

    const fl = row('fl', 'OS::Nova::Flavor');
    await create(flavorPlugin, fl, { ram: 256, vcpus: 1, extra_specs: { 'hw:cpu_policy': 'shared' } });
    const again = fl.physicalId;
    fl.physicalId = null;
    await create(flavorPlugin, fl, { ram: 256, vcpus: 1 });
    assert.equal(fl.physicalId, again, 'found by its name');
    await flavorPlugin.delete(ctx(fl));

    const sg = row('group', 'OS::Nova::ServerGroup');
    await create(serverGroupPlugin, sg, { policies: ['affinity'] });
    const gid = sg.physicalId;
    sg.physicalId = null;
    await create(serverGroupPlugin, sg, { policies: ['affinity'] });
    assert.equal(sg.physicalId, gid);
    await serverGroupPlugin.delete(ctx(sg));
  });

  it('Keystone projects, users with roles, and role assignments', async () => {
    const project = row('proj', 'OS::Keystone::Project');
    await create(projectPlugin, project, { name: 'heat-proj', description: 'made by a stack' });
    assert.equal(project.attributes.name, 'heat-proj');
    assert.equal(project.attributes.domain_id, 'default');
    const pid = project.physicalId;
    await create(projectPlugin, project, { name: 'heat-proj' });
    assert.equal(project.physicalId, pid);

    const user = row('user', 'OS::Keystone::User');
    await create(userPlugin, user, { name: 'heat-user', password: 'pw-heat-user-1', default_project: 'heat-proj', roles: [{ role: 'member', project: 'heat-proj' }] });
    assert.equal(user.attributes.default_project_id, pid);
    const grants = await clients.identity.list(token, 'roles');
    const member = grants.find((r) => r.name === 'member')!;
    const reader = grants.find((r) => r.name === 'reader')!;

    const ra = row('ra', 'OS::Keystone::RoleAssignment');
    await create(roleAssignmentPlugin, ra, { user: 'heat-user', roles: [{ role: 'reader', domain: 'default' }] });
    assert.equal(ra.physicalId, `users:${String(user.physicalId)}`);
    await roleAssignmentPlugin.delete(ctx(ra));
    assert.ok(member.id && reader.id);

    await userPlugin.delete(ctx(user));
    await projectPlugin.update!(ctx(project), withDefaults(projectPlugin, { name: 'heat-proj', enabled: false }), ['enabled']);
    await projectPlugin.delete(ctx(project));
    assert.deepEqual(await clients.identity.list(token, 'projects', { name: 'heat-proj' }), []);
  });
});
