import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Coordinator } from '../src/coordinator.js';
import {
  CancelledError,
  InvalidArgumentError,
  OutOfRangeError,
  ThreadsStillRunningError,
} from '../src/errors.js';
import { rejection, sleep, state, tick, within } from './helpers/async.js';
import { fakeThread } from './helpers/threads.js';

// Every test here settles in milliseconds; a hang must fail fast.
jest.setTimeout(10000);

/** The synchronous throw of `fn`, failing if it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('Coordinator', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('starts running and stops on requestStop, aborting its signal', () => {
    const coord = new Coordinator();
    expect(coord.shouldStop()).toBe(false);
    expect(coord.signal.aborted).toBe(false);
    coord.requestStop();
    expect(coord.shouldStop()).toBe(true);
    expect(coord.signal.aborted).toBe(true);
    expect(coord.signal.reason).toBeInstanceOf(CancelledError);
    expect((coord.signal.reason as Error).message).toBe('Coordinator stop requested');
    expect(coord.error).toBeUndefined();
    coord.requestStop(); // harmless
    expect(coord.shouldStop()).toBe(true);
  });

  it('joins threads that end without a stop (Join)', async () => {
    const coord = new Coordinator();
    const a = fakeThread('a');
    const b = fakeThread('b');
    const joined = coord.join([a, b]);
    expect(await state(joined)).toBe('pending');
    a.finish();
    expect(await state(joined)).toBe('pending');
    b.finish();
    await within(joined);
    expect(coord.shouldStop()).toBe(false);
  });

  it('treats OutOfRangeError as a clean stop (JoinIgnoresOutOfRange)', async () => {
    const coord = new Coordinator();
    const t = fakeThread('t');
    coord.requestStop(new OutOfRangeError('end of input'));
    t.finish();
    await within(coord.join([t]));
    expect(coord.error).toBeUndefined();
    expect(coord.signal.reason).toBeInstanceOf(CancelledError);
    expect(() => coord.raiseRequestedException()).not.toThrow();
  });

  it('honours custom cleanStopErrorTypes (JoinIgnoresMyExceptionType)', async () => {
    const coord = new Coordinator({ cleanStopErrorTypes: [RangeError] });
    coord.requestStop(new RangeError('mine'));
    await within(coord.join());
    expect(coord.error).toBeUndefined();

    const other = new Coordinator({ cleanStopErrorTypes: [RangeError] });
    const outOfRange = new OutOfRangeError('not clean here');
    other.requestStop(outOfRange);
    expect(await rejection(other.join())).toBe(outOfRange);
  });

  it('keeps only the first error; later ones are ignored ("Too late")', async () => {
    const coord = new Coordinator();
    const first = new Error('First');
    coord.requestStop(first);
    coord.requestStop(new Error('Too late'));
    expect(coord.error).toBe(first);
    expect(coord.signal.reason).toBe(first);
    expect(await rejection(coord.join())).toBe(first);
  });

  it('ignores an error that arrives after a clean stop was requested', async () => {
    const coord = new Coordinator();
    coord.requestStop();
    coord.requestStop(new Error('after the stop'));
    expect(coord.error).toBeUndefined();
    await within(coord.join());
  });

  it('throws a new error at once once joined (RequestStopRaisesIfJoined)', async () => {
    const coord = new Coordinator();
    coord.requestStop();
    await within(coord.join());
    const late = new Error('After join');
    expect(thrown(() => coord.requestStop(late))).toBe(late);
    // A clean stop or no error is still harmless.
    coord.requestStop(new OutOfRangeError('clean'));
    coord.requestStop();
  });

  it('throws a new error at once once joined, even when no stop was requested', async () => {
    const coord = new Coordinator();
    const t = fakeThread('t');
    t.finish();
    await within(coord.join([t]));
    const late = new Error('late');
    expect(thrown(() => coord.requestStop(late))).toBe(late);
    expect(coord.shouldStop()).toBe(true);
    expect(coord.error).toBeUndefined();
  });

  it('clears the stop, the error and the joined flag (ClearStopClearsExceptionToo)', async () => {
    const coord = new Coordinator();
    const first = new Error('First');
    coord.requestStop(first);
    const oldSignal = coord.signal;
    expect(await rejection(coord.join())).toBe(first);

    coord.clearStop();
    expect(coord.shouldStop()).toBe(false);
    expect(coord.error).toBeUndefined();
    expect(coord.signal).not.toBe(oldSignal);
    expect(coord.signal.aborted).toBe(false);
    expect(() => coord.raiseRequestedException()).not.toThrow();

    const afterClear = new Error('After clear');
    coord.requestStop(afterClear); // recorded, not thrown: the joined flag was cleared
    expect(coord.signal.reason).toBe(afterClear);
    expect(await rejection(coord.join())).toBe(afterClear);
  });

  it('waitForStop gives false after the timeout, then true once stopped', async () => {
    jest.useFakeTimers();
    const coord = new Coordinator();
    let timedOut: boolean | undefined;
    const waitingBriefly = coord.waitForStop(10).then((r) => (timedOut = r));
    await jest.advanceTimersByTimeAsync(9);
    expect(timedOut).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await waitingBriefly;
    expect(timedOut).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    const waiting = coord.waitForStop();
    const waitingWithTimeout = coord.waitForStop(60000);
    expect(jest.getTimerCount()).toBe(1);
    let stopped = false;
    void waiting.then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false);
    coord.requestStop();
    expect(await waiting).toBe(true);
    expect(await waitingWithTimeout).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    expect(await coord.waitForStop(0)).toBe(true);
  });

  it('joins every registered thread (JoinAllRegistered)', async () => {
    const coord = new Coordinator();
    const a = fakeThread('a');
    const b = fakeThread('b');
    coord.registerThread(a);
    coord.registerThread(b);
    const joined = coord.join();
    a.finish();
    expect(await state(joined)).toBe('pending');
    b.finish();
    await within(joined);
  });

  it('joins registered threads and the given ones together (JoinSomeRegistered)', async () => {
    const coord = new Coordinator();
    const registered = fakeThread('registered');
    const given = fakeThread('given');
    coord.registerThread(registered);
    const joined = coord.join([given]);
    given.finish();
    expect(await state(joined)).toBe('pending');
    registered.finish();
    await within(joined);
  });

  it('clears the registered set once joined', async () => {
    const coord = new Coordinator();
    const stuck = fakeThread('stuck');
    coord.registerThread(stuck);
    coord.requestStop();
    await within(coord.join(undefined, { stopGracePeriodMs: 1, ignoreLiveThreads: true }));
    coord.clearStop();
    await within(coord.join()); // the stuck thread is no longer registered
    stuck.finish();
  });

  it('stops waiting for live threads at a stop, then gives them the grace period', async () => {
    const coord = new Coordinator();
    const t = fakeThread('slow');
    const joined = coord.join([t], { stopGracePeriodMs: 5000 });
    coord.requestStop();
    await sleep(20);
    expect(await state(joined)).toBe('pending');
    t.finish();
    await within(joined, 500);
  });

  it('throws ThreadsStillRunningError naming the threads past the grace period', async () => {
    jest.useFakeTimers();
    const coord = new Coordinator();
    const a = fakeThread('QueueRunnerThread-q-0');
    const b = fakeThread('t2');
    coord.requestStop();
    let error: unknown;
    const joined = coord.join([a, b], { stopGracePeriodMs: 10 }).catch((e: unknown) => {
      error = e;
    });
    await jest.advanceTimersByTimeAsync(9);
    expect(error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await joined;
    expect(error).toBeInstanceOf(ThreadsStillRunningError);
    expect((error as Error).message).toBe(
      'Coordinator stopped with threads still running: QueueRunnerThread-q-0, t2',
    );
    expect(jest.getTimerCount()).toBe(0);
    a.finish();
    b.finish();
  });

  it('clears the grace timer when the threads end in time', async () => {
    jest.useFakeTimers();
    const coord = new Coordinator();
    const t = fakeThread('t');
    coord.requestStop();
    const joined = coord.join([t], { stopGracePeriodMs: 120000 });
    await jest.advanceTimersByTimeAsync(5);
    expect(jest.getTimerCount()).toBe(1);
    t.finish();
    await joined;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('names only the threads still alive after the grace period', async () => {
    const coord = new Coordinator();
    const ended = fakeThread('ended');
    const stuck = fakeThread('stuck');
    coord.requestStop();
    setTimeout(() => ended.finish(), 1);
    const error = await rejection(coord.join([ended, stuck], { stopGracePeriodMs: 50 }));
    expect((error as Error).message).toBe('Coordinator stopped with threads still running: stuck');
    stuck.finish();
  });

  it('returns past the grace period with ignoreLiveThreads', async () => {
    const coord = new Coordinator();
    const t = fakeThread('stuck');
    coord.requestStop();
    await within(coord.join([t], { stopGracePeriodMs: 0, ignoreLiveThreads: true }));
    t.finish();
  });

  it('re-throws the recorded error (same object) rather than ThreadsStillRunningError', async () => {
    const coord = new Coordinator();
    const t = fakeThread('stuck');
    const failure = new TypeError('bad record');
    coord.requestStop(failure);
    expect(await rejection(coord.join([t], { stopGracePeriodMs: 1 }))).toBe(failure);
    t.finish();
  });

  it('counts a thread whose done rejects as ended', async () => {
    const coord = new Coordinator();
    let alive = true;
    const done = new Promise<void>((_, reject) => {
      setTimeout(() => {
        alive = false;
        reject(new Error('thread died'));
      }, 1);
    });
    await within(coord.join([{ name: 'dies', done, isAlive: () => alive }]));
  });

  it('records what stopOnException catches, sync or async, and does not re-throw', async () => {
    const coord = new Coordinator();
    const syncError = new Error('sync');
    await within(
      coord.stopOnException(() => {
        throw syncError;
      }),
    );
    expect(coord.error).toBe(syncError);

    const other = new Coordinator();
    const asyncError = new Error('async');
    await within(
      other.stopOnException(async () => {
        await tick();
        throw asyncError;
      }),
    );
    expect(other.error).toBe(asyncError);

    const clean = new Coordinator();
    await within(clean.stopOnException(() => 42));
    expect(clean.shouldStop()).toBe(false);
  });

  it('raiseRequestedException throws the recorded error', () => {
    const coord = new Coordinator();
    coord.raiseRequestedException();
    const failure = new Error('boom');
    coord.requestStop(failure);
    expect(thrown(() => coord.raiseRequestedException())).toBe(failure);
  });

  it('records non-Error values too', async () => {
    const coord = new Coordinator();
    coord.requestStop('a string');
    expect(coord.error).toBe('a string');
    expect(await rejection(coord.join())).toBe('a string');
  });

  it('validates its arguments', async () => {
    const messageOf = (fn: () => unknown): string => {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      return (e as Error).message;
    };
    expect(messageOf(() => new Coordinator({ cleanStopErrorTypes: [] }))).toBe(
      'Expected `cleanStopErrorTypes` to be a non-empty array of error classes (Error or subclasses), got `Array(0)`',
    );
    expect(
      messageOf(
        () => new Coordinator({ cleanStopErrorTypes: [String] as unknown as [typeof Error] }),
      ),
    ).toBe(
      'Expected `cleanStopErrorTypes` to be a non-empty array of error classes (Error or subclasses), got `Array(1)`',
    );
    expect(
      messageOf(
        () =>
          new Coordinator({ cleanStopErrorTypes: OutOfRangeError as unknown as [typeof Error] }),
      ),
    ).toBe(
      'Expected `cleanStopErrorTypes` to be a non-empty array of error classes (Error or subclasses), got `OutOfRangeError` (function)',
    );
    const coord = new Coordinator();
    const badTimeout = await rejection(coord.waitForStop(-1));
    expect(badTimeout).toBeInstanceOf(InvalidArgumentError);
    expect((badTimeout as Error).message).toBe(
      'Expected `timeoutMs` to be a finite number of milliseconds >= 0, got `-1` (number)',
    );
    expect(messageOf(() => coord.registerThread({} as never))).toBe(
      'Expected `thread` to be a thread (`{ name, done, isAlive() }`), got `object` (object)',
    );
    const badGrace = await rejection(coord.join([], { stopGracePeriodMs: -1 }));
    expect(badGrace).toBeInstanceOf(InvalidArgumentError);
    expect((badGrace as Error).message).toBe(
      'Expected `stopGracePeriodMs` to be a finite number of milliseconds >= 0, got `-1` (number)',
    );
    const badIgnore = await rejection(coord.join([], { ignoreLiveThreads: 1 as never }));
    expect((badIgnore as Error).message).toBe(
      'Expected `ignoreLiveThreads` to be a boolean, got `1` (number)',
    );
    const badThreads = await rejection(coord.join(42 as never));
    expect((badThreads as Error).message).toBe(
      'Expected `threads` to be an iterable of threads, got `42` (number)',
    );
  });
});
