/**
 * The unix sockets through which the segments' metadata proxies (haproxy, src/agent/netplane/metadata-proxy.ts)
 * reach the agent: the metadata service's and the registry relay's. The proxies drop to their own user
 * after binding, so with `proxyGid` (that user's group) the socket is 0660 root:proxyGid and its
 * directory 0711 (reachable, its other entries unreadable and unlisted); without it the socket is root's
 * only. A socket left by an agent that was killed is replaced.
 */
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';

/** Makes `server` (an HTTP server or a plain one) listen on `socketPath`, with the proxies let in. */
export async function listenForProxies(server: net.Server, socketPath: string, proxyGid?: number): Promise<void> {
  const dir = path.dirname(socketPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  if (proxyGid !== undefined) fs.chmodSync(dir, 0o711);
  fs.rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => { server.off('error', reject); resolve(); });
  });
  if (proxyGid !== undefined) {
    fs.chownSync(socketPath, 0, proxyGid);
    fs.chmodSync(socketPath, 0o660);
  } else {
    fs.chmodSync(socketPath, 0o600);
  }
}
