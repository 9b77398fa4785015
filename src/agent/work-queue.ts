/**
 * A level-based work queue: keys (server ids), never events. A key added while it is being worked on runs
 * once more afterwards; failures requeue with capped exponential backoff (1 s doubling to 30 s); a handler
 * may ask to run again later. At most `concurrency` keys are worked on at once.
 */
export interface WorkResult { requeueAfterMs?: number }

export interface WorkQueueOptions {
  concurrency: number;
  handler: (key: string) => Promise<WorkResult>;
  onError: (key: string, err: unknown, retryInMs: number) => void;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  readonly #opts: Required<WorkQueueOptions>;
  readonly #pending: string[] = [];
  readonly #queued = new Set<string>();
  readonly #active = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #idle: Array<() => void> = [];
  #closed = false;

  constructor(opts: WorkQueueOptions) {
    this.#opts = { baseDelayMs: 1000, maxDelayMs: 30_000, ...opts };
  }

  /** Queues a key now (cancelling any delayed retry of it). */
  add(key: string): void {
    if (this.#closed) return;
    const t = this.#timers.get(key);
    if (t) { clearTimeout(t); this.#timers.delete(key); }
    if (this.#active.has(key)) { this.#dirty.add(key); return; }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#pending.push(key);
    this.#pump();
  }

  /** Queues a key after a delay, unless it is queued sooner. */
  addAfter(key: string, ms: number): void {
    if (this.#closed || this.#timers.has(key)) return;
    const t = setTimeout(() => { this.#timers.delete(key); this.add(key); }, ms);
    t.unref();
    this.#timers.set(key, t);
  }

  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void> {
    if (this.#pending.length === 0 && this.#active.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Stops taking work; resolves when the running handlers have finished. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#pending.length = 0;
    this.#queued.clear();
    while (this.#active.size > 0) await new Promise((r) => this.#idle.push(() => r(undefined)));
  }

  #pump(): void {
    while (!this.#closed && this.#active.size < this.#opts.concurrency && this.#pending.length > 0) {
      const key = this.#pending.shift()!;
      this.#queued.delete(key);
      this.#active.add(key);
      void this.#work(key);
    }
    if (this.#pending.length === 0 && this.#active.size === 0) for (const r of this.#idle.splice(0)) r();
  }

  async #work(key: string): Promise<void> {
    try {
      const result = await this.#opts.handler(key);
      this.#failures.delete(key);
      if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      const delay = Math.min(this.#opts.maxDelayMs, this.#opts.baseDelayMs * 2 ** (n - 1));
      this.#opts.onError(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      this.#active.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }
}
