/**
 * Ownership of things that must be released: servers, databases, timers. Whoever creates a resource
 * registers its close function; closing runs them in reverse order, each once, errors collected.
 */

export type Closer = () => Promise<void> | void;

export class DisposableStore {
  readonly #closers: Closer[] = [];
  #closed = false;

  /** Registers a closer; returns it for chaining. */
  add(closer: Closer): Closer {
    if (this.#closed) void closer();
    else this.#closers.push(closer);
    return closer;
  }

  /** Runs every closer, newest first. Throws an AggregateError if any failed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const errors: unknown[] = [];
    for (const c of this.#closers.reverse()) {
      try { await c(); } catch (err) { errors.push(err); }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'errors while closing');
  }
}
