/**
 * A small ustar writer: enough to lay out a busybox root filesystem and a `docker save` archive
 * without a Docker engine. Entries are written in the order given, with fixed owners and times, so the
 * same input gives byte-identical output (and so the same Glance checksum and de-duplicated blobs).
 */
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const BLOCK = 512;

export type TarEntry =
  | { type: 'file'; path: string; size: number; mode?: number }
  | { type: 'directory'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string };

/** Owner and time every entry of one archive shares. */
export interface TarStamp {
  /** Modification time, seconds since the epoch. */
  mtime: number;
  uid?: number;
  gid?: number;
}

function field(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(buf, offset);
}

/** A numeric field: octal digits, zero-padded, NUL-terminated (the ustar convention). */
function octal(buf: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar number too large: ${value}`);
  field(buf, offset, length, `${digits.padStart(length - 1, '0')}\0`);
}

/** ustar keeps up to 155 bytes of directory in `prefix` and 100 of name; split on a slash to fit. */
function splitPath(p: string): { prefix: string; name: string } {
  if (Buffer.byteLength(p) <= 100) return { prefix: '', name: p };
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { prefix, name };
  }
  throw new Error(`path too long for a ustar header: ${p}`);
}

/** The 512-byte header of one entry. */
export function tarHeader(entry: TarEntry, stamp: TarStamp): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = entry.type === 'directory' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const { prefix, name: short } = splitPath(name);
  const defaultMode = entry.type === 'directory' ? 0o755 : entry.type === 'symlink' ? 0o777 : 0o644;
  field(h, 0, 100, short);
  octal(h, 100, 8, entry.type === 'symlink' ? defaultMode : (entry.mode ?? defaultMode));
  octal(h, 108, 8, stamp.uid ?? 0);
  octal(h, 116, 8, stamp.gid ?? 0);
  octal(h, 124, 12, entry.type === 'file' ? entry.size : 0);
  octal(h, 136, 12, stamp.mtime);
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  field(h, 156, 1, entry.type === 'file' ? '0' : entry.type === 'directory' ? '5' : '2');
  if (entry.type === 'symlink') field(h, 157, 100, entry.target);
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  field(h, 265, 32, (stamp.uid ?? 0) === 0 ? 'root' : '');
  field(h, 297, 32, (stamp.gid ?? 0) === 0 ? 'root' : '');
  field(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Zero bytes that round a member's data up to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Writes a tar archive to a file, entry by entry. */
export class TarFileWriter {
  #fh: FileHandle;
  #stamp: TarStamp;

  private constructor(fh: FileHandle, stamp: TarStamp) {
    this.#fh = fh;
    this.#stamp = stamp;
  }

  /** write(2) may take fewer bytes than offered; loop until all are written. */
  async #write(buf: Buffer): Promise<void> {
    for (let off = 0; off < buf.length;) off += (await this.#fh.write(buf, off, buf.length - off)).bytesWritten;
  }

  /** Creates (or truncates) `file`. */
  static async create(file: string, stamp: TarStamp): Promise<TarFileWriter> {
    return new TarFileWriter(await fs.promises.open(file, 'w', 0o644), stamp);
  }

  async directory(p: string, mode?: number): Promise<void> {
    await this.#write(tarHeader({ type: 'directory', path: p, ...(mode !== undefined ? { mode } : {}) }, this.#stamp));
  }

  async symlink(p: string, target: string): Promise<void> {
    await this.#write(tarHeader({ type: 'symlink', path: p, target }, this.#stamp));
  }

  async data(p: string, content: Buffer, mode?: number): Promise<void> {
    await this.#write(tarHeader({ type: 'file', path: p, size: content.length, ...(mode !== undefined ? { mode } : {}) }, this.#stamp));
    await this.#write(content);
    await this.#write(tarPadding(content.length));
  }

  /** Copies a file from disk into the archive as `p`, streaming it. */
  async file(p: string, source: string, mode?: number): Promise<void> {
    const { size } = await fs.promises.stat(source);
    await this.#write(tarHeader({ type: 'file', path: p, size, ...(mode !== undefined ? { mode } : {}) }, this.#stamp));
    let copied = 0;
    for await (const chunk of fs.createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      copied += chunk.length;
      await this.#write(chunk);
    }
    if (copied !== size) throw new Error(`${source} changed size while being archived`);
    await this.#write(tarPadding(size));
  }

  /** Writes the two zero blocks that end an archive, flushes to disk and closes the file. */
  async finish(): Promise<void> {
    await this.#write(Buffer.alloc(2 * BLOCK));
    await this.#fh.sync();
    await this.#fh.close();
  }

  /** Closes the file without finishing it (after an error); the caller removes it. */
  async abandon(): Promise<void> {
    await this.#fh.close().catch(() => {});
  }
}
