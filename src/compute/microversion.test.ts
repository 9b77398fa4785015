/** Microversion negotiation: Nova's header rules, 'latest', 400 for malformed and 406 for unsupported versions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest, NotAcceptable } from '../platform/errors.js';
import { MAX_VERSION, Microversion, requestedVersion } from './microversion.js';

describe('microversions', () => {
  it('defaults to 2.1 and reads the standard header before the legacy one', () => {
    assert.equal(String(requestedVersion({})), '2.1');
    assert.equal(String(requestedVersion({ 'openstack-api-version': 'compute 2.47' })), '2.47');
    assert.equal(String(requestedVersion({ 'openstack-api-version': 'identity 3.0, compute 2.10' })), '2.10');
    assert.equal(String(requestedVersion({ 'x-openstack-nova-api-version': '2.5' })), '2.5');
    assert.equal(String(requestedVersion({ 'openstack-api-version': 'compute 2.3', 'x-openstack-nova-api-version': '2.5' })), '2.3');
    assert.equal(String(requestedVersion({ 'openstack-api-version': 'volume 3.1', 'x-openstack-nova-api-version': '2.5' })), '2.5');
    assert.equal(String(requestedVersion({ 'openstack-api-version': 'compute latest' })), MAX_VERSION);
  });

  it('refuses malformed versions with 400 and versions outside the range with 406', () => {
    for (const bad of ['2', '2.01', 'abc', '2.1.1', '02.1']) {
      assert.throws(() => requestedVersion({ 'openstack-api-version': `compute ${bad}` }), BadRequest, bad);
    }
    assert.throws(() => requestedVersion({ 'openstack-api-version': 'compute 2.999' }), NotAcceptable);
    assert.throws(() => requestedVersion({ 'x-openstack-nova-api-version': '3.0' }), NotAcceptable);
    assert.throws(() => requestedVersion({ 'x-openstack-nova-api-version': '2.0' }), NotAcceptable);
  });

  it('compares numerically', () => {
    assert.ok(Microversion.parse('2.10').atLeast('2.9'));
    assert.ok(!Microversion.parse('2.9').atLeast('2.10'));
  });
});
