import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { RandomShuffleQueue } from '../src/queues/random-shuffle-queue.js';
import { rejection, state, within } from './helpers/async.js';

async function drain(q: RandomShuffleQueue<number>): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    try {
      out.push(await within(q.dequeue()));
    } catch (e) {
      expect(e).toBeInstanceOf(OutOfRangeError);
      return out;
    }
  }
}

describe('RandomShuffleQueue', () => {
  it('holds back minAfterDequeue while open and drains once closed', async () => {
    const q = new RandomShuffleQueue<number>({ capacity: 10, minAfterDequeue: 2, seed: 3 });
    await q.enqueueMany([1, 2, 3, 4]);
    const got = [await q.dequeue(), await q.dequeue()];
    const third = q.dequeue();
    expect(await state(third)).toBe('pending');
    await q.close();
    got.push(await within(third), await within(q.dequeue()));
    expect(got.sort()).toEqual([1, 2, 3, 4]);
    expect(await rejection(q.dequeue())).toBeInstanceOf(OutOfRangeError);
  });

  it('dequeueUpTo takes what it may, then the rest after close', async () => {
    const q = new RandomShuffleQueue<number>({ capacity: 10, minAfterDequeue: 2, seed: 1 });
    await q.enqueueMany([1, 2, 3, 4]);
    const upTo = q.dequeueUpTo(3);
    expect(await state(upTo)).toBe('pending');
    expect(q.size).toBe(2);
    await q.close();
    const first = await within(upTo);
    expect(first).toHaveLength(3);
    const second = await q.dequeueUpTo(3);
    expect([...first, ...second].sort()).toEqual([1, 2, 3, 4]);
  });

  it('drains a closed queue into full batches: 30 examples, capacity 32, min 16, batch 10', async () => {
    const q = new RandomShuffleQueue<number>({ capacity: 32, minAfterDequeue: 16, seed: 5 });
    await q.enqueueMany(Array.from({ length: 30 }, (_, i) => i));
    await q.close();
    const batches = [await q.dequeueMany(10), await q.dequeueMany(10), await q.dequeueMany(10)];
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await rejection(q.dequeueMany(10))).toBeInstanceOf(OutOfRangeError);
  });

  it('puts a partial batch back into the pool on close', async () => {
    const q = new RandomShuffleQueue<number>({ capacity: 10, seed: 2 });
    await q.enqueueMany([1, 2, 3]);
    const many = q.dequeueMany(5);
    await q.close();
    expect(await rejection(many)).toBeInstanceOf(OutOfRangeError);
    expect(q.size).toBe(3);
    expect((await q.dequeueUpTo(5)).sort()).toEqual([1, 2, 3]);
  });

  it('gives the same order for the same seed and different orders for different seeds', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const q = new RandomShuffleQueue<number>({ capacity: 100, seed });
      await q.enqueueMany(Array.from({ length: 100 }, (_, i) => i));
      await q.close();
      return drain(q);
    };
    const a = await run(1729);
    expect(await run(1729)).toEqual(a);
    const b = await run(87539319);
    expect(b).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it.each([
    [
      { capacity: 5, minAfterDequeue: 5 },
      'Expected `minAfterDequeue` to be less than `capacity` (5), got `5` (number)',
    ],
    [
      { capacity: 5, minAfterDequeue: -1 },
      'Expected `minAfterDequeue` to be a non-negative integer, got `-1` (number)',
    ],
    [{ capacity: 5, seed: 1.5 }, 'Expected `seed` to be an integer, got `1.5` (number)'],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new RandomShuffleQueue(options)).toThrow(new InvalidArgumentError(message));
  });
});
