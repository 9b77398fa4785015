/**
 * Read caches that every identity write invalidates at once. Writes are rare and reads (token
 * validation) are hot, so a single generation counter, bumped after every change, is enough: an entry
 * remembers the generation it was computed under and is ignored once the counter moves on.
 */

export class Generation {
  #value = 0;
  get value(): number { return this.#value; }
  bump(): void { this.#value++; }
}

export class GenerationCache<V> {
  readonly #entries = new Map<string, { gen: number; value: V }>();
  constructor(private readonly generation: Generation, private readonly maxEntries = 10000) {}

  /** Returns the cached value or computes, stores and returns it. */
  async get(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.gen === this.generation.value) return hit.value;
    // Record the generation before reading, so a write that lands mid-computation invalidates the entry.
    const gen = this.generation.value;
    const value = await compute();
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(key, { gen, value });
    return value;
  }
}
