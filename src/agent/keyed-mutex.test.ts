/** KeyedMutex: exclusive work per key one at a time, shared work together between exclusive work. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedMutex } from './keyed-mutex.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyedMutex', () => {
  it('runs exclusive work on one key one at a time, other keys alongside', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const job = (key: string, name: string) => m.run(key, async () => { log.push(`${name}+`); await tick(); log.push(`${name}-`); });
    await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1')]);
    assert.deepEqual(log.filter((e) => e.startsWith('a')), ['a1+', 'a1-', 'a2+', 'a2-']);
    assert.ok(log.indexOf('b1+') < log.indexOf('a1-'), 'another key does not wait');
  });

  it('runs shared work together, after the exclusive work queued before it and before the exclusive work queued after it', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const excl = (name: string) => m.run('k', async () => { log.push(`${name}+`); await tick(); log.push(`${name}-`); });
    const shared = (name: string) => m.runShared('k', async () => { log.push(`${name}+`); await tick(); log.push(`${name}-`); });
    await Promise.all([excl('x1'), shared('s1'), shared('s2'), excl('x2'), shared('s3')]);
    const at = (e: string): number => log.indexOf(e);
    assert.ok(at('s1+') > at('x1-') && at('s2+') > at('x1-'), 'shared waits for the exclusive before it');
    assert.ok(at('s2+') < at('s1-'), 'shared work overlaps');
    assert.ok(at('x2+') > at('s1-') && at('x2+') > at('s2-'), 'exclusive waits for the shared group before it');
    assert.ok(at('s3+') > at('x2-'), 'shared work queued after an exclusive waits for it');
  });

  it('lets shared work start at once when nothing else holds the key', async () => {
    const m = new KeyedMutex();
    let running = 0;
    let most = 0;
    await Promise.all([1, 2, 3].map(() => m.runShared('k', async () => { running += 1; most = Math.max(most, running); await tick(); running -= 1; })));
    assert.equal(most, 3);
    await m.run('k', async () => { /* the key is free again */ });
  });
});
