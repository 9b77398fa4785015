/**
 * Hosts whose agent directory is gone (a test cloud killed and its temp dir deleted) leave namespaces, a
 * root-namespace veth and maybe an engine behind, which no agent of theirs will ever come back to clean.
 * Every agent records itself in /run/flotilla-agents/<tag>.json; at start, each agent removes what belongs
 * to records whose directory no longer exists. Only records this code wrote are touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../platform/log.js';
import { ip } from './command.js';
import { agentLayout, type AgentLayout } from './layout.js';
import { deleteNamespace, listNamespaces, processAlive, processArgs } from './netns.js';
import { netplanePrefixes, stopMetadataProxies, uplinkLink } from './netplane/index.js';
import { leaveUnderlay } from './underlay.js';

const REGISTRY = '/run/flotilla-agents';

/** Records this agent, so that another can clean up after it if its directory disappears. */
export function registerHost(layout: AgentLayout, host: string): void {
  fs.mkdirSync(REGISTRY, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(REGISTRY, `${layout.tag}.json`), `${JSON.stringify({ dir: layout.dir, host })}\n`, { mode: 0o600 });
}

/** Forgets this agent (its plumbing is gone). */
export function unregisterHost(layout: AgentLayout): void {
  fs.rmSync(path.join(REGISTRY, `${layout.tag}.json`), { force: true });
}

/** Removes the namespaces, root link and engine of every recorded host whose directory is gone. */
export async function sweepAbandonedHosts(log: Logger): Promise<void> {
  let files: string[];
  try { files = fs.readdirSync(REGISTRY).filter((f) => f.endsWith('.json')); } catch { return; }
  for (const file of files) {
    let dir: string;
    try { dir = (JSON.parse(fs.readFileSync(path.join(REGISTRY, file), 'utf8')) as { dir: string }).dir; } catch { continue; }
    if (fs.existsSync(dir)) continue;
    const layout = agentLayout(dir);
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)) {
      const args = processArgs(pid);
      if (args.some((a) => a.endsWith('dockerd')) && args.includes(layout.engine.dataRoot) && processAlive(pid)) {
        try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
      }
    }
    // Its Neutron segments and routers, its place on the underlay and its uplink into the external segment too.
    const prefixes = [layout.networkNamespacePrefix, ...netplanePrefixes(layout)];
    await leaveUnderlay(layout).catch(() => {});
    await stopMetadataProxies(layout).catch(() => {});
    for (const ns of listNamespaces()) {
      if (ns === layout.hostNamespace || prefixes.some((p) => ns.startsWith(p))) await deleteNamespace(ns).catch(() => {});
    }
    for (const link of [layout.rootLink, uplinkLink(layout)]) await ip(undefined, ['link', 'del', link]).catch(() => { /* went with its namespace */ });
    fs.rmSync(path.join(REGISTRY, file), { force: true });
    log.info({ dir, tag: layout.tag }, 'removed what an abandoned host left behind');
  }
}
