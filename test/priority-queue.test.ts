import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { PriorityQueue } from '../src/queues/priority-queue.js';
import { rejection, state, within } from './helpers/async.js';

describe('PriorityQueue', () => {
  it('gives the smallest priority first, equal priorities in arrival order', async () => {
    const q = new PriorityQueue<[number, string]>({ capacity: 10 });
    await q.enqueueMany([
      [3, 'c'],
      [1, 'a'],
      [2, 'b'],
      [1, 'a2'],
    ]);
    expect(await q.dequeueMany(4)).toEqual([
      [1, 'a'],
      [1, 'a2'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('sorts 100 random priorities', async () => {
    const q = new PriorityQueue<[number]>({ capacity: 100 });
    const priorities = Array.from({ length: 100 }, (_, i) => (i * 7919) % 101);
    await q.enqueueMany(priorities.map((p): [number] => [p]));
    const out = (await q.dequeueMany(100)).map(([p]) => p);
    expect(out).toEqual([...priorities].sort((a, b) => a - b));
  });

  it('waits for all n elements before taking any', async () => {
    const q = new PriorityQueue<[number]>({ capacity: 10 });
    const many = q.dequeueMany(3);
    await q.enqueueMany([[5], [4]]);
    expect(await state(many)).toBe('pending');
    expect(q.size).toBe(2);
    await q.enqueue([1]);
    expect(await within(many)).toEqual([[1], [4], [5]]);
  });

  it('returns the remainder after close with dequeueUpTo, then OutOfRangeError', async () => {
    const q = new PriorityQueue<[number]>({ capacity: 10 });
    await q.enqueueMany([[2], [1]]);
    await q.close();
    expect(await rejection(q.dequeueMany(3))).toBeInstanceOf(OutOfRangeError);
    expect(await q.dequeueUpTo(3)).toEqual([[1], [2]]);
    expect(await rejection(q.dequeueUpTo(3))).toBeInstanceOf(OutOfRangeError);
  });

  it('rejects a priority that is not an integer', async () => {
    const q = new PriorityQueue<[number, string]>({ capacity: 10 });
    const e = await rejection(q.enqueue([1.5, 'x']));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe(
      'Expected `element[0] (priority)` to be an integer, got `1.5` (number)',
    );
    expect(q.size).toBe(0);
  });
});
