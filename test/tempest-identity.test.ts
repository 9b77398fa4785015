/**
 * Tempest conformance for identity: starts the real cloud, runs every Keystone API test of Tempest
 * and keystone_tempest_plugin (Debian's packages) against it, prints the counts, records them in
 * conformance/results/identity.json and fails if any test of the ratchet (conformance/identity.txt)
 * did not pass. The first part checks the conformance tooling itself without Tempest.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { checkRatchetFile, describeTempestRun } from './support/tempest-suite.js';
import { IDENTITY_SUITE } from '../conformance/identity.js';
import { checkRatchet, growRatchet, readRatchet } from '../conformance/ratchet.js';
import { countOutcomes, oneLineReason } from '../conformance/report.js';
import { readTests, type SubunitStatus } from '../conformance/subunit.js';
import { combineResults, requestHosts, type TestOutcome } from '../conformance/tempest.js';
import { renderTempestConf } from '../conformance/tempest-conf.js';

// A subunit v2 writer for the tests, after python-subunit's StreamResultToBytes; its CRC comes from
// zlib so the reader's own CRC table is checked against an independent one.
const crc32 = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
const STATUS_CODE: Record<SubunitStatus, number> = { exists: 1, inprogress: 2, success: 3, uxsuccess: 4, skip: 5, fail: 6, xfail: 7 };

function varint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  return Buffer.from([0x80 | (n >> 16), (n >> 8) & 0xff, n & 0xff]);
}
const utf8 = (s: string): Buffer => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([varint(b.length), b]); };

function packet(testId: string, status?: SubunitStatus, file?: { name: string; text: string }): Buffer {
  let flags = 0x2000 | 0x0800 | (status ? STATUS_CODE[status] : 0);
  const fields = [utf8(testId)];
  if (file) {
    flags |= 0x0020 | 0x0040;
    fields.push(utf8('text/plain; charset=utf8'), utf8(file.name), varint(Buffer.byteLength(file.text)), Buffer.from(file.text));
  }
  const body = Buffer.concat(fields);
  // Total length counts the signature, flags, the length field itself, the body and the CRC.
  let length = 1 + 2 + 1 + body.length + 4;
  if (length >= 0x40) length += 1;
  if (length >= 0x4000) length += 1;
  const head = Buffer.concat([Buffer.from([0xb3, flags >> 8, flags & 0xff]), varint(length)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32!(Buffer.concat([head, body])));
  return Buffer.concat([head, body, crc]);
}

describe('conformance tooling', () => {
  it('reads subunit v2: final status, concatenated attachments, stray bytes and bad CRCs skipped', { skip: crc32 ? false : 'zlib.crc32 needs Node 20.15+' }, () => {
    const corrupt = packet('t.Broken.test', 'success');
    corrupt[corrupt.length - 1]! ^= 0xff;
    const stream = Buffer.concat([
      Buffer.from('noise before the stream\n'),
      packet('t.A.test_ok[id-1,smoke]', 'exists'),
      packet('t.A.test_ok[id-1,smoke]', 'inprogress'),
      packet('t.A.test_ok[id-1,smoke]', 'success'),
      packet('t.A.test_bad', undefined, { name: 'traceback', text: 'Traceback (most recent call last):\n' }),
      packet('t.A.test_bad', 'fail', { name: 'traceback', text: 'x'.repeat(20000) }),
      corrupt,
      packet('setUpClass (t.B)', 'skip', { name: 'reason', text: 'v2 is off' }),
    ]);
    const tests = readTests(stream);
    assert.deepEqual(tests.map((t) => [t.id, t.status]), [
      ['t.A.test_ok[id-1,smoke]', 'success'], ['t.A.test_bad', 'fail'], ['setUpClass (t.B)', 'skip'],
    ]);
    assert.equal(tests[1]!.attachments.get('traceback')!.length, 'Traceback (most recent call last):\n'.length + 20000);
    assert.equal(tests[2]!.attachments.get('reason'), 'v2 is off');
  });

  it('gives every listed test an outcome, inheriting its class fixture’s', () => {
    const results = [
      { id: 'm.A.test_1[id-1]', status: 'success' as const, attachments: new Map() },
      { id: 'm.B.test_1[id-2]', status: 'exists' as const, attachments: new Map() },
      { id: 'setUpClass (m.B)', status: 'skip' as const, attachments: new Map([['reason', 'Identity api v2 is not enabled']]) },
      { id: 'tearDownClass (m.A)', status: 'fail' as const, attachments: new Map([['traceback', 'boom']]) },
    ];
    const { tests, fixtureFailures } = combineResults(['m.A.test_1[id-1]', 'm.B.test_1[id-2]', 'm.C.test_1'], results);
    assert.deepEqual(tests.map((t) => [t.name, t.status]), [['m.A.test_1', 'pass'], ['m.B.test_1', 'skip'], ['m.C.test_1', 'fail']]);
    assert.equal(tests[1]!.fixture, 'setUpClass (m.B)');
    assert.equal(oneLineReason(tests[1]!), 'Identity api v2 is not enabled (in setUpClass)');
    assert.deepEqual(fixtureFailures.map((f) => f.id), ['tearDownClass (m.A)']);
    assert.deepEqual(countOutcomes(tests), { total: 3, passed: 1, failed: 1, skipped: 1, passRate: 50 });
  });

  it('sums up a failure in one line', () => {
    const notFound = "tempest.lib.exceptions.NotFound: Object not found\nDetails: {'code': 404, 'title': 'Not Found', 'message': 'The resource could not be found.'}";
    const rest: TestOutcome = {
      id: 'm.C.test_x[id-1]', name: 'm.C.test_x', status: 'fail', failedRequest: '404 POST http://127.0.0.1:5000/v3/OS-OAUTH1/consumers',
      detail: `Traceback (most recent call last):\n  File "a.py", line 1, in test_x\n    client.create()\n  File "c.py", line 9, in create\n${notFound}`,
    };
    assert.equal(oneLineReason(rest), '[404 POST /v3/OS-OAUTH1/consumers] NotFound: The resource could not be found.');
    const inTearDown: TestOutcome = { ...rest, detail: `Traceback (most recent call last):\n  File "a.py", line 5, in tearDown\n${notFound}` };
    assert.equal(oneLineReason(inTearDown), '[404 POST /v3/OS-OAUTH1/consumers] NotFound: The resource could not be found. (in tearDown)');
    const noRaise: TestOutcome = {
      id: 'm.C.test_y', name: 'm.C.test_y', status: 'fail',
      detail: "Traceback (most recent call last):\n  File \"b.py\", line 2, in test_y\ntesttools.matchers._impl.MismatchError: <bound method ProjectsClient.list_projects of <obj at 0x1>> returned {'projects': []}",
    };
    assert.equal(oneLineReason(noRaise), 'MismatchError: expected an error, but ProjectsClient.list_projects succeeded');
  });

  it('writes a truthful tempest.conf that only reaches 127.0.0.1', () => {
    const conf = renderTempestConf({ identityUrl: 'http://127.0.0.1:4321/v3', adminPassword: 'pa$s', workspace: '/tmp/ws' });
    for (const line of ['uri_v3 = http://127.0.0.1:4321/v3', 'admin_password = pa$$s', 'v3_endpoint_type = public', 'api_v2 = false',
      'access_rules = true', 'use_dynamic_credentials = true', 'nova = false', 'region = RegionOne']) {
      assert.ok(conf.split('\n').includes(line), `tempest.conf has "${line}"`);
    }
    assert.throws(() => renderTempestConf({ identityUrl: 'http://10.0.0.1:5000/v3', adminPassword: 'x', workspace: '/w' }), /127\.0\.0\.1/);
    assert.deepEqual([...requestHosts('Request (T:test_x): 200 GET http://127.0.0.1:1/v3 0.01s\nRequest (T:t): 404 POST https://example.org/v3/x')], ['127.0.0.1', 'example.org']);
  });

  it('keeps ratchet lists growing only', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ratchet-')), 'list.txt');
    fs.writeFileSync(file, '# header\n# more\nm.A.test_b\nm.A.test_a[id-1,smoke]  # with suffix\n');
    assert.deepEqual(readRatchet(file), ['m.A.test_b', 'm.A.test_a']);
    assert.equal(growRatchet(file, ['m.A.test_a', 'm.A.test_c[id-3]']), 1);
    assert.equal(fs.readFileSync(file, 'utf8'), '# header\n# more\nm.A.test_a\nm.A.test_b\nm.A.test_c\n');
    const outcome = (name: string, status: TestOutcome['status']): TestOutcome => ({ id: name, name, status });
    const check = checkRatchet(readRatchet(file), [outcome('m.A.test_a', 'pass'), outcome('m.A.test_b', 'fail'), outcome('m.A.test_d', 'pass')]);
    assert.deepEqual(check.regressed.map((t) => t.name), ['m.A.test_b']);
    assert.deepEqual(check.unknown, ['m.A.test_c']);
    assert.deepEqual(check.newlyPassing, ['m.A.test_d']);
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  it('has a ratchet whose names are unique and sorted', () => checkRatchetFile(IDENTITY_SUITE));
});

describeTempestRun(IDENTITY_SUITE, 30 * 60_000);
