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
import type { NetworkTarget } from './tempest-conf.js';

async function json(res: Response, what: string): Promise<any> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Reads the extension aliases and the external network from the running cloud, as the admin. */
async function networkTarget(identityUrl: string, adminPassword: string): Promise<NetworkTarget> {
  const auth = {
    identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: adminPassword } } },
    scope: { project: { name: 'admin', domain: { name: 'Default' } } },
  };
  const res = await fetch(`${identityUrl}/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth }) });
  const token = res.headers.get('x-subject-token') ?? '';
  const catalog = (await json(res, 'admin login')).token.catalog as Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>;
  const url = catalog.find((s) => s.type === 'network')?.endpoints.find((e) => e.interface === 'public')?.url;
  if (!url) throw new Error('the catalog lists no network endpoint');
  const headers = { 'x-auth-token': token };
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
