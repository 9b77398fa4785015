/**
 * What the hosts' agents last reported applied (PUT …/network/report), and the statuses derived from it:
 * a status is never stored as a verdict, so a port moved to another host reads DOWN until that host says
 * otherwise.
 */
import type { Kysely } from 'kysely';
import { parseJson } from '../platform/db/database.js';
import type { NetworkTables } from './tables.js';

export interface HostReports {
  activePorts: Map<string, Set<string>>;
  activeRouters: Map<string, Set<string>>;
  /** Ids some host reported it could not apply. */
  failed: Set<string>;
}

/** Every host's last report (hosts are few, so one read of all of them serves a whole listing). */
export async function hostReports(db: Kysely<NetworkTables>): Promise<HostReports> {
  const out: HostReports = { activePorts: new Map(), activeRouters: new Map(), failed: new Set() };
  for (const h of await db.selectFrom('network_host').selectAll().execute()) {
    out.activePorts.set(h.host, new Set(parseJson<string[]>(h.active_ports, [])));
    out.activeRouters.set(h.host, new Set(parseJson<string[]>(h.active_routers, [])));
    for (const e of parseJson<Array<{ id: string }>>(h.errors, [])) out.failed.add(e.id);
  }
  return out;
}

/**
 * A port's status: ACTIVE when the host it is bound to reported it plumbed, DOWN otherwise; a floating IP's
 * address-holding port is N/A, as in Neutron (it is never plumbed anywhere).
 */
export function portStatus(p: { id: string; bindingHostId: string; deviceOwner: string }, reports: HostReports): 'ACTIVE' | 'DOWN' | 'N/A' {
  if (p.deviceOwner === 'network:floatingip') return 'N/A';
  return p.bindingHostId !== '' && reports.activePorts.get(p.bindingHostId)?.has(p.id) ? 'ACTIVE' : 'DOWN';
}
