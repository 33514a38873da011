import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import { Coordinator } from '../src/coordinator.js';
import {
  CancelledError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
} from '../src/errors.js';
import { FIFOQueue } from '../src/queues/fifo-queue.js';
import { QueueRunner, type EnqueueOp } from '../src/queue-runner.js';
import { tf } from '../src/tf.js';
import { rejection, sleep, state, tick, within } from './helpers/async.js';
import { until } from './helpers/threads.js';

// Every test here settles in milliseconds; a hang must fail fast.
jest.setTimeout(10000);

/** Everything `q` yields until `OutOfRangeError`, and that error. */
async function drain<T>(q: FIFOQueue<T>): Promise<{ items: T[]; end: OutOfRangeError }> {
  const items: T[] = [];
  for (;;) {
    try {
      items.push(await within(q.dequeue()));
    } catch (e) {
      if (e instanceof OutOfRangeError) return { items, end: e };
      throw e;
    }
  }
}

/** An op that moves one element from `from` to `to`. */
function mover<T>(from: FIFOQueue<T>, to: FIFOQueue<T>): EnqueueOp {
  return async ({ signal }) => to.enqueue(await from.dequeue({ signal }), { signal });
}

/** A promise that never settles. */
function never(): Promise<void> {
  return new Promise<void>(() => undefined);
}

describe('QueueRunner', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('chains two queues and closes the second at end of input (RealDequeueEnqueue)', async () => {
    const q0 = new FIFOQueue<number>({ capacity: 10, name: 'q0' });
    const q1 = new FIFOQueue<number>({ capacity: 10, name: 'q1' });
    await q0.enqueueMany([10, 10]);
    await q0.close();
    const runner = new QueueRunner({ queue: q1, enqueueOps: [mover(q0, q1)] });
    const threads = runner.createThreads();
    expect(threads.map((t) => t.name)).toEqual(['QueueRunnerThread-q1-0']);
    await within(Promise.all(threads.map((t) => t.done)));
    expect(runner.exceptionsRaised).toEqual([]);
    const { items, end } = await drain(q1);
    expect(items).toEqual([10, 10]);
    expect(end.message).toBe(
      "FIFOQueue 'q1' is closed and has insufficient elements (requested 1, current size 0)",
    );
    expect(end.cause).toBeUndefined();
  });

  it('chains two queues under a coordinator, which joins cleanly', async () => {
    const q0 = new FIFOQueue<number>({ capacity: 10, name: 'c0' });
    const q1 = new FIFOQueue<number>({ capacity: 10, name: 'c1' });
    const coord = new Coordinator();
    const runner = new QueueRunner({ queue: q1, enqueueOps: [mover(q0, q1), mover(q0, q1)] });
    const threads = runner.createThreads(coord);
    await q0.enqueueMany([1, 2, 3, 4, 5]);
    await q0.close();
    const { items } = await drain(q1);
    expect(items.sort()).toEqual([1, 2, 3, 4, 5]);
    await within(coord.join(threads));
    expect(coord.shouldStop()).toBe(false);
  });

  it('closes the queue only when the last thread reaches end of input', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'two' });
    let aLeft = 1;
    const opA: EnqueueOp = async ({ signal }) => {
      if (aLeft-- === 0) throw new OutOfRangeError('a is done');
      await q.enqueue(1, { signal });
    };
    let releaseB: () => void = () => undefined;
    const bReleased = new Promise<void>((resolve) => (releaseB = resolve));
    let bRuns = 0;
    const opB: EnqueueOp = async ({ signal }) => {
      if (bRuns++ === 1) {
        await bReleased;
        throw new OutOfRangeError('b is done');
      }
      await q.enqueue(2, { signal });
    };
    const [a, b] = new QueueRunner({ queue: q, enqueueOps: [opA, opB] }).createThreads();
    await within(a!.done);
    expect(b!.isAlive()).toBe(true);
    expect(q.isClosed).toBe(false);
    expect(await state(q.dequeueMany(3))).toBe('pending');
    releaseB();
    await within(b!.done);
    expect(q.isClosed).toBe(true);
    const { items } = await drain(q);
    expect(items.sort()).toEqual([1, 2]);
  });

  it('passes the upstream failure on as the cause of end of input', async () => {
    const q0 = new FIFOQueue<number>({ capacity: 10, name: 'up' });
    const q1 = new FIFOQueue<number>({ capacity: 10, name: 'down' });
    const runner = new QueueRunner({ queue: q1, enqueueOps: [mover(q0, q1)] });
    const threads = runner.createThreads();
    await q0.enqueue(7);
    const upstreamFailure = new Error('corrupt record');
    await q0.close({ cancelPendingEnqueues: true, cause: upstreamFailure });
    await within(threads[0]!.done);
    const { items, end } = await drain(q1);
    expect(items).toEqual([7]);
    expect(end.cause).toBe(upstreamFailure);
    expect(runner.exceptionsRaised).toEqual([]);
  });

  it('runs no op when the coordinator is already stopped (RespectCoordShouldStop)', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'stopped' });
    const coord = new Coordinator();
    coord.requestStop();
    let runs = 0;
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        () => {
          runs++;
        },
      ],
    });
    const threads = runner.createThreads(coord);
    await within(coord.join(threads));
    expect(runs).toBe(0);
    expect(q.isClosed).toBe(true);
  });

  it('creates no threads while earlier ones are alive (IgnoreMultiStarts)', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'multi' });
    const coord = new Coordinator();
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [({ signal }) => q.enqueue(1, { signal })],
    });
    const threads = runner.createThreads(coord);
    expect(threads).toHaveLength(1);
    expect(runner.createThreads(coord)).toEqual([]);
    coord.requestStop();
    await within(coord.join(threads));
    coord.clearStop();
    const again = runner.createThreads(coord);
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(threads[0]);
    coord.requestStop();
    await within(coord.join(again));
  });

  it('captures errors without a coordinator and fails consumers (ExceptionsCaptured)', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'bad' });
    await q.enqueueMany([1, 2]);
    const bad0 = new Error('Operation not in the graph: bad0');
    const bad1 = new Error('Operation not in the graph: bad1');
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        () => {
          throw bad0;
        },
        () => {
          throw bad1;
        },
      ],
    });
    const consumer = q.dequeueMany(5);
    const threads = runner.createThreads();
    await within(Promise.all(threads.map((t) => t.done)));
    expect(runner.exceptionsRaised).toEqual([bad0, bad1]);
    expect(runner.exceptionsRaised[0]).toBe(bad0);
    expect(runner.exceptionsRaised[1]).toBe(bad1);
    // Instead of waiting for ever, the consumer learns why input ended.
    const error = await rejection(consumer);
    expect(error).toBeInstanceOf(OutOfRangeError);
    expect((error as OutOfRangeError).cause).toBe(bad0);
    expect(q.isClosed).toBe(true);
    expect(q.size).toBe(0); // what was left was discarded
  });

  it('stops the sibling threads without a coordinator when one op fails', async () => {
    const upstream = new FIFOQueue<number>({ capacity: 1, name: 'never-fed' });
    const q = new FIFOQueue<number>({ capacity: 10, name: 'siblings' });
    const failure = new Error('parse error');
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        mover(upstream, q), // blocked on an upstream nobody feeds
        async () => {
          await sleep(5);
          throw failure;
        },
      ],
    });
    const threads = runner.createThreads();
    await within(Promise.all(threads.map((t) => t.done)), 1000);
    expect(runner.exceptionsRaised).toEqual([failure]);
    expect(threads.every((t) => !t.isAlive())).toBe(true);
    expect(((await rejection(q.dequeue())) as OutOfRangeError).cause).toBe(failure);
  });

  it('reports a failure to the coordinator, whose join re-throws the same object', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'failing' });
    const coord = new Coordinator();
    const failure = new TypeError('bad record 17');
    let runs = 0;
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        async ({ signal }) => {
          if (++runs === 3) throw failure;
          await q.enqueue(runs, { signal });
        },
      ],
    });
    const consumer = q.dequeueMany(5);
    const threads = runner.createThreads(coord);
    expect(await rejection(coord.join(threads))).toBe(failure);
    expect(coord.error).toBe(failure);
    expect(runner.exceptionsRaised).toEqual([]);
    const error = await rejection(consumer);
    expect(error).toBeInstanceOf(OutOfRangeError);
    expect((error as OutOfRangeError).cause).toBe(failure);
  });

  it('cancels a blocked enqueue at a stop so join ends promptly (GracePeriod)', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'grace' });
    const coord = new Coordinator();
    let enqueued = 0;
    const blocked: Promise<void>[] = [];
    const runner = new QueueRunner({
      queue: q,
      // No signal passed: the cancelling close must release the enqueue.
      enqueueOps: [
        () => {
          const p = q.enqueue(enqueued++);
          blocked.push(p);
          return p;
        },
      ],
    });
    const threads = runner.createThreads(coord);
    await until(() => q.size === 2 && blocked.length === 3);
    expect(threads[0]!.isAlive()).toBe(true);
    const started = performance.now();
    coord.requestStop();
    await within(coord.join(threads, { stopGracePeriodMs: 1000 }), 500);
    expect(performance.now() - started).toBeLessThan(500);
    expect(q.isClosed).toBe(true);
    expect(q.size).toBe(0);
    const last = blocked[blocked.length - 1]!;
    expect(await rejection(last)).toBeInstanceOf(CancelledError);
  });

  it('abandons an op that never settles at a stop', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'hung' });
    const coord = new Coordinator();
    const runner = new QueueRunner({ queue: q, enqueueOps: [never, never] });
    const threads = runner.createThreads(coord);
    await tick();
    expect(threads.every((t) => t.isAlive())).toBe(true);
    coord.requestStop();
    await within(coord.join(threads, { stopGracePeriodMs: 1000 }), 500);
    expect(threads.every((t) => !t.isAlive())).toBe(true);
  });

  it('fails a step that exceeds stepTimeoutMs with DeadlineExceededError', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'slow' });
    const coord = new Coordinator();
    const runner = new QueueRunner({ queue: q, enqueueOps: [never], stepTimeoutMs: 30 });
    const threads = runner.createThreads(coord);
    const error = await rejection(coord.join(threads));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toBe(
      "QueueRunner for queue 'slow' (QueueRunnerThread-slow-0): a step took longer than stepTimeoutMs = 30 ms",
    );
    expect(q.isClosed).toBe(true);
  });

  it('arms one step timer at a time and clears it after every step', async () => {
    jest.useFakeTimers();
    const q = new FIFOQueue<number>({ capacity: 100, name: 'timed' });
    const coord = new Coordinator();
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [async ({ signal }) => q.enqueue(1, { signal })],
      stepTimeoutMs: 60000,
    });
    const threads = runner.createThreads(coord);
    for (let i = 0; i < 10000 && q.size < 100; i++) await Promise.resolve();
    expect(q.size).toBe(100);
    expect(jest.getTimerCount()).toBe(1); // the 101st step, blocked on a full queue
    coord.requestStop();
    await jest.advanceTimersByTimeAsync(0);
    expect(threads[0]!.isAlive()).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    let joinError: unknown = 'none';
    await coord.join(threads).catch((e: unknown) => (joinError = e));
    expect(joinError).toBe('none');
  });

  it('disposes the tensors left in the queue at a stop', async () => {
    const start = tf.memory().numTensors;
    const q = new FIFOQueue<Tensor>({ capacity: 5, name: 'tensors' });
    const coord = new Coordinator();
    let i = 0;
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        async ({ signal }) => {
          const t = tf.scalar(i++);
          try {
            await q.enqueue(t, { signal });
          } catch (e) {
            t.dispose();
            throw e;
          }
        },
      ],
    });
    const threads = runner.createThreads(coord);
    await until(() => q.size === 5 && i === 6);
    expect(tf.memory().numTensors).toBe(start + 6); // five stored, one blocked
    coord.requestStop();
    await within(coord.join(threads));
    expect(q.size).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('hands leftovers to onDiscard, also after the threads ended by end of input', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'leftovers' });
    const discarded: number[][] = [];
    let left = 3;
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        async ({ signal }) => {
          if (left-- === 0) throw new OutOfRangeError('done');
          await q.enqueue(left, { signal });
        },
      ],
      onDiscard: (elements) => discarded.push(elements),
    });
    const coord = new Coordinator();
    const threads = runner.createThreads(coord);
    await within(Promise.all(threads.map((t) => t.done)));
    expect(q.isClosed).toBe(true);
    expect(await q.dequeue()).toBe(2);
    coord.requestStop();
    await within(coord.join(threads));
    expect(discarded).toEqual([[1, 0]]);
    expect(q.size).toBe(0);
  });

  it('runs custom closeOp and cancelOp with the cause, ignoring their errors', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'custom' });
    const calls: [string, unknown][] = [];
    const upstreamFailure = new Error('upstream');
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        () => {
          throw new OutOfRangeError('end', { cause: upstreamFailure });
        },
      ],
      closeOp: (cause) => {
        calls.push(['close', cause]);
        throw new Error('close failed');
      },
      cancelOp: async (cause) => {
        calls.push(['cancel', cause]);
        await q.close({ cancelPendingEnqueues: true, cause });
        throw new Error('cancel failed');
      },
    });
    const coord = new Coordinator();
    const threads = runner.createThreads(coord);
    await within(Promise.all(threads.map((t) => t.done)));
    expect(calls).toEqual([['close', upstreamFailure]]);
    const failure = new Error('trainer failed');
    coord.requestStop(failure);
    expect(await rejection(coord.join(threads))).toBe(failure);
    expect(calls).toEqual([
      ['close', upstreamFailure],
      ['cancel', failure],
    ]);
  });

  it('treats custom queueClosedErrorTypes as end of input', async () => {
    const side = new FIFOQueue<number>({ capacity: 1, name: 'side' });
    const q = new FIFOQueue<number>({ capacity: 10, name: 'cancelled-down' });
    const coord = new Coordinator();
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        async ({ signal }) => {
          await side.enqueue(1, { signal }); // CancelledError once `side` is closed
          await side.dequeue({ signal });
        },
      ],
      queueClosedErrorTypes: [OutOfRangeError, CancelledError],
    });
    const threads = runner.createThreads(coord);
    await sleep(5);
    await side.close();
    await within(coord.join(threads));
    expect(q.isClosed).toBe(true);
    expect(coord.shouldStop()).toBe(false);
  });

  it('lets timers fire while ops settle synchronously', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'sync-ops' });
    const coord = new Coordinator();
    let runs = 0;
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        () => {
          runs++;
        },
      ],
    });
    const threads = runner.createThreads(coord);
    setTimeout(() => coord.requestStop(), 20);
    await within(coord.join(threads));
    expect(runs).toBeGreaterThan(1);
  });

  it('keeps an error reported after the coordinator was joined', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'late' });
    const coord = new Coordinator();
    await within(coord.join()); // joined, without a stop
    const late = new Error('late failure');
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [
        async () => {
          await tick();
          throw late;
        },
      ],
    });
    const threads = runner.createThreads(coord);
    await within(threads[0]!.done);
    expect(runner.exceptionsRaised).toEqual([late]);
    // The stop still took place, and cancelled the queue.
    expect(coord.shouldStop()).toBe(true);
    expect(q.isClosed).toBe(true);
  });

  it('keeps one stop listener per runner across restarts', async () => {
    const coord = new Coordinator();
    const queues = Array.from(
      { length: 20 },
      (_, i) => new FIFOQueue<number>({ capacity: 1, name: `many-${i}` }),
    );
    const runners = queues.map(
      (q) =>
        new QueueRunner({
          queue: q,
          enqueueOps: [
            () => {
              throw new OutOfRangeError('empty');
            },
          ],
          closeOp: () => undefined,
        }),
    );
    const listenersBefore = getEventListeners(coord.signal, 'abort').length;
    for (let round = 0; round < 3; round++) {
      const threads = runners.flatMap((r) => r.createThreads(coord));
      await within(Promise.all(threads.map((t) => t.done)));
    }
    expect(getEventListeners(coord.signal, 'abort').length - listenersBefore).toBe(20);
    coord.requestStop();
    await within(coord.join());
    expect(getEventListeners(coord.signal, 'abort')).toHaveLength(0);
  });

  it('tells the queue when its runner starts', async () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'unstarted' });
    const runner = new QueueRunner({
      queue: q,
      enqueueOps: [({ signal }) => q.enqueue(1, { signal })],
      startTimeoutMs: 20,
    });
    const error = await rejection(q.dequeue());
    expect(error).toBeInstanceOf(FailedPreconditionError);
    const coord = new Coordinator();
    const threads = runner.createThreads(coord);
    expect(await within(q.dequeue())).toBe(1);
    coord.requestStop();
    await within(coord.join(threads));
  });

  it('exposes name, queue and thread names', () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'scope/queue' });
    const runner = new QueueRunner({ queue: q, enqueueOps: [never, never] });
    expect(runner.name).toBe('scope/queue');
    expect(runner.queue).toBe(q);
    expect(runner.exceptionsRaised).toEqual([]);
  });

  it('validates its options', () => {
    const q = new FIFOQueue<number>({ capacity: 1, name: 'validated' });
    const op: EnqueueOp = () => undefined;
    const messageOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidArgumentError);
        return (e as Error).message;
      }
      throw new Error('expected a throw');
    };
    expect(messageOf(() => new QueueRunner({ queue: {} as never, enqueueOps: [op] }))).toBe(
      'Expected `queue` to be a queue runners can feed (a FedQueue such as FIFOQueue), got `object` (object)',
    );
    expect(messageOf(() => new QueueRunner({ queue: q, enqueueOps: [] }))).toBe(
      'Expected `enqueueOps` to be a non-empty array of functions, got `Array(0)`',
    );
    expect(messageOf(() => new QueueRunner({ queue: q, enqueueOps: [1 as never] }))).toBe(
      'Expected `enqueueOps` to be a non-empty array of functions, got `Array(1)`',
    );
    expect(
      messageOf(() => new QueueRunner({ queue: q, enqueueOps: [op], closeOp: 1 as never })),
    ).toBe('Expected `closeOp` to be a function, got `1` (number)');
    expect(
      messageOf(() => new QueueRunner({ queue: q, enqueueOps: [op], cancelOp: 'x' as never })),
    ).toBe('Expected `cancelOp` to be a function, got `"x"` (string)');
    expect(
      messageOf(() => new QueueRunner({ queue: q, enqueueOps: [op], onDiscard: {} as never })),
    ).toBe('Expected `onDiscard` to be a function, got `object` (object)');
    expect(
      messageOf(() => new QueueRunner({ queue: q, enqueueOps: [op], queueClosedErrorTypes: [] })),
    ).toBe(
      'Expected `queueClosedErrorTypes` to be a non-empty array of error classes (Error or subclasses), got `Array(0)`',
    );
    expect(
      messageOf(() => new QueueRunner({ queue: q, enqueueOps: [op], startTimeoutMs: -1 })),
    ).toBe(
      'Expected `startTimeoutMs` to be a finite number of milliseconds >= 0, got `-1` (number)',
    );
    expect(messageOf(() => new QueueRunner({ queue: q, enqueueOps: [op], stepTimeoutMs: 0 }))).toBe(
      'Expected `stepTimeoutMs` to be a finite number of milliseconds > 0, got `0` (number)',
    );
    const runner = new QueueRunner({ queue: q, enqueueOps: [op] });
    expect(messageOf(() => runner.createThreads({} as Coordinator))).toBe(
      'Expected `coord` to be a Coordinator, got `object` (object)',
    );
  });
});
