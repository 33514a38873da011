import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Coordinator } from '../src/coordinator.js';
import { InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { FIFOQueue } from '../src/queues/fifo-queue.js';
import { QueueRunner } from '../src/queue-runner.js';
import {
  addQueueRunner,
  defaultRegistry,
  QueueRunnerRegistry,
  startQueueRunners,
} from '../src/registry.js';
import { within } from './helpers/async.js';

// Every test here settles in milliseconds; a hang must fail fast.
jest.setTimeout(10000);

/** A runner that enqueues `count` copies of `value` into a new queue, then closes it. */
function countingRunner(name: string, value: number, count: number, ops = 1) {
  const queue = new FIFOQueue<number>({ capacity: 100, name });
  let left = count;
  const op = async ({ signal }: { readonly signal: AbortSignal }): Promise<void> => {
    if (left-- <= 0) throw new OutOfRangeError(`${name} is done`);
    await queue.enqueue(value, { signal });
  };
  return new QueueRunner({ queue, enqueueOps: Array.from({ length: ops }, () => op) });
}

async function drain(q: FIFOQueue<number>): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    try {
      out.push(await within(q.dequeue()));
    } catch (e) {
      if (e instanceof OutOfRangeError) return out;
      throw e;
    }
  }
}

describe('QueueRunnerRegistry', () => {
  afterEach(() => {
    defaultRegistry.clear();
  });

  it('collects runners once each, in order, and removes and clears them', () => {
    const registry = new QueueRunnerRegistry();
    const a = countingRunner('reg-a', 1, 1);
    const b = countingRunner('reg-b', 2, 1);
    registry.addQueueRunner(a);
    registry.addQueueRunner(b);
    registry.addQueueRunner(a);
    expect(registry.runners).toEqual([a, b]);
    expect(registry.remove(a)).toBe(true);
    expect(registry.remove(a)).toBe(false);
    expect(registry.runners).toEqual([b]);
    registry.clear();
    expect(registry.runners).toEqual([]);
  });

  it('returns a copy of its runners', () => {
    const registry = new QueueRunnerRegistry();
    registry.addQueueRunner(countingRunner('copy', 1, 1));
    const list = registry.runners as QueueRunner<unknown>[];
    list.length = 0;
    expect(registry.runners).toHaveLength(1);
  });

  it('adds to the default registry unless given one', () => {
    const runner = countingRunner('default', 1, 1);
    addQueueRunner(runner);
    expect(defaultRegistry.runners).toEqual([runner]);
    const registry = new QueueRunnerRegistry();
    const other = countingRunner('other', 1, 1);
    addQueueRunner(other, registry);
    expect(registry.runners).toEqual([other]);
    expect(defaultRegistry.runners).toEqual([runner]);
  });

  it('starts every runner, returns all threads and empties the registry', async () => {
    const registry = new QueueRunnerRegistry();
    const a = countingRunner('start-a', 1, 3, 2);
    const b = countingRunner('start-b', 2, 2);
    registry.addQueueRunner(a);
    registry.addQueueRunner(b);
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    expect(threads.map((t) => t.name)).toEqual([
      'QueueRunnerThread-start-a-0',
      'QueueRunnerThread-start-a-1',
      'QueueRunnerThread-start-b-0',
    ]);
    expect(registry.runners).toEqual([]);
    expect(await drain(a.queue as FIFOQueue<number>)).toEqual([1, 1, 1]);
    expect(await drain(b.queue as FIFOQueue<number>)).toEqual([2, 2]);
    await within(coord.join(threads));
  });

  it('does not restart a first pipeline when a second one starts', async () => {
    const first = countingRunner('first', 1, 2);
    addQueueRunner(first);
    const coord = new Coordinator();
    const firstThreads = startQueueRunners({ coord });
    expect(await drain(first.queue as FIFOQueue<number>)).toEqual([1, 1]);
    await within(coord.join(firstThreads));

    const second = countingRunner('second', 2, 1);
    addQueueRunner(second);
    const coord2 = new Coordinator();
    const secondThreads = startQueueRunners({ coord: coord2 });
    expect(secondThreads.map((t) => t.name)).toEqual(['QueueRunnerThread-second-0']);
    expect(await drain(second.queue as FIFOQueue<number>)).toEqual([2]);
    await within(coord2.join(secondThreads));
  });

  it('starts runners without a coordinator too', async () => {
    const registry = new QueueRunnerRegistry();
    const runner = countingRunner('no-coord', 5, 2);
    addQueueRunner(runner, registry);
    const threads = startQueueRunners({ registry });
    expect(threads).toHaveLength(1);
    expect(await drain(runner.queue as FIFOQueue<number>)).toEqual([5, 5]);
    await within(Promise.all(threads.map((t) => t.done)));
    expect(runner.exceptionsRaised).toEqual([]);
  });

  it('returns no threads for an empty registry', () => {
    expect(startQueueRunners({ registry: new QueueRunnerRegistry() })).toEqual([]);
    expect(startQueueRunners()).toEqual([]);
  });

  it('validates its arguments', () => {
    const registry = new QueueRunnerRegistry();
    expect(() => registry.addQueueRunner({} as QueueRunner<number>)).toThrow(InvalidArgumentError);
    expect(() => registry.addQueueRunner({} as QueueRunner<number>)).toThrow(
      'Expected `runner` to be a QueueRunner, got `object` (object)',
    );
    expect(() => addQueueRunner(countingRunner('bad-registry', 1, 1), {} as never)).toThrow(
      'Expected `registry` to be a QueueRunnerRegistry, got `object` (object)',
    );
    expect(() => startQueueRunners({ registry: [] as never })).toThrow(
      'Expected `registry` to be a QueueRunnerRegistry, got `Array(0)`',
    );
    registry.addQueueRunner(countingRunner('bad-coord', 1, 1));
    expect(() => startQueueRunners({ registry, coord: {} as Coordinator })).toThrow(
      'Expected `coord` to be a Coordinator, got `object` (object)',
    );
    expect(registry.runners).toHaveLength(1); // nothing was started
  });
});
