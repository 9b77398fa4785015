/**
 * The first demonstration, through the real openstack CLI: admin issues a token, creates a
 * project and a user, grants member, lists the catalog; the new user issues a token, creates an
 * application credential and logs in with it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestCloud, type TestCloud } from './support/cloud.js';
import { cliUnavailable, openstack, openstackJson } from './support/cli.js';

const skip = cliUnavailable();

describe('identity through the openstack CLI', { skip }, () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud(); });
  after(async () => { await cloud?.stop(); });

  it('runs the admin → user → application credential flow', async () => {
    const admin = cloud.cliEnv;
    const token = await openstackJson(admin, 'token', 'issue');
    assert.match(token.id, /^[A-Za-z0-9_-]{100,}$/);
    assert.ok(token.project_id);

    const project = await openstackJson(admin, 'project', 'create', 'demo');
    assert.equal(project.name, 'demo');
    const user = await openstackJson(admin, 'user', 'create', '--password', 'demo-pass', '--project', 'demo', 'alice');
    assert.equal(user.name, 'alice');
    const add = await openstack(admin, 'role', 'add', '--user', 'alice', '--project', 'demo', 'member');
    assert.equal(add.code, 0, add.stderr);

    const catalog = await openstackJson<Array<{ Name: string; Type: string }>>(admin, 'catalog', 'list');
    assert.ok(catalog.some((c) => c.Type === 'identity'), 'catalog lists identity');

    const aliceFile = path.join(cloud.dataDir, 'alice.yaml');
    const auth = { auth_url: cloud.identityUrl, username: 'alice', password: 'demo-pass', project_name: 'demo', user_domain_name: 'Default', project_domain_name: 'Default' };
    fs.writeFileSync(aliceFile, JSON.stringify({ clouds: { alice: { auth, identity_api_version: 3, region_name: 'RegionOne' } } }));
    const alice = { OS_CLIENT_CONFIG_FILE: aliceFile, OS_CLOUD: 'alice' };
    const aliceToken = await openstackJson(alice, 'token', 'issue');
    assert.equal(aliceToken.user_id, user.id);
    assert.equal(aliceToken.project_id, project.id);

    const cred = await openstackJson(alice, 'application', 'credential', 'create', 'ci');
    assert.ok(cred.secret, 'the secret is shown once, at creation');
    const shown = await openstackJson(alice, 'application', 'credential', 'show', 'ci');
    assert.equal(shown.secret, undefined, 'the secret is never shown again');

    const acFile = path.join(cloud.dataDir, 'ac.yaml');
    fs.writeFileSync(acFile, JSON.stringify({ clouds: { ac: {
      auth_type: 'v3applicationcredential',
      auth: { auth_url: cloud.identityUrl, application_credential_id: cred.id, application_credential_secret: cred.secret },
      identity_api_version: 3, region_name: 'RegionOne',
    } } }));
    const acToken = await openstackJson({ OS_CLIENT_CONFIG_FILE: acFile, OS_CLOUD: 'ac' }, 'token', 'issue');
    assert.equal(acToken.user_id, user.id);
    assert.equal(acToken.project_id, project.id);
  });
});
