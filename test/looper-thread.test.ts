import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Coordinator } from '../src/coordinator.js';
import { FailedPreconditionError, InvalidArgumentError } from '../src/errors.js';
import { LooperThread } from '../src/looper-thread.js';
import { rejection, state, tick, within } from './helpers/async.js';

// Every test here settles in milliseconds; a hang must fail fast.
jest.setTimeout(10000);

describe('LooperThread', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs its target until the target requests a stop (TargetArgs, n = [3])', async () => {
    const coord = new Coordinator();
    const n = [3];
    const t = LooperThread.loop(coord, 0, () => {
      n[0] = (n[0] ?? 0) - 1;
      if (n[0] === 0) coord.requestStop();
    });
    await within(coord.join([t]));
    expect(n).toEqual([0]);
    expect(t.isAlive()).toBe(false);
    expect(await state(t.done)).toBe('resolved');
  });

  it('runs back to back with a null interval, letting timers fire between runs', async () => {
    const coord = new Coordinator();
    let runs = 0;
    const t = LooperThread.loop(coord, null, () => {
      runs++;
    });
    // A stop from a timer must get through a loop of synchronous runs.
    setTimeout(() => coord.requestStop(), 20);
    await within(coord.join([t]));
    expect(runs).toBeGreaterThan(1);
  });

  it('runs on a fixed schedule, waiting with waitForStop', async () => {
    jest.useFakeTimers();
    const coord = new Coordinator();
    const runs: number[] = [];
    const t = LooperThread.loop(coord, 100, () => {
      runs.push(performance.now());
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(99);
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(300);
    expect(runs).toHaveLength(5);
    const start = runs[0] ?? 0;
    expect(runs.map((r) => r - start)).toEqual([0, 100, 200, 300, 400]);
    coord.requestStop();
    await jest.advanceTimersByTimeAsync(0);
    expect(t.isAlive()).toBe(false);
    expect(runs).toHaveLength(5);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ends at once when stopped during a long interval, leaving no timer', async () => {
    jest.useFakeTimers();
    const coord = new Coordinator();
    let runs = 0;
    const t = LooperThread.loop(coord, 60000, () => {
      runs++;
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    coord.requestStop();
    await jest.advanceTimersByTimeAsync(0);
    expect(t.isAlive()).toBe(false);
    expect(runs).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('runs nothing when the coordinator is already stopped', async () => {
    const coord = new Coordinator();
    coord.requestStop();
    let runs = 0;
    const t = LooperThread.loop(coord, null, () => {
      runs++;
    });
    await within(coord.join([t]));
    expect(runs).toBe(0);
  });

  it('reports what the target throws to the coordinator; done still resolves', async () => {
    const coord = new Coordinator();
    const failure = new Error('looper failed');
    const t = LooperThread.loop(coord, 0, async () => {
      await tick();
      throw failure;
    });
    expect(await rejection(coord.join([t]))).toBe(failure);
    expect(coord.error).toBe(failure);
    expect(await state(t.done)).toBe('resolved');
  });

  it('calls startLoop, runLoop and stopLoop hooks in order', async () => {
    const calls: string[] = [];
    class Counter extends LooperThread {
      #left = 2;
      protected override startLoop(): void {
        calls.push('start');
      }
      protected override async runLoop(): Promise<void> {
        await tick();
        calls.push('run');
        if (--this.#left === 0) coord.requestStop();
      }
      protected override stopLoop(): void {
        calls.push('stop');
      }
    }
    const coord = new Coordinator();
    const t = new Counter(coord, null).start();
    await within(coord.join([t]));
    expect(calls).toEqual(['start', 'run', 'run', 'stop']);
  });

  it('skips stopLoop after a failure, as in TensorFlow', async () => {
    const calls: string[] = [];
    const failure = new Error('run failed');
    class Failing extends LooperThread {
      protected override runLoop(): void {
        calls.push('run');
        throw failure;
      }
      protected override stopLoop(): void {
        calls.push('stop');
      }
    }
    const coord = new Coordinator();
    const t = new Failing(coord, null).start();
    expect(await rejection(coord.join([t]))).toBe(failure);
    expect(calls).toEqual(['run']);
  });

  it('registers with its coordinator, has a name and starts once', async () => {
    const coord = new Coordinator();
    const named = new LooperThread(coord, 0, () => undefined, { name: 'summaries' });
    const unnamed = new LooperThread(coord, 0, () => undefined);
    expect(named.name).toBe('summaries');
    expect(unnamed.name).toMatch(/^LooperThread-\d+$/);
    expect(named.isAlive()).toBe(false);
    named.start();
    expect(named.isAlive()).toBe(true);
    expect(() => named.start()).toThrow(FailedPreconditionError);
    expect(() => named.start()).toThrow('summaries was already started; a thread starts once');
    const joined = coord.join(); // waits for the registered looper; the unstarted one is not alive
    expect(await state(joined)).toBe('pending');
    coord.requestStop();
    await within(joined);
    expect(named.isAlive()).toBe(false);
  });

  it('validates its arguments', () => {
    const coord = new Coordinator();
    expect(() => new LooperThread({} as Coordinator, 0)).toThrow(InvalidArgumentError);
    expect(() => new LooperThread(coord, -1)).toThrow(
      'Expected `intervalMs` to be a finite number of milliseconds >= 0, got `-1` (number)',
    );
    expect(() => new LooperThread(coord, 0, 'x' as never)).toThrow(
      'Expected `target` to be a function, got `"x"` (string)',
    );
    expect(() => new LooperThread(coord, 0, undefined, { name: '' })).toThrow(
      'Expected `name` to be a non-empty string, got `""` (string)',
    );
  });
});
