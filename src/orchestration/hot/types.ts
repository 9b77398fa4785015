/** The parsed shapes of a HOT template that the engine, the API and the evaluator share. */
import type { HotVersion } from './versions.js';

/** A parameter constraint, as the `constraints` list of a HOT parameter states it. */
export type Constraint =
  | { kind: 'length'; min?: number; max?: number; description?: string }
  | { kind: 'range'; min?: number; max?: number; description?: string }
  | { kind: 'modulo'; step: number; offset: number; description?: string }
  | { kind: 'allowed_values'; values: unknown[]; description?: string }
  | { kind: 'allowed_pattern'; pattern: string; description?: string }
  | { kind: 'custom_constraint'; name: string; description?: string };

export type ParameterType = 'string' | 'number' | 'comma_delimited_list' | 'json' | 'boolean';

export interface ParameterDef {
  name: string;
  type: ParameterType;
  label?: string;
  description?: string;
  default?: unknown;
  hidden: boolean;
  immutable: boolean;
  tags?: string[];
  constraints: Constraint[];
}

export type DeletionPolicy = 'Delete' | 'Retain' | 'Snapshot';

export interface ResourceDef {
  name: string;
  type: string;
  /** Raw snippet, functions unresolved. */
  properties: unknown;
  metadata: unknown;
  dependsOn: string[];
  deletionPolicy: DeletionPolicy;
  updatePolicy: unknown;
  condition?: unknown;
  externalId?: unknown;
  description?: string;
}

export interface OutputDef { name: string; description?: string; value: unknown; condition?: unknown }

export interface Template {
  version: HotVersion;
  description?: string;
  parameterGroups: unknown[];
  parameters: Record<string, ParameterDef>;
  resources: Record<string, ResourceDef>;
  outputs: Record<string, OutputDef>;
  conditions: Record<string, unknown>;
  files: Record<string, string>;
  raw: Record<string, unknown>;
}

/** Typed parameter values (numbers, lists, json, booleans). */
export type ParameterValues = Record<string, unknown>;

export interface StackIdentity { name: string; id: string; projectId: string }

export interface ResolveContext {
  stack: StackIdentity;
  params: ParameterValues;
  conditions: Record<string, boolean>;
  /** get_resource: the resource's reference id (physical id), or null when not yet created. */
  resourceRef(name: string): string | null;
  /** get_attr: attribute `attr` of resource `name` (undefined attr = all attributes); the evaluator applies the path. */
  resourceAttr(name: string, attr: string | undefined): unknown;
  /** resource_facade (provider templates): the parent resource's metadata/deletion_policy/update_policy. */
  facade?(kind: 'metadata' | 'deletion_policy' | 'update_policy'): unknown;
}

/** Heat's pseudo-parameters, always defined. */
export const PSEUDO_PARAMETERS: readonly string[] = ['OS::stack_name', 'OS::stack_id', 'OS::project_id'];
