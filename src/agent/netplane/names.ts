/**
 * Names of everything the network data plane makes, derived from the agent layout's tag and the owning
 * resource's id: two agents (or two test processes) on one machine never share a name, and a pass can
 * tell what is its own by the name alone. Interface names stay within Linux's 15 bytes.
 *
 *   flotilla-s-<tag>-<hash(network)>   a network's L2 segment on this host (bridge br0, vx<VNI>, fp<port>)
 *   flotilla-r-<tag>-<hash(router)>    a router (qr<port> per interface, qg<port> for its gateway)
 *   fx<tag>                            root-namespace end of the link into the external segment (peer rt0)
 *   <dir>/metadata/<hash(network)>.*   a segment's metadata proxy (haproxy): its config, pidfile and log
 *
 * The prefixes differ from the interim networking's (flotilla-n-…, src/agent/network.ts), so the two
 * never remove each other's namespaces while one replaces the other.
 */
import path from 'node:path';
import { portLink, shortHash, type AgentLayout } from '../layout.js';

export const BRIDGE = 'br0';
/** The external segment's end of the root namespace's link (fx<tag> in the root namespace). */
export const UPLINK_PEER = 'rt0';
/** Name of the nftables tables the data plane keeps in namespaces it owns. */
export const TABLE = 'netplane';

export function segmentPrefix(layout: AgentLayout): string {
  return `flotilla-s-${layout.tag}-`;
}

export function routerPrefix(layout: AgentLayout): string {
  return `flotilla-r-${layout.tag}-`;
}

/** Every namespace-name prefix the data plane owns (for sweeping an abandoned host). */
export function netplanePrefixes(layout: AgentLayout): string[] {
  return [segmentPrefix(layout), routerPrefix(layout)];
}

export function segmentNamespace(layout: AgentLayout, networkId: string): string {
  return `${segmentPrefix(layout)}${shortHash(networkId)}`;
}

export function routerNamespace(layout: AgentLayout, routerId: string): string {
  return `${routerPrefix(layout)}${shortHash(routerId)}`;
}

/**
 * The segment bridge's MAC: fixed, from the network id, locally administered (02:…). A Linux bridge left
 * to itself takes the lowest MAC of its ports and changes it as ports come and go; servers and the host
 * that resolved the bridge's addresses (the metadata address, the external gateway) then send to a MAC
 * nobody holds until their neighbour entry expires (seen: a master's wait-condition signal to
 * 169.254.169.254 timing out for 45 s after two workers were plugged beside it). A MAC set by hand stays.
 */
export function bridgeMac(networkId: string): string {
  return `02:${shortHash(`bridge:${networkId}`).match(/../g)!.join(':')}`;
}

/** The VXLAN device of a VNI (unique in the host namespace, where it is made, because VNIs are). */
export function vxlanLink(vni: number): string {
  return `vx${vni}`;
}

/** The bridge end of any port's veth, server's or router's: fp<hash(port)>, as the interim code named it. */
export const bridgePortLink = portLink;

/** The router-namespace end of a router interface's veth. */
export function routerInterfaceLink(portId: string): string {
  return `qr${shortHash(portId)}`;
}

/** The router-namespace end of a router gateway's veth. */
export function routerGatewayLink(portId: string): string {
  return `qg${shortHash(portId)}`;
}

/** The root-namespace end of the link into the external segment. */
export function uplinkLink(layout: AgentLayout): string {
  return `fx${layout.tag}`;
}

/** The metadata address, held by the segments' bridges where servers are (metadata-proxy.ts). */
export const METADATA_ADDRESS = '169.254.169.254';

/** Where the segments' metadata proxies keep their configs, pidfiles and logs. */
export function metadataDir(layout: AgentLayout): string {
  return path.join(layout.dir, 'metadata');
}

/**
 * The file stem of one network's metadata proxy (…/metadata/<hash>.cfg, .pid, .log): the same hash as
 * its segment namespace's name, so a proxy's segment is known from its config path.
 */
export function metadataProxyStem(layout: AgentLayout, networkId: string): string {
  return path.join(metadataDir(layout), shortHash(networkId));
}

/**
 * The agent's metadata socket, where every proxy of this agent forwards (src/agent/metadata-server.ts).
 * Under /run by the agent's tag, not under its data dir: the proxies run as the `haproxy` user, which
 * must be able to reach it, and the data dir's parents may be private (0700).
 */
export function metadataSocket(layout: AgentLayout): string {
  return path.join('/run', `flotilla-${layout.tag}`, 'metadata.sock');
}

/** The agent's registry relay socket, where every proxy passes 169.254.169.254:5000 (src/agent/registry-relay.ts). */
export function registrySocket(layout: AgentLayout): string {
  return path.join('/run', `flotilla-${layout.tag}`, 'registry.sock');
}
