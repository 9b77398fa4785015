/**
 * The dependencies Heat adds on its own (each plugin's add_dependencies), beyond depends_on, get_resource
 * and get_attr: templates written for Heat leave them out and still work there, so they must here.
 *
 *  - a server or a port on a network the stack makes waits for that network's subnets (a port cannot
 *    take an address before its subnet exists);
 *  - a router whose gateway is a network the stack makes waits for that network's subnets;
 *  - a floating IP (or its association) waits for the stack's router interfaces and gateways: it can only
 *    be associated once its port's subnet is routed to the external network.
 *
 * Heat decides the last two by comparing resolved network ids; here they are read from the template's
 * references (get_resource) before anything exists, and a floating IP waits for every interface and
 * gateway of the stack's routers: at most a little less parallelism, never a missing edge. An edge that
 * would close a cycle is left out (the template's own edges win), as Heat never adds one either.
 */
import type { ResourceDef } from '../hot/index.js';

const SUBNET = 'OS::Neutron::Subnet';
const NET_USERS = new Set(['OS::Nova::Server', 'OS::Neutron::Port']);
const ROUTER = 'OS::Neutron::Router';
const ROUTER_INTERFACE = 'OS::Neutron::RouterInterface';
const FLOATING = new Set(['OS::Neutron::FloatingIP', 'OS::Neutron::FloatingIPAssociation']);

/** The resource a value names by `{get_resource: name}`, if it is that. */
function ref(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  return Object.keys(o).length === 1 && typeof o.get_resource === 'string' ? o.get_resource : undefined;
}

function props(r: ResourceDef): Record<string, unknown> {
  return typeof r.properties === 'object' && r.properties !== null && !Array.isArray(r.properties) ? r.properties as Record<string, unknown> : {};
}

/** The networks of the stack a resource is on, by their resource names. */
function networksOf(r: ResourceDef): string[] {
  const p = props(r);
  const out = [ref(p.network), ref(p.network_id)];
  if (Array.isArray(p.networks)) {
    for (const n of p.networks) {
      if (typeof n === 'object' && n !== null) out.push(ref((n as Record<string, unknown>).network), ref((n as Record<string, unknown>).uuid));
    }
  }
  return out.filter((x): x is string => x !== undefined);
}

/** Heat's implicit edges among `resources` (resource → what it must wait for). */
export function implicitDependencies(resources: ReadonlyMap<string, ResourceDef>): Map<string, Set<string>> {
  const subnetsOf = new Map<string, string[]>();
  for (const [name, r] of resources) {
    if (r.type !== SUBNET) continue;
    for (const net of networksOf(r)) subnetsOf.set(net, [...(subnetsOf.get(net) ?? []), name]);
  }
  const routing = [...resources].filter(([, r]) => r.type === ROUTER_INTERFACE || (r.type === ROUTER && props(r).external_gateway_info !== undefined)).map(([n]) => n);
  const out = new Map<string, Set<string>>();
  const add = (from: string, to: string): void => {
    if (from === to) return;
    let s = out.get(from);
    if (!s) out.set(from, (s = new Set()));
    s.add(to);
  };
  for (const [name, r] of resources) {
    if (NET_USERS.has(r.type)) {
      for (const net of networksOf(r)) for (const subnet of subnetsOf.get(net) ?? []) add(name, subnet);
    } else if (r.type === ROUTER) {
      const gw = props(r).external_gateway_info;
      const net = typeof gw === 'object' && gw !== null ? ref((gw as Record<string, unknown>).network) : undefined;
      for (const subnet of net ? subnetsOf.get(net) ?? [] : []) add(name, subnet);
    } else if (FLOATING.has(r.type)) {
      for (const router of routing) add(name, router);
    }
  }
  return out;
}

/**
 * `explicit` with the implicit edges added, each only if it closes no cycle (nothing the target waits
 * for, directly or not, waits for the source).
 */
export function withImplicit(explicit: ReadonlyMap<string, ReadonlySet<string>>, resources: ReadonlyMap<string, ResourceDef>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const name of resources.keys()) graph.set(name, new Set(explicit.get(name) ?? []));
  const reaches = (from: string, target: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === target) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of graph.get(n) ?? []) stack.push(m);
    }
    return false;
  };
  for (const [from, tos] of implicitDependencies(resources)) {
    for (const to of tos) if (!graph.get(from)!.has(to) && !reaches(to, from)) graph.get(from)!.add(to);
  }
  return graph;
}
