/**
 * Kysely table types for the orchestration service's own tables. Booleans are 0/1 integers, timestamps
 * ISO-8601 UTC text, maps and lists JSON text. Domain types are in model.ts.
 */

export interface StackTable {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  action: string;
  status: string;
  status_reason: string;
  /** JSON StackDefinition: template, environment, files, params, resolved params. */
  definition: string;
  disable_rollback: number;
  timeout_mins: number | null;
  /** JSON list of strings. */
  tags: string;
  owner_id: string | null;
  owner_resource: string | null;
  root_id: string;
  nested_depth: number;
  trust_id: string | null;
  /** JSON Operation while one is to be carried out, else null. */
  operation: string | null;
  created_at: string;
  updated_at: string | null;
  /** Heat soft-deletes: a deleted stack stays (DELETE_COMPLETE) for show_deleted. */
  deleted_at: string | null;
}

export interface ResourceTable {
  id: string;
  stack_id: string;
  name: string;
  type: string;
  physical_id: string | null;
  action: string;
  status: string;
  status_reason: string;
  /** JSON map, or null before the first create. */
  properties: string | null;
  attributes: string;
  data: string;
  metadata: string;
  requires: string;
  replaced_by: string | null;
  replaces: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface EventTable {
  id: string;
  stack_id: string;
  /** Orders events; unique per database. */
  seq: number;
  resource_name: string;
  physical_id: string;
  resource_type: string;
  action: string;
  status: string;
  reason: string;
  properties: string;
  created_at: string;
}

export interface OrchestrationTables {
  stack: StackTable;
  resource: ResourceTable;
  event: EventTable;
}
