import { describe, expect, it, jest } from '@jest/globals';
import {
  Coordinator,
  DeadlineExceededError,
  FIFOQueue,
  OutOfRangeError,
  QueueRunner,
  QueueRunnerRegistry,
  batch,
  failedStage,
  rangeInputProducer,
  startQueueRunners,
  type EnqueueOp,
  type Source,
} from '../index.js';
import { rejection, sleep, within } from './helpers/async.js';
import { until } from './helpers/threads.js';

// Every pipeline here settles well within a second; a hang must fail fast.
jest.setTimeout(10000);

/** A promise that never settles: a hung file read, a hung request. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** Batches (as plain arrays) until `OutOfRangeError`, and that error. */
async function drain<B>(source: Source<B>): Promise<{ count: number; end: OutOfRangeError }> {
  let count = 0;
  for (;;) {
    try {
      await within(source.dequeue());
      count++;
    } catch (e) {
      if (e instanceof OutOfRangeError) return { count, end: e };
      throw e;
    }
  }
}

/** A user source giving 0, 1, 2, ... whose `dequeue()` hangs from item `hangAt` on. */
function hangingSource(hangAt: number): Source<number> {
  let i = 0;
  return {
    dequeue: () => (i < hangAt ? Promise.resolve(i++) : never<number>()),
  };
}

describe('stepTimeoutMs', () => {
  it('fails a batcher whose map hangs: OutOfRangeError with cause, join re-throws it', async () => {
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(20, { numEpochs: 1, shuffle: false, registry }).map((i) =>
      i === 5 ? never<number>() : i,
    );
    const batches = batch(examples, {
      batchSize: 2,
      stepTimeoutMs: 50,
      name: 'hung_map',
      output: 'arrays',
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { count, end } = await drain(batches);
    expect(count).toBeLessThanOrEqual(2);
    const cause = end.cause;
    expect(cause).toBeInstanceOf(DeadlineExceededError);
    expect((cause as Error).message).toBe(
      "QueueRunner for queue 'hung_map' (QueueRunnerThread-hung_map-0): a step took longer " +
        'than stepTimeoutMs = 50 ms',
    );
    expect(failedStage(cause)).toBe('hung_map');
    expect(end.message).toContain(
      "input ended because stage 'hung_map' failed: DeadlineExceededError: QueueRunner for queue 'hung_map'",
    );
    expect(await rejection(coord.join(threads))).toBe(cause);
  });

  it('fails a batcher whose source dequeue hangs, without a coordinator too', async () => {
    const registry = new QueueRunnerRegistry();
    const batches = batch(hangingSource(3), {
      batchSize: 1,
      stepTimeoutMs: 40,
      name: 'hung_source',
      output: 'arrays',
      registry,
    });
    const [runner] = registry.runners;
    const threads = startQueueRunners({ registry });
    const { count, end } = await drain(batches);
    expect(count).toBe(3);
    expect(end.cause).toBeInstanceOf(DeadlineExceededError);
    expect(failedStage(end.cause)).toBe('hung_source');
    await within(Promise.all(threads.map((t) => t.done)));
    expect(runner?.exceptionsRaised).toEqual([end.cause]);
  });

  it('never counts backpressure: a slow consumer keeps both queues full for many limits', async () => {
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(100, {
      numEpochs: 1,
      shuffle: false,
      capacity: 2,
      stepTimeoutMs: 40,
      registry,
    });
    const batches = batch(examples, {
      batchSize: 2,
      capacity: 2,
      numThreads: 2,
      stepTimeoutMs: 40,
      output: 'arrays',
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    // Each wait is three limits long, while every runner thread is blocked on a full queue.
    for (let k = 0; k < 4; k++) {
      await sleep(120);
      await within(batches.dequeue());
    }
    expect(coord.shouldStop()).toBe(false);
    coord.requestStop();
    await within(coord.join(threads));
    expect(coord.error).toBeUndefined();
  });

  it('counts time in user code and upstream, not time inside untimed', async () => {
    const q = new FIFOQueue<number>({ capacity: 1000, name: 'untimed_ok' });
    let steps = 0;
    // 2 x 5 ms counted per step, 150 ms not counted: well under a 100 ms limit.
    const op: EnqueueOp = async ({ signal, untimed }) => {
      await sleep(5);
      await untimed(sleep(150));
      await sleep(5);
      await untimed(q.enqueue(steps++, { signal }));
    };
    const coord = new Coordinator();
    const runner = new QueueRunner({ queue: q, enqueueOps: [op], stepTimeoutMs: 100 });
    const threads = runner.createThreads(coord);
    await until(() => steps >= 2 || coord.shouldStop(), 3000);
    expect(coord.error).toBeUndefined();
    expect(coord.shouldStop()).toBe(false);
    coord.requestStop();
    await within(coord.join(threads));
  });

  it('adds up the counted time of a step around its untimed waits', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'untimed_over' });
    // 2 x 50 ms counted: over a 70 ms limit, although no stretch alone is.
    const op: EnqueueOp = async ({ signal, untimed }) => {
      await sleep(50);
      await untimed(sleep(30));
      await sleep(50);
      await untimed(q.enqueue(1, { signal }));
    };
    const coord = new Coordinator();
    const runner = new QueueRunner({ queue: q, enqueueOps: [op], stepTimeoutMs: 70 });
    const threads = runner.createThreads(coord);
    const error = await rejection(coord.join(threads));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(failedStage(error)).toBe('untimed_over');
  });

  it('gives untimed as a plain pass-through without stepTimeoutMs', async () => {
    const q = new FIFOQueue<number>({ capacity: 10, name: 'no_limit' });
    const seen: unknown[] = [];
    const op: EnqueueOp = async ({ signal, untimed }) => {
      seen.push(await untimed(Promise.resolve('value')));
      await untimed(q.enqueue(1, { signal }));
    };
    const coord = new Coordinator();
    const threads = new QueueRunner({ queue: q, enqueueOps: [op] }).createThreads(coord);
    await within(q.dequeue());
    expect(seen[0]).toBe('value');
    coord.requestStop();
    await within(coord.join(threads));
  });
});

describe('failedStage and stage naming', () => {
  it('names the stage on the very error a user map threw; join re-throws that object', async () => {
    const registry = new QueueRunnerRegistry();
    const boom = new Error('bad record 4');
    const examples = rangeInputProducer(10, { numEpochs: 1, shuffle: false, registry }).map((i) => {
      if (i === 4) throw boom;
      return i;
    });
    const batches = batch(examples, { batchSize: 2, name: 'parse', output: 'arrays', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { end } = await drain(batches);
    expect(end.cause).toBe(boom);
    expect(end.message).toMatch(
      /^FIFOQueue 'parse' is closed and has insufficient elements \(requested 2, current size \d+\); input ended because stage 'parse' failed: Error: bad record 4$/,
    );
    const thrown = await rejection(coord.join(threads));
    expect(thrown).toBe(boom);
    expect(failedStage(thrown)).toBe('parse');
    // Identity and what the error shows are unchanged: the mark is not enumerable.
    expect(Object.keys(boom)).toEqual([]);
    expect(boom.message).toBe('bad record 4');
  });

  it('names the first stage that failed, as seen through a downstream stage', async () => {
    const a = new FIFOQueue<number>({ capacity: 4, name: 'upstream_a' });
    const b = new FIFOQueue<number>({ capacity: 4, name: 'downstream_b' });
    const boom = new Error('upstream broke');
    let i = 0;
    const produce: EnqueueOp = async ({ signal }) => {
      if (i === 3) throw boom;
      await a.enqueue(i++, { signal });
    };
    const move: EnqueueOp = async ({ signal }) =>
      b.enqueue(await a.dequeue({ signal }), { signal });
    const runnerA = new QueueRunner({ queue: a, enqueueOps: [produce] });
    const runnerB = new QueueRunner({ queue: b, enqueueOps: [move] });
    runnerA.createThreads();
    runnerB.createThreads();
    const got: number[] = [];
    let end: unknown;
    for (;;) {
      try {
        got.push(await within(b.dequeue()));
      } catch (e) {
        end = e;
        break;
      }
    }
    expect(end).toBeInstanceOf(OutOfRangeError);
    expect((end as OutOfRangeError).cause).toBe(boom);
    expect((end as Error).message).toContain(
      "input ended because stage 'upstream_a' failed: Error: upstream broke",
    );
    expect(failedStage(boom)).toBe('upstream_a');
    expect(runnerA.exceptionsRaised).toEqual([boom]);
    expect(runnerB.exceptionsRaised).toEqual([]);
  });

  it('keeps a thrown string as it is (no stage to attach) and still ends input', async () => {
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(10, { numEpochs: 1, shuffle: false, registry }).map((i) => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a primitive on purpose
      if (i === 2) throw 'boom';
      return i;
    });
    const batches = batch(examples, { batchSize: 2, name: 'strings', output: 'arrays', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { end } = await drain(batches);
    expect(end.cause).toBe('boom');
    expect(end.message).toContain('; input ended because of a failure: boom');
    expect(failedStage(end.cause)).toBeUndefined();
    expect(await rejection(coord.join(threads))).toBe('boom');
  });

  it('never overwrites a stage already set, nor marks a frozen error', async () => {
    const marked = Object.assign(new Error('already marked'), { stage: 'elsewhere' });
    const frozen = Object.freeze(new Error('frozen'));
    for (const [error, stage] of [
      [marked, 'elsewhere'],
      [frozen, undefined],
    ] as const) {
      const q = new FIFOQueue<number>({ capacity: 2 });
      const coord = new Coordinator();
      const op: EnqueueOp = () => {
        throw error as Error;
      };
      const threads = new QueueRunner({ queue: q, enqueueOps: [op] }).createThreads(coord);
      expect(await rejection(coord.join(threads))).toBe(error);
      expect(failedStage(error)).toBe(stage);
    }
  });

  it('tells no stage for values that never came out of a runner', () => {
    for (const value of [undefined, null, 0, 'x', Symbol('s'), {}, new Error('plain')]) {
      expect(failedStage(value)).toBeUndefined();
    }
    expect(failedStage({ stage: 42 })).toBeUndefined();
  });
});
