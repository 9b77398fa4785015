/**
 * Ratchet lists: the Tempest tests that must keep passing. One test per line, written as Tempest's id
 * without the `[id-…,tags]` suffix (`tempest.api.identity.v3.test_tokens.TokensV3Test.test_validate_token`);
 * a line with the suffix is accepted and read without it. `#` starts a comment. A list only grows:
 * `growRatchet` adds names and never removes one, and the check fails when a listed test stops
 * passing or disappears from Tempest's listing.
 */
import fs from 'node:fs';
import { testName, type TestOutcome } from './tempest.js';

/** Reads a ratchet file's test names (comments, blank lines and id suffixes dropped). */
export function readRatchet(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n')
    .map((line) => testName(line.replace(/#.*/, '').trim()))
    .filter((line) => line.length > 0);
}

export interface RatchetCheck {
  /** Listed tests that ran and did not pass. */
  regressed: TestOutcome[];
  /** Listed tests Tempest no longer has (renamed or removed upstream, or a plugin missing). */
  unknown: string[];
  /** Tests that passed but are not listed yet: candidates for `growRatchet`. */
  newlyPassing: string[];
}

/** Compares a run's outcomes with a ratchet list. */
export function checkRatchet(ratchet: readonly string[], tests: readonly TestOutcome[]): RatchetCheck {
  const byName = new Map(tests.map((t) => [t.name, t]));
  const listed = new Set(ratchet);
  return {
    regressed: ratchet.flatMap((name) => {
      const t = byName.get(name);
      return t && t.status !== 'pass' ? [t] : [];
    }),
    unknown: ratchet.filter((name) => !byName.has(name)),
    newlyPassing: tests.filter((t) => t.status === 'pass' && !listed.has(t.name)).map((t) => t.name),
  };
}

/**
 * Adds names to a ratchet file, keeping its leading comment block and writing the names sorted.
 * Returns how many were new.
 */
export function growRatchet(file: string, names: readonly string[]): number {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const header: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    header.push(line);
  }
  const before = new Set(readRatchet(file));
  const all = new Set([...before, ...names.map(testName)]);
  const body = [...all].sort();
  fs.writeFileSync(file, [...header, ...body, ''].join('\n'));
  return all.size - before.size;
}
