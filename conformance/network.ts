/**
 * The network conformance suite: Tempest's Neutron API tests (`tempest.api.network`: networks, subnets,
 * ports, routers, floating IPs, security groups, quotas, extensions, tags and their admin variants),
 * checked against the ratchet in conformance/network.txt. The whole selection runs, not only the ratchet,
 * so the counts are honest; tests for extensions Flotilla does not list skip on Tempest's own
 * feature checks, which read /v2.0/extensions as the running cloud answers it.
 *
 * The cloud under test runs no compute host: these tests drive the API only.
 */
import type { Suite } from './suite.js';
import { tempestUnavailable } from './tempest.js';
import { adminSession, json } from './admin.js';
import type { NetworkTarget } from './tempest-conf.js';

/** Reads the extension aliases and the external network from the running cloud, as the admin. */
export async function networkTarget(identityUrl: string, adminPassword: string): Promise<NetworkTarget> {
  const { headers, endpoint } = await adminSession(identityUrl, adminPassword);
  const url = endpoint('network');
  const extensions = (await json(await fetch(`${url}/v2.0/extensions`, { headers }), 'extensions')).extensions as Array<{ alias: string }>;
  const external = (await json(await fetch(`${url}/v2.0/networks?router:external=true&name=public`, { headers }), 'external network')).networks as Array<{ id: string }>;
  return {
    extensions: extensions.map((e) => e.alias).sort(),
    ...(external[0] ? { publicNetworkId: external[0].id } : {}),
  };
}

export const NETWORK_SUITE: Suite = {
  name: 'network',
  selection: '^tempest\\.api\\.network\\.',
  packages: ['tempest'],
  unavailable: tempestUnavailable,
  // Debian's Tempest sleeps 10 s before every subnet delete (subnets_client.delete_subnet), so most of a
  // worker's time is spent asleep: four workers finish sooner and still leave the machine idle.
  concurrency: 4,
  target: async (identityUrl, adminPassword) => ({ network: await networkTarget(identityUrl, adminPassword) }),
};
