/**
 * Heat's custom constraints on parameters (`constraints: [{custom_constraint: nova.flavor}]`), checked
 * against Flotilla's own services with the caller's token before anything is stored, as Heat's
 * heat.constraints plugins do: the value must name (by id or by name) something the caller can see. A
 * constraint Flotilla has no check for is refused by name, so a template never relies on a check that
 * silently did not happen.
 */
import type { ConstraintChecker } from './hot/index.js';
import type { ServiceClients } from './plugins/stack-clients.js';

type Check = (clients: ServiceClients, token: string, value: string) => Promise<string | null>;

/** Something with an id and a name matches a value that is either, once (several by name is ambiguous). */
function pick(kind: string, items: ReadonlyArray<{ id: string; name?: string | null }>, value: string): string | null {
  if (items.some((i) => i.id === value)) return null;
  const named = items.filter((i) => i.name === value);
  if (named.length === 1) return null;
  if (named.length > 1) return `Multiple ${kind} resources were found with name ${value}`;
  return `The ${kind} (${value}) could not be found.`;
}

const CHECKS: Readonly<Record<string, Check>> = {
  'nova.flavor': async (c, t, v) => pick('Flavor', await c.compute.listFlavors(t), v),
  'nova.keypair': async (c, t, v) => ((await c.compute.listKeypairs(t)).some((k) => k.name === v) ? null : `The Key (${v}) could not be found.`),
  'nova.server': async (c, t, v) => pick('Server', await c.compute.listServers(t), v),
  'glance.image': async (c, t, v) => pick('Image', await c.image.listAll(t), v),
  'neutron.network': async (c, t, v) => pick('network', await c.network.listNetworks(t), v),
  'neutron.subnet': async (c, t, v) => pick('subnet', await c.network.listSubnets(t), v),
  'neutron.port': async (c, t, v) => pick('port', await c.network.listPorts(t), v),
  'neutron.router': async (c, t, v) => pick('router', await c.network.listRouters(t), v),
  'neutron.security_group': async (c, t, v) => pick('security_group', await c.network.listSecurityGroups(t), v),
};

/** The names Flotilla checks (what `/resource_types` and the docs may list). */
export const CUSTOM_CONSTRAINTS: readonly string[] = Object.keys(CHECKS).sort();

/** A checker acting with `token` (the caller's): null when the value passes, else why it does not. */
export function customConstraints(clients: ServiceClients, token: string): ConstraintChecker {
  return async (name, value) => {
    const check = CHECKS[name];
    if (!check) return `the constraint ${name} is not supported by Flotilla (supported: ${CUSTOM_CONSTRAINTS.join(', ')})`;
    return check(clients, token, String(value));
  };
}
