/**
 * The orchestration conformance suite: heat_tempest_plugin's API tests (Debian's `heat-tempest-plugin`;
 * Tempest 33 itself has none for Heat), checked against the ratchet in conformance/orchestration.txt.
 * They are gabbi files (heat_tempest_plugin/tests/api/gabbits: stacks, resources, resource types,
 * environments, templates, software configs), 44 HTTP exchanges against /v1/{project}, each a test.
 *
 * The plugin's API tests act as one fixed member account ([heat_plugin] username/password/project_name),
 * not Tempest's dynamic credentials, so the suite makes that account in the cloud before the run. The
 * cloud under test runs no compute host: the tests build stacks of OS::Heat::TestResource only.
 */
import type { Suite } from './suite.js';
import { tempestUnavailable } from './tempest.js';
import { adminSession, json } from './admin.js';
import type { OrchestrationTarget } from './tempest-conf.js';
import { spawnSync } from 'node:child_process';

const ACCOUNT: OrchestrationTarget = { username: 'heat-tempest', password: 'heat-tempest-password', projectName: 'heat-tempest' };

/** Python module the plugin's tests live in; present only with Debian's heat-tempest-plugin. */
const PLUGIN_MODULE = 'heat_tempest_plugin.tests.api';

/**
 * Makes (or finds) the plugin's member account: project and user `heat-tempest` in domain Default with
 * the role `member` on the project. Idempotent, so `cli.js orchestration --identity-url …` can run twice
 * against one cloud.
 */
async function orchestrationTarget(identityUrl: string, adminPassword: string): Promise<OrchestrationTarget> {
  const { headers } = await adminSession(identityUrl, adminPassword);
  const h = { ...headers, 'content-type': 'application/json' };
  const find = async (kind: 'projects' | 'users' | 'roles', name: string): Promise<string | undefined> =>
    ((await json(await fetch(`${identityUrl}/${kind}?name=${encodeURIComponent(name)}`, { headers }), `${kind} ${name}`))[kind] as Array<{ id: string }>)[0]?.id;

  const projectId = await find('projects', ACCOUNT.projectName)
    ?? (await json(await fetch(`${identityUrl}/projects`, {
      method: 'POST', headers: h, body: JSON.stringify({ project: { name: ACCOUNT.projectName, domain_id: 'default' } }),
    }), 'create project')).project.id as string;
  let userId = await find('users', ACCOUNT.username);
  if (userId) {
    // Reset the password: a previous run's cloud may have been started with another one in mind.
    await json(await fetch(`${identityUrl}/users/${userId}`, {
      method: 'PATCH', headers: h, body: JSON.stringify({ user: { password: ACCOUNT.password, enabled: true } }),
    }), 'reset password');
  } else {
    userId = (await json(await fetch(`${identityUrl}/users`, {
      method: 'POST', headers: h,
      body: JSON.stringify({ user: { name: ACCOUNT.username, password: ACCOUNT.password, domain_id: 'default', default_project_id: projectId } }),
    }), 'create user')).user.id as string;
  }
  const member = await find('roles', 'member');
  if (!member) throw new Error('the cloud has no role `member`');
  const grant = await fetch(`${identityUrl}/projects/${projectId}/users/${userId}/roles/${member}`, { method: 'PUT', headers });
  if (!grant.ok) throw new Error(`granting member on ${ACCOUNT.projectName}: ${grant.status} ${await grant.text()}`);
  return ACCOUNT;
}

/** Why the suite cannot run: no Tempest, or no heat_tempest_plugin for Debian's Python. */
function orchestrationUnavailable(): string | undefined {
  const tempest = tempestUnavailable();
  if (tempest) return tempest;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import heat_tempest_plugin'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'heat_tempest_plugin not importable (apt-get install heat-tempest-plugin)';
}

export const ORCHESTRATION_SUITE: Suite = {
  name: 'orchestration',
  selection: `^${PLUGIN_MODULE.replaceAll('.', '\\.')}\\.`,
  packages: ['tempest', 'heat-tempest-plugin'],
  unavailable: orchestrationUnavailable,
  // The gabbi tests of one file run in order in one worker (each depends on the one before), and all
  // of them share one stestr group (the module), so more workers would only sit idle.
  concurrency: 1,
  timeoutMs: 10 * 60_000,
  target: async (identityUrl, adminPassword) => ({ orchestration: await orchestrationTarget(identityUrl, adminPassword) }),
};
