/**
 * The splitter: whatever the chunking of the input, its pieces concatenate to the input; a docker
 * archive's layers come out as pieces of their own; data that is not a tar is cut into fixed chunks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Splitter, type Piece } from './split.js';
import { dockerArchive, makeLayer } from './testing-archives.js';

/** Runs `input` through a splitter in random-sized chunks; returns the blobs as the uploader would make them. */
function split(input: Buffer, tar: boolean, seed: number, opts: ConstructorParameters<typeof Splitter>[1] = {}): { meta: Buffer[]; large: Buffer[]; all: Buffer } {
  const s = new Splitter(tar, opts);
  const pieces: Piece[] = [];
  let rnd = seed;
  for (let off = 0; off < input.length;) {
    rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (rnd % 70000);
    pieces.push(...s.push(input.subarray(off, off + n)));
    off += n;
  }
  pieces.push(...s.end());
  const meta: Buffer[] = [];
  const large: Buffer[] = [];
  const order: Buffer[] = [];
  let open: Buffer[] | undefined;
  let metaRun: Buffer[] = [];
  const flush = (): void => { if (metaRun.length) { const b = Buffer.concat(metaRun); meta.push(b); order.push(b); metaRun = []; } };
  for (const p of pieces) {
    if (p.kind === 'meta') metaRun.push(p.data);
    else if (p.kind === 'start') { flush(); assert.equal(open, undefined, 'no nested pieces'); open = []; }
    else if (p.kind === 'data') open!.push(p.data);
    else { const b = Buffer.concat(open!); large.push(b); order.push(b); open = undefined; }
  }
  flush();
  assert.equal(open, undefined, 'every piece is closed');
  return { meta, large, all: Buffer.concat(order) };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('splitter', () => {
  it('cuts a docker archive at its layers, whatever the chunk sizes', () => {
    const base = makeLayer(300_000);
    const top = makeLayer(100_000);
    const archive = dockerArchive([base, top], 'test/split:1');
    for (const seed of [1, 2, 3, 42, 4096]) {
      const { large, all } = split(archive, true, seed);
      assert.ok(all.equals(archive), `pieces concatenate to the archive (seed ${seed})`);
      const ids = large.map(sha);
      assert.ok(ids.includes(sha(base)), 'the base layer is a piece of its own');
      assert.ok(ids.includes(sha(top)), 'the top layer is a piece of its own');
    }
  });

  it('gives the same layer the same piece in two archives', () => {
    const base = makeLayer(200_000);
    const a = split(dockerArchive([base, makeLayer(50_000)], 'a:1'), true, 7);
    const b = split(dockerArchive([base, makeLayer(60_000)], 'b:1'), true, 9);
    const shared = a.large.filter((piece) => b.large.map(sha).includes(sha(piece)));
    assert.ok(shared.map(sha).includes(sha(base)), 'the base layer is shared');
    // Besides the layer, only the zero blocks that pad both archives' ends may coincide.
    for (const piece of shared) if (sha(piece) !== sha(base)) assert.ok(piece.every((byte) => byte === 0));
  });

  it('chunks data that is not a tar, and falls back to chunks when a tar stops parsing', () => {
    const data = randomBytes(2_500_000);
    const raw = split(data, false, 5, { chunk: 1_000_000 });
    assert.ok(raw.all.equals(data));
    assert.deepEqual(raw.large.map((b) => b.length), [1_000_000, 1_000_000, 500_000]);
    const notTar = split(data, true, 5, { chunk: 1_000_000 });
    assert.ok(notTar.all.equals(data), 'garbage declared as docker still round-trips');
    const archive = dockerArchive([makeLayer(100_000)], 'c:1');
    const corrupted = Buffer.concat([archive.subarray(0, 4096), randomBytes(512), archive.subarray(4608)]);
    assert.ok(split(corrupted, true, 11).all.equals(corrupted), 'a corrupt header ends tar parsing, not the round trip');
    const cut = archive.subarray(0, 70_000);
    assert.ok(split(cut, true, 13).all.equals(cut), 'a truncated archive round-trips');
  });

  it('handles empty input', () => {
    assert.equal(split(Buffer.alloc(0), true, 1).all.length, 0);
    assert.equal(split(Buffer.alloc(0), false, 1).all.length, 0);
  });
});
