/**
 * The orchestration domain's vocabulary: ids, Heat's actions and statuses, and the records the engine
 * and the API share. Statuses are exactly Heat's (heat/engine/stack.py, resource.py).
 */
import type { Id } from '../platform/ids.js';

export type StackId = Id<'StackId'>;
export type ResourceId = Id<'ResourceId'>;
export type EventId = Id<'EventId'>;

export const ACTIONS = ['INIT', 'CREATE', 'DELETE', 'UPDATE', 'ROLLBACK', 'SUSPEND', 'RESUME', 'ADOPT', 'SNAPSHOT', 'CHECK', 'RESTORE'] as const;
export type Action = (typeof ACTIONS)[number];
export const STATUSES = ['IN_PROGRESS', 'FAILED', 'COMPLETE'] as const;
export type Status = (typeof STATUSES)[number];
/** What clients see: `CREATE_COMPLETE`, `UPDATE_IN_PROGRESS`, … */
export type StackStatus = `${Action}_${Status}`;

export const statusOf = (action: Action, status: Status): StackStatus => `${action}_${status}`;

/** The template, environment, files and parameters a stack is (or is becoming) built from. */
export interface StackDefinition {
  /** The template as given (parsed from YAML/JSON). */
  template: Record<string, unknown>;
  environment: Record<string, unknown>;
  files: Record<string, string>;
  /** Parameters as the user gave them (the environment's `parameters` merged with the request's). */
  params: Record<string, unknown>;
  /** Every parameter's resolved value, pseudo-parameters included. */
  resolved: Record<string, unknown>;
  /** A provider template's view of its parent resource (resource_facade). */
  facade?: Record<string, unknown>;
}

/**
 * The operation a stack is to carry out: stored before any step of it is taken, so a restarted engine
 * continues it (or rolls it back) instead of leaving the stack IN_PROGRESS.
 */
export type Operation =
  | { kind: 'create'; rollback: boolean }
  | { kind: 'update'; rollback: boolean; target: StackDefinition; previous: StackDefinition; cancel?: 'rollback' | 'no_rollback'; existing?: boolean }
  | { kind: 'rollback'; from: 'create' | 'update'; previous?: StackDefinition }
  | { kind: 'delete' }
  | { kind: 'suspend' }
  | { kind: 'resume' }
  | { kind: 'check' };
export type OperationKind = Operation['kind'];

/** The action a stack reports while carrying out an operation. */
export function actionOf(op: Operation): Action {
  switch (op.kind) {
    case 'create': return 'CREATE';
    case 'update': return 'UPDATE';
    case 'rollback': return 'ROLLBACK';
    case 'delete': return 'DELETE';
    case 'suspend': return 'SUSPEND';
    case 'resume': return 'RESUME';
    case 'check': return 'CHECK';
    default: { const never: never = op; throw new Error(`unknown operation ${String(never)}`); }
  }
}

export interface Stack {
  id: StackId;
  name: string;
  projectId: string;
  userId: string;
  action: Action;
  status: Status;
  statusReason: string;
  definition: StackDefinition;
  disableRollback: boolean;
  timeoutMins: number | null;
  tags: string[];
  /** The stack whose resource this nested stack is, and that resource's name. */
  ownerId: StackId | null;
  ownerResource: string | null;
  /** The outermost stack: itself for a top-level stack. */
  rootId: StackId;
  nestedDepth: number;
  trustId: string | null;
  operation: Operation | null;
  createdAt: string;
  updatedAt: string | null;
  deletedAt: string | null;
}

export interface Resource {
  id: ResourceId;
  stackId: StackId;
  name: string;
  type: string;
  physicalId: string | null;
  action: Action;
  status: Status;
  statusReason: string;
  /** The resolved properties last applied (create or update), to diff the next update against. */
  properties: Record<string, unknown> | null;
  attributes: Record<string, unknown>;
  /** The plugin's own state (e.g. a nested stack's id, a TestResource's value). */
  data: Record<string, unknown>;
  metadata: unknown;
  requires: string[];
  replacedBy: ResourceId | null;
  replaces: ResourceId | null;
  createdAt: string;
  updatedAt: string | null;
}

export interface StackEvent {
  id: EventId;
  stackId: StackId;
  /** The resource's name, or the stack's for the stack's own transitions. */
  resourceName: string;
  physicalId: string;
  resourceType: string;
  action: Action;
  status: Status;
  reason: string;
  properties: Record<string, unknown>;
  time: string;
  /** Orders events that share a timestamp. */
  seq: number;
}

/** Heat's own limits (heat/common/config.py defaults). */
export const LIMITS = {
  maxResourcesPerStack: 1000,
  maxNestedDepth: 5,
  maxTemplateSize: 524288,
  maxStacksPerProject: 512,
  /** stack_action_timeout, seconds. */
  actionTimeout: 3600,
} as const;

/** Heat's time format: ISO-8601 UTC without fractions. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
