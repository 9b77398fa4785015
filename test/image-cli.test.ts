/**
 * Images through the real openstack CLI (python-openstackclient over openstacksdk) against the real
 * server: create from a file (a docker archive), list, show, save byte for byte, set properties and tags,
 * share with another project, and delete; another project never sees a private image.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { cliUnavailable, openstack, openstackJson } from './support/cli.js';
import { dockerArchive, makeLayer } from '../src/image/blobs/testing-archives.js';

const skip = cliUnavailable();

describe('images through the openstack CLI', { skip }, () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud(); });
  after(async () => {
    if (!cloud) return;
    await cloud.stop();
    fs.rmSync(cloud.dataDir, { recursive: true, force: true });
  });

  it('creates, lists, shows, saves, shares and deletes an image', { timeout: 180_000 }, async () => {
    const admin = cloud.cliEnv;
    const archive = dockerArchive([makeLayer(2_000_000), makeLayer(300_000)], 'flotilla/cli-test:1');
    const file = path.join(cloud.dataDir, 'archive.tar');
    fs.writeFileSync(file, archive);

    const created = await openstackJson(admin, 'image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'docker',
      '--property', 'os_distro=busybox', '--tag', 'base', 'cli-image');
    assert.equal(created.name, 'cli-image');

    const list = await openstackJson<Array<{ ID: string; Name: string; Status: string }>>(admin, 'image', 'list');
    const row = list.find((i) => i.Name === 'cli-image');
    assert.ok(row, 'image list shows it');
    assert.equal(row.Status, 'active');

    const shown = await openstackJson(admin, 'image', 'show', 'cli-image');
    assert.equal(shown.size, archive.length);
    assert.equal(shown.checksum, createHash('md5').update(archive).digest('hex'));
    assert.equal(shown.container_format, 'docker');
    assert.deepEqual(shown.tags, ['base']);
    assert.equal(shown.properties.os_distro, 'busybox');
    assert.equal(shown.properties.os_hash_value, createHash('sha512').update(archive).digest('hex'));

    const saved = path.join(cloud.dataDir, 'saved.tar');
    const save = await openstack(admin, 'image', 'save', '--file', saved, 'cli-image');
    assert.equal(save.code, 0, save.stderr);
    assert.ok(fs.readFileSync(saved).equals(archive), 'image save returns the uploaded bytes');

    const set = await openstack(admin, 'image', 'set', '--property', 'os_version=1', '--name', 'cli-image-2', 'cli-image');
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await openstackJson(admin, 'image', 'show', 'cli-image-2')).properties.os_version, '1');

    // Another project: a member there sees nothing of admin's private image until it is shared.
    assert.equal((await openstack(admin, 'project', 'create', 'other')).code, 0);
    assert.equal((await openstack(admin, 'user', 'create', '--password', 'other-pass', '--project', 'other', 'other-user')).code, 0);
    assert.equal((await openstack(admin, 'role', 'add', '--user', 'other-user', '--project', 'other', 'member')).code, 0);
    const otherFile = path.join(cloud.dataDir, 'other.yaml');
    const auth = { auth_url: cloud.identityUrl, username: 'other-user', password: 'other-pass', project_name: 'other', user_domain_name: 'Default', project_domain_name: 'Default' };
    fs.writeFileSync(otherFile, JSON.stringify({ clouds: { other: { auth, identity_api_version: 3, region_name: 'RegionOne' } } }));
    const other = { OS_CLIENT_CONFIG_FILE: otherFile, OS_CLOUD: 'other' };
    assert.equal((await openstack(admin, 'image', 'set', '--private', 'cli-image-2')).code, 0);
    assert.notEqual((await openstack(other, 'image', 'show', shown.id)).code, 0, 'another project cannot see a private image');
    assert.ok(!(await openstackJson<Array<{ ID: string }>>(other, 'image', 'list')).some((i) => i.ID === shown.id));
    assert.equal((await openstack(admin, 'image', 'set', '--shared', 'cli-image-2')).code, 0);
    const add = await openstack(admin, 'image', 'add', 'project', 'cli-image-2', 'other');
    assert.equal(add.code, 0, add.stderr);
    const accept = await openstack(other, 'image', 'set', '--accept', shown.id);
    assert.equal(accept.code, 0, accept.stderr);
    assert.ok((await openstackJson<Array<{ ID: string }>>(other, 'image', 'list')).some((i) => i.ID === shown.id), 'accepted: listed');

    const del = await openstack(admin, 'image', 'delete', 'cli-image-2');
    assert.equal(del.code, 0, del.stderr);
    assert.ok(!(await openstackJson<Array<{ Name: string }>>(admin, 'image', 'list')).some((i) => i.Name === 'cli-image-2'));
    const blobs = path.join(cloud.dataDir, 'image', 'blobs');
    const left = fs.readdirSync(blobs).flatMap((shard) => fs.readdirSync(path.join(blobs, shard)));
    assert.deepEqual(left, [], 'its blobs are gone with it');
  });
});
