/**
 * The container-infra conformance suite: magnum_tempest_plugin's API tests (Debian's
 * `magnum-tempest-plugin`): cluster templates, baymodels (as the admin and as a project), clusters and
 * bays, certificates and mservices through /v1, checked against the ratchet in
 * conformance/container-infra.txt.
 *
 * The plugin's templates name an image, flavors and the external network from [magnum]: the suite
 * registers a small public image `magnum-tempest` with os_distro=debian (Magnum takes the template's
 * cluster_distro from it; its data is never booted by the API tests that pass without a compute host)
 * and uses Nova's m1.small and the `public` network the cloud makes at bootstrap. Tests that wait for a
 * cluster to reach CREATE_COMPLETE need a conductor and a compute host.
 */
import type { Suite } from './suite.js';
import { tempestUnavailable } from './tempest.js';
import { adminSession, json } from './admin.js';
import type { ContainerInfraTarget } from './tempest-conf.js';
import { spawnSync } from 'node:child_process';

const PLUGIN_MODULE = 'magnum_tempest_plugin.tests.api';
const IMAGE = 'magnum-tempest';

/** Registers (once) the public image with os_distro the plugin's templates name. */
async function containerInfraTarget(identityUrl: string, adminPassword: string): Promise<ContainerInfraTarget> {
  const { headers, endpoint } = await adminSession(identityUrl, adminPassword);
  const glance = `${endpoint('image')}/v2/images`;
  const found = ((await json(await fetch(`${glance}?name=${IMAGE}`, { headers }), 'image list')).images as Array<{ id: string; status: string }>)
    .find((i) => i.status === 'active');
  if (!found) {
    const image = await json(await fetch(glance, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: IMAGE, container_format: 'bare', disk_format: 'raw', visibility: 'public', os_distro: 'debian' }),
    }), 'image create') as { id: string };
    const put = await fetch(`${glance}/${image.id}/file`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(1024) });
    if (!put.ok) throw new Error(`uploading ${IMAGE}: ${put.status} ${await put.text()}`);
  }
  return { imageId: IMAGE, flavorId: 'm1.small', nicId: 'public', coe: 'swarm-mode' };
}

/** Why the suite cannot run: no Tempest, or no magnum_tempest_plugin for Debian's Python. */
function containerInfraUnavailable(): string | undefined {
  const tempest = tempestUnavailable();
  if (tempest) return tempest;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import magnum_tempest_plugin'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'magnum_tempest_plugin not importable (apt-get install magnum-tempest-plugin)';
}

export const CONTAINER_INFRA_SUITE: Suite = {
  name: 'container-infra',
  selection: `^${PLUGIN_MODULE.replaceAll('.', '\\.')}\\.`,
  packages: ['tempest', 'magnum-tempest-plugin', 'python3-magnumclient'],
  unavailable: containerInfraUnavailable,
  timeoutMs: 30 * 60_000,
  target: async (identityUrl, adminPassword) => ({ containerInfra: await containerInfraTarget(identityUrl, adminPassword) }),
};
