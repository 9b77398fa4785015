/**
 * The metadata service's answering end: an HTTP server on the agent's metadata socket, where every
 * segment's proxy on 169.254.169.254:80 forwards (src/agent/netplane/metadata-proxy.ts) with the headers
 * X-Flotilla-Network (the segment's network id) and X-Forwarded-For (the client's source address, which
 * the segment's anti-spoofing vouches for). The server asking is the one whose Neutron port on that
 * network has that address, among the servers compute wants on this host: the agent already holds their
 * specs, so no request costs an API call. An unknown source gets a 404.
 *
 * The documents are the config drive's (config-drive.ts), under the paths Nova's metadata service
 * serves and images expect:
 *   /                                     EC2 versions
 *   /openstack                            OpenStack versions (dated ones are aliases of `latest`)
 *   /openstack/<v>/                       meta_data.json, network_data.json, vendor_data*.json, user_data
 *   /<ec2 version>/meta-data/…            instance-id, hostname, local-ipv4, public-keys/0/openssh-key, …
 *   /<ec2 version>/user-data
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { ServerSpec } from '../compute/agent-protocol.js';
import { ec2MetaData, metaData, networkData } from './config-drive.js';
import { forwardedService, forwardToService, type ForwardTargets } from './metadata-forward.js';
import { listenForProxies } from './proxy-socket.js';

/** The OpenStack metadata versions served (each an alias of `latest`), as Nova lists them. */
export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', 'latest'] as const;
/** The EC2 metadata versions served (each an alias of `latest`). */
export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04', 'latest'] as const;

/** The server asking, as the agent knows it. */
export interface MetadataClient {
  spec: ServerSpec;
  /** The port the request came through. */
  portId: string;
  address: string;
  /** The port's floating IP, when this host's plan knows one. */
  floatingIp?: string;
}

export interface MetadataSource {
  /** The server whose Neutron port on `networkId` has `address`, if this host has one. */
  find(networkId: string, address: string): MetadataClient | undefined;
}

export interface MetadataAnswer {
  status: number;
  type: string;
  body: string;
}

const TEXT = 'text/plain; charset=utf-8';
const notFound = (): MetadataAnswer => ({ status: 404, type: TEXT, body: 'Not Found\n' });
const text = (body: string): MetadataAnswer => ({ status: 200, type: TEXT, body });
const json = (v: unknown): MetadataAnswer => ({ status: 200, type: 'application/json', body: JSON.stringify(v) });

/** Whether OpenStack version `v` has a document introduced at `since` (versions are ISO dates or `latest`). */
const atLeast = (v: string, since: string): boolean => v === 'latest' || v >= since;

function openstack(client: MetadataClient, version: string, file: string | undefined): MetadataAnswer {
  const { spec } = client;
  const hasUserData = spec.userData !== undefined && spec.userData.length > 0;
  if (file === undefined) {
    const files = ['meta_data.json'];
    if (atLeast(version, '2015-10-15')) files.push('network_data.json');
    if (atLeast(version, '2013-10-17')) files.push('vendor_data.json');
    if (atLeast(version, '2016-10-06')) files.push('vendor_data2.json');
    if (hasUserData) files.push('user_data');
    return text(files.join('\n'));
  }
  switch (file) {
    // A fresh seed per request, as Nova's metadata service gives (the config drive keeps its first one).
    case 'meta_data.json': return json(metaData(spec, randomBytes(512).toString('base64')));
    case 'network_data.json': return atLeast(version, '2015-10-15') ? json(networkData(spec)) : notFound();
    case 'vendor_data.json': return atLeast(version, '2013-10-17') ? json({}) : notFound();
    case 'vendor_data2.json': return atLeast(version, '2016-10-06') ? json({}) : notFound();
    case 'user_data': return hasUserData ? { status: 200, type: 'application/octet-stream', body: spec.userData! } : notFound();
    default: return notFound();
  }
}

/** The EC2 meta-data tree of the client (the config drive's, with this port's addresses). */
function ec2Tree(client: MetadataClient): Record<string, unknown> {
  const tree = ec2MetaData(client.spec) as Record<string, unknown>;
  tree['local-ipv4'] = client.address;
  tree['public-ipv4'] = client.floatingIp ?? '';
  return tree;
}

/** A node of the EC2 tree as EC2 renders it: a value as text, a branch as its entries (branches with a `/`). */
function ec2Node(node: unknown, parentIsKeys: boolean): MetadataAnswer {
  if (node === undefined || node === null) return notFound();
  if (Array.isArray(node)) return text(node.map(String).join('\n'));
  if (typeof node !== 'object') return text(String(node));
  const entries = Object.entries(node as Record<string, unknown>).filter(([k]) => k !== '_name');
  // public-keys/ lists `0=name`, as EC2 does; each key's own branch lists its formats.
  if (parentIsKeys) return text(entries.map(([k, v]) => String((v as { _name?: unknown })._name ?? k)).join('\n'));
  return text(entries.map(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? `${k}/` : k)).join('\n'));
}

function ec2(client: MetadataClient, rest: string[]): MetadataAnswer {
  const hasUserData = client.spec.userData !== undefined && client.spec.userData.length > 0;
  if (rest.length === 0) return text(['meta-data/', ...(hasUserData ? ['user-data'] : [])].join('\n'));
  if (rest[0] === 'user-data' && rest.length === 1) return hasUserData ? { status: 200, type: 'application/octet-stream', body: client.spec.userData! } : notFound();
  if (rest[0] !== 'meta-data') return notFound();
  let node: unknown = ec2Tree(client);
  for (const key of rest.slice(1)) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || key === '_name') return notFound();
    node = (node as Record<string, unknown>)[key];
  }
  return ec2Node(node, rest.length === 2 && rest[1] === 'public-keys');
}

/** The answer to GET `pathname` for `client`. */
export function answerMetadata(pathname: string, client: MetadataClient): MetadataAnswer {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length === 0) return text(EC2_VERSIONS.join('\n'));
  if (parts[0] === 'openstack') {
    if (parts.length === 1) return text(OPENSTACK_VERSIONS.join('\n'));
    if (!(OPENSTACK_VERSIONS as readonly string[]).includes(parts[1]!) || parts.length > 3) return notFound();
    return openstack(client, parts[1]!, parts[2]);
  }
  if (!(EC2_VERSIONS as readonly string[]).includes(parts[0]!)) return notFound();
  return ec2(client, parts.slice(1));
}

/** The address a request came from, as the proxy wrote it (the last X-Forwarded-For entry). */
function sourceOf(req: http.IncomingMessage): string | undefined {
  const h = req.headers['x-forwarded-for'];
  const raw = Array.isArray(h) ? h[h.length - 1] : h;
  const last = raw?.split(',').pop()?.trim();
  return last && /^\d{1,3}(\.\d{1,3}){3}$/.test(last) ? last : undefined;
}

/**
 * Serves the metadata service on `socketPath`. `proxyGid`: the group the proxies run as, given access to
 * the socket (0660); without it the socket is root's only. `forwardTo`: the APIs that `/orchestration/…`
 * and `/container-infra/…` requests go to (metadata-forward.ts).
 */
export async function startMetadataServer(socketPath: string, source: MetadataSource, proxyGid?: number, forwardTo: ForwardTargets = {}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (a: MetadataAnswer): void => {
      res.writeHead(a.status, { 'content-type': a.type, 'content-length': Buffer.byteLength(a.body) });
      res.end(req.method === 'HEAD' ? undefined : a.body);
    };
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://169.254.169.254'); } catch { send(notFound()); return; }
    const forwarded = forwardedService(url.pathname) !== undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD' && !forwarded) { send({ status: 405, type: TEXT, body: 'Method Not Allowed\n' }); return; }
    const network = req.headers['x-flotilla-network'];
    const address = sourceOf(req);
    if (typeof network !== 'string' || address === undefined) { send({ status: 400, type: TEXT, body: 'Bad Request\n' }); return; }
    const client = source.find(network, address);
    if (!client) { send(notFound()); return; }
    if (forwarded) {
      forwardToService(forwardTo, req, res, url.pathname, url.search).catch(() => { if (!res.headersSent) send({ status: 502, type: TEXT, body: 'Bad Gateway\n' }); });
      return;
    }
    let pathname: string;
    try { pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://169.254.169.254').pathname); } catch { send(notFound()); return; }
    send(answerMetadata(pathname, client));
  });
  server.keepAliveTimeout = 5000;
  await listenForProxies(server, socketPath, proxyGid);
  return server;
}

/** The source of an agent's desired servers: the one with a Neutron port (network, address), if any. */
export function findServer(specs: Iterable<ServerSpec>, networkId: string, address: string): { spec: ServerSpec; portId: string } | undefined {
  for (const spec of specs) {
    if (spec.power === 'deleted') continue;
    const port = spec.ports.find((p) => p.source === 'neutron' && p.networkId === networkId && p.ip === address);
    if (port) return { spec, portId: port.id };
  }
  return undefined;
}
