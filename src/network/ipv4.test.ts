import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrsOverlap, defaultPools, formatCidr, formatIp, formatRange, isHostAddress, parseCidr, parseIp } from './ipv4.js';

describe('ipv4', () => {
  it('parses strictly and formats back', () => {
    assert.equal(parseIp('10.0.0.1'), 0x0a000001);
    assert.equal(formatIp(0xc0a80101), '192.168.1.1');
    for (const bad of ['10.0.0', '10.0.0.256', '01.0.0.1', '10.0.0.1.2', 'a.b.c.d', '', '::1']) assert.equal(parseIp(bad), undefined, bad);
    assert.equal(formatCidr(parseCidr('10.0.0.7/24')!.cidr), '10.0.0.0/24');
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('10.0.0.0/24/1'), undefined);
  });

  it('knows host addresses, overlaps and Neutron\'s default pools', () => {
    const c = parseCidr('10.0.0.0/24')!.cidr;
    assert.ok(!isHostAddress(c, parseIp('10.0.0.0')!));
    assert.ok(!isHostAddress(c, parseIp('10.0.0.255')!));
    assert.ok(isHostAddress(c, parseIp('10.0.0.1')!));
    assert.ok(!isHostAddress(c, parseIp('10.0.1.1')!));
    assert.ok(cidrsOverlap(c, parseCidr('10.0.0.128/25')!.cidr));
    assert.ok(!cidrsOverlap(c, parseCidr('10.0.1.0/24')!.cidr));
    assert.deepEqual(defaultPools(c, parseIp('10.0.0.1')).map(formatRange), ['10.0.0.2-10.0.0.254']);
    assert.deepEqual(defaultPools(c, parseIp('10.0.0.100')).map(formatRange), ['10.0.0.1-10.0.0.99', '10.0.0.101-10.0.0.254']);
    assert.deepEqual(defaultPools(c, undefined).map(formatRange), ['10.0.0.1-10.0.0.254']);
    assert.deepEqual(defaultPools(c, parseIp('192.168.0.1')).map(formatRange), ['10.0.0.1-10.0.0.254']);
  });
});
