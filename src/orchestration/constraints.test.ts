/**
 * Parameters' custom constraints against real identity, image, network and compute services in-process:
 * a flavor, image, key pair or network passes by id or by name when the caller can see it, fails with
 * the reason otherwise, and a constraint Flotilla has no check for is refused by name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTestCompute, type TestCompute } from '../compute/testing.js';
import { serviceClients } from './plugins/stack-clients.js';
import { customConstraints } from './constraints.js';
import { loadEnvironment, loadTemplate, resolveParameters, TemplateError, type ConstraintChecker } from './hot/index.js';

describe('custom constraints', () => {
  let t: TestCompute;
  let check: ConstraintChecker;
  let strangerCheck: ConstraintChecker;
  let networkId = '';

  before(async () => {
    t = await createTestCompute();
    await t.compute.app.listen({ host: '127.0.0.1', port: 0 });
    const computeUrl = `http://127.0.0.1:${(t.compute.app.server.address() as AddressInfo).port}`;
    const identityUrl = `http://127.0.0.1:${(t.identity.service.app.server.address() as AddressInfo).port}/v3`;
    const services = serviceClients({ compute: computeUrl, network: t.networkUrl, identity: identityUrl, image: t.compute.context.imageUrl });
    const user = await t.identity.makeUser({ name: 'constrained' });
    const stranger = await t.identity.makeUser({ name: 'stranger' });
    check = customConstraints(services, user.token);
    strangerCheck = customConstraints(services, stranger.token);
    assert.equal((await t.call('POST', '/v2.1/os-keypairs', { keypair: { name: 'k1' } }, { token: user.token })).statusCode, 200);
    const net = await fetch(`${t.networkUrl}/v2.0/networks`, { method: 'POST', headers: { 'x-auth-token': user.token, 'content-type': 'application/json' }, body: JSON.stringify({ network: { name: 'mine' } }) });
    networkId = ((await net.json()) as { network: { id: string } }).network.id;
  });
  after(async () => { await t?.close(); });

  it('passes what the caller can see, by id or name, and says why otherwise', async () => {
    assert.equal(await check('nova.flavor', 'm1.tiny'), null);
    assert.equal(await check('nova.flavor', '1'), null);
    assert.match(await check('nova.flavor', 'm1.huge') ?? '', /The Flavor \(m1\.huge\) could not be found/);
    assert.equal(await check('glance.image', 'cirros'), null);
    assert.equal(await check('glance.image', t.imageId), null);
    assert.match(await check('glance.image', 'nope') ?? '', /could not be found/);
    assert.equal(await check('nova.keypair', 'k1'), null);
    assert.match(await strangerCheck('nova.keypair', 'k1') ?? '', /The Key \(k1\) could not be found/, 'key pairs are the user\'s own');
    assert.equal(await check('neutron.network', 'mine'), null);
    assert.equal(await check('neutron.network', networkId), null);
    assert.match(await strangerCheck('neutron.network', networkId) ?? '', /could not be found/, 'another project\'s network is not there');
    assert.match(await check('cinder.volume', 'v') ?? '', /cinder\.volume is not supported/);
  });

  it('a stack parameter failing its constraint is a TemplateError naming the parameter', async () => {
    const tpl = loadTemplate({
      heat_template_version: '2018-08-31',
      parameters: { flavor: { type: 'string', constraints: [{ custom_constraint: 'nova.flavor' }] } },
      resources: {},
    });
    assert.deepEqual(await resolveParameters(tpl, loadEnvironment({}), { flavor: 'm1.small' }, check), { flavor: 'm1.small' });
    await assert.rejects(resolveParameters(tpl, loadEnvironment({}), { flavor: 'm1.huge' }, check), (err: unknown) => {
      assert.ok(err instanceof TemplateError);
      assert.match(err.message, /flavor.*m1\.huge.*does not validate nova\.flavor/);
      return true;
    });
  });
});
