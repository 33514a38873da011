import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import {
  CancelledError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
} from '../src/errors.js';
import { FIFOQueue } from '../src/queues/fifo-queue.js';
import { rejection, sleep, state, within } from './helpers/async.js';

describe('FIFOQueue', () => {
  it('keeps order across a mixture of enqueue and enqueueMany through a small queue', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'q' });
    const producer = (async () => {
      for (let i = 0; i < 250; i += 5) {
        if ((i / 5) % 2 === 0) await q.enqueueMany([i, i + 1, i + 2, i + 3, i + 4]);
        else for (let j = i; j < i + 5; j++) await q.enqueue(j);
      }
      await q.close();
    })();
    const out: number[] = [];
    for (;;) {
      try {
        out.push(await within(q.dequeue()));
      } catch (e) {
        expect(e).toBeInstanceOf(OutOfRangeError);
        break;
      }
    }
    await producer;
    expect(out).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('reports size, capacity, name and isClosed', async () => {
    const q = new FIFOQueue<number>({ capacity: 3, name: 'named' });
    await q.enqueueMany([1, 2]);
    expect([q.size, q.capacity, q.name, q.isClosed]).toEqual([2, 3, 'named', false]);
    await q.close();
    expect(q.isClosed).toBe(true);
  });

  it('gives unique default names', () => {
    const a = new FIFOQueue<number>({ capacity: 1 });
    const b = new FIFOQueue<number>({ capacity: 1 });
    expect(a.name).toMatch(/^fifo_queue(_\d+)?$/);
    expect(b.name).not.toBe(a.name);
  });

  it('rejects an enqueue on a closed queue with CancelledError', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'closed' });
    await q.close();
    const e = await rejection(q.enqueue(1));
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as Error).message).toBe("FIFOQueue 'closed' is closed");
  });

  it('takes a plain close only after the enqueues already pending', async () => {
    const q = new FIFOQueue<number>({ capacity: 4, name: 'q' });
    await q.enqueueMany([10, 20, 30, 40]);
    const blocked = q.enqueue(50);
    const closing = q.close();
    const late = q.enqueue(60);
    expect(await state(blocked)).toBe('pending');
    expect(await state(closing)).toBe('pending');
    expect(q.isClosed).toBe(false);
    expect(await q.dequeue()).toBe(10);
    await within(blocked);
    await within(closing);
    expect(q.isClosed).toBe(true);
    expect(await rejection(late)).toBeInstanceOf(CancelledError);
    expect(await q.dequeueMany(4)).toEqual([20, 30, 40, 50]);
    const end = await rejection(q.dequeue());
    expect(end).toBeInstanceOf(OutOfRangeError);
    expect((end as Error).message).toBe(
      "FIFOQueue 'q' is closed and has insufficient elements (requested 1, current size 0)",
    );
  });

  it('cancels pending enqueues at once with a cancelling close', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'c' });
    await q.enqueue(1);
    const blocked = q.enqueue(2);
    const blockedMany = q.enqueueMany([3, 4]);
    await within(q.close({ cancelPendingEnqueues: true }));
    const e = await rejection(blocked);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as Error).message).toBe("Enqueue operation on FIFOQueue 'c' was cancelled");
    expect(await rejection(blockedMany)).toBeInstanceOf(CancelledError);
    expect(await q.dequeue()).toBe(1);
    expect(await rejection(q.dequeue())).toBeInstanceOf(OutOfRangeError);
  });

  it('rejects a second plain close; a cancelling close never fails', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'twice' });
    await q.close();
    const e = await rejection(q.close());
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as Error).message).toBe("FIFOQueue 'twice' is already closed");
    await expect(q.close({ cancelPendingEnqueues: true })).resolves.toBeUndefined();
  });

  it('puts a partial dequeueMany batch back at the front when the queue closes', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'p' });
    await q.enqueueMany([1, 2, 3]);
    const many = q.dequeueMany(4);
    expect(await state(many)).toBe('pending');
    expect(q.size).toBe(0); // held by the half-filled batch
    await q.close();
    const e = await rejection(many);
    expect(e).toBeInstanceOf(OutOfRangeError);
    expect((e as Error).message).toBe(
      "FIFOQueue 'p' is closed and has insufficient elements (requested 4, current size 3)",
    );
    expect(q.size).toBe(3);
    expect(await q.dequeueUpTo(4)).toEqual([1, 2, 3]);
    expect(await rejection(q.dequeueUpTo(4))).toBeInstanceOf(OutOfRangeError);
  });

  it('returns the remainder from dequeueUpTo after close: 35 elements by 10', async () => {
    const q = new FIFOQueue<number>({ capacity: 40 });
    await q.enqueueMany(Array.from({ length: 35 }, (_, i) => i));
    await q.close();
    const sizes: number[] = [];
    for (;;) {
      try {
        sizes.push((await q.dequeueUpTo(10)).length);
      } catch (e) {
        expect(e).toBeInstanceOf(OutOfRangeError);
        break;
      }
    }
    expect(sizes).toEqual([10, 10, 10, 5]);
  });

  it('handles zero-sized requests at once, even when closed', async () => {
    const q = new FIFOQueue<number>({ capacity: 1 });
    await q.close();
    await expect(q.enqueueMany([])).resolves.toBeUndefined();
    await expect(q.dequeueMany(0)).resolves.toEqual([]);
  });

  it('serves dequeue waiters in arrival order, a dequeueMany at the head first', async () => {
    const q = new FIFOQueue<number>({ capacity: 10 });
    const many = q.dequeueMany(4);
    const one = q.dequeue();
    await q.enqueueMany([1, 2, 3]);
    expect(await state(one)).toBe('pending');
    await q.enqueueMany([4, 5]);
    expect(await within(many)).toEqual([1, 2, 3, 4]);
    expect(await within(one)).toBe(5);
  });

  it('serves enqueue waiters in arrival order', async () => {
    const q = new FIFOQueue<number>({ capacity: 1 });
    await q.enqueue(0);
    const a = q.enqueueMany([1, 2]);
    const b = q.enqueue(3);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) out.push(await within(q.dequeue()));
    await within(Promise.all([a, b]));
    expect(out).toEqual([0, 1, 2, 3]);
  });

  it('times out with DeadlineExceededError and stays usable', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 't' });
    const e = await rejection(q.dequeue({ timeoutMs: 10 }));
    expect(e).toBeInstanceOf(DeadlineExceededError);
    expect((e as Error).message).toBe(
      "Timed out waiting for notification: dequeue on FIFOQueue 't' exceeded timeoutMs 10",
    );
    await q.enqueue(37);
    expect(await rejection(q.enqueue(38, { timeoutMs: 10 }))).toBeInstanceOf(DeadlineExceededError);
    expect(await q.dequeue()).toBe(37);
    expect(q.size).toBe(0);
  });

  it('puts back a partial batch when dequeueMany times out', async () => {
    const q = new FIFOQueue<number>({ capacity: 5 });
    await q.enqueueMany([1, 2]);
    expect(await rejection(q.dequeueMany(3, { timeoutMs: 10 }))).toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(q.size).toBe(2);
    expect(await q.dequeueMany(2)).toEqual([1, 2]);
  });

  it('keeps the elements a timed-out enqueueMany already stored', async () => {
    const q = new FIFOQueue<number>({ capacity: 2 });
    expect(await rejection(q.enqueueMany([1, 2, 3], { timeoutMs: 10 }))).toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(await q.dequeueMany(2)).toEqual([1, 2]);
  });

  it('rejects with CancelledError on an aborted signal, with the reason as cause', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 's' });
    const controller = new AbortController();
    const reason = new Error('user stop');
    const pending = q.dequeue({ signal: controller.signal });
    controller.abort(reason);
    const e = await rejection(pending);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as Error).message).toBe("dequeue on FIFOQueue 's' was aborted");
    expect((e as Error).cause).toBe(reason);
    const already = await rejection(q.enqueue(1, { signal: controller.signal }));
    expect(already).toBeInstanceOf(CancelledError);
    expect(q.size).toBe(0);
    await q.enqueue(2);
    expect(await q.dequeue()).toBe(2);
  });

  it('carries the close cause on OutOfRangeError', async () => {
    const q = new FIFOQueue<number>({ capacity: 1 });
    const failure = new Error('reader failed');
    const waiting = q.dequeue();
    await q.close({ cancelPendingEnqueues: true, cause: failure });
    const e = await rejection(waiting);
    expect(e).toBeInstanceOf(OutOfRangeError);
    expect((e as Error).cause).toBe(failure);
  });

  it('fails a dequeue with FailedPreconditionError when its runners never start', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'fed' });
    q.registerFeeder(30);
    const e = await rejection(q.dequeue(), 1000);
    expect(e).toBeInstanceOf(FailedPreconditionError);
    expect((e as Error).message).toBe(
      "dequeue on FIFOQueue 'fed' waited 30 ms, but the queue runners that feed it were never started: call startQueueRunners({ coord }) before dequeuing",
    );
  });

  it('does not fail a dequeue whose runner starts in time', async () => {
    const q = new FIFOQueue<number>({ capacity: 1 });
    const feeder = q.registerFeeder(30);
    const waiting = q.dequeue();
    feeder.started();
    await sleep(60);
    expect(await state(waiting)).toBe('pending');
    await q.enqueue(5);
    expect(await within(waiting)).toBe(5);
  });

  it('clear() removes and returns everything', async () => {
    const q = new FIFOQueue<number>({ capacity: 3 });
    await q.enqueueMany([1, 2, 3]);
    const blocked = q.enqueue(4);
    expect(q.clear()).toEqual([1, 2, 3]);
    await within(blocked);
    expect(q.size).toBe(1);
  });

  it('moves 1000 elements from 10 producers to 10 consumers exactly once', async () => {
    const q = new FIFOQueue<number>({ capacity: 7 });
    const producers = Array.from({ length: 10 }, async (_, p) => {
      for (let i = 0; i < 100; i++) {
        if (i % 3 === 0) await q.enqueueMany([p * 100 + i]);
        else await q.enqueue(p * 100 + i);
      }
    });
    const seen: number[] = [];
    const consumers = Array.from({ length: 10 }, async (_, c) => {
      for (;;) {
        try {
          const got =
            c % 3 === 0
              ? [await q.dequeue()]
              : c % 3 === 1
                ? await q.dequeueMany(3)
                : await q.dequeueUpTo(4);
          seen.push(...got);
        } catch (e) {
          if (e instanceof OutOfRangeError) return;
          throw e;
        }
      }
    });
    await within(Promise.all(producers));
    await q.close();
    await within(Promise.all(consumers));
    // dequeueMany(3) consumers cannot take a tail of fewer than 3: it stays in the queue.
    const rest = q.size > 0 ? await q.dequeueUpTo(q.size) : [];
    expect([...seen, ...rest].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });

  it.each([
    [{ capacity: 0 }, 'Expected `capacity` to be a positive integer, got `0` (number)'],
    [{ capacity: -1 }, 'Expected `capacity` to be a positive integer, got `-1` (number)'],
    [{ capacity: 1.5 }, 'Expected `capacity` to be a positive integer, got `1.5` (number)'],
    [{ capacity: NaN }, 'Expected `capacity` to be a positive integer, got `NaN` (number)'],
    [
      { capacity: Infinity },
      'Expected `capacity` to be a positive integer, got `Infinity` (number)',
    ],
    [{ capacity: '3' }, 'Expected `capacity` to be a positive integer, got `"3"` (string)'],
    [{ capacity: 2, name: '' }, 'Expected `name` to be a non-empty string, got `""` (string)'],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new FIFOQueue(options as { capacity: number })).toThrow(
      new InvalidArgumentError(message),
    );
  });

  it('rejects bad counts and timeouts with InvalidArgumentError', async () => {
    const q = new FIFOQueue<number>({ capacity: 2 });
    const e = await rejection(q.dequeueMany(-1));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe(
      'Expected `n` to be a non-negative integer, got `-1` (number)',
    );
    const t = await rejection(q.dequeue({ timeoutMs: NaN }));
    expect((t as Error).message).toBe(
      'Expected `timeoutMs` to be a finite number of milliseconds >= 0, got `NaN` (number)',
    );
    expect(q.size).toBe(0);
  });

  it('waiting attempts share one abort listener per signal, and an abort reaches them all', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'q' });
    const controller = new AbortController();
    const { signal } = controller;
    const listeners = (): number => getEventListeners(signal, 'abort').length;
    // Served at once: nothing to wire.
    await within(q.enqueueMany([1, 2], { signal }));
    expect(await within(q.dequeue({ signal }))).toBe(1);
    expect(listeners()).toBe(0);
    expect(await within(q.dequeue())).toBe(2);
    // However many operations wait on the signal, one after the other or at once: one listener.
    for (let i = 0; i < 50; i++) {
      const waiting = q.dequeue({ signal });
      await within(q.enqueue(i));
      expect(await within(waiting)).toBe(i);
    }
    expect(listeners()).toBe(1);
    await within(q.enqueue(7));
    const pending = [q.dequeueMany(3, { signal }), q.dequeueMany(2, { signal })];
    expect(listeners()).toBe(1);
    const outcomes = pending.map((p) => rejection(p));
    controller.abort(new Error('stop'));
    for (const error of await Promise.all(outcomes)) {
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toEqual(new Error('stop'));
    }
    // Nothing was lost: the element the aborted dequeueMany calls had taken is back.
    expect(q.size).toBe(1);
  });

  it('stores what enqueueMany was given, whatever the caller does to the array afterwards', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'q' });
    const elements = [1, 2, 3, 4];
    const pending = q.enqueueMany(elements);
    elements.fill(0);
    expect(await within(q.dequeueMany(4))).toEqual([1, 2, 3, 4]);
    await within(pending);
  });
});
