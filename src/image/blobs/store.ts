/**
 * Content-addressed blob files: `<root>/blobs/ab/abcdef…` named by the SHA-256 of their bytes. A blob is
 * written to `<root>/tmp/`, flushed to disk and only then renamed into place, so a file under `blobs/` is
 * always complete; an existing name means the same bytes are already stored and the copy is dropped.
 *
 * Blobs are shared between images, so removing one must not race with an upload that is about to refer
 * to it. Uploads pin the blobs they produce; `collect` removes a blob only when no image refers to it and
 * nothing pins it, and its last check and the unlink happen without yielding, so an upload either pins
 * first (and the blob stays) or finds it gone (and writes it again).
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface StoredBlob { blob: string; size: number; }

const HEX64 = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly #blobs: string;
  readonly #tmp: string;
  readonly #pins = new Map<string, number>();

  /** @param root the image service's data directory (`$FLOTILLA_DATA_DIR/image`) */
  constructor(root: string) {
    this.#blobs = path.join(root, 'blobs');
    this.#tmp = path.join(root, 'tmp');
    fs.mkdirSync(this.#blobs, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.#tmp, { recursive: true, mode: 0o700 });
  }

  /** Where a blob lives. */
  path(blob: string): string {
    if (!HEX64.test(blob)) throw new Error(`not a blob name: ${blob}`);
    return path.join(this.#blobs, blob.slice(0, 2), blob);
  }

  pin(blob: string): void { this.#pins.set(blob, (this.#pins.get(blob) ?? 0) + 1); }

  unpin(blob: string): void {
    const n = (this.#pins.get(blob) ?? 0) - 1;
    if (n > 0) this.#pins.set(blob, n);
    else this.#pins.delete(blob);
  }

  /** Starts a streamed blob; `finish()` makes it durable and pinned. */
  writer(): BlobWriter {
    return new BlobWriter(this, path.join(this.#tmp, randomUUID()));
  }

  /** Stores a small blob from memory; the result is pinned. */
  async put(data: Buffer): Promise<StoredBlob> {
    const w = this.writer();
    try {
      await w.write(data);
      return await w.finish();
    } catch (err) {
      await w.discard();
      throw err;
    }
  }

  /**
   * Moves a flushed temp file into place as `blob` (pinning it first), or drops it when the blob exists.
   * Called by BlobWriter.
   */
  async adopt(tmp: string, blob: string): Promise<void> {
    this.pin(blob);
    const final = this.path(blob);
    try {
      if (fs.existsSync(final)) {
        await fsp.rm(tmp, { force: true });
        return;
      }
      const dir = path.dirname(final);
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
      await fsp.rename(tmp, final);
      await fsyncDir(dir);
    } catch (err) {
      this.unpin(blob);
      throw err;
    }
  }

  /**
   * Removes the blobs among `candidates` that nothing refers to or pins. `referenced` answers from the
   * database; the pin check is repeated right before each unlink, with no await in between.
   */
  async collect(candidates: Iterable<string>, referenced: (blobs: string[]) => Promise<Set<string>>): Promise<number> {
    const unpinned = [...new Set(candidates)].filter((b) => !this.#pins.has(b));
    if (unpinned.length === 0) return 0;
    const inUse = await referenced(unpinned);
    let removed = 0;
    for (const blob of unpinned) {
      if (inUse.has(blob) || this.#pins.has(blob)) continue;
      try {
        fs.unlinkSync(this.path(blob));
        removed += 1;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return removed;
  }

  /** Every stored blob's name. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const shard of await fsp.readdir(this.#blobs)) {
      const dir = path.join(this.#blobs, shard);
      if (!(await fsp.stat(dir)).isDirectory()) continue;
      for (const name of await fsp.readdir(dir)) if (HEX64.test(name)) out.push(name);
    }
    return out;
  }

  /** Drops temp files left by writes a crash interrupted. Only safe before any write starts. */
  async clearTemp(): Promise<number> {
    const names = await fsp.readdir(this.#tmp);
    await Promise.all(names.map((n) => fsp.rm(path.join(this.#tmp, n), { force: true, recursive: true })));
    return names.length;
  }

  /** The total bytes of the given blobs as stored (each counted once). */
  async bytes(blobs: Iterable<string>): Promise<number> {
    let total = 0;
    for (const b of new Set(blobs)) total += (await fsp.stat(this.path(b))).size;
    return total;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try { await handle.sync(); } finally { await handle.close(); }
}

/** One blob being written: bytes go to a temp file while their SHA-256 is computed. */
export class BlobWriter {
  #handle: fsp.FileHandle | undefined;
  readonly #hash: Hash = createHash('sha256');
  #size = 0;
  #done = false;

  constructor(private readonly store: BlobStore, private readonly tmp: string) {}

  async write(data: Buffer): Promise<void> {
    this.#handle ??= await fsp.open(this.tmp, 'wx', 0o600);
    this.#hash.update(data);
    this.#size += data.length;
    let off = 0;
    while (off < data.length) off += (await this.#handle.write(data, off, data.length - off)).bytesWritten;
  }

  get size(): number { return this.#size; }

  /** Flushes the bytes to disk, then moves them into place under their hash. The blob comes back pinned. */
  async finish(): Promise<StoredBlob> {
    this.#handle ??= await fsp.open(this.tmp, 'wx', 0o600);
    await this.#handle.sync();
    await this.#handle.close();
    this.#done = true;
    const blob = this.#hash.digest('hex');
    await this.store.adopt(this.tmp, blob);
    return { blob, size: this.#size };
  }

  /** Abandons the write and its temp file. */
  async discard(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      await this.#handle?.close().catch(() => {});
    }
    await fsp.rm(this.tmp, { force: true });
  }
}
