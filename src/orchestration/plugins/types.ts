/**
 * The resource plugin interface: what a resource type declares (its properties and attributes, as
 * `GET /resource_types/{type}` shows them) and does (create, delete, update in place, check, suspend,
 * resume, signal). The engine owns state and ordering; a plugin only talks to the thing it manages.
 *
 * Plugins for other services (OS::Nova::Server, OS::Neutron::*, OS::Keystone::*) use `ctx.clients()`:
 * service clients acting for the stack's owner through the stack's Keystone trust, so operations that
 * outlive the user's token still work. Every method must be idempotent: after a crash the engine calls
 * the same step again with the same `ctx.resource.id`, so a plugin names what it makes after that id (or
 * records the physical id with `ctx.savePhysicalId` before waiting for it) and finds it on the retry.
 */
import type { Logger } from '../../platform/log.js';
import type { Resource, StackId } from '../model.js';
import type { ComputeClient } from '../../compute/client.js';
import type { NetworkClient } from '../../network/client.js';
import type { IdentityClient } from '../../identity/client.js';
import type { ImageClient } from '../../image/client.js';

export type PropertyType = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'any';

export interface PropertySchema {
  type: PropertyType;
  description?: string;
  required?: boolean;
  default?: unknown;
  /** Changing it updates the resource in place; changing any other property replaces it. */
  updateAllowed?: boolean;
  /** Changing it is refused (the update fails). */
  immutable?: boolean;
  /** allowed_values / range / length as Heat's constraints show in a schema. */
  constraints?: Array<{ allowed_values?: unknown[]; range?: { min?: number; max?: number }; length?: { min?: number; max?: number }; description?: string }>;
  /** The schema of a map's keys or a list's items. */
  schema?: Record<string, PropertySchema> | { '*': PropertySchema };
}

export interface AttributeSchema { description: string; type?: PropertyType }

/** Service clients acting for a stack's owner. Grows as plugins for other services arrive. */
export interface StackClients {
  /** A token scoped by the stack's trust (or the stack's owner's token where there is none yet). */
  token(): Promise<string>;
  /** The project the stack lives in. */
  readonly projectId: string;
  /** Service clients (each call takes `await token()`); built once per service, shared by every stack. */
  readonly compute: ComputeClient;
  readonly network: NetworkClient;
  readonly identity: IdentityClient;
  readonly image: ImageClient;
  /**
   * The stored live row of one of this stack's resources by name, read fresh: a WaitCondition reads the
   * signals its handle stored, which arrive through another request.
   */
  resourceRow(name: string): Promise<Resource | undefined>;
  /** Every stored row of this stack not deleted, replaced ones included (who holds which physical id). */
  resourceRows(): Promise<Resource[]>;
}

/** Child stacks, for plugins whose resource is a stack of its own (templates, OS::Heat::Stack, groups). */
export interface NestedStacks {
  /**
   * Creates (or, after a crash, finds) the child stack of this resource from a template and runs its
   * create to the end; resolves with its id, rejects with the child's failure reason.
   */
  create(def: NestedDefinition): Promise<StackId>;
  /** Updates the child stack to this definition and waits for the end. */
  update(childId: StackId, def: NestedDefinition): Promise<void>;
  /** Deletes the child stack (and everything in it); a missing one is deleted already. */
  delete(childId: StackId): Promise<void>;
  /** Runs suspend/resume/check over the child stack. */
  act(childId: StackId, kind: 'suspend' | 'resume' | 'check'): Promise<void>;
  /** The child's outputs (resolved) and its resources' reference ids and attributes by name. */
  describe(childId: StackId): Promise<NestedView>;
}

export interface NestedDefinition {
  template: Record<string, unknown>;
  files: Record<string, string>;
  params: Record<string, unknown>;
  environment?: Record<string, unknown>;
  /** The parent resource's metadata, deletion_policy and update_policy, for resource_facade. */
  facade?: Record<string, unknown>;
}

export interface NestedView {
  outputs: Record<string, unknown>;
  resources: Map<string, { ref: string | null; attributes: Record<string, unknown> }>;
  /** Resource names in creation order. */
  order: string[];
}

/** What a plugin method receives. */
export interface ResourceContext {
  readonly stack: { id: StackId; name: string; projectId: string; nestedDepth: number };
  readonly resource: Resource;
  readonly log: Logger;
  /** Aborted when the operation is cancelled, times out or the engine stops. */
  readonly signal: AbortSignal;
  /** The resource definition's update_policy and metadata, as resolved. */
  readonly updatePolicy: Record<string, unknown>;
  readonly clients: StackClients;
  /** The stack's `files` map (get_file contents and provider templates), which nested stacks inherit. */
  readonly files: Record<string, string>;
  readonly nested: NestedStacks;
  /** Stores the physical id now, before the plugin waits for the thing to be ready. */
  savePhysicalId(id: string, data?: Record<string, unknown>): Promise<void>;
}

/** What create/update return: the resource's identity and what get_attr reads. */
export interface ResourceOutcome {
  physicalId: string | null;
  attributes: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/** Raised by update when the change cannot be made in place: the engine replaces the resource instead. */
export class UpdateReplace extends Error {
  constructor(readonly resourceName: string) {
    super(`The Resource ${resourceName} requires replacement.`);
    this.name = 'UpdateReplace';
  }
}

/** A failure the plugin reports as the resource's status reason (e.g. "Went to status error"). */
export class ResourceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceFailure';
  }
}

export interface ResourcePlugin {
  readonly type: string;
  readonly description: string;
  readonly properties: Readonly<Record<string, PropertySchema>>;
  readonly attributes: Readonly<Record<string, AttributeSchema>>;
  /** Accepts properties outside its schema (OS::Heat::None takes any and ignores them). */
  readonly openProperties?: boolean;
  /**
   * False for resources that can repair themselves in place (nested stacks: Heat's StackResource
   * `needs_replace_failed`): a FAILED one that exists is updated, not replaced, by the next update, even
   * with no property changed. Anything else FAILED is replaced.
   */
  readonly replaceFailed?: boolean;
  /** Heat's support status version, shown by `resource_types`. */
  readonly since?: string;
  /** Extra checks on resolved properties beyond the schema; a message makes the create fail. */
  validate?(props: Record<string, unknown>): string | null;
  create(ctx: ResourceContext, props: Record<string, unknown>): Promise<ResourceOutcome>;
  /** Deletes what create made; a thing already gone is deleted. */
  delete(ctx: ResourceContext): Promise<void>;
  /**
   * Updates in place; called only when every changed property is updateAllowed. Throws UpdateReplace to
   * be replaced instead. Without it, any change replaces.
   */
  update?(ctx: ResourceContext, props: Record<string, unknown>, changed: readonly string[]): Promise<ResourceOutcome>;
  check?(ctx: ResourceContext): Promise<void>;
  suspend?(ctx: ResourceContext): Promise<void>;
  resume?(ctx: ResourceContext): Promise<void>;
  /** Handles `POST …/resources/{name}/signal`. */
  signal?(ctx: ResourceContext, details: unknown): Promise<ResourceOutcome | void>;
  /** What get_resource returns; the physical id by default, the name when there is none. */
  referenceId?(resource: Resource): string | null;
  /** Attributes computed when read (default: the stored ones). */
  attribute?(resource: Resource, name: string): unknown;
}

/** The registry the engine and the API look types up in. */
export interface PluginRegistry {
  get(type: string): ResourcePlugin | undefined;
  types(): string[];
}
