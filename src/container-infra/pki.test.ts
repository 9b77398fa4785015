/**
 * Cluster PKI against the real openssl: a CA, a CSR made by `openssl req` signed by Magnum's rules and
 * checked with `openssl verify`, SANs kept, CA requests and critical odd extensions refused, the
 * conductor's client certificate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidCsr, makeCa, makeClientCertificate, signCsr, type KeyAndCertificate } from './pki.js';

const openssl = (dir: string, ...args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('container-infra PKI', () => {
  let dir: string;
  let ca: KeyAndCertificate;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pki-'));
    ca = await makeCa('c1');
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a five-year CA named after the cluster', () => {
    const text = openssl(dir, 'x509', '-in', 'ca.pem', '-noout', '-text');
    assert.match(text, /Subject: CN\s?=\s?c1/);
    assert.match(text, /CA:TRUE/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
    const end = openssl(dir, 'x509', '-in', 'ca.pem', '-noout', '-enddate').trim().replace('notAfter=', '');
    const days = (Date.parse(end) - Date.now()) / 86400000;
    assert.ok(days > 5 * 365 - 2 && days <= 5 * 365 + 1, `${days} days`);
  });

  it('signs an openssl CSR that openssl then verifies, keeping SANs and dropping CA requests', async () => {
    openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=master',
      '-addext', 'subjectAltName=IP:10.0.0.5,IP:172.24.4.10,DNS:master', '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
      '-addext', 'keyUsage=digitalSignature,keyEncipherment,keyCertSign', '-addext', 'basicConstraints=CA:TRUE');
    const pem = await signCsr(ca, fs.readFileSync(path.join(dir, 'server.csr'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'server.pem'), pem);
    assert.match(openssl(dir, 'verify', '-CAfile', 'ca.pem', 'server.pem'), /server.pem: OK/);
    const text = openssl(dir, 'x509', '-in', 'server.pem', '-noout', '-text');
    assert.match(text, /IP Address:10\.0\.0\.5, IP Address:172\.24\.4\.10, DNS:master/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /CA:FALSE/);
    assert.doesNotMatch(text, /Certificate Sign/);
    assert.match(text, /Subject: CN\s?=\s?master/);
    assert.match(text, /Issuer: CN\s?=\s?c1/);
    // The key openssl made matches the certificate.
    const mod = (args: string[]): string => openssl(dir, ...args, '-noout', '-modulus');
    assert.equal(mod(['x509', '-in', 'server.pem']), mod(['rsa', '-in', 'server.key']));
  });

  it('refuses garbage, a tampered CSR and a critical CA request', async () => {
    await assert.rejects(signCsr(ca, 'not a csr'), InvalidCsr);
    openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca2.key', '-out', 'ca2.csr', '-subj', '/CN=evil', '-addext', 'basicConstraints=critical,CA:TRUE');
    await assert.rejects(signCsr(ca, fs.readFileSync(path.join(dir, 'ca2.csr'), 'utf8')), InvalidCsr);
    const good = fs.readFileSync(path.join(dir, 'server.csr'), 'utf8');
    const der = Buffer.from(good.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 10] = der[der.length - 10]! ^ 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(signCsr(ca, tampered), InvalidCsr);
  });

  it('makes the conductor a client certificate openssl verifies for client auth', async () => {
    const client = await makeClientCertificate(ca, 'magnum-conductor');
    fs.writeFileSync(path.join(dir, 'client.pem'), client.certPem);
    fs.writeFileSync(path.join(dir, 'client.key'), client.keyPem);
    assert.match(openssl(dir, 'verify', '-purpose', 'sslclient', '-CAfile', 'ca.pem', 'client.pem'), /OK/);
    const mod = (args: string[]): string => openssl(dir, ...args, '-noout', '-modulus');
    assert.equal(mod(['x509', '-in', 'client.pem']), mod(['rsa', '-in', 'client.key']));
  });
});
