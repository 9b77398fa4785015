/**
 * Typed client of the image API (Glance v2), for other services and the host agent: compute creates the
 * image record of a snapshot and checks an image before boot; the agent streams image data down into
 * `docker load` and snapshot data up. It speaks HTTP only: no caller reads the image service's tables.
 * Every method takes the caller's token explicitly (a user's, or a service session's).
 *
 * @example
 *   const images = new ImageClient('http://127.0.0.1:9292');
 *   const image = await images.get(token, imageRef);            // NotFound if the caller cannot see it
 *   const { stream, size } = await images.download(serviceToken, image.id);
 *   stream.pipe(dockerLoad.stdin);
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { BadRequest, Conflict, faultFromStatus, Forbidden, MethodNotAllowed, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType, type FaultTable } from '../platform/errors.js';

export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'uploading' | 'importing' | 'pending_delete' | 'deactivated';
export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';
export type ContainerFormat = 'ami' | 'ari' | 'aki' | 'bare' | 'ovf' | 'ova' | 'docker' | 'compressed';
export type DiskFormat = 'ami' | 'ari' | 'aki' | 'vhd' | 'vhdx' | 'vmdk' | 'raw' | 'qcow2' | 'vdi' | 'iso' | 'ploop';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

/**
 * An image as Glance v2 shows it. Custom properties appear beside the core fields, as strings
 * (read them with `customProperties`).
 */
export interface ImageRecord {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: ImageVisibility;
  protected: boolean;
  os_hidden: boolean;
  /** md5 of the data, hex; null until data is uploaded. */
  checksum: string | null;
  /** `sha512` once data is uploaded. */
  os_hash_algo: string | null;
  os_hash_value: string | null;
  /** The owning project's id. */
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  container_format: ContainerFormat | null;
  disk_format: DiskFormat | null;
  min_ram: number;
  min_disk: number;
  tags: string[];
  created_at: string;
  updated_at: string;
  /** Paths relative to the API root: `/v2/images/{id}`, `/v2/images/{id}/file`, `/v2/schemas/image`. */
  self: string;
  file: string;
  schema: string;
  [property: string]: unknown;
}

/** The names Glance's image schema defines; everything else on a record is a custom property. */
export const CORE_IMAGE_FIELDS: ReadonlySet<string> = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner',
  'size', 'virtual_size', 'container_format', 'disk_format', 'created_at', 'updated_at', 'tags', 'direct_url',
  'min_ram', 'min_disk', 'self', 'file', 'stores', 'schema', 'locations',
]);

/** The custom (non-core) properties of an image record. */
export function customProperties(image: ImageRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(image)) if (!CORE_IMAGE_FIELDS.has(k) && typeof v === 'string') out[k] = v;
  return out;
}

/** What a create may set: core writable fields, and custom properties as strings. */
export interface ImageCreate {
  id?: string;
  name?: string | null;
  visibility?: ImageVisibility;
  protected?: boolean;
  os_hidden?: boolean;
  container_format?: ContainerFormat | null;
  disk_format?: DiskFormat | null;
  min_ram?: number;
  min_disk?: number;
  tags?: string[];
  [property: string]: unknown;
}

/** One JSON-patch operation of `application/openstack-images-v2.1-json-patch`; `path` is `/name`, `/my_prop`, … */
export type ImagePatchOp =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** Filters, sorting and paging of `GET /v2/images`, passed through as query parameters. */
export interface ImageListQuery {
  name?: string;
  visibility?: ImageVisibility | 'all';
  member_status?: MemberStatus | 'all';
  owner?: string;
  status?: ImageStatus;
  tag?: string | string[];
  size_min?: number;
  size_max?: number;
  protected?: boolean;
  os_hidden?: boolean;
  container_format?: ContainerFormat;
  disk_format?: DiskFormat;
  /** e.g. `gte:2024-01-01T00:00:00Z` */
  created_at?: string;
  updated_at?: string;
  sort?: string;
  sort_key?: string;
  sort_dir?: 'asc' | 'desc';
  limit?: number;
  marker?: string;
  /** Custom property filters (`?os_distro=debian`). */
  [property: string]: string | number | boolean | string[] | undefined;
}

export interface ImageList {
  images: ImageRecord[];
  /** The next page (`/v2/images?marker=…`), when there may be more. */
  next?: string;
}

export interface ImageMember {
  image_id: string;
  member_id: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
  schema: string;
}

export interface ImageDownload {
  stream: Readable;
  /** Bytes that will follow, from Content-Length. */
  size?: number;
  /** md5 hex of the data, from Content-MD5. */
  checksum?: string;
}

/** The typed fault each image API error status becomes, so callers can rethrow it. */
const FAULTS: FaultTable = {
  400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed, 409: Conflict, 413: PayloadTooLarge, 415: UnsupportedMediaType,
};

/** The message of an error body: Glance's (webob's) JSON `{"message", "code", "title"}`, or text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch { /* not JSON */ }
  return text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}

const enc = encodeURIComponent;

export class ImageClient {
  readonly #base: URL;

  /**
   * @param baseUrl the image endpoint as the catalog lists it, e.g. http://127.0.0.1:9292
   * @param idleTimeoutMs how long a connection may stay silent (a stalled upload or download fails after it)
   */
  constructor(baseUrl: string, private readonly idleTimeoutMs = 60_000) {
    this.#base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  }

  /**
   * One request. The response stream is returned unread for 2xx; errors are read and thrown as typed
   * faults. A `body` stream is piped with backpressure; if the server answers early (say, 409 before
   * the upload is finished) the rest of the stream is dropped.
   */
  #request(method: string, path: string, token: string, opts: { headers?: Record<string, string>; body?: Buffer | Readable } = {}): Promise<http.IncomingMessage> {
    const url = new URL(path.replace(/^\//, ''), this.#base);
    const headers: Record<string, string> = { accept: 'application/json', 'x-auth-token': token, ...opts.headers };
    if (Buffer.isBuffer(opts.body)) headers['content-length'] = String(opts.body.length);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(err instanceof Error && 'status' in err ? err : new Unavailable(`image service unreachable at ${this.#base.origin}: ${(err as Error).message}`, { cause: err }));
      };
      const req = http.request(url, { method, headers, timeout: this.idleTimeoutMs });
      req.once('timeout', () => fail(new Unavailable(`image service at ${this.#base.origin} did not answer within ${this.idleTimeoutMs} ms`)));
      req.on('error', fail);
      req.once('response', (res) => {
        if (res.statusCode !== undefined && res.statusCode < 400) {
          settled = true;
          res.setTimeout(this.idleTimeoutMs, () => res.destroy(new Unavailable(`image data from ${this.#base.origin} stalled for ${this.idleTimeoutMs} ms`)));
          resolve(res);
          return;
        }
        readAll(res).then(
          (text) => {
            if (opts.body instanceof Readable) opts.body.destroy();
            fail(faultFromStatus('image', FAULTS, res.statusCode ?? 500, errorMessage(text)));
          },
          fail,
        );
      });
      if (opts.body instanceof Readable) {
        const source = opts.body;
        source.on('error', (err: Error) => fail(new BadRequest(`reading the data to upload failed: ${err.message}`, { cause: err })));
        source.pipe(req);
      } else {
        req.end(opts.body);
      }
    });
  }

  async #json<T>(method: string, path: string, token: string, body?: unknown, contentType = 'application/json'): Promise<T | undefined> {
    const res = await this.#request(method, path, token, body === undefined ? {} : { headers: { 'content-type': contentType }, body: Buffer.from(JSON.stringify(body)) });
    const text = await readAll(res);
    return text ? (JSON.parse(text) as T) : undefined;
  }

  /** Shows an image; NotFound when it does not exist or the caller may not see it. */
  async get(token: string, id: string): Promise<ImageRecord> {
    return (await this.#json<ImageRecord>('GET', `/v2/images/${enc(id)}`, token))!;
  }

  /** One page of images the caller can see; follow `next` with `listPage`, or use `listAll`. */
  async list(token: string, query: ImageListQuery = {}): Promise<ImageList> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
    }
    const qs = params.toString();
    return this.listPage(token, `/v2/images${qs ? `?${qs}` : ''}`);
  }

  /** A page by the `next` link of a previous one. */
  async listPage(token: string, next: string): Promise<ImageList> {
    const body = (await this.#json<{ images: ImageRecord[]; next?: string }>('GET', next, token))!;
    return { images: body.images, ...(body.next ? { next: body.next } : {}) };
  }

  /** Every image matching the query, following `next` links. */
  async listAll(token: string, query: ImageListQuery = {}): Promise<ImageRecord[]> {
    let page = await this.list(token, query);
    const out = [...page.images];
    while (page.next) {
      page = await this.listPage(token, page.next);
      out.push(...page.images);
    }
    return out;
  }

  /** Creates an image record (status queued), owned by the token's project. */
  async create(token: string, fields: ImageCreate): Promise<ImageRecord> {
    return (await this.#json<ImageRecord>('POST', '/v2/images', token, fields))!;
  }

  /** Applies JSON-patch operations to an image's properties. */
  async update(token: string, id: string, ops: ImagePatchOp[]): Promise<ImageRecord> {
    return (await this.#json<ImageRecord>('PATCH', `/v2/images/${enc(id)}`, token, ops, 'application/openstack-images-v2.1-json-patch'))!;
  }

  async delete(token: string, id: string): Promise<void> {
    await this.#json('DELETE', `/v2/images/${enc(id)}`, token);
  }

  /**
   * Uploads an image's data (queued → saving → active). A stream is sent chunked unless `size` is given.
   * Conflict if the image already has data.
   */
  async upload(token: string, id: string, body: Readable | Buffer, opts: { size?: number } = {}): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (opts.size !== undefined && !Buffer.isBuffer(body)) headers['content-length'] = String(opts.size);
    const res = await this.#request('PUT', `/v2/images/${enc(id)}/file`, token, { headers, body });
    await readAll(res);
  }

  /**
   * Streams an image's data. The caller must consume or destroy `stream`. Conflict when the image has no
   * data yet (Glance answers 204).
   */
  async download(token: string, id: string): Promise<ImageDownload> {
    const res = await this.#request('GET', `/v2/images/${enc(id)}/file`, token, { headers: { accept: 'application/octet-stream, application/json' } });
    if (res.statusCode === 204) {
      res.resume();
      throw new Conflict(`Image ${id} has no data.`);
    }
    const length = res.headers['content-length'];
    const md5 = res.headers['content-md5'];
    return {
      stream: res,
      ...(length !== undefined ? { size: Number(length) } : {}),
      ...(typeof md5 === 'string' ? { checksum: md5 } : {}),
    };
  }

  /** Admin: an active image's data can no longer be downloaded (except by admins). */
  async deactivate(token: string, id: string): Promise<void> {
    await this.#json('POST', `/v2/images/${enc(id)}/actions/deactivate`, token);
  }

  async reactivate(token: string, id: string): Promise<void> {
    await this.#json('POST', `/v2/images/${enc(id)}/actions/reactivate`, token);
  }

  async addTag(token: string, id: string, tag: string): Promise<void> {
    await this.#json('PUT', `/v2/images/${enc(id)}/tags/${enc(tag)}`, token);
  }

  async removeTag(token: string, id: string, tag: string): Promise<void> {
    await this.#json('DELETE', `/v2/images/${enc(id)}/tags/${enc(tag)}`, token);
  }

  async addMember(token: string, id: string, memberId: string): Promise<ImageMember> {
    return (await this.#json<ImageMember>('POST', `/v2/images/${enc(id)}/members`, token, { member: memberId }))!;
  }

  async listMembers(token: string, id: string): Promise<ImageMember[]> {
    return (await this.#json<{ members: ImageMember[] }>('GET', `/v2/images/${enc(id)}/members`, token))!.members;
  }

  async updateMember(token: string, id: string, memberId: string, status: MemberStatus): Promise<ImageMember> {
    return (await this.#json<ImageMember>('PUT', `/v2/images/${enc(id)}/members/${enc(memberId)}`, token, { status }))!;
  }

  async removeMember(token: string, id: string, memberId: string): Promise<void> {
    await this.#json('DELETE', `/v2/images/${enc(id)}/members/${enc(memberId)}`, token);
  }
}
