/**
 * Nested stacks as their parent's plugins see them (`ctx.nested`): a child stack per resource, created,
 * updated, deleted and acted on through the same engine, with the child's id stored in the parent's
 * resource row before the child exists (so a restart finds the same child), and the whole tree kept
 * within max_resources_per_stack.
 */
import { randomUUID } from 'node:crypto';
import { asId } from '../../platform/ids.js';
import { actionOf, LIMITS, type Action, type Operation, type Resource, type Stack, type StackDefinition, type StackId } from '../model.js';
import type { NestedDefinition, NestedStacks, NestedView, PluginRegistry } from '../plugins/types.js';
import { ResourceFailure } from '../plugins/types.js';
import { getStack, treeResourceCount, type Db } from '../store.js';
import { prepare, resolveDefinition } from './definition.js';
import { Interrupt } from './run.js';
import type { WriteQueue } from './write-queue.js';
import type { NewStack } from './engine.js';

/** What nested stacks need from the engine. */
export interface NestedHost {
  readonly db: Db;
  readonly registry: PluginRegistry;
  readonly queue: WriteQueue;
  createStack(n: NewStack): Promise<Stack>;
  begin(stack: Stack, op: Operation): Promise<void>;
  run(id: string): Promise<void>;
  /** Interrupts the stack's running operation, if any. */
  abort(id: string, reason: Interrupt): void;
  describe(id: StackId): Promise<NestedView>;
}

/**
 * Resources nested stacks are about to add to their tree, by root stack id. Heat refuses a nested stack
 * that would take its whole tree past max_resources_per_stack (StackResourceLimitExceeded), so a group of
 * groups cannot multiply its way past the limit. Siblings are made in parallel: what each is about to add
 * is reserved synchronously after the count, until its rows are stored.
 */
export class TreeBudget {
  readonly #reserved = new Map<string, number>();

  /** Reserves `adding` resources in the tree (less `replacing`'s current ones); call the result to release. */
  async reserve(db: Db, rootId: StackId, adding: number, replacing?: StackId): Promise<() => void> {
    const counted = await treeResourceCount(db, rootId, replacing);
    const reserved = this.#reserved.get(rootId) ?? 0;
    const total = counted + reserved + adding;
    if (total > LIMITS.maxResourcesPerStack) {
      throw new ResourceFailure(`Maximum resources per stack exceeded: the stack tree would hold ${total} resources (at most ${LIMITS.maxResourcesPerStack}).`);
    }
    this.#reserved.set(rootId, reserved + adding);
    return () => {
      const left = (this.#reserved.get(rootId) ?? 0) - adding;
      if (left > 0) this.#reserved.set(rootId, left);
      else this.#reserved.delete(rootId);
    };
  }
}

/** Runs a child stack's operation to its end for a parent's plugin; rejects with the child's reason. */
async function runChild(host: NestedHost, childId: StackId, signal: AbortSignal, want: Action): Promise<Stack> {
  // The parent's interruption reaches the child: superseded or stopping leave it as stored, cancel and
  // timeout fail it.
  const onAbort = (): void => host.abort(childId, signal.reason instanceof Interrupt ? signal.reason : new Interrupt('cancelled', 'Operation cancelled'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await host.run(childId);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw signal.reason;
  const child = await getStack(host.db, childId, { withDeleted: true });
  if (!child) throw new ResourceFailure(`The nested stack ${childId} is gone.`);
  if (child.action !== want || child.status !== 'COMPLETE') throw new ResourceFailure(child.statusReason);
  return child;
}

/** The nested stacks of one resource of `parent`, for its plugin. */
export function nestedStacks(host: NestedHost, budget: TreeBudget, parent: Stack, resource: Resource, signal: AbortSignal): NestedStacks {
  const childInput = (def: NestedDefinition): Promise<StackDefinition> =>
    resolveDefinition(host.registry, { template: def.template, files: def.files, params: def.params, environment: def.environment ?? parent.definition.environment })
      .then((d) => (def.facade ? { ...d, facade: def.facade } : d));
  return {
    create: async (def) => {
      const known = typeof resource.data.childId === 'string' ? asId<'StackId'>(resource.data.childId) : undefined;
      let child = known ? await getStack(host.db, known, { withDeleted: true }) : undefined;
      if (!child) {
        const id = known ?? asId<'StackId'>(randomUUID());
        if (!known) {
          // Stored before the child exists, so a crash in between finds (or makes) the same child.
          resource.physicalId = id;
          resource.data = { ...resource.data, childId: id };
          await host.queue.write({ resources: [resource] });
        }
        const definition = await childInput(def);
        child = await host.createStack({
          id, name: `${parent.name}-${resource.name}-${id.slice(0, 12)}`.slice(0, 255), projectId: parent.projectId, userId: parent.userId,
          definition, disableRollback: true, timeoutMins: null, tags: [], trustId: parent.trustId, owner: { stack: parent, resource: resource.name },
        });
      }
      if (child.action === 'CREATE' && child.status === 'COMPLETE') return child.id;
      await runChild(host, child.id, signal, 'CREATE');
      return child.id;
    },
    update: async (childId, def) => {
      const child = await getStack(host.db, childId);
      if (!child) throw new ResourceFailure(`The nested stack ${childId} is gone.`);
      if (child.operation?.kind === 'update') {
        await runChild(host, childId, signal, 'UPDATE');
        return;
      }
      const target = await childInput(def);
      const release = await budget.reserve(host.db, child.rootId, prepare(host.registry, target).resources.size, child.id);
      try {
        await host.begin(child, { kind: 'update', rollback: false, target, previous: child.definition });
        await runChild(host, childId, signal, 'UPDATE');
      } finally {
        release();
      }
    },
    delete: async (childId) => {
      const child = await getStack(host.db, childId, { withDeleted: true });
      if (!child || child.deletedAt !== null) return;
      if (child.operation?.kind !== 'delete') await host.begin(child, { kind: 'delete' });
      await runChild(host, childId, signal, 'DELETE');
    },
    act: async (childId, kind) => {
      const child = await getStack(host.db, childId);
      if (!child) throw new ResourceFailure(`The nested stack ${childId} is gone.`);
      if (child.operation?.kind !== kind) await host.begin(child, { kind });
      await runChild(host, childId, signal, actionOf({ kind }));
    },
    describe: (childId) => host.describe(childId),
  };
}
