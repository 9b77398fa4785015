/**
 * One stack operation carried out over the stack's resources: create, update (unchanged / in place /
 * replace, then clean-up), delete, and suspend/resume/check. Each resource step is level-based: it looks
 * at the stored row and does what is still missing, so running an operation again after a crash (the
 * reconciler does) continues it. Every transition is written (with its event) before the plugin is
 * called; completions ride along with the next batch.
 */
import { randomUUID } from 'node:crypto';
import { resolve, type ResolveContext } from '../hot/index.js';
import { asId } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { now, type Action, type Resource, type ResourceId, type Stack, type StackDefinition, type Status } from '../model.js';
import type { NestedStacks, ResourceContext, ResourceOutcome, ResourcePlugin, StackClients } from '../plugins/types.js';
import { UpdateReplace } from '../plugins/types.js';
import { prepare, type Prepared } from './definition.js';
import { walk } from './graph.js';
import { applySchema, changedProperties } from './properties.js';
import type { WriteQueue } from './write-queue.js';
import type { PluginRegistry } from '../plugins/types.js';
import type { StackEvent } from '../model.js';

/** Why a run was interrupted. Superseded and stopping leave the stack as stored for whoever comes next. */
export class Interrupt extends Error {
  constructor(readonly kind: 'superseded' | 'stopping' | 'cancelled' | 'timeout', message: string, readonly rollback = false) {
    super(message);
    this.name = 'Interrupt';
  }
  get silent(): boolean { return this.kind === 'superseded' || this.kind === 'stopping'; }
}

/** A resource step failed; `reason` is Heat's `<Type>: resources.<name>: <message>`. */
export class StepFailure extends Error {
  constructor(readonly action: Action, readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'StepFailure';
  }
}

/** What a run needs from the engine. */
export interface RunDeps {
  readonly queue: WriteQueue;
  readonly registry: PluginRegistry;
  readonly log: Logger;
  event(stack: Stack, name: string, physicalId: string, type: string, action: Action, status: Status, reason: string, props?: Record<string, unknown>): StackEvent;
  clients(stack: Stack): StackClients;
  nested(stack: Stack, resource: Resource, signal: AbortSignal): NestedStacks;
}

function describeError(err: unknown): string {
  if (err instanceof Interrupt) return err.message;
  if (err instanceof Error) return `${err.name === 'Error' ? 'Exception' : err.name}: ${err.message}`;
  return String(err);
}

/** The resource's live row for a name: not replaced, not deleted, newest. */
export function currentRow(rows: readonly Resource[], name: string): Resource | undefined {
  let found: Resource | undefined;
  for (const r of rows) {
    if (r.name !== name || r.replacedBy !== null || (r.action === 'DELETE' && r.status === 'COMPLETE')) continue;
    found = r;
  }
  return found;
}

/** The live rows of a stack, one per name. */
export function currentRows(rows: readonly Resource[]): Resource[] {
  const names = [...new Set(rows.map((r) => r.name))];
  return names.map((n) => currentRow(rows, n)).filter((r): r is Resource => r !== undefined);
}

/** What get_resource returns for a row. */
export function referenceOf(plugin: ResourcePlugin | undefined, row: Resource | undefined): string | null {
  if (!row || row.action === 'INIT') return null;
  return plugin?.referenceId ? plugin.referenceId(row) : row.physicalId ?? row.name;
}

/** What get_attr reads for a row (all attributes when `attr` is undefined). */
export function attributeOf(plugin: ResourcePlugin | undefined, row: Resource | undefined, attr: string | undefined): unknown {
  if (!row) return null;
  if (attr === undefined) return row.attributes;
  if (plugin?.attribute) return plugin.attribute(row, attr);
  return row.attributes[attr] ?? null;
}

/** The resolve context of a stack over its current rows. */
export function resolveContext(stack: Stack, p: Prepared, rows: readonly Resource[], facade?: ResolveContext['facade']): ResolveContext {
  const pluginOf = (name: string): ResourcePlugin | undefined => { try { return p.plugin(name); } catch { return undefined; } };
  return {
    stack: { name: stack.name, id: stack.id, projectId: stack.projectId },
    params: p.def.resolved,
    conditions: p.conditions,
    resourceRef: (name) => referenceOf(pluginOf(name), currentRow(rows, name)),
    resourceAttr: (name, attr) => attributeOf(pluginOf(name), currentRow(rows, name), attr),
    ...(facade ? { facade } : {}),
  };
}

export class StackRun {
  readonly #pending: Array<Promise<void>> = [];

  constructor(
    private readonly deps: RunDeps,
    readonly stack: Stack,
    /** Every row of the stack (replaced and replacement rows too); mutated as the run goes. */
    readonly rows: Resource[],
    readonly signal: AbortSignal,
    private readonly facade?: ResolveContext['facade'],
  ) {}

  /** Writes a row's transition and its event; resolves when stored. */
  transition(row: Resource, action: Action, status: Status, reason: string, also: Resource[] = []): Promise<void> {
    row.action = action;
    row.status = status;
    row.statusReason = reason;
    row.updatedAt = now();
    const ev = this.deps.event(this.stack, row.name, row.physicalId ?? '', row.type, action, status, reason, row.properties ?? {});
    const p = this.deps.queue.write({ resources: [row, ...also], events: [ev] });
    this.#pending.push(p.catch(() => undefined));
    return p;
  }

  /** Waits for every write the run made. */
  async settle(): Promise<void> {
    await Promise.all(this.#pending);
    await this.deps.queue.drain();
  }

  #context(row: Resource, p: Prepared | undefined): ResourceContext {
    const def = p?.resources.get(row.name);
    const updatePolicy = def?.updatePolicy && typeof def.updatePolicy === 'object' ? def.updatePolicy as Record<string, unknown> : {};
    return {
      stack: { id: this.stack.id, name: this.stack.name, projectId: this.stack.projectId, nestedDepth: this.stack.nestedDepth },
      resource: row,
      log: this.deps.log,
      signal: this.signal,
      updatePolicy,
      clients: this.deps.clients(this.stack),
      files: p?.def.files ?? this.stack.definition.files,
      nested: this.deps.nested(this.stack, row, this.signal),
      savePhysicalId: async (id, data) => {
        row.physicalId = id;
        if (data) row.data = { ...row.data, ...data };
        await this.deps.queue.write({ resources: [row] });
      },
    };
  }

  #pluginOf(p: Prepared | undefined, row: Resource): ResourcePlugin | undefined {
    if (p?.resources.get(row.name)?.type === row.type) return p.plugin(row.name);
    return this.deps.registry.get(row.type);
  }

  #check(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  #resolved(p: Prepared, name: string, plugin: ResourcePlugin): { props: Record<string, unknown>; metadata: unknown } {
    const def = p.resources.get(name)!;
    const ctx = resolveContext(this.stack, p, this.rows, this.facade);
    const raw = resolve(p.template, def.properties ?? {}, ctx, ['resources', name, 'properties']);
    const props = applySchema(name, plugin.properties, raw, plugin.openProperties);
    const problem = plugin.validate?.(props);
    if (problem) throw Object.assign(new Error(problem), { name: 'StackValidationFailed' });
    const metadata = def.metadata === undefined || def.metadata === null ? {} : resolve(p.template, def.metadata, ctx, ['resources', name, 'metadata']);
    return { props, metadata };
  }

  async #fail(row: Resource, action: Action, err: unknown): Promise<never> {
    if (err instanceof Interrupt && err.silent) throw err;
    const reason = err instanceof StepFailure ? err.reason : `${describeError(err).replace(/^(\w+): /, `$1: resources.${row.name}: `)}`;
    await this.transition(row, action, 'FAILED', reason);
    throw new StepFailure(action, reason, { cause: err });
  }

  /** Creates a row's resource (the row may be new, or half-created before a crash). */
  async #create(p: Prepared, row: Resource, also: Resource[] = []): Promise<void> {
    this.#check();
    const plugin = p.plugin(row.name);
    let resolved: { props: Record<string, unknown>; metadata: unknown };
    try {
      resolved = this.#resolved(p, row.name, plugin);
    } catch (err) {
      return this.#fail(row, 'CREATE', err);
    }
    row.requires = [...(p.requires.get(row.name) ?? [])];
    row.metadata = resolved.metadata;
    row.properties = resolved.props;
    await this.transition(row, 'CREATE', 'IN_PROGRESS', 'state changed', also);
    let out: ResourceOutcome;
    try {
      this.#check();
      out = await plugin.create(this.#context(row, p), resolved.props);
    } catch (err) {
      return this.#fail(row, 'CREATE', err);
    }
    this.#apply(row, out);
    void this.transition(row, 'CREATE', 'COMPLETE', 'state changed').catch(() => undefined);
  }

  #apply(row: Resource, out: ResourceOutcome | void): void {
    if (!out) return;
    row.physicalId = out.physicalId;
    row.attributes = out.attributes;
    if (out.data) row.data = { ...row.data, ...out.data };
  }

  #newRow(name: string, type: string, replaces: ResourceId | null): Resource {
    const row: Resource = {
      id: asId(randomUUID()), stackId: this.stack.id, name, type, physicalId: null, action: 'INIT', status: 'COMPLETE', statusReason: '',
      properties: null, attributes: {}, data: {}, metadata: {}, requires: [], replacedBy: null, replaces, createdAt: now(), updatedAt: null,
    };
    this.rows.push(row);
    return row;
  }

  /** Creates every active resource not yet created, independent ones at once. */
  async create(def: StackDefinition): Promise<void> {
    const p = prepare(this.deps.registry, def);
    const fresh: Resource[] = [];
    for (const [name, r] of p.resources) if (!currentRow(this.rows, name)) fresh.push(this.#newRow(name, r.type, null));
    if (fresh.length > 0) await this.deps.queue.write({ resources: fresh });
    await walk([...p.resources.keys()], p.requires, async (name) => {
      const row = currentRow(this.rows, name)!;
      if (row.action !== 'INIT' && !(row.action === 'CREATE' && row.status !== 'COMPLETE')) return;
      await this.#create(p, row);
    }, { signal: this.signal });
  }

  /**
   * Updates the stack's resources to `def`: per resource unchanged, updated in place (when the plugin
   * allows every changed property), replaced (new one created first) or created; then deletes what was
   * replaced or removed. Rolling back is the same walk towards the old definition: a replaced resource
   * whose old properties match comes back instead of being made again.
   */
  async update(def: StackDefinition, oldDef: StackDefinition | null): Promise<void> {
    const p = prepare(this.deps.registry, def);
    await walk([...p.resources.keys()], p.requires, (name) => this.#updateOne(p, name), { signal: this.signal });
    await this.#cleanup(p, oldDef ? prepare(this.deps.registry, oldDef) : undefined);
  }

  async #updateOne(p: Prepared, name: string): Promise<void> {
    this.#check();
    const def = p.resources.get(name)!;
    const cur = currentRow(this.rows, name);
    if (!cur) return this.#create(p, this.#newRow(name, def.type, null));
    const plugin = p.plugin(name);
    // Rolling back a replacement: the old resource is still there and matches; bring it back (even when
    // the new one never finished) and let the clean-up delete the new one.
    const old = cur.replaces ? this.rows.find((r) => r.id === cur.replaces && r.replacedBy === cur.id && !(r.action === 'DELETE' && r.status === 'COMPLETE')) : undefined;
    if (old && old.type === def.type && old.status === 'COMPLETE') {
      let same = false;
      try { same = changedProperties(old.properties, this.#resolved(p, name, plugin).props).length === 0; } catch { same = false; }
      if (same) {
        old.replacedBy = null;
        cur.replacedBy = old.id;
        await this.deps.queue.write({ resources: [old, cur] });
        return;
      }
    }
    if (cur.action === 'INIT' || (cur.action === 'CREATE' && cur.status === 'IN_PROGRESS')) return this.#create(p, cur);
    let resolved: { props: Record<string, unknown>; metadata: unknown };
    try {
      resolved = this.#resolved(p, name, plugin);
    } catch (err) {
      return this.#fail(cur, 'UPDATE', err);
    }
    const unhealthy = cur.action === 'CHECK' && cur.status === 'FAILED';
    const changed = changedProperties(cur.properties, resolved.props);
    // A failed nested stack is updated in place (its own update replaces what failed inside it).
    const repair = cur.status === 'FAILED' && !unhealthy && plugin.replaceFailed === false && cur.physicalId !== null;
    if (cur.type === def.type && (cur.status !== 'FAILED' || repair) && !unhealthy) {
      if (changed.length === 0 && !repair) {
        if (JSON.stringify(cur.metadata) !== JSON.stringify(resolved.metadata)) {
          cur.metadata = resolved.metadata;
          await this.deps.queue.write({ resources: [cur] });
        }
        return;
      }
      const immutable = changed.find((k) => plugin.properties[k]?.immutable);
      if (immutable) return this.#fail(cur, 'UPDATE', Object.assign(new Error(`The property (${immutable}) cannot be updated.`), { name: 'NotSupported' }));
      if (plugin.update && (repair || changed.every((k) => plugin.openProperties || plugin.properties[k]?.updateAllowed))) {
        await this.transition(cur, 'UPDATE', 'IN_PROGRESS', 'state changed');
        try {
          this.#check();
          const out = await plugin.update(this.#context(cur, p), resolved.props, changed);
          this.#apply(cur, out);
          cur.properties = resolved.props;
          cur.metadata = resolved.metadata;
          cur.requires = [...(p.requires.get(name) ?? [])];
          void this.transition(cur, 'UPDATE', 'COMPLETE', 'state changed').catch(() => undefined);
          return;
        } catch (err) {
          if (!(err instanceof UpdateReplace)) return this.#fail(cur, 'UPDATE', err);
        }
      }
    }
    // Replace: the new resource is linked before it is made, so a crash finds it and carries on.
    const next = this.#newRow(name, def.type, cur.id);
    cur.replacedBy = next.id;
    await this.#create(p, next, [cur]);
  }

  /** Rows an update leaves behind: replaced ones and those no longer in the template. */
  #leftovers(p: Prepared): Resource[] {
    return this.rows.filter((r) => !(r.action === 'DELETE' && r.status === 'COMPLETE')
      && (r.replacedBy !== null || !p.resources.has(r.name)));
  }

  async #cleanup(p: Prepared, oldP: Prepared | undefined): Promise<void> {
    const doomed = this.#leftovers(p);
    await this.#deleteRows(doomed, oldP, { remove: true });
  }

  /**
   * Deletes rows in reverse dependency order (a row goes once every row that requires it is gone),
   * honouring the deletion_policy of the template that made them. `remove` drops the rows afterwards.
   */
  async #deleteRows(rows: readonly Resource[], p: Prepared | undefined, opts: { remove: boolean }): Promise<void> {
    const byId = new Map<string, Resource>(rows.map((r) => [r.id, r] as const));
    const requires = new Map<string, Set<string>>();
    for (const r of rows) {
      const needs = new Set<string>();
      for (const other of rows) if (other !== r && r.requires.includes(other.name)) needs.add(other.id);
      requires.set(r.id, needs);
    }
    await walk([...byId.keys()], requires, async (id) => {
      this.#check();
      const row = byId.get(id)!;
      if (row.action === 'DELETE' && row.status === 'COMPLETE') return;
      if (row.action === 'INIT') {
        row.action = 'DELETE';
        row.status = 'COMPLETE';
        await this.deps.queue.write(opts.remove ? { removeResources: [row.id] } : { resources: [row] });
        return;
      }
      const policy = p?.resources.get(row.name)?.type === row.type ? p.resources.get(row.name)!.deletionPolicy : 'Delete';
      await this.transition(row, 'DELETE', 'IN_PROGRESS', 'state changed');
      if (policy !== 'Retain') {
        const plugin = this.#pluginOf(p, row);
        try {
          this.#check();
          if (plugin) await plugin.delete(this.#context(row, p));
        } catch (err) {
          return this.#fail(row, 'DELETE', err);
        }
      }
      const done = this.transition(row, 'DELETE', 'COMPLETE', 'state changed');
      if (opts.remove) await done.then(() => this.deps.queue.write({ removeResources: [row.id] }));
    }, { reverse: true, signal: this.signal });
  }

  /** Deletes every resource of the stack (`remove` drops the rows, as a rollback of a create does). */
  async deleteAll(def: StackDefinition, opts: { remove: boolean }): Promise<void> {
    let p: Prepared | undefined;
    try { p = prepare(this.deps.registry, def); } catch { p = undefined; }
    await this.#deleteRows(this.rows.filter((r) => !(r.action === 'DELETE' && r.status === 'COMPLETE')), p, opts);
  }

  /** Suspend (in reverse order), resume or check (in order) every live resource. */
  async act(def: StackDefinition, action: 'SUSPEND' | 'RESUME' | 'CHECK'): Promise<void> {
    const p = prepare(this.deps.registry, def);
    const live = currentRows(this.rows).filter((r) => r.action !== 'INIT');
    const requires = new Map(live.map((r) => [r.name, new Set(r.requires)] as const));
    await walk(live.map((r) => r.name), requires, async (name) => {
      this.#check();
      const row = currentRow(this.rows, name)!;
      if (row.action === action && row.status === 'COMPLETE') return;
      await this.transition(row, action, 'IN_PROGRESS', 'state changed');
      const plugin = this.#pluginOf(p, row);
      const ctx = this.#context(row, p);
      try {
        if (action === 'SUSPEND') await plugin?.suspend?.(ctx);
        else if (action === 'RESUME') await plugin?.resume?.(ctx);
        else await plugin?.check?.(ctx);
      } catch (err) {
        return this.#fail(row, action, err);
      }
      void this.transition(row, action, 'COMPLETE', 'state changed').catch(() => undefined);
    }, { reverse: action === 'SUSPEND', signal: this.signal });
  }

  /** Runs a plugin's signal handler for a live resource. */
  async signalResource(def: StackDefinition, row: Resource, details: unknown): Promise<void> {
    const p = prepare(this.deps.registry, def);
    const plugin = this.#pluginOf(p, row);
    if (!plugin?.signal) throw Object.assign(new Error('signal is not supported for resource.'), { name: 'ResourceActionNotSupported' });
    const out = await plugin.signal(this.#context(row, p), details);
    this.#apply(row, out);
    const ev = this.deps.event(this.stack, row.name, row.physicalId ?? '', row.type, row.action, row.status, 'Signal: received');
    await this.deps.queue.write({ resources: [row], events: [ev] });
  }
}
