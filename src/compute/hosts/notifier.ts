/**
 * Wakes long-polling agents when a host's desired state changes. The revision in the database is the truth;
 * this only shortens the wait. Waiters also re-read the revision every second, so a change written by
 * another process (or a lost notification) is seen within a second.
 */
import { EventEmitter } from 'node:events';

export class RevisionNotifier {
  readonly #events = new EventEmitter();
  #closed = false;

  constructor() {
    this.#events.setMaxListeners(0);
  }

  /** Tells waiters on these hosts to re-read their revision. */
  changed(...hosts: Array<string | null | undefined>): void {
    for (const h of hosts) if (h) this.#events.emit(h);
  }

  /**
   * Resolves once `read()` returns more than `since`, or when `waitMs` has passed; returns the last value read.
   * `signal` aborts the wait (the client went away).
   */
  async waitFor(host: string, since: number, waitMs: number, read: () => Promise<number>, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + waitMs;
    let revision = await read();
    while (revision <= since && Date.now() < deadline && !this.#closed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#events.off(host, done);
          this.#events.off('__close', done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
        this.#events.once(host, done);
        this.#events.once('__close', done);
        signal?.addEventListener('abort', done, { once: true });
      });
      revision = await read();
    }
    return revision;
  }

  /** Releases every waiter (shutdown). */
  close(): void {
    this.#closed = true;
    this.#events.emit('__close');
  }
}
