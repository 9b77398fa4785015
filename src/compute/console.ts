/**
 * Compute's synchronous questions to a host agent, over the unix socket the agent registered: the console
 * log of a server (`GET /v1/servers/{id}/console?lines=N` → text/plain).
 */
import http from 'node:http';
import { Conflict } from '../platform/errors.js';

/** The last `lines` lines of a server's console (all of it when undefined). */
export function consoleOutput(socketPath: string, serverId: string, lines: number | undefined, timeoutMs = 10_000): Promise<string> {
  const path = `/v1/servers/${encodeURIComponent(serverId)}/console${lines === undefined ? '' : `?lines=${lines}`}`;
  return new Promise((resolve, reject) => {
    const unreachable = (why: string): Conflict => new Conflict(`Unable to get the console output of instance ${serverId}: ${why}`);
    const req = http.request({ socketPath, path, method: 'GET', timeout: timeoutMs, headers: { accept: 'text/plain' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (err) => reject(unreachable(err.message)));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 400) reject(unreachable(`the host agent answered ${res.statusCode}: ${text.slice(0, 200)}`));
        else resolve(text);
      });
    });
    req.once('timeout', () => { req.destroy(); reject(unreachable('the host agent did not answer in time')); });
    req.once('error', (err) => reject(unreachable(`the host agent is not reachable (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    req.end();
  });
}
