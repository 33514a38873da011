import { describe, expect, it, jest } from '@jest/globals';
import { makeData, queuefeedAbandon, tfdataAbandon } from '../bench/abandon.js';

// The abandon benchmark's cases (bench/abandon.ts) as assertions: walking away from a
// queuefeed pipeline mid-epoch and stopping it leaves nothing; tfjs-data's abandoned shuffle
// buffer keeps its tensors.
jest.setTimeout(30000);

const data = makeData(1500);

describe('abandoning a pipeline mid-epoch', () => {
  it('queuefeed: break out of for await + a dropped source, then stop + join: 0 tensors, 0 threads, queues closed', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await queuefeedAbandon(data);
      expect(r.batchesTaken).toBe(5);
      // The pipelines did hold tensors (the shuffle buffer alone holds 1 000)...
      expect(r.tensorsHeldAtStop).toBeGreaterThanOrEqual(1100);
      // ...and the stop released every one of them.
      expect(r.tensorsLeftAfterJoin).toBe(0);
      expect(r.threads).toBeGreaterThan(0);
      expect(r.aliveAfterJoin).toBe(0);
      expect(r.openQueues).toEqual([]);
    }
  });

  it('tfjs-data (documented contrast): an abandoned .shuffle(1000).batch(10) iterator keeps its buffer of tensors', async () => {
    // Deterministic: the shuffle buffer is refilled to 1 000 elements of 2 tensors each after
    // every batch, and tfjs-data has no way to release it.
    expect(await tfdataAbandon(data, 'generator of tensors')).toBe(2000);
    expect(await tfdataAbandon(data, 'array of tensors')).toBe(2000);
    // Plain values hold no tensors until batched: nothing left.
    expect(await tfdataAbandon(data, 'array of plain values')).toBe(0);
  });
});
