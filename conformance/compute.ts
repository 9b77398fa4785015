/**
 * The compute conformance suite: Tempest's Nova v2.1 API tests for servers, flavors, key pairs, limits,
 * quotas, availability zones and server groups (and their admin variants, with hypervisors and
 * services), checked against the ratchet in conformance/compute.txt. The whole selection runs, not only
 * the ratchet, so the counts are honest; what Flotilla lacks is marked unavailable in tempest.conf
 * (tempest-conf.ts) and those tests skip.
 *
 * The cloud under test runs its own compute host (an agent with a private Docker engine) and the
 * busybox base image, which boots in about a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Suite } from './suite.js';
import { tempestUnavailable } from './tempest.js';
import { adminSession, json } from './admin.js';
import type { ComputeTarget } from './tempest-conf.js';
import { networkTarget } from './network.js';

const ADMIN_TESTS = [
  'test_flavors', 'test_flavors_access', 'test_flavors_access_negative', 'test_flavors_extra_specs',
  'test_flavors_extra_specs_negative', 'test_flavors_microversions',
  'test_quotas', 'test_quotas_negative',
  'test_servers', 'test_servers_negative', 'test_servers_on_multinodes', 'test_create_server', 'test_delete_server',
  'test_availability_zone', 'test_availability_zone_negative',
  'test_keypairs_v210', 'test_auto_allocate_network',
  'test_hypervisor', 'test_hypervisor_negative', 'test_services', 'test_services_negative',
];

/**
 * Everything under tempest.api.compute's servers (availability zones and server groups included),
 * flavors, keypairs and limits packages, the project quota tests, and the admin modules above.
 */
const COMPUTE_SELECTION =
  `^tempest\\.api\\.compute\\.((servers|flavors|keypairs|limits)\\.|test_quotas\\.|admin\\.(${ADMIN_TESTS.join('|')})\\.)`;

/** The image Tempest's servers boot from: the busybox base image (a container is up in about a second). */
export const COMPUTE_IMAGE = 'busybox';

/** The environment of the cloud the suite runs against: its own compute host and the busybox image. */
export const COMPUTE_CLOUD_ENV: Readonly<Record<string, string>> = {
  FLOTILLA_COMPUTE_HOST: 'tempest-host',
  FLOTILLA_BASE_IMAGES: COMPUTE_IMAGE,
};

/** Why the compute suite cannot run here, or undefined: Tempest, and what the host agent needs. */
function computeSuiteUnavailable(): string | undefined {
  const tempest = tempestUnavailable();
  if (tempest) return tempest;
  if (process.getuid?.() !== 0) return 'the compute host agent needs root (namespaces, veths, dockerd)';
  for (const tool of ['dockerd', 'docker-init', 'ip', 'nsenter', 'iptables-restore', 'busybox']) {
    const found = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat('/usr/sbin', '/sbin', '/bin')
      .some((dir) => fs.existsSync(path.join(dir, tool)));
    if (!found) return `${tool} is not installed (npm start installs docker.io, iproute2, iptables, busybox-static)`;
  }
  return undefined;
}

/** The second image (image_ref_alt): a copy of busybox under another name and id, so rebuilds change image. */
export const COMPUTE_IMAGE_ALT = 'busybox-alt';

interface ImageRow { id: string; name: string; status: string; container_format: string; disk_format: string }

/**
 * Tempest's boot images and flavors, looked up as the admin: the busybox image and a public copy of it
 * (registered here when absent; the image service stores its data once), so that tests which rebuild to,
 * or filter by, another image have one; and Nova's default m1.tiny and m1.small (512 MB and 2 GB: a
 * resize from one to the other fits this host many times over).
 */
async function computeTarget(identityUrl: string, adminPassword: string): Promise<ComputeTarget> {
  const { headers, endpoint } = await adminSession(identityUrl, adminPassword);
  const glance = `${endpoint('image')}/v2/images`;
  const activeImage = async (name: string): Promise<ImageRow | undefined> =>
    ((await json(await fetch(`${glance}?name=${name}`, { headers }), 'image list')).images as ImageRow[]).find((i) => i.status === 'active');

  const image = await activeImage(COMPUTE_IMAGE);
  if (!image) throw new Error(`the cloud has no active ${COMPUTE_IMAGE} image (FLOTILLA_BASE_IMAGES=${COMPUTE_IMAGE})`);
  let alt = await activeImage(COMPUTE_IMAGE_ALT);
  if (!alt) {
    const data = Buffer.from(await (await fetch(`${glance}/${image.id}/file`, { headers })).arrayBuffer());
    alt = (await json(await fetch(glance, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: COMPUTE_IMAGE_ALT, container_format: image.container_format, disk_format: image.disk_format, visibility: 'public' }),
    }), 'image create')) as ImageRow;
    await json(await fetch(`${glance}/${alt.id}/file`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: data }), 'image upload');
  }

  const flavors = (await json(await fetch(`${endpoint('compute')}/flavors`, { headers }), 'flavor list')).flavors as Array<{ id: string; name: string }>;
  const flavor = (name: string): string => {
    const f = flavors.find((x) => x.name === name);
    if (!f) throw new Error(`no flavor ${name}`);
    return f.id;
  };
  return { imageRef: image.id, imageRefAlt: alt.id, flavorRef: flavor('m1.tiny'), flavorRefAlt: flavor('m1.small') };
}

export const COMPUTE_SUITE: Suite = {
  name: 'compute',
  selection: COMPUTE_SELECTION,
  packages: ['tempest'],
  unavailable: computeSuiteUnavailable,
  cloudEnv: COMPUTE_CLOUD_ENV,
  // A cold image cache builds busybox first; the compute host starts alongside.
  cloudTimeoutMs: 5 * 60_000,
  timeoutMs: 40 * 60_000,
  // With the network target: servers' ports are Neutron's, and Tempest gives each class its network.
  target: async (identityUrl, adminPassword) => ({ compute: await computeTarget(identityUrl, adminPassword), network: await networkTarget(identityUrl, adminPassword) }),
};
