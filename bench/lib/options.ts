/** Command-line options every bench parses the same way. */

/** A positive integer option (`--name N`), or `dflt` when it is not given. */
export function positive(name: string, value: string | boolean | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${String(value)}`);
  return n;
}
