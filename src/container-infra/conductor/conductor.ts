/**
 * The conductor: drives every cluster toward what its row asks for. The API stores an operation
 * (create, resize, upgrade, heal, delete) and kicks the conductor; the conductor carries it out with
 * idempotent steps through the orchestration API (one Heat stack per cluster, owned by the cluster's
 * project, made with the cluster's trust) and the COE's own API (the driver), recording progress as
 * cluster events, and finishes it only if no newer operation superseded it. A restarted conductor finds
 * every unfinished operation in the rows and continues it; nothing waits in memory only.
 *
 * Beside operations it runs the periodic checks Magnum's periodic tasks run (health), plus what Magnum
 * never did: re-spawning nodes whose server disappeared or stopped or whose engine stopped answering.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../platform/log.js';
import { KeyedMutex } from '../../agent/keyed-mutex.js';
import type { ContainerInfraStore } from '../store.js';
import type { Cluster, ClusterId, ClusterOperation, ClusterStatus, ClusterTemplate, NodeGroup } from '../model.js';
import { DriverError, type ClusterFacts, type CoeAccess, type Driver, type DriverRegistry, type NodeGroupInput, type NodeRef, type StackInput } from '../drivers/driver.js';
import { makeCa, makeClientCertificate } from '../pki.js';
import type { ProjectApis, Trusts } from './ports.js';
import { HealthWatch } from './health.js';
import { SERVER_REGISTRY_ADDRESS } from '../../registry/index.js';

export interface ConductorOptions {
  store: ContainerInfraStore;
  drivers: DriverRegistry;
  apis: ProjectApis;
  trusts: Trusts;
  log: Logger;
  /** This conductor's host name (its mservices row). */
  host: string;
  /** How often a running stack is polled (ms). */
  pollMs?: number;
  /** How often idle clusters' health is checked and operations are rescanned (ms). */
  checkMs?: number;
}

/** A newer operation was asked for while this one ran: stop here, the newer one continues. */
class Superseded extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const statusCode = (err: unknown): number | undefined => (typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : undefined);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Magnum's stack name: the cluster's name (30 characters at most) and a short id, lower-case. */
export function stackNameOf(c: Pick<Cluster, 'name' | 'uuid'>): string {
  const base = c.name.slice(0, 30).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '') || 'cluster';
  return `${base}-${c.uuid.slice(0, 8)}`;
}

/** The status an operation ends in when it fails. */
function failedStatus(op: ClusterOperation): ClusterStatus {
  switch (op.kind) {
    case 'create': return 'CREATE_FAILED';
    case 'delete': return 'DELETE_FAILED';
    default: return 'UPDATE_FAILED';
  }
}

export class Conductor {
  readonly #o: ConductorOptions;
  readonly #mutex = new KeyedMutex();
  readonly #queued = new Set<string>();
  readonly #health: HealthWatch;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #checking = false;
  readonly #running = new Set<Promise<void>>();

  constructor(o: ConductorOptions) {
    this.#o = o;
    this.#health = new HealthWatch({
      store: o.store, log: o.log, access: (c) => this.#access(c), driverOf: (t) => this.#driverOf(t),
      servers: async (c) => this.#servers(c),
      heal: async (c, op) => { if (await o.store.setOperation(c.uuid, op, { status: 'UPDATE_IN_PROGRESS' })) this.kick(c.uuid); },
      startServer: async (c, id) => { await o.apis.compute.serverAction(await this.#token(c), id, { 'os-start': null }); },
    });
  }

  /** Resumes every unfinished operation and starts the periodic checks. */
  async start(): Promise<void> {
    await this.#o.store.heartbeat(this.#o.host);
    for (const c of await this.#o.store.clustersWithOperation()) this.kick(c.uuid);
    const every = this.#o.checkMs ?? 3000;
    this.#timer = setInterval(() => { void this.#periodic(); }, every);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([...this.#running]);
  }

  /** Carries out the cluster's pending operation (soon; one at a time per cluster). */
  kick(id: ClusterId): void {
    if (this.#closed || this.#queued.has(id)) return;
    this.#queued.add(id);
    const p = this.#mutex.run(id, async () => {
      this.#queued.delete(id);
      await this.#run(id);
    }).catch((err: unknown) => this.#o.log.error({ err, cluster: id }, 'cluster operation crashed'));
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
  }

  async #periodic(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      await this.#o.store.heartbeat(this.#o.host);
      const all = await this.#o.store.allClusters();
      for (const c of all) if (c.operation) this.kick(c.uuid);
      await this.#health.check(all.filter((c) => !c.operation));
    } catch (err) {
      this.#o.log.warn({ err }, 'periodic cluster checks failed');
    } finally {
      this.#checking = false;
    }
  }

  async #run(id: ClusterId): Promise<void> {
    const c = await this.#o.store.getCluster(id);
    if (!c?.operation || this.#closed) return;
    const op = c.operation;
    const log = this.#o.log.child({ cluster: id, op: op.kind, generation: c.generation });
    try {
      switch (op.kind) {
        case 'create': await this.#create(c); break;
        case 'resize': await this.#resize(c, op); break;
        case 'heal': await this.#heal(c, op); break;
        case 'upgrade': await this.#upgrade(c, op); break;
        case 'rotate_ca': await this.#rotateCa(c); break;
        case 'delete': await this.#delete(c); break;
        default: { const never: never = op; throw new Error(`unknown operation ${JSON.stringify(never)}`); }
      }
    } catch (err) {
      if (err instanceof Superseded || this.#closed) return;
      const reason = err instanceof DriverError ? err.message : `${op.kind} failed: ${message(err)}`;
      log.warn({ err }, 'cluster operation failed');
      await this.#event(c, failedStatus(op), reason);
      const done = await this.#o.store.finishOperation(id, c.generation, { status: failedStatus(op), statusReason: reason });
      if (done) await this.#nodeGroupsStatus(c, failedStatus(op), reason);
    }
  }

  // ---- operations

  async #create(c: Cluster): Promise<void> {
    const template = await this.#template(c);
    const driver = this.#driverOf(template);
    await this.#event(c, 'CREATE_IN_PROGRESS', `creating the cluster with driver ${driver.name}`);
    const token = await this.#token(c);
    const heat = this.#o.apis.orchestration(c.projectId);
    const name = stackNameOf(c);
    let stackId = c.stackId ?? (await heat.listStacks(token, { name })).find((s) => s.stack_name === name)?.id ?? null;
    if (!stackId) {
      const input = await this.#stackInput(c, template, { fresh: true });
      const def = driver.stack(input);
      for (const note of def.notes) await this.#event(c, 'note', note);
      await this.#check(c);
      stackId = (await heat.createStack(token, {
        stack_name: name, template: def.template, files: def.files, environment: def.environment, parameters: def.parameters,
        disable_rollback: true, timeout_mins: c.createTimeout > 0 ? c.createTimeout : 60,
      })).id;
      await this.#event(c, 'stack', `stack ${name} (${stackId}) accepted by orchestration`);
    }
    await this.#o.store.updateCluster(c.uuid, { stackId });
    await this.#nodeGroupsStatus(c, 'CREATE_IN_PROGRESS', null, stackId);
    const facts = await this.#awaitStack(c, 'CREATE', { ...c, stackId });
    await this.#record(c, facts, stackId);
    await this.#awaitNodes(c, template, facts);
    await this.#finish(c, 'CREATE_COMPLETE', `the swarm has ${facts.nodes.length} nodes, all Ready`, { apiAddress: facts.apiAddress, healthStatus: 'HEALTHY' });
  }

  async #resize(c: Cluster, op: Extract<ClusterOperation, { kind: 'resize' }>): Promise<void> {
    const template = await this.#template(c);
    const driver = this.#driverOf(template);
    const groups = await this.#o.store.listNodeGroups(c.uuid);
    const group = groups.find((g) => g.uuid === op.nodegroup);
    if (!group) throw new Error(`node group ${op.nodegroup} is gone`);
    const current = group.nodes.length > 0 ? group.nodes : [];
    // The victims: those asked for, then (as Heat's ResourceGroup would) the newest members.
    const victims = [...op.nodesToRemove];
    const surplus = current.length - op.nodeCount;
    for (let i = current.length - 1; victims.length < surplus && i >= 0; i--) if (!victims.includes(current[i]!)) victims.push(current[i]!);
    await this.#event(c, 'UPDATE_IN_PROGRESS', `resizing ${group.name} from ${current.length} to ${op.nodeCount} nodes${victims.length ? `, removing ${victims.join(', ')}` : ''}`);
    const access = c.stackId ? await this.#access(c) : undefined;
    if (victims.length > 0 && access && c.apiAddress) {
      const drained = await driver.drain(access, victims.map((serverId) => ({ serverId })), { timeoutMs: 30_000 }).catch((err: unknown) => {
        // A node that cannot be drained (its engine is gone) has nothing to move; removing it is what is asked.
        void this.#event(c, 'drain', `could not drain: ${message(err)}`);
        return undefined;
      });
      if (drained) await this.#event(c, 'drain', `drained ${drained.drained.join(', ') || 'no node'}${drained.tasksLeft ? ` (${drained.tasksLeft} tasks still leaving)` : ''}`);
    }
    await this.#o.store.updateNodeGroup(group.uuid, { nodeCount: op.nodeCount, status: 'UPDATE_IN_PROGRESS', statusReason: null });
    await this.#updateStack(c, template, driver, groups.map((g) => (g.uuid === group.uuid ? { ...g, nodeCount: op.nodeCount } : g)), { [group.uuid]: victims });
    const facts = await this.#awaitStack(c, 'UPDATE', c);
    await this.#record(c, facts, c.stackId!);
    if (victims.length > 0 && c.apiAddress) {
      const forgotten = await driver.forget(await this.#access(c), victims.map((serverId) => ({ serverId }))).catch(() => []);
      if (forgotten.length) await this.#event(c, 'forget', `removed ${forgotten.join(', ')} from the swarm`);
    }
    await this.#awaitNodes(c, template, facts);
    // A node group being deleted reaches here as a resize to 0 (the API's contract): its row goes now.
    if (group.status === 'DELETE_IN_PROGRESS' && op.nodeCount === 0 && !group.isDefault) {
      await this.#o.store.deleteNodeGroup(group.uuid);
      await this.#event(c, 'nodegroup', `node group ${group.name} deleted`);
    }
    await this.#finish(c, 'UPDATE_COMPLETE', `${group.name} has ${op.nodeCount} nodes`, { healthStatus: 'HEALTHY' });
  }

  /** Auto re-spawn: the stack replaces the dead members (same count, those first to go), then the swarm forgets them. */
  async #heal(c: Cluster, op: Extract<ClusterOperation, { kind: 'heal' }>): Promise<void> {
    const template = await this.#template(c);
    const driver = this.#driverOf(template);
    const groups = await this.#o.store.listNodeGroups(c.uuid);
    await this.#event(c, 'heal', `replacing ${op.replace.join(', ')}`);
    // The dead nodes leave the swarm first, so that `docker node ls` never lists them beside their replacements.
    if (c.apiAddress) {
      const forgotten = await driver.forget(await this.#access(c), op.replace.map((serverId) => ({ serverId }))).catch(() => []);
      if (forgotten.length) await this.#event(c, 'forget', `removed ${forgotten.join(', ')} from the swarm`);
    }
    const victims: Record<string, string[]> = {};
    for (const g of groups) victims[g.uuid] = g.nodes.filter((n) => op.replace.includes(n));
    await this.#updateStack(c, template, driver, groups, victims);
    const facts = await this.#awaitStack(c, 'UPDATE', c);
    await this.#record(c, facts, c.stackId!);
    const forgotten = await driver.forget(await this.#access(c), op.replace.map((serverId) => ({ serverId }))).catch(() => []);
    if (forgotten.length) await this.#event(c, 'forget', `removed ${forgotten.join(', ')} from the swarm`);
    await this.#awaitNodes(c, template, facts);
    await this.#finish(c, 'UPDATE_COMPLETE', `replaced ${op.replace.length} node(s)`, { healthStatus: 'HEALTHY' });
  }

  /** An upgrade to another template: Swarm nodes take a new image only by being replaced, which the driver does not do in place. */
  async #upgrade(c: Cluster, op: Extract<ClusterOperation, { kind: 'upgrade' }>): Promise<void> {
    const next = await this.#o.store.getTemplate(op.templateId);
    if (!next) throw new Error(`cluster template ${op.templateId} is gone`);
    // What the swarm-mode driver changes on upgrade is the template reference and its labels (as Magnum's
    // Heat driver for non-Kubernetes COEs): the nodes keep running.
    await this.#o.store.updateCluster(c.uuid, { clusterTemplateId: op.templateId });
    await this.#finish(c, 'UPDATE_COMPLETE', `upgraded to cluster template ${next.name}`, {});
  }

  async #rotateCa(c: Cluster): Promise<void> {
    // Magnum's Heat drivers rotate only on fedora-coreos; a Swarm master would need a new engine
    // certificate, which means replacing it and losing the swarm's state. Refused, state unchanged.
    await this.#finish(c, c.status === 'UPDATE_IN_PROGRESS' ? 'UPDATE_COMPLETE' : c.status, 'CA rotation is not supported by the swarm-mode driver', {});
  }

  /** Always finishes: the stack goes (or is already gone), then the trust, certificates and rows. */
  async #delete(c: Cluster): Promise<void> {
    await this.#event(c, 'DELETE_IN_PROGRESS', 'deleting the cluster');
    await this.#nodeGroupsStatus(c, 'DELETE_IN_PROGRESS', null, c.stackId);
    if (c.trustId) {
      const heat = this.#o.apis.orchestration(c.projectId);
      const name = stackNameOf(c);
      let token: string | undefined;
      try { token = await this.#token(c); } catch (err) {
        await this.#event(c, 'DELETE_IN_PROGRESS', `the cluster's trust no longer works (${message(err)}); its stack, if any, is left to its project`);
      }
      if (token) {
        const ids = c.stackId ? [c.stackId] : (await heat.listStacks(token, { name })).filter((s) => s.stack_name === name).map((s) => s.id);
        for (const id of ids) await this.#deleteStack(c, token, name, id);
      }
      await this.#o.trusts.delete(c.trustId).catch((err: unknown) => this.#o.log.warn({ err, cluster: c.uuid }, 'could not delete a cluster\'s trust'));
    }
    const still = await this.#o.store.getCluster(c.uuid);
    if (still && still.generation !== c.generation && still.operation?.kind !== 'delete') throw new Superseded();
    await this.#o.store.deleteCluster(c.uuid);
    this.#o.log.info({ cluster: c.uuid }, 'cluster deleted');
  }

  async #deleteStack(c: Cluster, token: string, name: string, id: string): Promise<void> {
    const heat = this.#o.apis.orchestration(c.projectId);
    for (let attempt = 1; ; attempt++) {
      try {
        await heat.deleteStack(token, name, id);
      } catch (err) {
        if (statusCode(err) === 404) return;
        if (statusCode(err) !== 409) throw err;
      }
      let stack;
      for (;;) {
        try {
          stack = await heat.getStack(token, name, id, { resolveOutputs: false });
        } catch (err) {
          if (statusCode(err) === 404) return;
          throw err;
        }
        await this.#forwardEvents(c, token, name, id);
        if (!stack.stack_status.endsWith('_IN_PROGRESS') || stack.stack_status === 'DELETE_IN_PROGRESS' && this.#closed) break;
        await sleep(this.#o.pollMs ?? 500);
      }
      if (stack.stack_status === 'DELETE_COMPLETE') return;
      if (!stack.stack_status.startsWith('DELETE_')) continue; // an update was still running: delete again
      // DELETE_FAILED: try again, waiting longer each time (the reason is on the cluster meanwhile).
      await this.#o.store.updateCluster(c.uuid, { statusReason: `stack delete failed (attempt ${attempt}): ${stack.stack_status_reason}; retrying` });
      await sleep(Math.min(30_000, 1000 * attempt));
    }
  }

  // ---- steps

  async #template(c: Cluster): Promise<ClusterTemplate> {
    const t = await this.#o.store.getTemplate(c.clusterTemplateId);
    if (!t) throw new DriverError(`cluster template ${c.clusterTemplateId} is gone`);
    return t;
  }

  #driverOf(template: ClusterTemplate): Driver {
    const d = this.#o.drivers.forTemplate(template);
    if (!d) throw new DriverError(`no driver for server_type ${template.serverType}, os_distro ${template.clusterDistro} and coe ${template.coe}`);
    return d;
  }

  async #token(c: Cluster): Promise<string> {
    if (!c.trustId) throw new Error('the cluster has no trust to act for its owner with');
    return this.#o.trusts.token(c.trustId);
  }

  /** Throws Superseded when a newer operation was stored since this one started. */
  async #check(c: Cluster): Promise<void> {
    const now = await this.#o.store.getCluster(c.uuid);
    if (!now || now.generation !== c.generation || this.#closed) throw new Superseded();
  }

  async #credentials(c: Cluster): Promise<{ ca: { certPem: string; keyPem: string }; client: { certPem: string; keyPem: string } }> {
    let ca = await this.#o.store.getCa(c.uuid);
    if (!ca) {
      ca = await makeCa(c.name);
      await this.#o.store.putCa(c.uuid, 'kubernetes', ca);
    }
    let client = await this.#o.store.getClientCertificate(c.uuid);
    if (!client) {
      client = await makeClientCertificate(ca, 'magnum-conductor');
      await this.#o.store.putClientCertificate(c.uuid, client);
    }
    return { ca, client };
  }

  async #stackInput(c: Cluster, template: ClusterTemplate, opts: { fresh: boolean; groups?: NodeGroup[]; victims?: Record<string, string[]> }): Promise<StackInput> {
    const groups = opts.groups ?? await this.#o.store.listNodeGroups(c.uuid);
    const tls = !template.tlsDisabled;
    let caCertPem: string | null = null;
    let secret: string | null = null;
    if (tls) {
      caCertPem = (await this.#credentials(c)).ca.certPem;
      if (opts.fresh) {
        secret = `mcs.${randomBytes(32).toString('base64url')}`;
        await this.#o.store.setNodeSecret(c.uuid, secret);
      } else {
        secret = 'mcs.unchanged'; // never sent: stack updates leave the secret parameter as it is
      }
    }
    const ordered = [...groups].sort((a, b) => (a.role === 'master' ? -1 : 0) - (b.role === 'master' ? -1 : 0));
    const nodegroups: NodeGroupInput[] = ordered.map((g) => ({
      role: g.role, name: g.name, count: g.nodeCount,
      flavorId: g.flavorId ?? (g.role === 'master' ? c.masterFlavorId ?? template.masterFlavorId : c.flavorId ?? template.flavorId) ?? 'm1.small',
      imageId: g.imageId || template.imageId, nodesToRemove: opts.victims?.[g.uuid] ?? [],
    }));
    return {
      cluster: {
        uuid: c.uuid, name: c.name, keypair: c.keypair, fixedNetwork: c.fixedNetwork, fixedSubnet: c.fixedSubnet,
        floatingIpEnabled: c.floatingIpEnabled, masterLbEnabled: c.masterLbEnabled, dockerVolumeSize: c.dockerVolumeSize, createTimeout: c.createTimeout,
      },
      template, nodegroups, labels: c.labels, tlsDisabled: !tls, caCertPem, nodeSigningSecret: secret,
      // Every cluster trusts the cloud's private registry, which its nodes reach at the metadata address (decision 0016).
      registries: [SERVER_REGISTRY_ADDRESS],
    };
  }

  /** Updates the stack in place: only the parameters that size the groups change (never the secrets or the template). */
  async #updateStack(c: Cluster, template: ClusterTemplate, driver: Driver, groups: NodeGroup[], victims: Record<string, string[]>): Promise<void> {
    if (!c.stackId) throw new Error('the cluster has no stack yet');
    await this.#check(c);
    const def = driver.stack(await this.#stackInput(c, template, { fresh: false, groups, victims }));
    const parameters = Object.fromEntries(Object.entries(def.parameters).filter(([k]) => !SECRET_PARAMETERS.has(k)));
    await this.#o.apis.orchestration(c.projectId).updateStack(await this.#token(c), stackNameOf(c), c.stackId, { parameters, timeout_mins: c.createTimeout > 0 ? c.createTimeout : 60 }, { patch: true });
  }

  /** Polls the stack until its action ends; its facts when it completed, else throws with Heat's reason. */
  async #awaitStack(c: Cluster, action: 'CREATE' | 'UPDATE', at: Pick<Cluster, 'stackId'>): Promise<ClusterFacts> {
    const heat = this.#o.apis.orchestration(c.projectId);
    const name = stackNameOf(c);
    const id = at.stackId!;
    for (;;) {
      await this.#check(c);
      const token = await this.#token(c);
      let stack;
      try {
        stack = await heat.getStack(token, name, id, { resolveOutputs: false });
      } catch (err) {
        if (statusCode(err) === 404) throw new Error(`the cluster's stack ${name} is gone`);
        throw err;
      }
      await this.#forwardEvents(c, token, name, id);
      const status = stack.stack_status;
      if (!status.endsWith('_IN_PROGRESS')) {
        if (status === `${action}_COMPLETE`) {
          const full = await heat.getStack(token, name, id);
          const outputs = Object.fromEntries((full.outputs ?? []).map((o) => [o.output_key, o.output_value]));
          const template = await this.#template(c);
          return this.#driverOf(template).outputs(outputs, { tlsDisabled: template.tlsDisabled });
        }
        throw new Error(`stack ${status}: ${stack.stack_status_reason}`);
      }
      await sleep(this.#o.pollMs ?? 500);
    }
  }

  /** Writes the stack's facts onto the cluster and its node groups. */
  async #record(c: Cluster, facts: ClusterFacts, stackId: string): Promise<void> {
    await this.#o.store.updateCluster(c.uuid, {
      apiAddress: facts.apiAddress, masterAddresses: facts.masterAddresses, nodeAddresses: facts.nodeAddresses, stackId,
      ...(facts.coeVersion ? { coeVersion: facts.coeVersion } : {}),
    });
    for (const g of await this.#o.store.listNodeGroups(c.uuid)) {
      const members = facts.nodes.filter((n) => n.nodegroup === g.name || (g.isDefault && n.role === g.role));
      await this.#o.store.updateNodeGroup(g.uuid, {
        nodes: members.map((n) => n.serverId), nodeAddresses: members.map((n) => n.address), nodeCount: members.length, stackId,
      });
    }
  }

  /** Waits until the COE has every node of the stack Ready (the swarm formed), within the create timeout. */
  async #awaitNodes(c: Cluster, template: ClusterTemplate, facts: ClusterFacts): Promise<void> {
    if (!facts.apiAddress) return;
    const driver = this.#driverOf(template);
    const access = await this.#access({ ...c, apiAddress: facts.apiAddress });
    const expected: NodeRef[] = facts.nodes.map((n) => ({ serverId: n.serverId }));
    const deadline = Date.now() + Math.max(60, (c.createTimeout > 0 ? c.createTimeout : 60) * 60) * 1000;
    let last = '';
    for (;;) {
      await this.#check(c);
      const report = await driver.health(access, { expected });
      if (report.status === 'HEALTHY') {
        await this.#o.store.updateCluster(c.uuid, { healthStatus: 'HEALTHY', healthStatusReason: report.reason, containerVersion: report.nodes[0]?.version ?? null });
        await this.#event(c, 'nodes', `${expected.length} nodes Ready`);
        return;
      }
      const now = JSON.stringify(report.reason);
      if (now !== last) { last = now; await this.#event(c, 'nodes', `waiting for nodes: ${Object.entries(report.reason).map(([k, v]) => `${k}=${v}`).join(', ')}`); }
      if (Date.now() > deadline) throw new Error(`nodes not Ready in time: ${now}`);
      await sleep(this.#o.pollMs ?? 500);
    }
  }

  async #finish(c: Cluster, status: ClusterStatus, reason: string, patch: Partial<Cluster>): Promise<void> {
    const done = await this.#o.store.finishOperation(c.uuid, c.generation, { ...patch, status, statusReason: reason });
    if (!done) throw new Superseded();
    await this.#nodeGroupsStatus(c, status, null);
    await this.#event(c, status, reason);
  }

  async #nodeGroupsStatus(c: Cluster, status: ClusterStatus, reason: string | null, stackId?: string | null): Promise<void> {
    for (const g of await this.#o.store.listNodeGroups(c.uuid)) {
      await this.#o.store.updateNodeGroup(g.uuid, { status, statusReason: reason, ...(stackId ? { stackId } : {}) });
    }
  }

  /** How the conductor reaches the cluster's COE API (TLS with its own client certificate). */
  async #access(c: Cluster): Promise<CoeAccess> {
    const template = await this.#template(c);
    const cluster = c.apiAddress ? c : await this.#o.store.getCluster(c.uuid) ?? c;
    if (!cluster.apiAddress) throw new Error('the cluster has no API address yet');
    if (template.tlsDisabled) return { apiAddress: cluster.apiAddress };
    const { ca, client } = await this.#credentials(c);
    return { apiAddress: cluster.apiAddress, tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } };
  }

  /** The cluster's servers as compute has them (id → status; absent: gone). */
  async #servers(c: Cluster): Promise<Map<string, string>> {
    const list = await this.#o.apis.compute.listServers(await this.#token(c), {});
    return new Map(list.map((s) => [s.id, s.status]));
  }

  readonly #eventMarkers = new Map<string, string>();

  /** Copies the stack's new events into the cluster's (progress the CLI streams). */
  async #forwardEvents(c: Cluster, token: string, name: string, id: string): Promise<void> {
    try {
      const marker = this.#eventMarkers.get(id);
      let events = await this.#o.apis.orchestration(c.projectId).listEvents(token, name, id, { ...(marker ? { marker } : {}), sortDir: 'asc', limit: 200 });
      if (!marker) {
        // First look in this process (a restart): skip what an earlier process already copied.
        const copied = (await this.#o.store.listEvents(c.uuid)).at(-1)?.time;
        if (copied) events = events.filter((e) => e.event_time > copied);
      }
      for (const e of events) {
        await this.#o.store.addEvent(c.uuid, e.resource_status, `${e.resource_name} ${e.resource_status}${e.resource_status_reason ? `: ${e.resource_status_reason}` : ''}`);
      }
      const lastEvent = events.at(-1);
      if (lastEvent) this.#eventMarkers.set(id, lastEvent.id);
    } catch (err) {
      this.#o.log.debug({ err }, 'could not read stack events');
    }
  }

  async #event(c: Cluster, kind: string, text: string): Promise<void> {
    await this.#o.store.addEvent(c.uuid, kind, text).catch((err: unknown) => this.#o.log.warn({ err }, 'could not record a cluster event'));
  }
}

/** Stack parameters that carry secrets made once at create: stack updates leave them as they are. */
const SECRET_PARAMETERS = new Set(['signing_secret']);
