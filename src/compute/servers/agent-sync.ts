/**
 * The compute side of the agent protocol: the desired state of a host's servers as ServerSpecs, and the
 * handling of what an agent observed (recorded as is, then the consequences: launch time, finished
 * actions, completed deletes).
 */
import type { Kysely } from 'kysely';
import { BadRequest } from '../../platform/errors.js';
import { inTransaction } from '../../platform/db/database.js';
import type { ComputeTables } from '../tables.js';
import type { DesiredServers, ObservedServer, ServerSpec } from '../agent-protocol.js';
import type { ActionStore } from './actions-store.js';
import type { ServerRecord, ServerStore } from './store.js';
import type { ServerService } from './service.js';
import { snapshotPending } from './status.js';
import { holdsNeutronPorts, portSpecOf, type ServerPorts } from '../ports.js';
import type { HostStore } from '../hosts/store.js';
import type { RevisionNotifier } from '../hosts/notifier.js';

/** user_data as given is base64; the agent gets the text. */
function decodeUserData(b64: string | null): string | undefined {
  if (b64 === null) return undefined;
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Everything the agent needs to build or repair a server. */
export function specOf(s: ServerRecord, zone: string): ServerSpec {
  const pendingSnapshot = s.desired.snapshot && snapshotPending(s) ? s.desired.snapshot : undefined;
  const userData = decodeUserData(s.userData);
  return {
    id: s.id,
    projectId: s.projectId,
    userId: s.userId,
    name: s.name,
    hostname: s.hostname,
    generation: s.desired.generation,
    power: s.desired.power,
    image: { id: s.imageId },
    flavor: { id: s.flavor.id, name: s.flavor.name, vcpus: s.flavor.vcpus, ramMb: s.flavor.ramMb, diskGb: s.flavor.diskGb, extraSpecs: s.flavor.extraSpecs },
    ...(s.keyData ? { keyData: s.keyData } : {}),
    ...(s.keyName ? { keyName: s.keyName } : {}),
    ...(userData !== undefined ? { userData } : {}),
    metadata: s.metadata,
    availabilityZone: s.availabilityZone ?? zone,
    launchIndex: s.launchIndex,
    ports: s.neutronPorts.map(portSpecOf),
    rebootCount: s.desired.rebootCount,
    rebuildCount: s.desired.rebuildCount,
    ...(s.imageMeta?.nestedEngine ? { nestedEngine: true } : {}),
    ...(pendingSnapshot ? { snapshot: pendingSnapshot } : {}),
  };
}

export interface AgentSyncDeps {
  db: Kysely<ComputeTables>;
  servers: ServerStore;
  actions: ActionStore;
  hosts: HostStore;
  ports: ServerPorts;
  serverService: ServerService;
  notifier: RevisionNotifier;
}

export class AgentSync {
  constructor(private readonly deps: AgentSyncDeps) {}

  /** A host's desired servers at its current revision. */
  async desired(host: string): Promise<DesiredServers> {
    // Read the revision first: a change committed between the two reads shows up in the list and again
    // (harmlessly) as a newer revision on the next poll, never the other way round.
    const revision = await this.deps.hosts.revision(host);
    const h = await this.deps.hosts.host(host);
    // A server waiting for its first Neutron ports is not the agent's yet: it would boot without them. One
    // that ran before (moved off the interim network, ports.ts adoptInterim) stays the agent's meanwhile.
    const servers = (await this.deps.servers.onHost(host)).filter((s) => !s.portsPending || s.launchedAt !== null);
    return { revision, servers: servers.map((s) => specOf(s, h?.zone ?? 'nova')) };
  }

  /** Records an observation of one server by its host's agent. Reports about servers not (or no longer) on the host are ignored. */
  async observe(host: string, serverId: string, obs: ObservedServer): Promise<void> {
    const done = await inTransaction(this.deps.db, async (tx) => {
      const s = await this.deps.servers.find(serverId, tx);
      if (!s || s.deleted || s.host !== host) return false;
      if (obs.generation > s.desired.generation) throw new BadRequest(`Generation ${obs.generation} of server ${serverId} was never asked for (current ${s.desired.generation}).`);
      const now = new Date().toISOString();
      const built = obs.state === 'running' || obs.state === 'stopped' || obs.state === 'paused';
      await tx.updateTable('server').set({
        obs_state: obs.state,
        obs_generation: obs.generation,
        obs_fault: obs.fault ? JSON.stringify(obs.fault) : null,
        obs_started_at: obs.startedAt ?? null,
        obs_reboot_count: obs.rebootCount,
        obs_rebuild_count: obs.rebuildCount,
        obs_snapshot_done: obs.snapshotDone ?? s.observed.snapshotDone,
        observed_at: now,
        ...(s.launchedAt === null && built && obs.generation >= 1 ? { launched_at: now } : {}),
        ...(s.resizePhase === 'reverting' && obs.generation >= s.desired.taskGeneration ? { resize_phase: null } : {}),
      }).where('id', '=', s.id).execute();
      const after = (await this.deps.servers.find(serverId, tx))!;
      const snapshotOpen = after.desired.snapshot !== null && snapshotPending(after);
      await this.deps.actions.finishApplied(tx, s.id, obs.generation, obs.fault ?? null, snapshotOpen ? new Set(['createImage', 'createBackup']) : new Set());
      if (after.desired.snapshot && !snapshotOpen) {
        const failed = after.observed.snapshotDone !== after.desired.snapshot.imageId;
        for (const kind of ['createImage', 'createBackup']) await this.deps.actions.finishKind(tx, s.id, kind, failed ? (obs.fault ?? { message: 'Snapshot failed' }) : null);
      }
      if (s.desired.power === 'deleted' && obs.state === 'absent' && obs.generation >= s.desired.generation) {
        await this.deps.serverService.finishDelete(tx, after);
        return holdsNeutronPorts(after) ? 'deleted-with-ports' : 'deleted';
      }
      return false;
    });
    if (done) this.deps.notifier.changed(host);
    if (done === 'deleted-with-ports') this.deps.ports.kickRelease(serverId);
  }
}
