/**
 * The orchestration engine: carries out each stack's stored operation (engine/run.ts does the resource
 * steps), one runner per stack, and moves the stack through Heat's statuses with an event for each
 * transition. The operation is stored before its first step, so `resumeAll()` at start continues
 * whatever a killed process left IN_PROGRESS; a failure rolls back when the stack allows it.
 */
import { randomUUID } from 'node:crypto';
import { conditionHolds, resolve } from '../hot/index.js';
import { asId } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import {
  actionOf, LIMITS, now, type Action, type Operation, type Resource, type Stack, type StackDefinition, type StackEvent, type StackId, type Status,
} from '../model.js';
import type { NestedView, PluginRegistry, StackClients } from '../plugins/types.js';
import { ResourceFailure } from '../plugins/types.js';
import { HeatFault } from '../errors.js';
import {
  getStack, insertResources, insertStack, maxEventSeq, stackResources, stacksWithOperations, type Db,
} from '../store.js';
import { inTransaction } from '../../platform/db/database.js';
import { prepare } from './definition.js';
import { currentRows, Interrupt, resolveContext, StackRun, StepFailure, type RunDeps } from './run.js';
import { WriteQueue } from './write-queue.js';
import { nestedStacks, TreeBudget, type NestedHost } from './nested.js';

export interface EngineOptions {
  db: Db;
  log: Logger;
  registry: PluginRegistry;
  /** Clients acting for a stack's owner (trust-scoped); see plugins/types.ts. */
  clientsFor(stack: Stack): StackClients;
  /** How long timeout_mins' minute is, in ms (60000; tests shorten it). */
  minuteMs?: number;
  /** Called once a top-level stack is deleted (to delete its trust). */
  onDeleted?(stack: Stack): Promise<void>;
}

/** What a new stack is made from, checked by the API. */
export interface NewStack {
  name: string;
  projectId: string;
  userId: string;
  definition: StackDefinition;
  disableRollback: boolean;
  timeoutMins: number | null;
  tags: string[];
  trustId: string | null;
  owner?: { stack: Stack; resource: string };
  id?: StackId;
}

const STACK_TYPE = 'OS::Heat::Stack';

export class Engine {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #opts: EngineOptions;
  readonly #queue: WriteQueue;
  readonly #runs = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #controllers = new Map<string, AbortController>();
  readonly #budget = new TreeBudget();
  /** What nested stacks (nested.ts) use of this engine. */
  readonly #host: NestedHost;
  #seq: number;
  #closing = false;

  private constructor(opts: EngineOptions, seq: number) {
    this.#opts = opts;
    this.#db = opts.db;
    this.#log = opts.log;
    this.#queue = new WriteQueue(opts.db);
    this.#seq = seq;
    this.#host = {
      db: this.#db, registry: opts.registry, queue: this.#queue,
      createStack: (n) => this.createStack(n),
      begin: (stack, op) => this.begin(stack, op),
      run: (id) => this.run(id),
      abort: (id, reason) => this.#controllers.get(id)?.abort(reason),
      describe: (id) => this.describe(id),
    };
  }

  static async create(opts: EngineOptions): Promise<Engine> {
    return new Engine(opts, await maxEventSeq(opts.db));
  }

  get registry(): PluginRegistry { return this.#opts.registry; }

  #event(stack: Stack, name: string, physicalId: string, type: string, action: Action, status: Status, reason: string, props: Record<string, unknown> = {}): StackEvent {
    return { id: asId(randomUUID()), stackId: stack.id, resourceName: name, physicalId, resourceType: type, action, status, reason, properties: props, time: now(), seq: ++this.#seq };
  }

  #stackEvent(stack: Stack): StackEvent {
    return this.#event(stack, stack.name, stack.id, STACK_TYPE, stack.action, stack.status, stack.statusReason);
  }

  /** Sets a stack's status and writes it with its event. */
  #setStatus(stack: Stack, action: Action, status: Status, reason: string): Promise<void> {
    stack.action = action;
    stack.status = status;
    stack.statusReason = reason;
    stack.updatedAt = stack.updatedAt === null && action === 'CREATE' ? null : now();
    return this.#queue.write({ stacks: [stack], events: [this.#stackEvent(stack)] });
  }

  /** Stores a new stack with its create operation and starts it. */
  async createStack(n: NewStack): Promise<Stack> {
    const depth = n.owner ? n.owner.stack.nestedDepth + 1 : 0;
    if (depth > LIMITS.maxNestedDepth) throw new ResourceFailure(`Recursion depth exceeds ${LIMITS.maxNestedDepth}.`);
    const release = n.owner ? await this.#budget.reserve(this.#db, n.owner.stack.rootId, prepare(this.#opts.registry, n.definition).resources.size) : undefined;
    try {
      return await this.#insertStack(n, depth);
    } finally {
      release?.();
    }
  }

  async #insertStack(n: NewStack, depth: number): Promise<Stack> {
    const id = n.id ?? asId<'StackId'>(randomUUID());
    const stack: Stack = {
      id, name: n.name, projectId: n.projectId, userId: n.userId, action: 'CREATE', status: 'IN_PROGRESS', statusReason: 'Stack CREATE started',
      definition: n.definition, disableRollback: n.disableRollback, timeoutMins: n.timeoutMins, tags: n.tags,
      ownerId: n.owner?.stack.id ?? null, ownerResource: n.owner?.resource ?? null, rootId: n.owner?.stack.rootId ?? id, nestedDepth: depth,
      trustId: n.trustId ?? n.owner?.stack.trustId ?? null, operation: { kind: 'create', rollback: !n.disableRollback },
      createdAt: now(), updatedAt: null, deletedAt: null,
    };
    // The INIT_COMPLETE rows go in with the stack: one transaction, and `resource list` shows them at once.
    const p = prepare(this.#opts.registry, n.definition);
    const rows: Resource[] = [...p.resources.values()].map((r) => ({
      id: asId(randomUUID()), stackId: id, name: r.name, type: r.type, physicalId: null, action: 'INIT', status: 'COMPLETE', statusReason: '',
      properties: null, attributes: {}, data: {}, metadata: {}, requires: [...(p.requires.get(r.name) ?? [])], replacedBy: null, replaces: null,
      createdAt: stack.createdAt, updatedAt: null,
    }));
    await inTransaction(this.#db, async (tx) => {
      await insertStack(tx, stack);
      await insertResources(tx, rows);
    });
    await this.#queue.write({ events: [this.#stackEvent(stack)] });
    if (!n.owner) this.#kick(id);
    return stack;
  }

  /** Replaces a stack's operation (update, delete, an action) and starts it. */
  async begin(stack: Stack, op: Operation): Promise<void> {
    const running = stack.operation !== null && this.#runs.has(stack.id);
    stack.operation = op;
    if (running) {
      // The running operation gives way: it stops between steps and the runner picks this one up.
      await this.#queue.write({ stacks: [stack] });
      this.#controllers.get(stack.id)?.abort(new Interrupt('superseded', 'Superseded by a later operation'));
    } else {
      await this.#setStatus(stack, actionOf(op), 'IN_PROGRESS', `Stack ${actionOf(op)} started`);
    }
    if (!stack.ownerId) this.#kick(stack.id);
  }

  /** Cancels a stack's update: rolls it back, or leaves it UPDATE_FAILED. */
  async cancelUpdate(stack: Stack, rollback: boolean): Promise<void> {
    const op = stack.operation;
    if (op?.kind !== 'update') return;
    op.cancel = rollback ? 'rollback' : 'no_rollback';
    await this.#queue.write({ stacks: [stack] });
    this.#controllers.get(stack.id)?.abort(new Interrupt('cancelled', 'Stack UPDATE cancelled', rollback));
  }

  /** Continues every top-level stack a previous process left with an operation. */
  async resumeAll(): Promise<number> {
    const stacks = await stacksWithOperations(this.#db);
    for (const s of stacks) this.#kick(s.id);
    return stacks.length;
  }

  /** Runs the stack's operations until none is left; joins a runner already going. */
  run(id: string): Promise<void> {
    this.#again.add(id);
    let r = this.#runs.get(id);
    if (!r) {
      r = this.#drive(id).finally(() => this.#runs.delete(id));
      this.#runs.set(id, r);
    }
    return r;
  }

  /**
   * Runs a stack in the background. A runner that fails outside any step (the database went away) is
   * tried again with capped backoff, 1 s doubling to 30 s, so the stored operation is not left waiting
   * for the next start.
   */
  #kick(id: string, attempt = 0): void {
    this.run(id).catch((err: unknown) => {
      this.#log.error({ err, stack: id, attempt }, 'stack operation failed; trying again');
      if (this.#closing) return;
      setTimeout(() => { if (!this.#closing) this.#kick(id, attempt + 1); }, Math.min(30000, 1000 * 2 ** attempt)).unref();
    });
  }

  /** Stops every runner between steps; stored operations continue at the next start. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const c of this.#controllers.values()) c.abort(new Interrupt('stopping', 'The engine is stopping'));
    await Promise.allSettled([...this.#runs.values()]);
    await this.#queue.drain();
  }

  /** Resolves once every write so far is stored (tests, and reads that must see a run's last step). */
  drain(): Promise<void> { return this.#queue.drain(); }

  async #drive(id: string): Promise<void> {
    while (this.#again.has(id) && !this.#closing) {
      this.#again.delete(id);
      await this.#queue.drain();
      const stack = await getStack(this.#db, id, { withDeleted: true });
      if (!stack?.operation) continue;
      await this.#execute(stack, stack.operation);
      this.#again.add(id);
    }
  }

  async #execute(stack: Stack, op: Operation): Promise<void> {
    const controller = new AbortController();
    this.#controllers.set(stack.id, controller);
    const timeout = stack.timeoutMins && (op.kind === 'create' || op.kind === 'update')
      ? setTimeout(() => controller.abort(new Interrupt('timeout', 'Timed out')), stack.timeoutMins * 60000) : undefined;
    const rows = await stackResources(this.#db, stack.id);
    const run = new StackRun(this.#runDeps(), stack, rows, controller.signal, this.#facade(stack));
    const action = actionOf(op);
    if (stack.action !== action || stack.status !== 'IN_PROGRESS') await this.#setStatus(stack, action, 'IN_PROGRESS', `Stack ${action} started`);
    try {
      if (op.kind === 'update' && op.cancel) throw new Interrupt('cancelled', 'Stack UPDATE cancelled', op.cancel === 'rollback');
      switch (op.kind) {
        case 'create': await run.create(stack.definition); break;
        case 'update': await run.update(op.target, stack.definition); stack.definition = op.target; break;
        case 'rollback':
          if (op.from === 'create') await run.deleteAll(stack.definition, { remove: true });
          else if (op.previous) { const from = stack.definition; await run.update(op.previous, from); stack.definition = op.previous; }
          break;
        case 'delete': await run.deleteAll(stack.definition, { remove: false }); break;
        case 'suspend': await run.act(stack.definition, 'SUSPEND'); break;
        case 'resume': await run.act(stack.definition, 'RESUME'); break;
        case 'check': await run.act(stack.definition, 'CHECK'); break;
        default: { const never: never = op; throw new Error(`unknown operation ${String(never)}`); }
      }
      await run.settle();
      stack.operation = null;
      if (op.kind === 'delete') stack.deletedAt = now();
      await this.#setStatus(stack, action, 'COMPLETE', `Stack ${action} completed successfully`);
      if (op.kind === 'delete' && !stack.ownerId) await this.#opts.onDeleted?.(stack).catch((err: unknown) => this.#log.warn({ err, stack: stack.id }, 'trust not deleted'));
    } catch (err) {
      await run.settle();
      const aborted = controller.signal.reason instanceof Interrupt ? controller.signal.reason as Interrupt : undefined;
      const interrupt = aborted ?? (err instanceof Interrupt ? err : undefined);
      if (interrupt?.silent) return;
      const reason = interrupt ? interrupt.message
        : err instanceof StepFailure ? `Resource ${err.action} failed: ${err.reason}`
          : `${action} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      // A cancel arrives as the interrupt (the running operation's copy of the record predates it) or,
      // after a restart, in the stored operation.
      const cancel = interrupt?.kind === 'cancelled' ? (interrupt.rollback ? 'rollback' : 'no_rollback') : op.kind === 'update' ? op.cancel : undefined;
      const next: Operation | null = op.kind === 'create' && op.rollback ? { kind: 'rollback', from: 'create' }
        : op.kind === 'update' && (cancel === 'rollback' || (op.rollback && !cancel)) ? { kind: 'rollback', from: 'update', previous: op.previous }
          : null;
      stack.operation = next;
      await this.#setStatus(stack, action, 'FAILED', reason);
      if (next) this.#again.add(stack.id);
    } finally {
      clearTimeout(timeout);
      if (this.#controllers.get(stack.id) === controller) this.#controllers.delete(stack.id);
    }
  }

  #facade(stack: Stack): ((kind: 'metadata' | 'deletion_policy' | 'update_policy') => unknown) | undefined {
    if (!stack.ownerId || !stack.ownerResource) return undefined;
    const facade = stack.definition.facade;
    return (kind) => facade?.[kind] ?? (kind === 'deletion_policy' ? 'Delete' : {});
  }

  #runDeps(): RunDeps {
    return {
      queue: this.#queue,
      registry: this.#opts.registry,
      log: this.#log,
      event: (stack, name, physicalId, type, action, status, reason, props) => this.#event(stack, name, physicalId, type, action, status, reason, props),
      clients: (stack) => this.#opts.clientsFor(stack),
      nested: (stack, resource, signal) => nestedStacks(this.#host, this.#budget, stack, resource, signal),
    };
  }

  /** Delivers a signal to a live resource's plugin (`POST …/resources/{name}/signal`). */
  async signal(stack: Stack, row: Resource, details: unknown): Promise<void> {
    const rows = await stackResources(this.#db, stack.id);
    const run = new StackRun(this.#runDeps(), stack, rows, new AbortController().signal, this.#facade(stack));
    const live = rows.find((r) => r.id === row.id) ?? row;
    try {
      await run.signalResource(stack.definition, live, details);
    } catch (err) {
      if (err instanceof Error && err.name === 'ResourceActionNotSupported') throw new HeatFault(400, 'ResourceActionNotSupported', err.message);
      throw err;
    }
  }

  /**
   * Marks a resource unhealthy (CHECK_FAILED with the reason, which the next update replaces) or
   * healthy again (CHECK_COMPLETE), as `PATCH …/resources/{name}` asks.
   */
  async markUnhealthy(stack: Stack, row: Resource, unhealthy: boolean, reason: string): Promise<void> {
    if (!unhealthy && !(row.action === 'CHECK' && row.status === 'FAILED')) return;
    row.action = 'CHECK';
    row.status = unhealthy ? 'FAILED' : 'COMPLETE';
    row.statusReason = unhealthy ? reason : 'state changed';
    row.updatedAt = now();
    const ev = this.#event(stack, row.name, row.physicalId ?? '', row.type, row.action, row.status, row.statusReason, row.properties ?? {});
    await this.#queue.write({ resources: [row], events: [ev] });
  }

  /** A stack's outputs and its resources' references and attributes (nested stacks' parents read these). */
  async describe(id: StackId): Promise<NestedView> {
    const stack = await getStack(this.#db, id, { withDeleted: true });
    if (!stack) throw new ResourceFailure(`The stack ${id} is gone.`);
    const rows = await stackResources(this.#db, id);
    const p = prepare(this.#opts.registry, stack.definition);
    const ctx = resolveContext(stack, p, rows, this.#facade(stack));
    const outputs: Record<string, unknown> = {};
    for (const [key, o] of Object.entries(p.template.outputs)) {
      try {
        outputs[key] = conditionHolds('outputs', key, o.condition, p.conditions) ? resolve(p.template, o.value, ctx, ['outputs', key, 'value']) : null;
      } catch {
        outputs[key] = null;
      }
    }
    const resources = new Map<string, { ref: string | null; attributes: Record<string, unknown> }>();
    const live = currentRows(rows);
    for (const r of live) resources.set(r.name, { ref: ctx.resourceRef(r.name), attributes: r.attributes });
    return { outputs, resources, order: live.map((r) => r.name) };
  }
}
