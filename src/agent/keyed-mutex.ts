/**
 * Serialises async work per key (one network's plumbing at a time), without blocking other keys. Work
 * that may overlap with itself but not with the key's other work (plugging several servers' ports into
 * one segment, while a pass over that segment waits) runs shared.
 */
interface SharedGroup {
  /** Settles when the work queued before the group has. */
  gate: Promise<void>;
  /** Members started and not yet settled. */
  pending: number;
  finish: () => void;
  /** The key's tail while this group is the last thing queued. */
  tail: Promise<void>;
}

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();
  /** Per key, the shared group that later shared work may still join (none once exclusive work queued). */
  readonly #groups = new Map<string, SharedGroup>();

  /** Runs `fn` after every earlier call with the same key has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // Shared work that comes later waits for this, rather than joining a group queued before it.
    this.#groups.delete(key);
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => mine);
    this.#tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /**
   * Runs `fn` after every earlier `run` with the same key has settled, alongside other `runShared` calls
   * of the key that are not separated from it by a `run`; a later `run` waits for all of them.
   */
  async runShared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let g = this.#groups.get(key);
    if (!g) {
      const gate = this.#tails.get(key) ?? Promise.resolve();
      let finish!: () => void;
      const done = new Promise<void>((r) => { finish = r; });
      const group: SharedGroup = { gate, pending: 0, finish, tail: gate.then(() => done) };
      this.#tails.set(key, group.tail);
      this.#groups.set(key, group);
      g = group;
    }
    const group = g;
    group.pending += 1;
    await group.gate;
    try {
      return await fn();
    } finally {
      group.pending -= 1;
      if (group.pending === 0) {
        // Later shared work starts a new group (after this one, which is done).
        if (this.#groups.get(key) === group) this.#groups.delete(key);
        group.finish();
        if (this.#tails.get(key) === group.tail) this.#tails.delete(key);
      }
    }
  }
}
