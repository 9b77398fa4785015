/**
 * Wakes long-polling agents when the plan revision may have changed. The counter in the database is the
 * truth; this only shortens the wait: a write request ending in this process wakes every waiter at once,
 * and waiters re-read the counter every second anyway, so a write by another process (or a wake-up that
 * raced the commit) is seen within a second.
 */
import { EventEmitter } from 'node:events';

export class PlanNotifier {
  readonly #events = new EventEmitter();
  #closed = false;

  constructor() {
    this.#events.setMaxListeners(0);
  }

  /** Tells every waiter to re-read the revision. */
  changed(): void {
    this.#events.emit('change');
  }

  /**
   * Resolves once `read()` returns something other than `since`, or when `waitMs` has passed; returns the
   * last value read. `signal` ends the wait early (the agent went away).
   */
  async waitForChange(since: number, waitMs: number, read: () => Promise<number>, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + waitMs;
    let revision = await read();
    while (revision === since && Date.now() < deadline && !this.#closed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#events.off('change', done);
          this.#events.off('close', done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
        this.#events.once('change', done);
        this.#events.once('close', done);
        signal?.addEventListener('abort', done, { once: true });
      });
      revision = await read();
    }
    return revision;
  }

  /** Releases every waiter (shutdown). */
  close(): void {
    this.#closed = true;
    this.#events.emit('close');
  }
}
