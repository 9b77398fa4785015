/**
 * Images, their properties, tags, members and data segments, stored in the image service's own tables.
 * Status changes are compare-and-set on the current status, so two requests racing on one image (two
 * uploads, an upload and a delete) cannot both win.
 */
import type { Kysely, Transaction } from 'kysely';
import { BadRequest, Conflict, NotFound } from '../platform/errors.js';
import { fromBool, inTransaction, isUniqueViolation, sql, toBool } from '../platform/db/database.js';
import type { ImagePropertyTable, ImageTable, ImageTables } from './tables.js';
import { nowIso, type ContainerFormat, type DiskFormat, type Image, type ImageId, type ImageStatus, type ImageVisibility, type Member, type MemberStatus } from './model.js';
import { compareImages, type ImageQuery } from './query.js';

type Db = Kysely<ImageTables> | Transaction<ImageTables>;

/** One stored piece of an image's data. */
export interface Segment { blob: string; size: number; }

/** What a finished upload records on its image. */
export interface UploadResult {
  size: number;
  checksum: string;
  osHashAlgo: string;
  osHashValue: string;
  segments: readonly Segment[];
}

function toImage(row: ImageTable, properties: Record<string, string | null>, tags: string[]): Image {
  return {
    id: row.id as ImageId,
    name: row.name,
    status: row.status as ImageStatus,
    visibility: row.visibility as ImageVisibility,
    protected: toBool(row.protected),
    osHidden: toBool(row.os_hidden),
    checksum: row.checksum,
    osHashAlgo: row.os_hash_algo,
    osHashValue: row.os_hash_value,
    owner: row.owner,
    size: row.size,
    virtualSize: row.virtual_size,
    containerFormat: row.container_format as ContainerFormat | null,
    diskFormat: row.disk_format as DiskFormat | null,
    minRam: row.min_ram,
    minDisk: row.min_disk,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    properties,
    tags,
  };
}

/** The columns a save writes (everything but identity, creation and upload bookkeeping). */
function mutableColumns(image: Image): Omit<ImageTable, 'id' | 'created_at' | 'deleted' | 'deleted_at' | 'upload_id'> {
  return {
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: fromBool(image.protected),
    os_hidden: fromBool(image.osHidden),
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    owner: image.owner,
    size: image.size,
    virtual_size: image.virtualSize,
    container_format: image.containerFormat,
    disk_format: image.diskFormat,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    updated_at: image.updatedAt,
  };
}

function toMember(row: { image_id: string; member_id: string; status: string; created_at: string; updated_at: string }): Member {
  return { imageId: row.image_id as ImageId, memberId: row.member_id, status: row.status as MemberStatus, createdAt: row.created_at, updatedAt: row.updated_at };
}

export class ImageStore {
  readonly #db: Kysely<ImageTables>;
  constructor(db: Kysely<ImageTables>) { this.#db = db; }

  async #hydrate(rows: ImageTable[], db: Db = this.#db): Promise<Image[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const props: ImagePropertyTable[] = [];
    const tags: Array<{ image_id: string; value: string }> = [];
    // Chunked so that a page of a thousand images stays under every engine's parameter limit.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      props.push(...await db.selectFrom('image_property').selectAll().where('image_id', 'in', chunk).execute());
      tags.push(...await db.selectFrom('image_tag').selectAll().where('image_id', 'in', chunk).execute());
    }
    const propsOf = new Map<string, Record<string, string | null>>();
    for (const p of props) {
      const m = propsOf.get(p.image_id) ?? {};
      m[p.name] = p.value;
      propsOf.set(p.image_id, m);
    }
    const tagsOf = new Map<string, string[]>();
    for (const t of tags) tagsOf.set(t.image_id, [...(tagsOf.get(t.image_id) ?? []), t.value]);
    return rows.map((r) => toImage(r, propsOf.get(r.id) ?? {}, (tagsOf.get(r.id) ?? []).sort()));
  }

  /** An image that is not deleted, or undefined. */
  async find(id: ImageId, db: Db = this.#db): Promise<Image | undefined> {
    const row = await db.selectFrom('image').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    return row ? (await this.#hydrate([row], db))[0] : undefined;
  }

  /** Stores a new image; Conflict if its id was ever used. */
  async create(image: Image): Promise<void> {
    try {
      await inTransaction(this.#db, async (tx) => {
        await tx.insertInto('image').values({ id: image.id, created_at: image.createdAt, deleted: 0, deleted_at: null, upload_id: null, ...mutableColumns(image) }).execute();
        await this.#writeChildren(tx, image);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`An image with identifier ${image.id} already exists`, { cause: err });
      throw err;
    }
  }

  async #writeChildren(tx: Db, image: Image): Promise<void> {
    const props = Object.entries(image.properties).map(([name, value]) => ({ image_id: image.id, name, value }));
    if (props.length > 0) await tx.insertInto('image_property').values(props).execute();
    const tags = [...new Set(image.tags)].map((value) => ({ image_id: image.id, value }));
    if (tags.length > 0) await tx.insertInto('image_tag').values(tags).execute();
  }

  /**
   * Writes an image's attributes, properties and tags as they are now. With `from`, only if its status is
   * still `from` (else Conflict); the status itself is written either way.
   */
  async save(image: Image, from?: ImageStatus): Promise<void> {
    await inTransaction(this.#db, async (tx) => {
      let q = tx.updateTable('image').set(mutableColumns(image)).where('id', '=', image.id).where('deleted', '=', 0);
      if (from !== undefined) q = q.where('status', '=', from);
      const r = await q.executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        if (await this.find(image.id, tx)) throw new Conflict(`Image ${image.id} changed status while this request ran; retry it`);
        throw new NotFound(`No image found with ID ${image.id}`);
      }
      await tx.deleteFrom('image_property').where('image_id', '=', image.id).execute();
      await tx.deleteFrom('image_tag').where('image_id', '=', image.id).execute();
      await this.#writeChildren(tx, image);
    });
  }

  /**
   * Marks an image deleted and drops what hangs off it. Returns the blobs its data used, for the caller to
   * collect once no other image refers to them. NotFound if it was already gone.
   */
  async delete(id: ImageId): Promise<string[]> {
    return inTransaction(this.#db, async (tx) => {
      const now = nowIso();
      const r = await tx.updateTable('image').set({ deleted: 1, deleted_at: now, updated_at: now, status: 'deleted', upload_id: null })
        .where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new NotFound(`Failed to find image ${id} to delete`);
      const blobs = await tx.selectFrom('image_segment').select('blob').distinct().where('image_id', '=', id).execute();
      for (const table of ['image_segment', 'image_property', 'image_tag', 'image_member'] as const) {
        await tx.deleteFrom(table).where('image_id', '=', id).execute();
      }
      return blobs.map((b) => b.blob);
    });
  }

  /** Every image matching the query's filters that the viewer may list, sorted, one page after the marker. */
  async query(q: ImageQuery): Promise<{ images: Image[]; full: boolean }> {
    const { viewer, filters: f } = q;
    let s = this.#db.selectFrom('image').selectAll('image').where('image.deleted', '=', 0)
      // Glance never lists killed images.
      .where('image.status', '!=', 'killed')
      .where('image.os_hidden', '=', fromBool(f.osHidden));
    if (!viewer.admin) {
      const project = viewer.project;
      s = s.where((eb) => {
        const ors = [eb('image.visibility', 'in', ['public', 'community'])];
        if (project !== null) {
          ors.push(eb('image.owner', '=', project));
          ors.push(eb.and([
            eb('image.visibility', '=', 'shared'),
            eb.exists(eb.selectFrom('image_member as m').select('m.image_id')
              .whereRef('m.image_id', '=', 'image.id').where('m.member_id', '=', project)
              .$if(f.memberStatus !== 'all', (w) => w.where('m.status', '=', f.memberStatus))),
          ]));
        }
        return eb.or(ors);
      });
    }
    if (f.visibility !== undefined) {
      if (f.visibility !== 'all') s = s.where('image.visibility', '=', f.visibility);
    } else if (viewer.project === null) {
      s = s.where('image.visibility', '!=', 'community');
    } else {
      // Without a visibility filter, community images are listed only to their owner.
      const project = viewer.project;
      s = s.where((eb) => eb.or([eb('image.owner', '=', project), eb('image.visibility', '!=', 'community')]));
    }
    if (f.protected !== undefined) s = s.where('image.protected', '=', fromBool(f.protected));
    for (const [column, values] of Object.entries(f.oneOf)) {
      // `in:` with no values matches nothing (and `IN ()` is no SQL PostgreSQL accepts).
      s = values.length === 0 ? s.where(sql<boolean>`1 = 0`) : s.where(`image.${column as keyof typeof f.oneOf}`, 'in', values);
    }
    for (const [column, value] of Object.entries(f.exact)) s = s.where(`image.${column as keyof typeof f.exact}`, '=', value);
    for (const c of f.numbers) s = s.where(`image.${c.column}`, c.op === 'eq' ? '=' : c.op === 'gte' ? '>=' : '<=', c.value);
    for (const t of f.times) {
      const op = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[t.op];
      // Glance compares to the second, as it stores them.
      s = s.where(sql<string>`substr(${sql.ref(`image.${t.column}`)}, 1, 19)`, op as '=', t.value.slice(0, 19));
    }
    for (const [name, value] of Object.entries(f.properties)) {
      s = s.where((eb) => eb.exists(eb.selectFrom('image_property as p').select('p.image_id')
        .whereRef('p.image_id', '=', 'image.id').where('p.name', '=', name).where('p.value', '=', value)));
    }
    for (const tag of f.tags) {
      s = s.where((eb) => eb.exists(eb.selectFrom('image_tag as t').select('t.image_id')
        .whereRef('t.image_id', '=', 'image.id').where('t.value', '=', tag)));
    }
    // Sorting and paging happen here rather than in SQL: Glance orders NULLs as MySQL does and pages by a
    // marker that need not match the filters, which is simplest to get identical on both engines in code.
    const rows = (await s.execute()).sort((a, b) => compareImages(a, b, q.sort));
    let start = 0;
    if (q.marker !== undefined) {
      const marker = await this.#db.selectFrom('image').selectAll().where('id', '=', q.marker).where('deleted', '=', 0).executeTakeFirst();
      if (!marker) throw new BadRequest(`No image found with ID ${q.marker}`);
      start = rows.findIndex((r) => compareImages(r, marker, q.sort) > 0);
      if (start < 0) start = rows.length;
    }
    const page = rows.slice(start, start + q.limit);
    return { images: await this.#hydrate(page), full: page.length === q.limit && page.length > 0 };
  }

  // ---- data ----

  /**
   * queued → saving (an upload) or uploading (staging for import) for one upload, atomically: a second
   * concurrent upload finds the status changed and gets Conflict. The upload id names this upload in its
   * commit.
   */
  async beginUpload(id: ImageId, uploadId: string, status: 'saving' | 'uploading' = 'saving'): Promise<void> {
    const r = await this.#db.updateTable('image').set({ status, upload_id: uploadId, updated_at: nowIso() })
      .where('id', '=', id).where('deleted', '=', 0).where('status', '=', 'queued').executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      const image = await this.find(id);
      if (!image) throw new NotFound(`No image found with ID ${id}`);
      throw new Conflict(`Image status transition from ${image.status} to ${status} is not allowed`);
    }
  }

  /**
   * Records the data's segments and hashes, if the image is still this upload's: saving → active, or for
   * a staged upload uploading → uploading (staged, awaiting import). False when it is not (deleted
   * meanwhile): the caller then collects the blobs it wrote.
   */
  async commitUpload(id: ImageId, uploadId: string, result: UploadResult): Promise<boolean> {
    return inTransaction(this.#db, async (tx) => {
      const current = await tx.selectFrom('image').select('status').where('id', '=', id).where('deleted', '=', 0).where('upload_id', '=', uploadId).executeTakeFirst();
      if (!current || (current.status !== 'saving' && current.status !== 'uploading')) return false;
      const r = await tx.updateTable('image').set({
        status: current.status === 'saving' ? 'active' : 'uploading', upload_id: null, updated_at: nowIso(), size: result.size, checksum: result.checksum,
        os_hash_algo: result.osHashAlgo, os_hash_value: result.osHashValue,
      }).where('id', '=', id).where('deleted', '=', 0).where('status', '=', current.status).where('upload_id', '=', uploadId).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      const rows = result.segments.map((seg, position) => ({ image_id: id, position, blob: seg.blob, size: seg.size }));
      for (let i = 0; i < rows.length; i += 200) await tx.insertInto('image_segment').values(rows.slice(i, i + 200)).execute();
      return true;
    });
  }

  /** Back to queued after a failed upload or staging, if the image is still this upload's. */
  async abortUpload(id: ImageId, uploadId: string): Promise<void> {
    await this.#db.updateTable('image').set({ status: 'queued', upload_id: null, size: null, virtual_size: null, updated_at: nowIso() })
      .where('id', '=', id).where('status', 'in', ['saving', 'uploading']).where('upload_id', '=', uploadId).execute();
  }

  /**
   * At start no upload can be running: every image a crash left saving, or uploading with its staging
   * unfinished, goes back to queued. (An image whose staging finished stays uploading, ready to import.)
   */
  async resetInterruptedUploads(): Promise<number> {
    const r = await this.#db.updateTable('image').set({ status: 'queued', upload_id: null, size: null, virtual_size: null, updated_at: nowIso() })
      .where((eb) => eb.or([eb('status', '=', 'saving'), eb.and([eb('status', '=', 'uploading'), eb('upload_id', 'is not', null)])])).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** glance-direct import: staged data becomes the image's (uploading → active). False if not staged. */
  async importStaged(id: ImageId): Promise<boolean> {
    const r = await this.#db.updateTable('image').set({ status: 'active', updated_at: nowIso() })
      .where('id', '=', id).where('deleted', '=', 0).where('status', '=', 'uploading').where('upload_id', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async segments(id: ImageId): Promise<Segment[]> {
    return this.#db.selectFrom('image_segment').select(['blob', 'size']).where('image_id', '=', id).orderBy('position').execute();
  }

  /** The blobs some image's data refers to. */
  async referencedBlobs(among?: readonly string[]): Promise<Set<string>> {
    let q = this.#db.selectFrom('image_segment').select('blob').distinct();
    if (among !== undefined) {
      if (among.length === 0) return new Set();
      q = q.where('blob', 'in', [...among]);
    }
    return new Set((await q.execute()).map((r) => r.blob));
  }

  // ---- members ----

  async members(imageId: ImageId): Promise<Member[]> {
    const rows = await this.#db.selectFrom('image_member').selectAll().where('image_id', '=', imageId).orderBy('created_at').orderBy('member_id').execute();
    return rows.map(toMember);
  }

  async member(imageId: ImageId, memberId: string): Promise<Member | undefined> {
    const row = await this.#db.selectFrom('image_member').selectAll().where('image_id', '=', imageId).where('member_id', '=', memberId).executeTakeFirst();
    return row ? toMember(row) : undefined;
  }

  /** Adds a member; Conflict if it is one already. */
  async addMember(member: Member): Promise<void> {
    try {
      await this.#db.insertInto('image_member').values({
        image_id: member.imageId, member_id: member.memberId, status: member.status, created_at: member.createdAt, updated_at: member.updatedAt,
      }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Member ${member.memberId} is duplicated for image ${member.imageId}`, { cause: err });
      throw err;
    }
  }

  async setMemberStatus(imageId: ImageId, memberId: string, status: MemberStatus): Promise<Member> {
    await this.#db.updateTable('image_member').set({ status, updated_at: nowIso() }).where('image_id', '=', imageId).where('member_id', '=', memberId).execute();
    const m = await this.member(imageId, memberId);
    if (!m) throw new NotFound(`${memberId} not found in the member list of the image ${imageId}.`);
    return m;
  }

  async removeMember(imageId: ImageId, memberId: string): Promise<void> {
    const r = await this.#db.deleteFrom('image_member').where('image_id', '=', imageId).where('member_id', '=', memberId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound(`${memberId} not found in the member list of the image ${imageId}.`);
  }
}
