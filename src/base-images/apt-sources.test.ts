/** Reading the machine's apt sources in both formats, and choosing the Debian mirror lines for a release. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { debianMirrorLines, parseDeb822Sources, parseOneLineSources, readAptSources } from './apt-sources.js';

const DEB822 = `Types: deb
# a comment inside the paragraph
URIs: http://mirror.example.test/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://mirror.example.test/debian-security
Suites: bookworm-security
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBF...
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: http://mirror.example.test/debian
Suites: bookworm-backports
Components: main

Enabled: no
Types: deb
URIs: http://disabled.example.test/debian
Suites: bookworm
Components: main
`;

test('deb822: paragraphs, comments, multi-line fields and Enabled: no', () => {
  const sources = parseDeb822Sources(DEB822, 'x.sources');
  assert.equal(sources.length, 4);
  assert.deepEqual(sources[0]!.suites, ['bookworm', 'bookworm-updates']);
  assert.deepEqual(sources[1]!.types, ['deb', 'deb-src']);
  assert.match(sources[1]!.options['signed-by']!, /BEGIN PGP PUBLIC KEY BLOCK[\s\S]*END/);
  assert.deepEqual(debianMirrorLines(sources, 'bookworm'), [
    'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example.test/debian bookworm main',
    'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example.test/debian bookworm-updates main',
    // An inline key cannot be passed on; mmdebstrap finds the archive key itself.
    'deb http://mirror.example.test/debian-security bookworm-security main',
  ]);
});

test('one-line: options in brackets, comments, deb-src and other releases ignored', () => {
  const text = [
    '# deb http://commented.example.test/debian bookworm main',
    'deb [ arch=amd64 trusted=yes ] http://local.example.test/debian bookworm main non-free-firmware',
    'deb-src http://local.example.test/debian bookworm main',
    'deb http://local.example.test/debian bookworm-updates main # trailing comment',
    'deb http://local.example.test/security bookworm-security main',
    'deb https://packages.example.test/apt cloud-sdk main',
    'deb http://local.example.test/debian bookworm contrib',
  ].join('\n');
  const sources = parseOneLineSources(text, 'x.list');
  assert.equal(sources.length, 6);
  assert.deepEqual(debianMirrorLines(sources, 'bookworm'), [
    'deb [trusted=yes] http://local.example.test/debian bookworm main',
    'deb http://local.example.test/debian bookworm-updates main',
    'deb http://local.example.test/security bookworm-security main',
  ]);
});

test('a machine on another Debian release: its mirrors are asked for the wanted one', () => {
  const sources = parseOneLineSources([
    'deb http://m.example.test/debian trixie main',
    'deb http://m.example.test/debian trixie-updates main',
    'deb http://m.example.test/debian-security trixie-security main',
    'deb http://ppa.example.test/ubuntu noble main',
  ].join('\n'), 'x.list');
  assert.deepEqual(debianMirrorLines(sources, 'bookworm'), [
    'deb http://m.example.test/debian bookworm main',
    'deb http://m.example.test/debian bookworm-updates main',
    'deb http://m.example.test/debian-security bookworm-security main',
  ]);
  assert.deepEqual(debianMirrorLines(parseOneLineSources('deb http://ppa.example.test/ubuntu noble main', 'y.list'), 'bookworm'), []);
});

test('readAptSources reads sources.list and the .list and .sources files of sources.list.d only', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-bi-apt-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/apt/sources.list'), 'deb http://a.example.test/debian bookworm main\n');
  fs.writeFileSync(path.join(root, 'etc/apt/sources.list.d/b.sources'), 'Types: deb\nURIs: http://b.example.test/debian\nSuites: bookworm-updates\nComponents: main\n');
  fs.writeFileSync(path.join(root, 'etc/apt/sources.list.d/c.list.disabled'), 'deb http://c.example.test/debian bookworm main\n');
  const uris = readAptSources(root).flatMap((s) => s.uris);
  assert.deepEqual(uris, ['http://a.example.test/debian', 'http://b.example.test/debian']);
});
