/**
 * Bad input, table-driven, over every public function, constructor, method and option of
 * `queuefeed`: each row calls one API with one bad value and asserts the error class, that the
 * message names the argument and the value given, that the call returned a rejected promise
 * if (and only if) the API is async, and that nothing was left behind: no runner registered
 * (in the row's own fresh registry or in `defaultRegistry`), no thread running or failure
 * reported (the row's coordinator joins at once and cleanly), no tensor leaked.
 *
 * `BAD_INPUT_MD=<file> npx jest test/bad-input.test.ts` also writes the table as markdown
 * (function, argument, bad value, error) with the messages the run saw.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import {
  ColumnReader,
  Coordinator,
  FIFOQueue,
  FailedPreconditionError,
  IndexSource,
  InvalidArgumentError,
  LooperThread,
  MappedSource,
  OutOfRangeError,
  PaddingFIFOQueue,
  PriorityQueue,
  QueueRunner,
  QueueRunnerRegistry,
  RandomShuffleQueue,
  SourceBase,
  addQueueRunner,
  batch,
  batchIter,
  batchJoin,
  defaultRegistry,
  failedStage,
  inputProducer,
  limitEpochs,
  loadEmbeddedFashionMnist,
  loadMnist,
  loadMnistSplit,
  maybeBatch,
  parseIdx,
  rangeInputProducer,
  readColumns,
  readIdxFile,
  shuffleBatch,
  shuffleBatchJoin,
  sliceInputProducer,
  splitTrainHeldOut,
  startQueueRunners,
  stringInputProducer,
  tf,
  tfImpl,
  toDataset,
  trainLoop,
  useBackend,
  type ElementSpec,
  type EnqueueOp,
  type ErrorClass,
  type Source,
} from '../index.js';
import { describeValue } from '../src/validate.js';
import { rejection, state, within } from './helpers/async.js';
import { expectInvalid } from './helpers/expect-invalid.js';

jest.setTimeout(10000);

/** What each row's call gets: its own registry and coordinator, and a tensor tracker. */
interface Ctx {
  readonly registry: QueueRunnerRegistry;
  readonly coord: Coordinator;
  /** Keeps `t` to dispose after the row (input tensors stay the caller's). */
  tensor<T extends Tensor>(t: T): T;
}

interface Row {
  /** The API called, as a user writes it. */
  readonly fn: string;
  /** The argument or option, for the table. */
  readonly arg: string;
  /** What the message must show in backquotes: the argument's name (default `arg`). */
  readonly names: string;
  /** The bad value as code, for the table. */
  readonly bad: string;
  /** How the message must show the value. */
  readonly shows: string;
  /** Calls the API with the bad value. */
  readonly call: (ctx: Ctx) => unknown;
  /** The error class. Default `InvalidArgumentError`. */
  readonly error: ErrorClass;
  /** True when the API is async: it must return a rejected promise, not throw. */
  readonly async: boolean;
  /** Runners the row registered on purpose before the bad call (which must start none). */
  readonly keeps: number;
}

interface RowOptions {
  readonly names?: string;
  readonly bad?: string;
  readonly shows?: string;
  readonly error?: ErrorClass;
  readonly async?: boolean;
  readonly keeps?: number;
}

const rows: Row[] = [];

/** Adds a row: `call(value, ctx)` must fail on `value`, named as `arg`. */
function add(
  fn: string,
  arg: string,
  value: unknown,
  call: (value: unknown, ctx: Ctx) => unknown,
  options: RowOptions = {},
): void {
  rows.push({
    fn,
    arg,
    names: options.names ?? arg,
    bad: options.bad ?? code(value),
    shows: options.shows ?? describeValue(value),
    call: (ctx) => call(value, ctx),
    error: options.error ?? InvalidArgumentError,
    async: options.async ?? false,
    keeps: options.keeps ?? 0,
  });
}

/** A value as code, for the table. */
function code(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'symbol') return `Symbol('${value.description ?? ''}')`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return value.name === '' ? '() => {}' : value.name;
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'object') return typeof value;
  if (value instanceof DataView) return `new DataView(new ArrayBuffer(${value.byteLength}))`;
  if (ArrayBuffer.isView(value)) {
    return `new ${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  }
  if (value instanceof URL) return `new URL('${value.href}')`;
  if (Array.isArray(value)) return `[${value.map(code).join(', ')}]`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return `new ${(value as { constructor: { name: string } }).constructor.name}()`;
  }
  const entries = Object.entries(value).map(([k, v]) => `${k}: ${code(v)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A message that names `` `arg` `` and shows the value, in any order. */
function namesBoth(arg: string, shows: string): RegExp {
  return new RegExp(`^(?=[\\s\\S]*\`${escape(arg)}\`)(?=[\\s\\S]*${escape(shows)})`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: valid values for the arguments a row does not make bad.

/** A user source that never gives anything (and registers nothing). */
function userSource(spec?: ElementSpec): Source<[Float32Array, number]> {
  const never = new Promise<[Float32Array, number]>(() => undefined);
  return spec === undefined
    ? { dequeue: () => never }
    : { dequeue: () => never, elementSpec: spec };
}

const pairSpec: ElementSpec = {
  structure: { kind: 'tuple', length: 2 },
  components: [
    { dtype: 'float32', shape: [4] },
    { dtype: 'float32', shape: [] },
  ],
};
const tripleSpec: ElementSpec = {
  structure: { kind: 'tuple', length: 3 },
  components: [
    { dtype: 'float32', shape: [4] },
    { dtype: 'float32', shape: [] },
    { dtype: 'float32', shape: [] },
  ],
};
const recordSpec = (keys: string[]): ElementSpec => ({
  structure: { kind: 'record', keys },
  components: keys.map(() => ({ dtype: 'float32', shape: [] })),
});
const intPairSpec: ElementSpec = {
  structure: { kind: 'tuple', length: 2 },
  components: [
    { dtype: 'int32', shape: [4] },
    { dtype: 'float32', shape: [] },
  ],
};

class ListSource extends SourceBase<number> {
  dequeue(): Promise<number> {
    return Promise.reject(new OutOfRangeError('empty'));
  }
}

const op: EnqueueOp = () => undefined;
const fifo = (): FIFOQueue<number> => new FIFOQueue<number>({ capacity: 4 });
const split3 = {
  images: { data: new Float32Array(6), shape: [3, 2] as [number, number] },
  labels: { data: new Int32Array(3), shape: [3] as [number] },
};
/** A pipeline of two runners in `registry`, never started. */
const pendingBatches = (registry: QueueRunnerRegistry): Source<Tensor> =>
  batch(rangeInputProducer(4, { numEpochs: 1, registry }), { batchSize: 2, registry });

const positiveInts: readonly unknown[] = [0, -1, 1.5, NaN, Infinity, '10', null, 10n];
const nonNegativeMsValues: readonly unknown[] = [-1, NaN, Infinity, '100'];
const positiveMsValues: readonly unknown[] = [0, -1, NaN, Infinity, '100', -Infinity];
// `null` for an optional option means "not given" (the default), as `undefined` does.
const booleans: readonly unknown[] = ['yes', 1, 'false'];

// ---------------------------------------------------------------------------------------------
// Queues.

add('new FIFOQueue(options)', 'options', undefined, (v) => new FIFOQueue(v as never));
add('new FIFOQueue(options)', 'options', null, (v) => new FIFOQueue(v as never));
add('new FIFOQueue(options)', 'options', 32, (v) => new FIFOQueue(v as never));
for (const v of [...positiveInts, undefined, Symbol('n')]) {
  add('new FIFOQueue(options)', 'capacity', v, (c) => new FIFOQueue({ capacity: c as never }));
}
for (const v of ['', 7, {}]) {
  add('new FIFOQueue(options)', 'name', v, (n) => new FIFOQueue({ capacity: 1, name: n as never }));
}
add('new RandomShuffleQueue(options)', 'capacity', 0, (v) => {
  return new RandomShuffleQueue({ capacity: v as never });
});
for (const v of [-1, 1.5, NaN, '2']) {
  add('new RandomShuffleQueue(options)', 'minAfterDequeue', v, (m) => {
    return new RandomShuffleQueue({ capacity: 10, minAfterDequeue: m as never });
  });
}
for (const v of [10, 11]) {
  add(
    'new RandomShuffleQueue(options)',
    'minAfterDequeue',
    v,
    (m) => new RandomShuffleQueue({ capacity: 10, minAfterDequeue: m as never }),
    { bad: `${v} with capacity 10` },
  );
}
for (const v of [1.5, NaN, 'seven', Infinity]) {
  add('new RandomShuffleQueue(options)', 'seed', v, (s) => {
    return new RandomShuffleQueue({ capacity: 10, seed: s as never });
  });
}
add('new PaddingFIFOQueue(options)', 'capacity', -1, (v) => {
  return new PaddingFIFOQueue({ capacity: v as never });
});
for (const v of ['[null]', 3]) {
  add('new PaddingFIFOQueue(options)', 'shapes', v, (s) => {
    return new PaddingFIFOQueue({ capacity: 4, shapes: s as never });
  });
}
add('new PriorityQueue(options)', 'capacity', NaN, (v) => {
  return new PriorityQueue({ capacity: v as never });
});

for (const v of ['abc', null, 3, new Set([1])]) {
  add('queue.enqueueMany(elements)', 'elements', v, (e) => fifo().enqueueMany(e as never), {
    async: true,
  });
}
for (const method of ['dequeueMany', 'dequeueUpTo'] as const) {
  for (const v of [-1, 1.5, NaN, Infinity, '2', undefined]) {
    add(`queue.${method}(n)`, 'n', v, (n) => fifo()[method](n as never), { async: true });
  }
}
for (const v of nonNegativeMsValues) {
  add(
    'queue.dequeue({ timeoutMs })',
    'timeoutMs',
    v,
    (t) => fifo().dequeue({ timeoutMs: t as never }),
    {
      async: true,
    },
  );
}
add(
  'queue.enqueue(element, { timeoutMs })',
  'timeoutMs',
  -5,
  (t) => {
    return fifo().enqueue(1, { timeoutMs: t as never });
  },
  { async: true },
);
for (const v of ['abort', {}, new AbortController()]) {
  add(
    'queue.enqueue(element, { signal })',
    'signal',
    v,
    (s) => {
      return fifo().enqueue(1, { signal: s as never });
    },
    { async: true },
  );
}
add('queue.dequeue({ signal })', 'signal', true, (s) => fifo().dequeue({ signal: s as never }), {
  async: true,
});
for (const v of ['fast', null, 5]) {
  add('queue.dequeue(options)', 'options', v, (o) => fifo().dequeue(o as never), { async: true });
}
for (const v of ['now', null]) {
  add('queue.close(options)', 'options', v, (o) => fifo().close(o as never), { async: true });
}
for (const v of ['yes', 1]) {
  add(
    'queue.close({ cancelPendingEnqueues })',
    'cancelPendingEnqueues',
    v,
    (c) => {
      return fifo().close({ cancelPendingEnqueues: c as never });
    },
    { async: true },
  );
}
for (const v of ['x', [], ['a', 1], [1.5, 'a'], [NaN], [Infinity]]) {
  const priority = Array.isArray(v) && v.length > 0;
  add(
    'priorityQueue.enqueue(element)',
    priority ? 'element[0] (priority)' : 'element',
    v,
    (e) => new PriorityQueue({ capacity: 4 }).enqueue(e as never),
    { async: true, shows: priority ? describeValue((v as unknown[])[0]) : describeValue(v) },
  );
}
add(
  'priorityQueue.enqueueMany(elements)',
  'elements[1][0] (priority)',
  [[1, 'a'], ['b']],
  (e) => new PriorityQueue({ capacity: 4 }).enqueueMany(e as never),
  { async: true, shows: describeValue('b') },
);
for (const v of [true, Symbol('s'), {}, [], new Map(), () => 1]) {
  add(
    'paddingQueue.enqueue(element)',
    'element',
    v,
    (e) => {
      return new PaddingFIFOQueue({ capacity: 4 }).enqueue(e as never);
    },
    { async: true },
  );
}

// ---------------------------------------------------------------------------------------------
// Coordinator, LooperThread.

for (const v of [null, 5, 'clean']) {
  add('new Coordinator(options)', 'options', v, (o) => new Coordinator(o as never));
}
for (const v of ['OutOfRangeError', [], [String], [42], [Object], [OutOfRangeError, null]]) {
  add('new Coordinator(options)', 'cleanStopErrorTypes', v, (t) => {
    return new Coordinator({ cleanStopErrorTypes: t as never });
  });
}
for (const v of nonNegativeMsValues) {
  add(
    'coord.waitForStop(timeoutMs)',
    'timeoutMs',
    v,
    (t, ctx) => ctx.coord.waitForStop(t as never),
    {
      async: true,
    },
  );
}
for (const v of [null, 'thread', { name: 't' }, { name: 't', done: 1, isAlive: () => true }]) {
  add('coord.registerThread(thread)', 'thread', v, (t, ctx) =>
    ctx.coord.registerThread(t as never),
  );
}
for (const v of ['work', undefined, 42]) {
  add('coord.stopOnException(fn)', 'fn', v, (f, ctx) => ctx.coord.stopOnException(f as never), {
    async: true,
  });
}
for (const v of ['abc', 42, null]) {
  add('coord.join(threads)', 'threads', v, (t) => new Coordinator().join(t as never), {
    async: true,
  });
}
add('coord.join(threads)', 'threads', [{}], (t) => new Coordinator().join(t as never), {
  async: true,
  shows: describeValue({}),
});
for (const v of [-1, NaN, '5']) {
  add(
    'coord.join(threads, { stopGracePeriodMs })',
    'stopGracePeriodMs',
    v,
    (g) => {
      return new Coordinator().join([], { stopGracePeriodMs: g as never });
    },
    { async: true },
  );
}
add(
  'coord.join(threads, { ignoreLiveThreads })',
  'ignoreLiveThreads',
  'yes',
  (i) => {
    return new Coordinator().join([], { ignoreLiveThreads: i as never });
  },
  { async: true },
);
add(
  'coord.join(threads, options)',
  'options',
  null,
  (o) => new Coordinator().join([], o as never),
  {
    async: true,
  },
);
for (const v of [{}, 'coord', null]) {
  add('new LooperThread(coord, intervalMs)', 'coord', v, (c) => new LooperThread(c as never, 10));
}
for (const v of [...nonNegativeMsValues, undefined]) {
  add('new LooperThread(coord, intervalMs)', 'intervalMs', v, (i, ctx) => {
    return new LooperThread(ctx.coord, i as never);
  });
}
add('new LooperThread(coord, intervalMs, target)', 'target', 'tick', (t, ctx) => {
  return new LooperThread(ctx.coord, 10, t as never);
});
add('new LooperThread(coord, intervalMs, target, options)', 'options', 5, (o, ctx) => {
  return new LooperThread(ctx.coord, 10, undefined, o as never);
});
for (const v of ['', 3]) {
  add('new LooperThread(coord, intervalMs, target, { name })', 'name', v, (n, ctx) => {
    return new LooperThread(ctx.coord, 10, undefined, { name: n as never });
  });
}
for (const v of [undefined, 'tick', 1]) {
  add('LooperThread.loop(coord, intervalMs, target)', 'target', v, (t, ctx) => {
    return LooperThread.loop(ctx.coord, 10, t as never);
  });
}
add('LooperThread.loop(coord, intervalMs, target)', 'intervalMs', -1, (i, ctx) => {
  return LooperThread.loop(ctx.coord, i as never, () => undefined);
});
add('LooperThread.loop(coord, intervalMs, target)', 'coord', undefined, (c) => {
  return LooperThread.loop(c as never, 10, () => undefined);
});

// ---------------------------------------------------------------------------------------------
// QueueRunner, registry.

for (const v of [null, 5, undefined]) {
  add('new QueueRunner(options)', 'options', v, (o) => new QueueRunner(o as never));
}
for (const v of [{}, 'queue', [], null, { name: 'q', close: () => undefined }]) {
  add(
    'new QueueRunner(options)',
    'queue',
    v,
    (q) => new QueueRunner({ queue: q as never, enqueueOps: [op] }),
  );
}
for (const v of [[], 'op', [1], [op, 'op'], undefined]) {
  add('new QueueRunner(options)', 'enqueueOps', v, (o) => {
    return new QueueRunner({ queue: fifo(), enqueueOps: o as never });
  });
}
for (const key of ['closeOp', 'cancelOp', 'onDiscard'] as const) {
  add('new QueueRunner(options)', key, 'close', (f) => {
    return new QueueRunner({ queue: fifo(), enqueueOps: [op], [key]: f as never });
  });
}
for (const v of [[], ['x'], 'OutOfRangeError', [Object]]) {
  add('new QueueRunner(options)', 'queueClosedErrorTypes', v, (t) => {
    return new QueueRunner({ queue: fifo(), enqueueOps: [op], queueClosedErrorTypes: t as never });
  });
}
for (const v of nonNegativeMsValues) {
  add('new QueueRunner(options)', 'startTimeoutMs', v, (t) => {
    return new QueueRunner({ queue: fifo(), enqueueOps: [op], startTimeoutMs: t as never });
  });
}
for (const v of positiveMsValues) {
  add('new QueueRunner(options)', 'stepTimeoutMs', v, (t) => {
    return new QueueRunner({ queue: fifo(), enqueueOps: [op], stepTimeoutMs: t as never });
  });
}
for (const v of ['coord', {}, null]) {
  add('runner.createThreads(coord)', 'coord', v, (c) => {
    return new QueueRunner({ queue: fifo(), enqueueOps: [op] }).createThreads(c as never);
  });
}
for (const v of [{}, null, 'runner']) {
  add('registry.addQueueRunner(runner)', 'runner', v, (r, ctx) =>
    ctx.registry.addQueueRunner(r as never),
  );
}
add('addQueueRunner(runner)', 'runner', {}, (r) => addQueueRunner(r as never));
for (const v of [{}, 'default', null]) {
  add('addQueueRunner(runner, registry)', 'registry', v, (g) => {
    return addQueueRunner(new QueueRunner({ queue: fifo(), enqueueOps: [op] }), g as never);
  });
}
for (const v of [null, 5]) {
  add('startQueueRunners(options)', 'options', v, (o) => startQueueRunners(o as never));
}
add('startQueueRunners({ registry })', 'registry', [], (g) =>
  startQueueRunners({ registry: g as never }),
);
for (const v of ['coord', {}]) {
  add('startQueueRunners({ coord })', 'coord', v, (c, ctx) => {
    return startQueueRunners({ coord: c as never, registry: ctx.registry });
  });
}

// ---------------------------------------------------------------------------------------------
// Sources, limitEpochs, producers.

for (const v of [0, -1, 1.5, NaN, Infinity, '2', null]) {
  add('limitEpochs(value, numEpochs)', 'numEpochs', v, (n) => limitEpochs('x', n as never));
}
for (const v of ['double', 3, null]) {
  add('source.map(fn)', 'fn', v, (f) => new ListSource().map(f as never));
}
add(
  'new MappedSource(upstream, fn)',
  'upstream',
  {},
  (u) => new MappedSource(u as never, (x) => x),
);
for (const v of [0, -3, 2.5]) {
  add('new IndexSource(count, ...)', 'count', v, (c, ctx) => {
    return new IndexSource(c as never, (i) => i, { registry: ctx.registry }, 'idx');
  });
}
add('new IndexSource(count, elementAt, ...)', 'elementAt', 'row', (f, ctx) => {
  return new IndexSource(3, f as never, { registry: ctx.registry }, 'idx');
});

for (const v of [0, -1, 1.5, NaN, Infinity, '5', undefined]) {
  add('rangeInputProducer(limit)', 'limit', v, (l, ctx) => {
    return rangeInputProducer(l as never, { registry: ctx.registry });
  });
}
for (const v of [null, 5, 'opts']) {
  add('rangeInputProducer(limit, options)', 'options', v, (o) => rangeInputProducer(3, o as never));
}

/** The options every producer takes, each with a few bad values. */
const producerOptionCases: readonly [string, readonly unknown[]][] = [
  ['numEpochs', [0, -1, 1.5, NaN, Infinity, '1']],
  ['capacity', [0, -1, NaN, '32']],
  ['shuffle', booleans],
  ['seed', [1.5, NaN, '7', Infinity]],
  ['name', ['', 9]],
  ['registry', [{}, 'default']],
  ['startTimeoutMs', nonNegativeMsValues],
  ['stepTimeoutMs', positiveMsValues],
];
for (const [key, values] of producerOptionCases) {
  for (const v of values) {
    add(`rangeInputProducer(limit, { ${key} })`, key, v, (x, ctx) => {
      return rangeInputProducer(3, { registry: ctx.registry, [key]: x });
    });
  }
}
const producerCalls: readonly [string, (options: object) => unknown][] = [
  ['stringInputProducer', (o) => stringInputProducer(['a'], o)],
  ['inputProducer', (o) => inputProducer([1, 2, 3], o)],
  ['sliceInputProducer', (o) => sliceInputProducer([[1, 2, 3]], o)],
];
for (const [name, call] of producerCalls) {
  for (const [key, v] of [
    ['numEpochs', 0],
    ['capacity', -1],
    ['shuffle', 'no'],
    ['seed', 0.5],
    ['stepTimeoutMs', 0],
    ['stepTimeoutMs', NaN],
    ['startTimeoutMs', -1],
    ['registry', {}],
  ] as const) {
    add(`${name}(..., { ${key} })`, key, v, (x, ctx) => call({ registry: ctx.registry, [key]: x }));
  }
}
for (const [key, v] of [
  ['workers', -1],
  ['workers', 1.5],
  ['workers', '2'],
  ['workerMap', 'relative/map.js'],
  ['workerMap', 42],
  ['workerMap', { module: 'file:///m.js', exportName: '' }],
] as const) {
  add(`sliceInputProducer(..., { ${key} })`, key, v, (x, ctx) =>
    sliceInputProducer([[1, 2, 3]], { registry: ctx.registry, [key]: x }),
  );
}

for (const v of ['a.idx', null, undefined, new Set(['a'])]) {
  add('stringInputProducer(stringTensor)', 'stringTensor', v, (s, ctx) => {
    return stringInputProducer(s as never, { registry: ctx.registry });
  });
}
add(
  'stringInputProducer(stringTensor)',
  'stringTensor',
  [],
  (s, ctx) => {
    return stringInputProducer(s as never, { registry: ctx.registry });
  },
  { shows: 'an empty array' },
);
for (const [v, i] of [
  [['a', 1], 1],
  [['a', null], 1],
  [[Symbol('s')], 0],
] as const) {
  add(
    'stringInputProducer(stringTensor)',
    `stringTensor[${i}]`,
    v,
    (s, ctx) => {
      return stringInputProducer(s as never, { registry: ctx.registry });
    },
    { shows: describeValue(v[i]) },
  );
}

/** Column values that are no column at all, as every column argument sees them. */
const notColumns: readonly unknown[] = [
  undefined,
  null,
  5,
  'abc',
  true,
  Symbol('col'),
  new Map(),
  new BigInt64Array(2),
  new DataView(new ArrayBuffer(4)),
  () => [1, 2],
];
for (const v of notColumns) {
  add('inputProducer(inputTensor)', 'inputTensor', v, (c, ctx) => {
    return inputProducer(c as never, { registry: ctx.registry });
  });
}
/** Columns with the right form and bad contents: [value, argument named, shows]. */
const badColumns: readonly [unknown, string, string, string?][] = [
  [[], 'inputTensor', 'Array(0)'],
  [[true, false], 'inputTensor[0]', '`true` (boolean)'],
  [[1, 'a'], 'inputTensor[1]', '`"a"` (string)'],
  [[[1, 2], [3]], 'inputTensor', '`inputTensor[1]` has length 1, expected 2'],
  [[[1, 2], 3], 'inputTensor[1]', '`3` (number)'],
  [[[1, 'x']], 'inputTensor[0][1]', '`"x"` (string)'],
  [[{}], 'inputTensor[0]', '`object` (object)'],
  [[[Symbol('s')]], 'inputTensor[0][0]', '`Symbol(s)` (symbol)'],
  [{ data: new Float32Array(3), shape: [2, 2] }, 'inputTensor.data', 'Float32Array(3)'],
  [{ data: [1, 2], shape: [2] }, 'inputTensor.data', 'Array(2)'],
  [{ data: new Float32Array(4), shape: [2, -2] }, 'inputTensor.shape', 'Array(2)'],
  [{ data: new Float32Array(4), shape: '2x2' }, 'inputTensor.shape', '"2x2"'],
  [{ data: new Float32Array(0), shape: [0, 2] }, 'inputTensor', 'shape: [0,2]'],
];
for (const [v, arg, shows] of badColumns) {
  add(
    'inputProducer(inputTensor)',
    arg,
    v,
    (c, ctx) => {
      return inputProducer(c as never, { registry: ctx.registry });
    },
    { shows },
  );
}
/** Tensors of a dtype no column takes, and a scalar: [code, dtype/shape shown, make]. */
const badTensors: readonly [string, string, () => Tensor][] = [
  [
    "tf.tensor([true, false], [2], 'bool')",
    'Tensor(bool, [2])',
    () => tf.tensor([true, false], [2], 'bool'),
  ],
  ['tf.complex([1, 2], [3, 4])', 'Tensor(complex64, [2])', () => tf.complex([1, 2], [3, 4])],
  ['tf.scalar(1)', 'Tensor(float32, [])', () => tf.scalar(1)],
];
for (const [bad, shows, make] of badTensors) {
  add(
    'inputProducer(inputTensor)',
    'inputTensor',
    undefined,
    (_, ctx) => {
      return inputProducer(ctx.tensor(make()), { registry: ctx.registry });
    },
    { bad, shows },
  );
  add(
    'sliceInputProducer(tensorList)',
    'tensorList[1]',
    undefined,
    (_, ctx) => {
      return sliceInputProducer([[1, 2], ctx.tensor(make())], { registry: ctx.registry });
    },
    { bad: `[[1, 2], ${bad}]`, shows },
  );
}
for (const [v, names, shows] of [
  ['x', 'elementShape', '`"x"` (string)'],
  [[-1], 'elementShape[0]', '`-1` (number)'],
  [[1.5, 2], 'elementShape[0]', '`1.5` (number)'],
  [[3], 'elementShape', 'got [3]'],
  [[2, 3], 'elementShape', 'to hold 4 values per row'],
  [[null], 'elementShape', 'got [null]: a `null` (variable) dimension needs `dynamicPad: true`'],
] as const) {
  add(
    'inputProducer(inputTensor, { elementShape })',
    'elementShape',
    v,
    (s, ctx) => {
      return inputProducer([[1, 2, 3, 4]], { registry: ctx.registry, elementShape: s as never });
    },
    { names, shows },
  );
}
for (const v of [5, 'abc', null, undefined, true, new Map(), Symbol('cols')]) {
  add('sliceInputProducer(tensorList)', 'tensorList', v, (c, ctx) => {
    return sliceInputProducer(c as never, { registry: ctx.registry });
  });
}
/** Bad column lists: [value, argument named, shows]. */
const badColumnLists: readonly [unknown, string, string][] = [
  [[], 'tensorList', 'Array(0)'],
  [{}, 'tensorList', '`object` (object)'],
  [{ data: new Float32Array(4), shape: [2, 2] }, 'tensorList', 'wrap it in an array'],
  [
    [
      [1, 2, 3],
      [1, 2],
    ],
    'tensorList',
    'column 0 has 3, column 1 has 2',
  ],
  [{ image: [1, 2], label: [1] }, 'tensorList', 'column `image` has 2, column `label` has 1'],
  [[[true]], 'tensorList[0][0]', '`true` (boolean)'],
  [[[{}]], 'tensorList[0][0]', '`object` (object)'],
  [[[[1, 2], [3]]], 'tensorList[0]', '`tensorList[0][1]` has length 1, expected 2'],
  [[[1], new BigInt64Array(1)], 'tensorList[1]', 'BigInt64Array(1)'],
  [[null], 'tensorList[0]', '`null`'],
  [{ x: 'abc' }, 'tensorList.x', '`"abc"` (string)'],
];
for (const [v, arg, shows] of badColumnLists) {
  add(
    'sliceInputProducer(tensorList)',
    arg,
    v,
    (c, ctx) => {
      return sliceInputProducer(c as never, { registry: ctx.registry });
    },
    { shows },
  );
}
for (const [v, arg] of [
  [[], 'features'],
  [5, 'features'],
  [[true], 'features[0]'],
] as const) {
  add(
    'new ColumnReader(column, argName)',
    arg,
    v,
    (c) => new ColumnReader(c as never, 'features'),
    {
      shows: describeValue(v === 5 ? 5 : Array.isArray(v) && v.length > 0 ? true : v),
    },
  );
}
add('readColumns(columns)', 'tensorList', 'x', (c) => readColumns(c as never));

// ---------------------------------------------------------------------------------------------
// Batchers.

/** Every batcher, called with a valid user source and the given options. */
const batchers: readonly [
  string,
  (source: Source<[Float32Array, number]>, options: object) => unknown,
][] = [
  ['batch', (s, o) => batch(s, o as never)],
  ['shuffleBatch', (s, o) => shuffleBatch(s, { minAfterDequeue: 0, ...o } as never)],
  ['batchJoin', (s, o) => batchJoin([s, s], o as never)],
  ['shuffleBatchJoin', (s, o) => shuffleBatchJoin([s, s], { minAfterDequeue: 0, ...o } as never)],
  ['maybeBatch', (s, o) => maybeBatch(s, { keepInput: () => true, ...o } as never)],
];
/** The batchers' shared options, with bad values (`batch` gets them all, others a few). */
const batchOptionCases: readonly [string, readonly unknown[]][] = [
  ['batchSize', [...positiveInts, undefined]],
  ['numThreads', [0, -1, 2.5, 'two']],
  ['capacity', [0, NaN, '32']],
  ['enqueueMany', booleans],
  ['dynamicPad', [1, 'true']],
  ['allowSmallerFinalBatch', ['no', 0]],
  ['output', ['tensors', 'numpy', 42, 'Tensor']],
  ['startTimeoutMs', nonNegativeMsValues],
  ['stepTimeoutMs', positiveMsValues],
  ['registry', [{}, 'default', new Map()]],
  ['name', ['', 7]],
];
for (const [key, values] of batchOptionCases) {
  for (const v of values) {
    add(`batch(source, { ${key} })`, key, v, (x, ctx) => {
      return batch(userSource(), { batchSize: 2, registry: ctx.registry, [key]: x } as never);
    });
  }
}
for (const [name, call] of batchers.slice(1)) {
  for (const [key, v] of [
    ['batchSize', 0],
    ['capacity', -1],
    ['stepTimeoutMs', 0],
    ['stepTimeoutMs', Infinity],
    ['output', 'tensors'],
    ['registry', {}],
  ] as const) {
    add(`${name}(..., { ${key} })`, key, v, (x, ctx) => {
      return call(userSource(), { batchSize: 2, registry: ctx.registry, [key]: x });
    });
  }
}
const withOptions: readonly [string, (options: unknown) => unknown][] = [
  ['batch(source, options)', (o) => batch(userSource(), o as never)],
  ['shuffleBatch(source, options)', (o) => shuffleBatch(userSource(), o as never)],
  ['batchJoin(sources, options)', (o) => batchJoin([userSource()], o as never)],
  ['shuffleBatchJoin(sources, options)', (o) => shuffleBatchJoin([userSource()], o as never)],
  ['maybeBatch(source, options)', (o) => maybeBatch(userSource(), o as never)],
];
for (const [name, call] of withOptions) {
  for (const v of [undefined, null, 5]) add(name, 'options', v, (o) => call(o));
}
for (const v of [null, {}, 'source', 5, { dequeue: 1 }]) {
  add('batch(source)', 'source', v, (s, ctx) =>
    batch(s as never, { batchSize: 2, registry: ctx.registry }),
  );
  add('maybeBatch(source)', 'source', v, (s, ctx) => {
    return maybeBatch(s as never, { batchSize: 2, keepInput: () => true, registry: ctx.registry });
  });
}
add('shuffleBatch(source)', 'source', undefined, (s, ctx) => {
  return shuffleBatch(s as never, { batchSize: 2, minAfterDequeue: 0, registry: ctx.registry });
});
for (const [v, shows] of [
  ['x', describeValue('x')],
  [[], 'an empty array'],
  [new Set(), describeValue(new Set())],
] as const) {
  add(
    'batchJoin(sources)',
    'sources',
    v,
    (s, ctx) => batchJoin(s as never, { batchSize: 2, registry: ctx.registry }),
    {
      shows,
    },
  );
  add(
    'shuffleBatchJoin(sources)',
    'sources',
    v,
    (s, ctx) => {
      return shuffleBatchJoin(s as never, {
        batchSize: 2,
        minAfterDequeue: 0,
        registry: ctx.registry,
      });
    },
    { shows },
  );
}
for (const v of [{}, null]) {
  add(
    'batchJoin(sources)',
    'sources[1]',
    [userSource(), v],
    (s, ctx) => {
      return batchJoin(s as never, { batchSize: 2, registry: ctx.registry });
    },
    { bad: `[source, ${code(v)}]`, shows: describeValue(v) },
  );
}
/** Sources whose elements cannot be batched together: [code, second spec, shows]. */
const mismatched: readonly [string, ElementSpec, ElementSpec, string][] = [
  ['tuples of 2 and 3', pairSpec, tripleSpec, 'got 2 and 3'],
  [
    'records with keys [a, b] and [a, c]',
    recordSpec(['a', 'b']),
    recordSpec(['a', 'c']),
    '["a","b"] and ["a","c"]',
  ],
  ['float32 and int32 rows', pairSpec, intPairSpec, 'float32 [4] in one and int32 [4]'],
  [
    'a tuple and a record',
    pairSpec,
    recordSpec(['a', 'b']),
    'a tuple of 2 components and a record',
  ],
];
for (const [bad, a, b, shows] of mismatched) {
  add(
    'batchJoin(sources)',
    'sources[1]',
    undefined,
    (_, ctx) => {
      return batchJoin([userSource(a), userSource(b)], { batchSize: 2, registry: ctx.registry });
    },
    { bad: `sources giving ${bad}`, shows },
  );
  add(
    'shuffleBatchJoin(sources)',
    'sources[1]',
    undefined,
    (_, ctx) => {
      return shuffleBatchJoin([userSource(a), userSource(b)], {
        batchSize: 2,
        minAfterDequeue: 0,
        registry: ctx.registry,
      });
    },
    { bad: `sources giving ${bad}`, shows },
  );
}
for (const [v, arg, shows] of [
  ['[4]', 'shapes', describeValue('[4]')],
  [[[4]], 'shapes', 'Array(1)'],
  [[[5], []], 'shapes', '[5] holds 5 values, but the rows hold 4'],
  [[[null], []], 'shapes[0]', 'needs `dynamicPad: true`'],
  [[[-1], []], 'shapes[0][0]', '`-1` (number)'],
  [[[2, 2.5], []], 'shapes[0][1]', '`2.5` (number)'],
  [{ image: [4] }, 'shapes', 'record with keys ... not a tuple'],
] as const) {
  add(
    'batch(source, { shapes })',
    arg,
    v,
    (s, ctx) => {
      return batch(userSource(pairSpec), {
        batchSize: 2,
        registry: ctx.registry,
        shapes: s as never,
      });
    },
    { shows: shows === 'record with keys ... not a tuple' ? '`object` (object)' : shows },
  );
}
for (const v of [undefined, -1, 1.5, NaN, '5']) {
  add('shuffleBatch(source, { minAfterDequeue })', 'minAfterDequeue', v, (m, ctx) => {
    return shuffleBatch(userSource(), {
      batchSize: 2,
      registry: ctx.registry,
      minAfterDequeue: m as never,
    });
  });
}
for (const v of [32, 40]) {
  add(
    'shuffleBatch(source, { minAfterDequeue })',
    'minAfterDequeue',
    v,
    (m, ctx) => {
      return shuffleBatch(userSource(), {
        batchSize: 2,
        registry: ctx.registry,
        minAfterDequeue: m as never,
      });
    },
    { bad: `${v} with capacity 32` },
  );
}
for (const v of [1.5, 'seven', NaN]) {
  add('shuffleBatch(source, { seed })', 'seed', v, (x, ctx) => {
    return shuffleBatch(userSource(), {
      batchSize: 2,
      minAfterDequeue: 0,
      registry: ctx.registry,
      seed: x as never,
    });
  });
}
add('shuffleBatchJoin(sources, { minAfterDequeue })', 'minAfterDequeue', undefined, (m, ctx) => {
  return shuffleBatchJoin([userSource()], {
    batchSize: 2,
    registry: ctx.registry,
    minAfterDequeue: m as never,
  });
});
for (const v of [undefined, 'label', 1, true]) {
  add('maybeBatch(source, { keepInput })', 'keepInput', v, (k, ctx) => {
    return maybeBatch(userSource(), {
      batchSize: 2,
      registry: ctx.registry,
      keepInput: k as never,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// batchIter, toDataset, trainLoop.

const features = { data: new Float32Array(6), shape: [3, 2] };
const labels = new Int32Array(3);
for (const v of [5, 'abc', [], undefined, new Map()]) {
  add('batchIter(features, labels, ...)', 'features', v, (f) =>
    batchIter(f as never, labels, 1, 1),
  );
}
add(
  'batchIter(features, labels, ...)',
  'features',
  undefined,
  (_, ctx) => {
    return batchIter(ctx.tensor(tf.tensor([true, false, true], [3], 'bool')), labels, 1, 1);
  },
  { bad: "tf.tensor([true, false, true], [3], 'bool')", shows: 'Tensor(bool, [3])' },
);
add('batchIter(features, labels, ...)', 'labels', null, (l) =>
  batchIter(features, l as never, 1, 1),
);
add(
  'batchIter(features, labels, ...)',
  'labels',
  new Int32Array(2),
  (l) => {
    return batchIter(features, l as never, 1, 1);
  },
  { shows: 'got 3 and 2' },
);
for (const v of [0, -1, NaN, Infinity, '1']) {
  add('batchIter(features, labels, batchSize, ...)', 'batchSize', v, (b) => {
    return batchIter(features, labels, b as never, 1);
  });
}
add(
  'batchIter(features, labels, batchSize, ...)',
  'batchSize',
  4,
  (b) => {
    return batchIter(features, labels, b as never, 1);
  },
  { bad: '4 with 3 examples', shows: 'got 4' },
);
for (const v of [0, -1, 2.5, Infinity, undefined]) {
  add('batchIter(..., numEpochs)', 'numEpochs', v, (n) =>
    batchIter(features, labels, 1, n as never),
  );
}
add('batchIter(..., options)', 'options', null, (o) =>
  batchIter(features, labels, 1, 1, o as never),
);
add('batchIter(..., { shuffle })', 'shuffle', 'yes', (s) =>
  batchIter(features, labels, 1, 1, { shuffle: s as never }),
);
for (const v of [1.5, 'seven']) {
  add('batchIter(..., { seed })', 'seed', v, (s) =>
    batchIter(features, labels, 1, 1, { seed: s as never }),
  );
}
for (const v of [null, {}, 'source', undefined]) {
  add('toDataset(source)', 'source', v, (s) => toDataset(s as never));
}
for (const v of [null, {}, 'batches']) {
  add(
    'trainLoop(batches, step)',
    'batches',
    v,
    (b, ctx) => {
      pendingBatches(ctx.registry);
      return trainLoop(b as never, () => undefined, { registry: ctx.registry });
    },
    { async: true, keeps: 2 },
  );
}
for (const v of [undefined, 'train', 1]) {
  add(
    'trainLoop(batches, step)',
    'step',
    v,
    (s, ctx) => {
      return trainLoop(pendingBatches(ctx.registry), s as never, { registry: ctx.registry });
    },
    { async: true, keeps: 2 },
  );
}
for (const [key, v] of [
  ['coord', {}],
  ['coord', 'coord'],
  ['registry', {}],
  ['stopGracePeriodMs', -1],
  ['stopGracePeriodMs', NaN],
] as const) {
  add(
    `trainLoop(batches, step, { ${key} })`,
    key,
    v,
    (x, ctx) => {
      const batches = pendingBatches(ctx.registry);
      return trainLoop(batches, () => undefined, { registry: ctx.registry, [key]: x });
    },
    { async: true, keeps: 2 },
  );
}
add(
  'trainLoop(batches, step, options)',
  'options',
  null,
  (o, ctx) => {
    return trainLoop(pendingBatches(ctx.registry), () => undefined, o as never);
  },
  { async: true, keeps: 2 },
);

// ---------------------------------------------------------------------------------------------
// IDX and MNIST loaders, tfjs backend.

for (const v of [3, '', null, new URL('file:///x.idx')]) {
  add('readIdxFile(path)', 'path', v, (p) => readIdxFile(p as never), { async: true });
}
add('readIdxFile(path, options)', 'options', 'fast', (o) => readIdxFile('/x.idx', o as never), {
  async: true,
});
add(
  'readIdxFile(path, { signal })',
  'signal',
  'stop',
  (s) => readIdxFile('/x.idx', { signal: s as never }),
  {
    async: true,
  },
);
add('readIdxFile(path)', 'path', '/nonexistent/queuefeed.idx', (p) => readIdxFile(p as never), {
  async: true,
  names: '/nonexistent/queuefeed.idx',
  shows: 'not found',
});
for (const v of ['bytes', [0, 0, 8, 1], new Uint16Array(4), null]) {
  add('parseIdx(bytes, file)', 'bytes', v, (b) => parseIdx(b as never, 'f.idx'));
}
add('parseIdx(bytes, file)', 'file', 7, (f) => parseIdx(new Uint8Array(8), f as never));
for (const [bytes, shows] of [
  [[1, 2, 3, 4], 'found 0x01 0x02'],
  [[0, 0, 0x0a, 1], 'unknown data type byte 0x0a'],
  [[0, 0, 8, 1, 0, 0, 0, 3, 7], 'expected 3 bytes of uint8 data for shape [3], found 1'],
  [[0, 0, 8], 'found 3'],
] as const) {
  add(
    'parseIdx(bytes, file)',
    'bytes',
    bytes,
    (b) => parseIdx(Uint8Array.from(b as readonly number[]), 'f.idx'),
    {
      bad: `Uint8Array.of(${bytes.join(', ')})`,
      names: 'f.idx',
      shows,
    },
  );
}
for (const v of [5, '', null]) {
  add('loadMnist(dir)', 'dir', v, (d) => loadMnist(d as never), { async: true });
}
add('loadMnist(dir)', 'dir', '/nonexistent/mnist', (d) => loadMnist(d as never), {
  async: true,
  names: '/nonexistent/mnist',
  shows: 'not found',
});
add('loadMnist(dir, options)', 'options', null, (o) => loadMnist('/nonexistent', o as never), {
  async: true,
});
for (const [key, v] of [
  ['scale', 'yes'],
  ['oneHot', 1],
  ['numClasses', 0],
  ['numClasses', 1.5],
  ['shared', 'yes'],
] as const) {
  add(`loadMnist(dir, { ${key} })`, key, v, (x) => loadMnist('/nonexistent', { [key]: x }), {
    async: true,
  });
}
add(
  'loadMnistSplit(imagesPath, labelsPath)',
  'imagesPath',
  1,
  (p) => loadMnistSplit(p as never, 'l'),
  {
    async: true,
  },
);
add(
  'loadMnistSplit(imagesPath, labelsPath)',
  'labelsPath',
  '',
  (p) => loadMnistSplit('i', p as never),
  {
    async: true,
  },
);
add('loadMnistSplit(..., options)', 'options', 3, (o) => loadMnistSplit('i', 'l', o as never), {
  async: true,
});
for (const v of [0, 3, 1.5, NaN, -1, '1']) {
  add(
    'splitTrainHeldOut(split, heldOut)',
    'heldOut',
    v,
    (h) => splitTrainHeldOut(split3, h as never),
    {
      bad: `${code(v)} (3 rows)`,
    },
  );
}
for (const v of [null, {}, { images: [], labels: [] }]) {
  add('splitTrainHeldOut(split, heldOut)', 'split', v, (s) => splitTrainHeldOut(s as never, 1));
}
add(
  'loadEmbeddedFashionMnist(options)',
  'options',
  null,
  (o) => loadEmbeddedFashionMnist(o as never),
  {
    async: true,
  },
);
add(
  'loadEmbeddedFashionMnist({ numClasses })',
  'numClasses',
  -1,
  (n) => {
    return loadEmbeddedFashionMnist({ numClasses: n as never });
  },
  { async: true },
);
for (const v of ['gpu', 'webgl', 3]) {
  add('useBackend(name)', 'name', v, (n) => useBackend(n as never), { async: true });
}
if (tfImpl === 'tfjs') {
  add('useBackend(name)', 'name', 'tensorflow', (n) => useBackend(n as never), {
    names: 'tensorflow',
    async: true,
    error: FailedPreconditionError,
    shows: 'needs @tensorflow/tfjs-node',
  });
}

// ---------------------------------------------------------------------------------------------

/** What the run saw, for the markdown table. */
const seen: { row: Row; message: string }[] = [];
/** What the running stages reported, for the markdown table. */
const seenData: { bad: string; message: string }[] = [];

afterAll(() => {
  const out = process.env.BAD_INPUT_MD;
  if (out === undefined || out === '') return;
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '| function | argument | bad value | error |',
    '| --- | --- | --- | --- |',
    ...seen.map(
      ({ row, message }) =>
        `| \`${cell(row.fn)}\` | \`${cell(row.arg)}\` | \`${cell(row.bad)}\` | ${cell(row.error.name)}: ${cell(message)} |`,
    ),
    ...seenData.map(
      ({ bad, message }) =>
        `| \`batch(source)\` (running) | element | ${cell(bad)} | the stage fails: consumers get OutOfRangeError with cause InvalidArgumentError: ${cell(message)}; \`coord.join\` re-throws it |`,
    ),
  ];
  writeFileSync(out, lines.join('\n') + '\n');
});

describe('bad input', () => {
  it('covers at least 150 cases', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
  });

  it.each(rows.map((row, i) => [`${i + 1}. ${row.fn}: ${row.arg} = ${row.bad}`, row] as const))(
    '%s',
    async (_, row) => {
      const ctx: Ctx & { readonly made: Tensor[] } = {
        registry: new QueueRunnerRegistry(),
        coord: new Coordinator(),
        made: [],
        tensor(t) {
          this.made.push(t);
          return t;
        },
      };
      const tensorsBefore = tf.memory().numTensors;
      const defaultBefore = defaultRegistry.runners.length;

      let thrown: unknown;
      let result: unknown;
      try {
        result = row.call(ctx);
      } catch (e) {
        thrown = e;
      }
      if (row.async) {
        expect(thrown).toBeUndefined();
        expect(result).toBeInstanceOf(Promise);
        thrown = await rejection(result as Promise<unknown>);
      } else if (result instanceof Promise) {
        throw new Error(`expected a synchronous throw, got a promise (${row.fn})`);
      }

      const pattern = namesBoth(row.names, row.shows);
      if (row.error === InvalidArgumentError) {
        expectInvalid(() => {
          throw thrown;
        }, pattern);
      } else {
        expect(thrown).toBeInstanceOf(row.error);
        expect((thrown as Error).message).toMatch(pattern);
      }
      // A bad argument is never a stage failure.
      expect(failedStage(thrown)).toBeUndefined();
      seen.push({ row, message: (thrown as Error).message });

      // Nothing registered, nothing running, nothing reported, nothing leaked.
      expect(ctx.registry.runners.length).toBe(row.keeps);
      expect(defaultRegistry.runners.length).toBe(defaultBefore);
      expect(ctx.coord.shouldStop()).toBe(false);
      expect(await state(ctx.coord.join([], { stopGracePeriodMs: 0 }))).toBe('resolved');
      ctx.registry.clear();
      tf.dispose(ctx.made);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Bad data that only the running stage can see: the stage fails, named, like any failure.

interface DataRow {
  readonly bad: string;
  readonly items: readonly (() => unknown)[];
  readonly options?: object;
  readonly shows: RegExp;
}

const dataRows: readonly DataRow[] = [
  {
    bad: 'ragged rows without dynamicPad: Float32Array(3), then Float32Array(2)',
    items: [() => Float32Array.of(1, 2, 3), () => Float32Array.of(1, 2)],
    shows:
      /^Shape mismatch in component 0 of element 1: expected \[3\], got \[2\].*dynamicPad: true/,
  },
  {
    bad: 'a number, then a string',
    items: [() => 1, () => 'a'],
    shows: /element 1.*got `"a"` \(string\)/,
  },
  {
    bad: 'a boolean component',
    items: [() => [1, true]],
    shows: /component 1 of `element`.*got `true` \(boolean\)/,
  },
  {
    bad: 'a symbol component',
    items: [() => [Symbol('s'), 1]],
    shows: /component 0 of `element`.*got `Symbol\(s\)` \(symbol\)/,
  },
  {
    bad: 'an object component',
    items: [() => ({ a: 1, b: new Map() })],
    shows: /component `b` of `element`.*got `Map` \(object\)/,
  },
  {
    bad: 'a bool tensor',
    items: [() => tf.tensor([true], [1], 'bool')],
    shows: /got `Tensor\(bool, \[1\]\)`/,
  },
  {
    bad: 'a complex64 tensor',
    items: [() => tf.complex([1], [2])],
    shows: /got `Tensor\(complex64, \[1\]\)`/,
  },
  {
    bad: 'records with different keys',
    items: [() => ({ x: 1, y: 2 }), () => ({ x: 1, z: 2 })],
    shows: /element 1.*record with keys \["x","y"\].*\["x","z"\]/,
  },
  {
    bad: 'tuples of different lengths',
    items: [() => [1, 2], () => [1, 2, 3]],
    shows: /element 1 to be a tuple of 2 components, got an array of 3/,
  },
  {
    bad: 'an empty tuple',
    items: [() => []],
    shows: /`element`.*got `Array\(0\)`/,
  },
  {
    bad: 'enqueueMany: a batch whose columns differ in length',
    items: [() => [Float32Array.of(1, 2, 3), Float32Array.of(1, 2)]],
    options: { enqueueMany: true },
    shows:
      /Components of `element` have different first dimensions: component 0 has 3, component 1 has 2/,
  },
];

describe('bad data met by a running stage', () => {
  it.each(dataRows.map((row) => [row.bad, row] as const))('%s', async (_, row) => {
    const tensorsBefore = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    let i = 0;
    const source: Source<never> = {
      dequeue: () => {
        const make = row.items[i++];
        return make === undefined
          ? Promise.reject(new OutOfRangeError('list exhausted'))
          : Promise.resolve(make() as never);
      },
    };
    const batches = batch(source, { batchSize: 2, registry, name: 'bad_data', ...row.options });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const end = await rejection(within(batches.dequeue()));
    expect(end).toBeInstanceOf(OutOfRangeError);
    const cause = (end as OutOfRangeError).cause;
    expect(cause).toBeInstanceOf(InvalidArgumentError);
    expect((cause as Error).message).toMatch(row.shows);
    seenData.push({ bad: row.bad, message: (cause as Error).message });
    expect(failedStage(cause)).toBe('bad_data');
    expect((end as Error).message).toContain("input ended because stage 'bad_data' failed");
    expect(await rejection(coord.join(threads))).toBe(cause);
    expect(registry.runners).toEqual([]);
    expect(threads.every((t) => !t.isAlive())).toBe(true);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
