/**
 * Fault-injection trials (issue 5, item 2): a fault at a random example of a random pipeline
 * — a `map` that throws (sync or async), rejects or never settles; a user source that throws,
 * rejects or never settles; a user enqueue op that throws, rejects or hangs past
 * `stepTimeoutMs`; a coordinator stop at a random moment; a consumer that walks away — and in
 * every trial the lifecycle rules of DESIGN.md: nothing hangs, the consumer gets
 * `OutOfRangeError` whose `cause` is the failure, `coord.join` re-throws the very same object,
 * every thread has ended, every queue is closed and empty, and no tensor is left behind.
 *
 * `QUEUEFEED_FC_SEED` replays another seed; `QUEUEFEED_FC_SCALE` multiplies the trials.
 */
import { describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import {
  CancelledError,
  Coordinator,
  DeadlineExceededError,
  FIFOQueue,
  OutOfRangeError,
  QueueRunner,
  QueueRunnerRegistry,
  batch,
  batchJoin,
  disposeTensorsIn,
  notEnqueued,
  shuffleBatch,
  sliceInputProducer,
  startQueueRunners,
  tf,
  type BatchSource,
  type EnqueueOp,
  type Element,
  type SliceSource,
  type Source,
  type Thread,
} from '../index.js';
import { rejection, tick, within } from './helpers/async.js';
import { until } from './helpers/threads.js';
import {
  BATCH_QUEUE,
  batcherOptions,
  deferred,
  disposeBatch,
  fcRuns,
  fcSeed,
  labelledError,
  paceArb,
  pacer,
  pause,
  type BatcherSpec,
  type Deferred,
  type Pace,
} from './helpers/pipeline-kit.js';

jest.setTimeout(120000);

const SEED = fcSeed(20240906);

/** Row size of every example here; ids of producer `p` are `p * 64 + i`, of a user source `1000 + i`. */
const ROW = 2;
const USER_FIRST_ID = 1000;

type ErrorKind = 'Error' | 'TypeError' | 'CancelledError' | 'object' | 'frozen' | 'string' | 'null';
const errorKindArb = fc.constantFrom<ErrorKind>(
  'Error',
  'TypeError',
  'CancelledError',
  'object',
  'frozen',
  'string',
  'null',
);

/**
 * The injected failure: an `Error`, a subclass, a pipeline error class, a plain object (also
 * frozen, so nothing can be recorded on it), a string, or `null` — anything JavaScript lets a
 * function throw, except `undefined` (see the failing test at the end of this file).
 */
function injectedError(kind: ErrorKind, label: string): unknown {
  switch (kind) {
    case 'Error':
      return new Error(label);
    case 'TypeError':
      return new TypeError(label);
    case 'CancelledError':
      return new CancelledError(label);
    case 'object':
      return { injected: label };
    case 'frozen':
      return Object.freeze({ injected: label });
    case 'string':
      return `injected: ${label}`;
    case 'null':
      return null;
  }
}

/** The data row of example `id`. */
function rowOf(id: number): Float32Array {
  return Float32Array.from({ length: ROW }, (_, j) => id + (j + 1) / 8);
}

/** Example `id` as `[x, id]`, `x` a `tf.Tensor` when `tensors`. */
function exampleOf(id: number, tensors: boolean): Element {
  const row = rowOf(id);
  return [tensors ? tf.tensor1d(row) : row, id];
}

/** The per-example work of a healthy `map`: copies the row, as a tensor when `tensors`. */
function plainMap(e: Element, tensors: boolean): Element {
  const [x, id] = e as [Float32Array, number];
  const row = Float32Array.from(x);
  return [tensors ? tf.tensor1d(row) : row, id];
}

// ---------------------------------------------------------------------------------------------
// The pipelines

type BatcherKind = 'batch' | 'shuffleBatch' | 'batchJoin';

interface PipeSpec extends BatcherSpec {
  readonly length: number;
  readonly numEpochs: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly producerCapacity: number;
  readonly batcher: BatcherKind;
  /** Sources of a `batchJoin` (1 or 2); the other batchers have one. */
  readonly joinWidth: number;
  readonly minAfterDequeue: number;
  /** Maps return `tf.Tensor` rows, so the disposal paths run. */
  readonly tensors: boolean;
  readonly mapAsync: boolean;
  readonly consumerPace: readonly Pace[];
  readonly mapPace: readonly Pace[];
}

/** Turns only: for trials with a step timeout, where a sleep must not look like a hang. */
const quickPaceArb = fc.constantFrom<Pace>(0, 1, 2);

function pipeArb(options: { readonly sleepyMap: boolean }): fc.Arbitrary<PipeSpec> {
  return fc
    .record({
      length: fc.integer({ min: 1, max: 30 }),
      numEpochs: fc.integer({ min: 1, max: 2 }),
      shuffle: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1000 }),
      producerCapacity: fc.integer({ min: 1, max: 16 }),
      batcher: fc.constantFrom<BatcherKind>('batch', 'shuffleBatch', 'batchJoin'),
      joinWidth: fc.integer({ min: 1, max: 2 }),
      batchSize: fc.integer({ min: 1, max: 8 }),
      numThreads: fc.integer({ min: 1, max: 3 }),
      capacity: fc.integer({ min: 1, max: 16 }),
      minAfterDequeue: fc.integer({ min: 0, max: 15 }),
      allowSmallerFinalBatch: fc.boolean(),
      output: fc.constantFrom<'arrays' | 'tensor'>('arrays', 'tensor'),
      tensors: fc.boolean(),
      mapAsync: fc.boolean(),
      consumerPace: fc.array(paceArb(30), { maxLength: 4 }),
      mapPace: fc.array(options.sleepyMap ? paceArb(90) : quickPaceArb, { maxLength: 4 }),
    })
    .map((s) => ({
      ...s,
      joinWidth: s.batcher === 'batchJoin' ? s.joinWidth : 1,
      minAfterDequeue: Math.min(s.minAfterDequeue, s.capacity - 1),
    }));
}

/** What a trial checks at the end: a queue's name, whether it is closed, what it holds. */
interface QueueLike {
  readonly name: string;
  readonly isClosed: boolean;
  readonly size: number;
}

interface Pipeline {
  readonly registry: QueueRunnerRegistry;
  readonly batches: BatchSource<unknown>;
  readonly queues: QueueLike[];
  /** Examples the producers and the user source give in all. */
  readonly total: number;
}

type MapHook = (e: Element, call: number) => Element | Promise<Element>;

/**
 * Producer `p` of a spec: `[x, id]` columns of `spec.length` examples with ids `p * 64 + i`,
 * seeded `spec.seed + p`.
 */
function specProducer(
  spec: PipeSpec,
  p: number,
  registry: QueueRunnerRegistry,
): SliceSource<Element> {
  const n = spec.length;
  const data = new Float32Array(n * ROW);
  for (let i = 0; i < n; i++) data.set(rowOf(p * 64 + i), i * ROW);
  return sliceInputProducer<Element>(
    [{ data, shape: [n, ROW] }, Int32Array.from({ length: n }, (_, i) => p * 64 + i)],
    {
      numEpochs: spec.numEpochs,
      shuffle: spec.shuffle,
      seed: spec.seed + p,
      capacity: spec.producerCapacity,
      registry,
    },
  );
}

/**
 * Producers over `[x, id]` columns (mapped by `map`, if given, with a shared call counter),
 * plus the user `source` if given, into the spec's batcher.
 */
function buildPipeline(
  spec: PipeSpec,
  parts: {
    readonly map?: MapHook | undefined;
    readonly source?: { readonly source: Source<Element>; readonly length: number } | undefined;
    readonly stepTimeoutMs?: number | undefined;
  },
): Pipeline {
  const registry = new QueueRunnerRegistry();
  const queues: QueueLike[] = [];
  const sources: Source<Element>[] = [];
  let total = 0;
  if (parts.source !== undefined) {
    sources.push(parts.source.source);
    total += parts.source.length;
  }
  const producers = parts.source === undefined ? spec.joinWidth : spec.joinWidth - 1;
  let calls = 0;
  for (let p = 0; p < producers; p++) {
    const producer = specProducer(spec, p, registry);
    queues.push(producer.queue);
    total += spec.length * spec.numEpochs;
    const map = parts.map;
    sources.push(map === undefined ? producer : producer.map((e) => map(e, ++calls)));
  }
  const options = {
    ...batcherOptions(spec, registry),
    ...(parts.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: parts.stepTimeoutMs }),
  };
  let batches: BatchSource<unknown>;
  if (spec.batcher === 'batch') {
    batches = batch(sources[0] as Source<Element>, options);
  } else if (spec.batcher === 'shuffleBatch') {
    batches = shuffleBatch(sources[0] as Source<Element>, {
      ...options,
      minAfterDequeue: spec.minAfterDequeue,
      seed: spec.seed,
    });
  } else {
    batches = batchJoin(sources, options);
  }
  queues.push(batches.queue);
  return { registry, batches, queues, total };
}

/**
 * Async user calls still running. A call the pipeline abandoned at a stop may go on after
 * `join` and create its tensors then (the pipeline disposes them when it returns): a trial
 * waits for its calls to end before counting tensors, so no trial counts another's.
 */
let inFlight = 0;

async function tracked<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}

/** A healthy per-example map for the spec: sync or async (paced), tensors or rows. */
function healthyMap(spec: PipeSpec): (e: Element) => Element | Promise<Element> {
  const pace = pacer(spec.mapPace);
  if (!spec.mapAsync) return (e) => plainMap(e, spec.tensors);
  return (e) =>
    tracked(async () => {
      const wait = pace();
      if (wait !== undefined) await wait;
      return plainMap(e, spec.tensors);
    });
}

/** The call number (1..total) at which a fault fires, from a draw in 0..999. */
function callAt(at: number, total: number): number {
  return 1 + Math.floor((at * total) / 1000);
}

/**
 * A user source of `length` examples (ids from `USER_FIRST_ID`), without `dequeueUpTo`: each
 * call of `dequeue()` first asks `hook(call)`, which may throw, or return a promise to give
 * instead of the next example.
 */
function userSource(
  length: number,
  tensors: boolean,
  hook: (call: number) => Promise<Element> | undefined,
): Source<Element> {
  let calls = 0;
  let next = 0;
  return {
    dequeue: () => {
      const instead = hook(++calls);
      if (instead !== undefined) return instead;
      if (next >= length) return Promise.reject(new OutOfRangeError('user source exhausted'));
      return Promise.resolve(exampleOf(USER_FIRST_ID + next++, tensors));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The consumer and the end-of-trial checks

interface Consumed {
  readonly batches: number;
  /** What the last `dequeue()` threw (`undefined` if the consumer left first). */
  readonly end: unknown;
}

/**
 * Dequeues batches (disposing them) at the spec's pace until `dequeue()` throws, or until
 * `leave(count)` says so after a batch.
 */
async function consume(
  batches: BatchSource<unknown>,
  paces: readonly Pace[],
  afterBatch?: (count: number) => 'leave' | undefined,
): Promise<Consumed> {
  const pace = pacer(paces);
  let count = 0;
  for (;;) {
    let b: unknown;
    try {
      b = await batches.dequeue();
    } catch (error) {
      return { batches: count, end: error };
    }
    disposeBatch(b);
    count++;
    if (afterBatch?.(count) === 'leave') return { batches: count, end: undefined };
    const wait = pace();
    if (wait !== undefined) await wait;
  }
}

const NO_ERROR = Symbol('no error');

/**
 * Expects `end` to be the end of input caused by a stage timeout of the runner of `queue` (on
 * a thread whose index matches the pattern `thread`), and returns that cause.
 */
function expectStepTimeout(
  end: unknown,
  queue: string,
  thread: string,
  stepTimeoutMs: number,
): unknown {
  const cause = (end as OutOfRangeError).cause;
  expect(cause).toBeInstanceOf(DeadlineExceededError);
  expect((cause as Error).message).toMatch(
    new RegExp(
      `^QueueRunner for queue '${queue}' \\(QueueRunnerThread-${queue}-${thread}\\): ` +
        `a step took longer than stepTimeoutMs = ${stepTimeoutMs} ms$`,
    ),
  );
  return cause;
}

/** Expects `end` to be the end of input, with `cause` (the very object, or none). */
function expectEnd(end: unknown, cause: unknown): void {
  expect(end).toBeInstanceOf(OutOfRangeError);
  const e = end as OutOfRangeError;
  if (cause === NO_ERROR) expect(e.cause).toBeUndefined();
  else expect(e.cause).toBe(cause);
}

/**
 * Joins, and checks: `join` re-throws `expected` (the same object) or resolves for
 * `NO_ERROR`; every thread has ended; every queue is closed and empty.
 */
async function joinAndCheck(
  coord: Coordinator,
  threads: readonly Thread[],
  pipeline: Pick<Pipeline, 'queues'>,
  expected: unknown,
): Promise<void> {
  let joined: unknown = NO_ERROR;
  try {
    await within(coord.join(threads, { stopGracePeriodMs: 3000 }), 6000);
  } catch (error) {
    joined = error;
  }
  expect(joined).toBe(expected);
  expect(threads.length).toBeGreaterThan(0);
  expect(threads.filter((t) => t.isAlive()).map((t) => t.name)).toEqual([]);
  expect(pipeline.queues.map((q) => [q.name, q.isClosed, q.size])).toEqual(
    pipeline.queues.map((q) => [q.name, true, 0]),
  );
}

/** A few macrotask turns, for late settlements to be handled. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await tick();
}

/** Runs one trial: a hang-proof bound, the tensor count once its user calls ended, a readable failure. */
async function trial(label: unknown, body: (start: number) => Promise<void>): Promise<void> {
  const start = tf.memory().numTensors;
  try {
    await within(body(start), 15000);
    await until(() => inFlight === 0, 5000);
    await settle();
    expect(tf.memory().numTensors).toBe(start);
  } catch (error) {
    throw labelledError(JSON.stringify(label), error);
  }
}

/** Runs `numRuns` (scaled) randomized trials of `arb`, each one through {@link trial}. */
function trials<T>(
  arb: fc.Arbitrary<T>,
  { numRuns, seed }: { readonly numRuns: number; readonly seed: number },
  body: (t: T, startTensors: number) => Promise<void>,
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(arb, (t) => trial(t, (start) => body(t, start))),
    { numRuns: fcRuns(numRuns), seed },
  );
}

// ---------------------------------------------------------------------------------------------
// The trials

describe('fault injection (randomized trials)', () => {
  test('a map that throws sync, throws async or rejects at a random example (100 trials)', async () => {
    const arb = fc.record({
      pipe: pipeArb({ sleepyMap: true }),
      fault: fc.constantFrom('throwSync', 'throwAsync', 'reject'),
      at: fc.integer({ min: 0, max: 999 }),
      error: errorKindArb,
    });
    await trials(arb, { numRuns: 100, seed: SEED }, async (t) => {
      const healthy = healthyMap(t.pipe);
      const k = callAt(t.at, t.pipe.joinWidth * t.pipe.length * t.pipe.numEpochs);
      const err = injectedError(t.error, `map failed at call ${k}`);
      const pipeline = buildPipeline(t.pipe, {
        map: (e, call) => {
          if (call !== k) return healthy(e);
          if (t.fault === 'throwSync') throw err;
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the injected failure is deliberately not always an Error
          if (t.fault === 'reject') return Promise.reject(err);
          return tracked(async () => {
            await tick();
            throw err;
          });
        },
      });
      expect(pipeline.total).toBe(t.pipe.joinWidth * t.pipe.length * t.pipe.numEpochs);
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry: pipeline.registry });
      const { end } = await consume(pipeline.batches, t.pipe.consumerPace);
      expectEnd(end, err);
      expect(coord.shouldStop()).toBe(true);
      coord.requestStop();
      await joinAndCheck(coord, threads, pipeline, err);
    });
  });

  test('a map or a user source that never settles, ended by a stop or a stage timeout (120 trials)', async () => {
    const arb = fc.record({
      pipe: pipeArb({ sleepyMap: false }),
      where: fc.constantFrom('map', 'source'),
      at: fc.integer({ min: 0, max: 999 }),
      stop: fc.constantFrom('clean', 'error', 'timeout'),
      stopPace: fc.constantFrom<Pace>(0, 1, 2, 3, 4),
      stepTimeoutMs: fc.integer({ min: 40, max: 80 }),
      late: fc.constantFrom('never', 'resolve', 'reject'),
      error: errorKindArb,
    });
    await trials(arb, { numRuns: 120, seed: SEED + 1 }, async (t, startTensors) => {
      const healthy = healthyMap(t.pipe);
      const hung: Deferred<Element> = deferred<Element>();
      const entered = deferred<void>();
      let k = 0;
      let wasEntered = false;
      const hang = (call: number): Promise<Element> | undefined => {
        if (call !== k) return undefined;
        wasEntered = true;
        entered.resolve();
        return hung.promise;
      };
      const stepTimeoutMs = t.stop === 'timeout' ? t.stepTimeoutMs : undefined;
      const pipeline =
        t.where === 'map'
          ? buildPipeline(t.pipe, {
              map: (e, call) => hang(call) ?? healthy(e),
              stepTimeoutMs,
            })
          : buildPipeline(t.pipe, {
              source: {
                source: userSource(t.pipe.length, t.pipe.tensors, hang),
                length: t.pipe.length,
              },
              stepTimeoutMs,
            });
      // The hang fires at one of the examples of the map's producers, or of the user source.
      k = callAt(t.at, t.where === 'map' ? pipeline.total : t.pipe.length);
      const err = injectedError(t.error, `stopped during the hang at call ${k}`);
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry: pipeline.registry });
      const consumer = consume(pipeline.batches, t.pipe.consumerPace);
      // On a loaded machine a stage timeout may fire at a slow step before the hang is
      // reached: that is a stage timeout too, and is checked as one below.
      const stoppedFirst = await within(
        Promise.race([entered.promise.then(() => false), coord.waitForStop()]),
        5000,
      );
      if (stoppedFirst) {
        expect(t.stop).toBe('timeout');
      } else if (t.stop !== 'timeout') {
        const wait = pause(t.stopPace);
        if (wait !== undefined) await wait;
        expect(coord.shouldStop()).toBe(false);
        if (t.stop === 'clean') coord.requestStop();
        else coord.requestStop(err);
      }
      const { end } = await consumer;
      let expected: unknown = t.stop === 'error' ? err : NO_ERROR;
      if (t.stop === 'timeout') {
        expected = expectStepTimeout(end, BATCH_QUEUE, '\\d', t.stepTimeoutMs);
      }
      expectEnd(end, expected);
      coord.requestStop();
      await joinAndCheck(coord, threads, pipeline, expected);
      // Healthy calls abandoned at the stop may still be running: let them end (what
      // they return is disposed). A map's pending chunk may still hold tensors until the
      // hung call settles (see the failing test at the end of this file); everything else
      // is released by now.
      await until(() => inFlight === 0, 5000);
      await settle();
      expect(tf.memory().numTensors).toBe(startTensors);
      if (!wasEntered) {
        // A stage timeout came first (see above): nobody waits for the hung call.
      } else if (t.late === 'resolve') {
        hung.resolve(
          t.where === 'map'
            ? plainMap(exampleOf(0, false), t.pipe.tensors)
            : exampleOf(USER_FIRST_ID, t.pipe.tensors),
        );
      } else if (t.late === 'reject') {
        hung.reject(new Error('late failure after the stop'));
      }
    });
  });
});

describe('fault injection (randomized trials, continued)', () => {
  test('a user source that throws or rejects at a random call (60 trials)', async () => {
    const arb = fc.record({
      pipe: pipeArb({ sleepyMap: true }),
      fault: fc.constantFrom('throwSync', 'reject'),
      at: fc.integer({ min: 0, max: 999 }),
      error: errorKindArb,
    });
    await trials(arb, { numRuns: 60, seed: SEED + 2 }, async (t) => {
      // Only the user source's calls count: the fault fires at one of its examples.
      const k = callAt(t.at, t.pipe.length);
      const err = injectedError(t.error, `source failed at call ${k}`);
      const source = userSource(t.pipe.length, t.pipe.tensors, (call) => {
        if (call !== k) return undefined;
        if (t.fault === 'throwSync') throw err;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the injected failure is deliberately not always an Error
        return Promise.reject(err);
      });
      const pipeline = buildPipeline(t.pipe, {
        map: t.pipe.tensors ? (e) => plainMap(e, true) : undefined,
        source: { source, length: t.pipe.length },
      });
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry: pipeline.registry });
      const { end } = await consume(pipeline.batches, t.pipe.consumerPace);
      expectEnd(end, err);
      coord.requestStop();
      await joinAndCheck(coord, threads, pipeline, err);
    });
  });

  test('a user enqueue op that throws, rejects or hangs past stepTimeoutMs (100 trials)', async () => {
    const arb = fc.record({
      pipe: pipeArb({ sleepyMap: false }),
      numOps: fc.integer({ min: 1, max: 3 }),
      queueCapacity: fc.integer({ min: 1, max: 8 }),
      fault: fc.constantFrom('throwSync', 'reject', 'hang'),
      at: fc.integer({ min: 0, max: 999 }),
      stepTimeoutMs: fc.integer({ min: 40, max: 80 }),
      consumer: fc.constantFrom('batch', 'direct'),
      error: errorKindArb,
    });
    await trials(arb, { numRuns: 100, seed: SEED + 3 }, async (t) => {
      const spec: PipeSpec = { ...t.pipe, batcher: 'batch', joinWidth: 1 };
      const registry = new QueueRunnerRegistry();
      const producer = specProducer(spec, 0, registry);
      const upstream: Source<Element> = spec.tensors
        ? producer.map((e) => plainMap(e, true))
        : producer;
      const total = spec.length * spec.numEpochs;
      const k = callAt(t.at, total);
      const err = injectedError(t.error, `enqueue op failed at step ${k}`);
      const q = new FIFOQueue<Element>({ capacity: t.queueCapacity, name: 'manual' });
      let steps = 0;
      const op: EnqueueOp = (context) => {
        if (++steps === k) {
          if (t.fault === 'throwSync') throw err;
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the injected failure is deliberately not always an Error
          if (t.fault === 'reject') return Promise.reject(err);
          return new Promise<void>(() => undefined);
        }
        return (async () => {
          const e = await upstream.dequeue({ signal: context.signal });
          // Waiting for room is not part of a step's work (where the runner can tell).
          try {
            await context.untimed(q.enqueue(e, { signal: context.signal }));
          } catch (error) {
            // The documented way: release what the rejected enqueue did not store.
            disposeTensorsIn(notEnqueued(error));
            throw error;
          }
        })();
      };
      const runner = new QueueRunner<Element>({
        queue: q,
        enqueueOps: Array.from({ length: t.numOps }, () => op),
        ...(t.fault === 'hang' ? { stepTimeoutMs: t.stepTimeoutMs } : {}),
      });
      registry.addQueueRunner(runner);
      const queues: QueueLike[] = [producer.queue, q];
      const coord = new Coordinator();
      let consumed: Promise<Consumed>;
      let threads: Thread[];
      if (t.consumer === 'batch') {
        const batches = batch(q, batcherOptions(spec, registry));
        queues.push(batches.queue);
        threads = startQueueRunners({ coord, registry });
        consumed = consume(batches, spec.consumerPace);
      } else {
        threads = startQueueRunners({ coord, registry });
        consumed = (async () => {
          for (let count = 0; ; count++) {
            try {
              disposeTensorsIn(await q.dequeue());
            } catch (error) {
              return { batches: count, end: error };
            }
          }
        })();
      }
      const { end } = await consumed;
      let expected = err;
      if (t.fault === 'hang') {
        // The hung op's thread, or (on a loaded machine) a step slower than the limit
        // before the hang was reached.
        expected = expectStepTimeout(end, 'manual', `[0-${t.numOps - 1}]`, t.stepTimeoutMs);
      }
      expectEnd(end, expected);
      coord.requestStop();
      await joinAndCheck(coord, threads, { queues }, expected);
      expect(runner.exceptionsRaised).toEqual([]);
    });
  });

  test('a coordinator stop at a random moment, clean or with an error (100 trials)', async () => {
    const arb = fc.record({
      pipe: pipeArb({ sleepyMap: true }),
      trigger: fc.constantFrom('consumer', 'timer', 'map'),
      at: fc.integer({ min: 0, max: 999 }),
      withError: fc.boolean(),
      error: errorKindArb,
    });
    await trials(arb, { numRuns: 100, seed: SEED + 4 }, async (t) => {
      const healthy = healthyMap(t.pipe);
      let k = 0;
      let stopped = false;
      let err: unknown = NO_ERROR;
      const coord = new Coordinator();
      const stop = (): void => {
        stopped = true;
        if (t.withError) coord.requestStop(err);
        else coord.requestStop();
      };
      const pipeline = buildPipeline(t.pipe, {
        map: (e, call) => {
          if (t.trigger === 'map' && call === k) stop();
          return healthy(e);
        },
      });
      k = callAt(t.at, pipeline.total);
      if (t.withError) err = injectedError(t.error, `stop requested (${t.trigger}, ${k})`);
      const expectedBatches = Math.ceil(pipeline.total / t.pipe.batchSize);
      const leaveAfter = Math.floor((t.at * (expectedBatches + 1)) / 1000);
      const threads = startQueueRunners({ coord, registry: pipeline.registry });
      let timer: NodeJS.Timeout | undefined;
      if (t.trigger === 'timer') timer = setTimeout(stop, t.at % 5);
      let afterStop = 0;
      const { end } = await consume(pipeline.batches, t.pipe.consumerPace, (count) => {
        if (stopped) afterStop++;
        if (t.trigger === 'consumer' && count === leaveAfter) stop();
        return undefined;
      });
      // The consumer saw the end: from here on, a stop is the test's own clean one.
      clearTimeout(timer);
      const cause = stopped && t.withError ? err : NO_ERROR;
      expectEnd(end, cause);
      // A stop releases the consumer at once: after a stop it requested itself, no
      // further batch comes.
      if (t.trigger === 'consumer') expect(afterStop).toBe(0);
      coord.requestStop();
      await joinAndCheck(coord, threads, pipeline, cause);
    });
  });

  test('a consumer that walks away mid-epoch, then stops the coordinator (60 trials)', async () => {
    const arb = fc.record({
      pipe: pipeArb({ sleepyMap: true }),
      how: fc.constantFrom('break', 'return', 'pending'),
      after: fc.integer({ min: 0, max: 6 }),
      stopPace: fc.constantFrom<Pace>(0, 1, 2, 3, 4),
      mapped: fc.boolean(),
    });
    await trials(arb, { numRuns: 60, seed: SEED + 5 }, async (t) => {
      const pipeline = buildPipeline(t.pipe, {
        map: t.mapped ? healthyMap(t.pipe) : undefined,
      });
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry: pipeline.registry });
      let count = 0;
      if (t.how === 'break') {
        if (t.after > 0) {
          for await (const b of pipeline.batches) {
            disposeBatch(b);
            if (++count >= t.after) break;
          }
        }
      } else {
        while (count < t.after) {
          try {
            disposeBatch(await pipeline.batches.dequeue());
          } catch (error) {
            expectEnd(error, NO_ERROR);
            break;
          }
          count++;
        }
      }
      // 'pending': one more dequeue nobody waits for, pending across the stop.
      let pending: Promise<unknown> | undefined;
      if (t.how === 'pending') {
        pending = pipeline.batches.dequeue().then(
          (b) => {
            disposeBatch(b);
            return NO_ERROR;
          },
          (error: unknown) => error,
        );
      }
      const wait = pause(t.stopPace);
      if (wait !== undefined) await wait;
      coord.requestStop();
      if (pending !== undefined) {
        const outcome = await within(pending, 2000);
        if (outcome !== NO_ERROR) expectEnd(outcome, NO_ERROR);
      }
      await joinAndCheck(coord, threads, pipeline, NO_ERROR);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Minimal repros of the bugs the trials found (fixed in the library).

describe('known bugs (minimal repros)', () => {
  test('releases the mapped part of a hung chunk by the time join settles', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const entered = deferred<void>();
    let calls = 0;
    const source = sliceInputProducer<Element>([[1, 2, 3, 4]], {
      numEpochs: 1,
      shuffle: false,
      registry,
    }).map((e): Element | Promise<Element> => {
      calls++;
      if (calls === 2) {
        entered.resolve();
        return new Promise<Element>(() => undefined);
      }
      return [tf.scalar((e as [number])[0])];
    });
    const batches = batch(source, { batchSize: 4, output: 'arrays', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const pending = batches.dequeue().then(
      () => NO_ERROR,
      (error: unknown) => error,
    );
    await within(entered.promise);
    expect(calls).toBe(2);
    coord.requestStop();
    expectEnd(await within(pending), NO_ERROR);
    await within(coord.join(threads));
    expect(threads.map((t) => t.isAlive())).toEqual([false, false]);
    // The first example's tensor, mapped in the same chunk, is still alive here.
    expect(tf.memory().numTensors).toBe(start);
  });

  test('notEnqueued gives back the elements of an enqueue on a closed queue', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'closed' });
    await q.close();
    const error = await rejection(q.enqueueMany([7, 8]));
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toBe("FIFOQueue 'closed' is closed");
    expect(notEnqueued(error)).toEqual([7, 8]);
  });

  test('notEnqueued gives back the element of an enqueue with an aborted signal', async () => {
    const q = new FIFOQueue<number>({ capacity: 2, name: 'open' });
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(q.enqueue(7, { signal: controller.signal }));
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toBe("enqueue on FIFOQueue 'open' was aborted");
    expect(notEnqueued(error)).toEqual([7]);
  });

  test('a user op releases its element when a stop lands before its enqueue', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const upstream = sliceInputProducer<Element>([[1, 2, 3]], {
      numEpochs: 1,
      shuffle: false,
      registry,
    }).map((e): Element => [tf.scalar((e as [number])[0])]);
    const q = new FIFOQueue<Element>({ capacity: 4, name: 'user' });
    const coord = new Coordinator();
    const op: EnqueueOp = async ({ signal }) => {
      const e = await upstream.dequeue({ signal });
      coord.requestStop(); // the stop lands here, after the dequeue, before the enqueue
      try {
        await q.enqueue(e, { signal });
      } catch (error) {
        disposeTensorsIn(notEnqueued(error));
        throw error;
      }
    };
    registry.addQueueRunner(new QueueRunner<Element>({ queue: q, enqueueOps: [op] }));
    const threads = startQueueRunners({ coord, registry });
    await within(coord.join(threads));
    expect(q.isClosed).toBe(true);
    expect(tf.memory().numTensors).toBe(start);
  });

  test('a map rejecting without a reason is not disguised as the end of input', async () => {
    const registry = new QueueRunnerRegistry();
    let calls = 0;
    const source = sliceInputProducer<Element>([[1, 2, 3, 4, 5, 6]], {
      numEpochs: 1,
      shuffle: false,
      registry,
    }).map((e) =>
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the very case under test
      ++calls === 3 ? Promise.reject<Element>() : e,
    );
    const batches = batch(source, { batchSize: 2, output: 'arrays', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: count, end } = await within(consume(batches, []));
    // Input ended after one batch of three, because the map failed...
    expect(count).toBe(1);
    expect(end).toBeInstanceOf(OutOfRangeError);
    // ...which the consumer and join must be told.
    const cause = (end as OutOfRangeError).cause;
    expect(cause).toBeInstanceOf(Error);
    coord.requestStop();
    await joinAndCheck(coord, threads, { queues: [batches.queue] }, cause);
  });
});
