/**
 * Kysely table types for the image service's own tables. Booleans are 0/1 integers, timestamps ISO-8601
 * UTC text. Domain types live in model.ts.
 */

export interface ImageTable {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: number;
  os_hidden: number;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  container_format: string | null;
  disk_format: string | null;
  min_ram: number;
  min_disk: number;
  created_at: string;
  updated_at: string;
  /** 1 once deleted: the row stays so that its id is never reused (Glance keeps deleted rows too). */
  deleted: number;
  deleted_at: string | null;
  /** The upload in progress while status is `saving`; its commit must name it. */
  upload_id: string | null;
}

export interface ImagePropertyTable { image_id: string; name: string; value: string | null; }

export interface ImageTagTable { image_id: string; value: string; }

export interface ImageMemberTable {
  image_id: string;
  member_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** An image's data is the concatenation of its segments in `position` order; each is a stored blob. */
export interface ImageSegmentTable {
  image_id: string;
  position: number;
  /** SHA-256 (hex) of the blob: its name in the blob store. */
  blob: string;
  size: number;
}

export interface MetadefNamespaceTable {
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: string;
  protected: number;
  owner: string;
  created_at: string;
  updated_at: string;
}

export interface MetadefResourceTypeTable { name: string; protected: number; created_at: string; updated_at: string; }

export interface MetadefAssociationTable {
  namespace: string;
  resource_type: string;
  prefix: string | null;
  properties_target: string | null;
  created_at: string;
  updated_at: string;
}

/** An object, property or tag of a namespace; `body` is its definition as JSON (without the name). */
export interface MetadefEntryTable { namespace: string; name: string; body: string; created_at: string; updated_at: string; }

export interface ImageTables {
  image: ImageTable;
  image_property: ImagePropertyTable;
  image_tag: ImageTagTable;
  image_member: ImageMemberTable;
  image_segment: ImageSegmentTable;
  metadef_namespace: MetadefNamespaceTable;
  metadef_resource_type: MetadefResourceTypeTable;
  metadef_association: MetadefAssociationTable;
  metadef_object: MetadefEntryTable;
  metadef_property: MetadefEntryTable;
  metadef_tag: MetadefEntryTable;
}
