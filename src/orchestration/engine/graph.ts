/**
 * Walks a dependency graph with every independent node in flight at once: a node starts the moment the
 * last node it waits for has finished (no polling, no waves). On the first failure nothing new starts;
 * the walk waits for the running nodes and rethrows that failure.
 */

/** `requires` maps each node to the nodes it depends on (names outside `nodes` are ignored). */
export async function walk(
  nodes: readonly string[],
  requires: ReadonlyMap<string, ReadonlySet<string>>,
  step: (name: string) => Promise<void>,
  opts: { reverse?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const inSet = new Set(nodes);
  // waitsFor[n]: how many nodes must finish before n; then[n]: the nodes that wait for n.
  const waitsFor = new Map<string, number>();
  const then = new Map<string, string[]>();
  for (const n of nodes) { waitsFor.set(n, 0); then.set(n, []); }
  for (const n of nodes) {
    for (const d of requires.get(n) ?? []) {
      if (!inSet.has(d) || d === n) continue;
      const [before, after] = opts.reverse ? [n, d] : [d, n];
      waitsFor.set(after, waitsFor.get(after)! + 1);
      then.get(before)!.push(after);
    }
  }
  return new Promise<void>((resolve, reject) => {
    let running = 0;
    let finished = 0;
    let failure: { err: unknown } | undefined;
    const settle = (): void => {
      if (running > 0) return;
      if (failure) reject(failure.err);
      else if (finished === nodes.length) resolve();
      else reject(new Error(`Circular dependency among ${nodes.filter((n) => waitsFor.get(n)! > 0).join(', ')}`));
    };
    const start = (n: string): void => {
      if (failure) return;
      if (opts.signal?.aborted) { failure = { err: opts.signal.reason }; return; }
      running++;
      step(n).then(() => {
        finished++;
        for (const next of then.get(n)!) {
          const left = waitsFor.get(next)! - 1;
          waitsFor.set(next, left);
          if (left === 0) start(next);
        }
      }, (err: unknown) => { failure ??= { err }; }).finally(() => { running--; settle(); });
    };
    const ready = nodes.filter((n) => waitsFor.get(n) === 0);
    for (const n of ready) start(n);
    settle();
  });
}

/** The names in an order where every node comes after the nodes it requires (for listings). */
export function topoOrder(nodes: readonly string[], requires: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, depth: number): void => {
    if (seen.has(n) || depth > nodes.length) return;
    seen.add(n);
    for (const d of requires.get(n) ?? []) if (nodes.includes(d)) visit(d, depth + 1);
    out.push(n);
  };
  for (const n of nodes) visit(n, 0);
  return out;
}
