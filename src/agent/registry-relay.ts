/**
 * The servers' way to Flotilla's private registry (decision 0016): each segment's metadata proxy also
 * listens on 169.254.169.254:5000 and passes those TCP connections to this unix socket, and the agent
 * relays each one, bytes as they are, to the registry's address (`registryAddress`, by default the
 * cloud's on this machine). The address never leaves the host, as 169.254.169.254:80 does not, so no
 * tenant network needs a route to the machine; the registry sees the agent as its client.
 */
import net from 'node:net';
import { listenForProxies } from './proxy-socket.js';

/** Listens on `socketPath` and relays every connection to `target` (host:port). */
export async function startRegistryRelay(socketPath: string, target: string, proxyGid?: number): Promise<net.Server> {
  const m = /^(.+):(\d+)$/.exec(target);
  if (!m) throw new Error(`registry address ${JSON.stringify(target)} is not host:port`);
  const [host, port] = [m[1]!, Number(m[2])];
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    const close = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await listenForProxies(server, socketPath, proxyGid);
  return server;
}
