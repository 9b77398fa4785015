/**
 * The agent's own unix socket, where compute asks what only the host knows right now:
 * `GET /v1/servers/{id}/console?lines=N` answers the server's console log (the init's output) as text.
 * The socket is root's only (0600): whoever can open it is already root on this host.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isNotFound, type DockerApi } from './docker-api.js';
import { containerName } from './layout.js';

const MAX_LINES = 10_000;

export async function startConsoleServer(socketPath: string, docker: () => DockerApi): Promise<http.Server> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  fs.rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    const send = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', 'http://agent');
    const m = /^\/v1\/servers\/([0-9a-zA-Z-]{1,64})\/console$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) { send(404, 'not found\n'); return; }
    const raw = url.searchParams.get('lines');
    const n = raw === null || raw === '' ? undefined : Number(raw);
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) { send(400, 'lines must be a non-negative integer\n'); return; }
    docker().logs(containerName(m[1]!), n === undefined ? 'all' : Math.min(n, MAX_LINES)).then(
      (text) => send(200, text),
      (err: unknown) => send(isNotFound(err) ? 404 : 503, isNotFound(err) ? 'no such server on this host\n' : `console unavailable: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => { server.off('error', reject); resolve(); });
  });
  fs.chmodSync(socketPath, 0o600);
  return server;
}
