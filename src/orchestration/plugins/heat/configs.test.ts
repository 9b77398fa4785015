/**
 * The pure parts of the Heat config and signal plugins: signal normalisation as Heat's handle does it,
 * cloud-config rendering, and multipart MIME messages cloud-init can split again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSignal } from './wait-condition-handle.js';
import { cloudConfigText } from './cloud-config.js';
import { mimeMessage, mimeParts } from './multipart-mime.js';

describe('wait condition handle signals', () => {
  it('fills in Heat\'s defaults, numbers signals, overwrites by id, refuses bad ones', () => {
    let { signals } = mergeSignal({}, null);
    assert.deepEqual(signals, { 1: { status: 'SUCCESS', reason: 'Signal 1 received', data: null } });
    ({ signals } = mergeSignal(signals, { data: 'x', id: 'a' }));
    assert.deepEqual(signals.a, { status: 'SUCCESS', reason: 'Signal 2 received', data: 'x' });
    ({ signals } = mergeSignal(signals, { status: 'FAILURE', reason: 'no', id: 'a' }));
    assert.deepEqual(Object.keys(signals), ['1', 'a']);
    assert.equal(signals.a!.status, 'FAILURE');
    assert.throws(() => mergeSignal({}, { status: 'DONE' }), /Metadata format invalid/);
    assert.throws(() => mergeSignal({}, { status: 'SUCCESS', extra: 1 }), /Metadata format invalid/);
    assert.throws(() => mergeSignal({}, ['SUCCESS']), /Metadata format invalid/);
  });
});

describe('config documents', () => {
  it('cloud-config is #cloud-config and block YAML', () => {
    assert.equal(cloudConfigText({ runcmd: ['echo hi'], write_files: [{ path: '/x', content: 'y' }] }),
      '#cloud-config\nruncmd:\n  - echo hi\nwrite_files:\n  - path: /x\n    content: y\n');
  });

  it('multipart messages carry each part with its type and filename, and split back', () => {
    const msg = mimeMessage([
      { contentType: 'text/cloud-config', filename: 'cfg', body: '#cloud-config\nruncmd: []' },
      { contentType: 'text/x-shellscript', body: '#!/bin/sh\necho hi' },
      { contentType: 'text/plain', body: 'naïve' },
    ]);
    assert.match(msg, /^Content-Type: multipart\/mixed; boundary="===============\d{19}=="\nMIME-Version: 1.0\n/);
    assert.match(msg, /Content-Type: text\/cloud-config; charset="us-ascii"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nContent-Disposition: attachment; filename="cfg"\n\n#cloud-config/);
    assert.deepEqual(mimeParts(msg), [
      { contentType: 'text/cloud-config', filename: 'cfg', body: '#cloud-config\nruncmd: []' },
      { contentType: 'text/x-shellscript', body: '#!/bin/sh\necho hi' },
      { contentType: 'text/plain', body: 'naïve' },
    ]);
  });
});
