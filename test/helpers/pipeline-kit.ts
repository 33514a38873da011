/**
 * Small building blocks shared by the property and fault tests: their seeds and run counts,
 * paced awaits and the generator of paces, deferred promises, the batcher options of a spec,
 * example columns whose every row tells its example id, and a reader that turns a batch
 * (tensors or `{ data, shape }` arrays) into plain numbers.
 */
import type { Tensor } from '@tensorflow/tfjs';
import fc from 'fast-check';
import type { ArrayBatch, Component, Element } from '../../src/element.js';
import { tf } from '../../src/tf.js';
import type { Column } from '../../producers/columns.js';
import type { QueueRunnerRegistry } from '../../src/registry.js';
import { sleep, tick } from './async.js';

/**
 * The fast-check seed of a suite: `QUEUEFEED_FC_SEED` when set (to replay another seed),
 * otherwise `fallback`.
 *
 * @example
 * ```ts
 * const SEED = fcSeed(20240905);
 * ```
 */
export function fcSeed(fallback: number): number {
  return Number(process.env.QUEUEFEED_FC_SEED ?? fallback);
}

/**
 * `n` runs scaled by `QUEUEFEED_FC_SCALE` (default 1; e.g. 10 when hunting locally), at
 * least 1.
 *
 * @example
 * ```ts
 * await fc.assert(property, { numRuns: fcRuns(700), seed: SEED });
 * ```
 */
export function fcRuns(n: number): number {
  return Math.max(1, Math.round(n * Number(process.env.QUEUEFEED_FC_SCALE ?? 1)));
}

/**
 * A pace code, as the generators draw it: 0 no await at all, 1 one microtask, 2 one
 * macrotask turn (`setImmediate`), 3 `sleep(0)`, 4 `sleep(1)`, 5 `sleep(2)`.
 *
 * @example
 * ```ts
 * const paces: Pace[] = [0, 2, 4];
 * ```
 */
export type Pace = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * Pace codes, mostly no wait, a microtask or a turn (0..2); one draw in `sleepOneIn / 3` is a
 * 0..2 ms sleep (3..5).
 *
 * @example
 * ```ts
 * fc.array(paceArb(40), { maxLength: 6 });
 * ```
 */
export function paceArb(sleepOneIn: number): fc.Arbitrary<Pace> {
  return fc
    .integer({ min: 0, max: sleepOneIn - 1 })
    .map((n): Pace => (n < 3 ? ((3 + n) as Pace) : ((n % 3) as Pace)));
}

/**
 * Waits as `pace` says (see {@link Pace}); code 0 returns without awaiting anything.
 *
 * @example
 * ```ts
 * const wait = pause(2);
 * if (wait !== undefined) await wait;
 * ```
 */
export function pause(pace: Pace): Promise<void> | undefined {
  switch (pace) {
    case 0:
      return undefined;
    case 1:
      return Promise.resolve();
    case 2:
      return tick();
    default:
      return sleep(pace - 3);
  }
}

/**
 * Cycles through a list of pace codes (an empty list never waits).
 *
 * @example
 * ```ts
 * const pace = pacer([0, 2, 4]);
 * await pace(); // no wait, then one turn, then sleep(1), ...
 * ```
 */
export function pacer(paces: readonly Pace[]): () => Promise<void> | undefined {
  let i = 0;
  return () => {
    if (paces.length === 0) return undefined;
    const p = paces[i % paces.length] as Pace;
    i++;
    return pause(p);
  };
}

/**
 * A promise with its settle functions exposed.
 *
 * @example
 * ```ts
 * const d: Deferred<number> = deferred<number>();
 * ```
 */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Creates a {@link Deferred}.
 *
 * @example
 * ```ts
 * const entered = deferred<void>();
 * entered.resolve();
 * await entered.promise;
 * ```
 */
export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The name of the batch queue of every random pipeline.
 *
 * @example
 * ```ts
 * expect(batches.queue.name).toBe(BATCH_QUEUE);
 * ```
 */
export const BATCH_QUEUE = 'batches';

/**
 * The batcher settings a random pipeline's spec draws.
 *
 * @example
 * ```ts
 * const spec: BatcherSpec = { batchSize: 4, numThreads: 2, capacity: 16, allowSmallerFinalBatch: true, output: 'arrays' };
 * ```
 */
export interface BatcherSpec {
  readonly batchSize: number;
  readonly numThreads: number;
  readonly capacity: number;
  readonly allowSmallerFinalBatch: boolean;
  readonly output: 'arrays' | 'tensor';
}

/**
 * The options of the spec's batcher: its settings, the queue named {@link BATCH_QUEUE}, and the
 * test's registry.
 *
 * @example
 * ```ts
 * const batches = batch(source, batcherOptions(spec, registry));
 * ```
 */
export function batcherOptions(
  spec: BatcherSpec,
  registry: QueueRunnerRegistry,
): BatcherSpec & { readonly name: string; readonly registry: QueueRunnerRegistry } {
  return {
    batchSize: spec.batchSize,
    numThreads: spec.numThreads,
    capacity: spec.capacity,
    allowSmallerFinalBatch: spec.allowSmallerFinalBatch,
    output: spec.output,
    name: BATCH_QUEUE,
    registry,
  };
}

/**
 * An error whose message is `label`, a newline, then `error`'s message, with `error` as its
 * cause: a failure that tells which random case it was.
 *
 * @example
 * ```ts
 * throw labelledError(JSON.stringify(spec), error);
 * ```
 */
export function labelledError(label: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${label}\n${message}`, { cause: error });
}

/**
 * How a data column is given to the producer.
 *
 * @example
 * ```ts
 * const kind: DataColumnKind = 'shaped';
 * ```
 */
export type DataColumnKind = 'flat' | 'shaped' | 'tensor';

/**
 * How the id column is given to the producer.
 *
 * @example
 * ```ts
 * const kind: IdColumnKind = 'int32';
 * ```
 */
export type IdColumnKind = 'int32' | 'array';

/**
 * The value at position `j` of the row of example `id` (exact in float32 for id < 2^20).
 *
 * @example
 * ```ts
 * rowValue(3, 1); // 3.25
 * ```
 */
export function rowValue(id: number, j: number): number {
  return id + (j + 1) / 8;
}

/**
 * The expected row of example `id`, times `scale`.
 *
 * @example
 * ```ts
 * expectedRow(3, 2); // [3.125, 3.25]
 * expectedRow(3, 2, 2); // [6.25, 6.5]
 * ```
 */
export function expectedRow(id: number, rowSize: number, scale = 1): number[] {
  return Array.from({ length: rowSize }, (_, j) => rowValue(id, j) * scale);
}

/**
 * The columns of one producer, and how to release what the test created.
 *
 * @example
 * ```ts
 * const c: ExampleColumns = exampleColumns(0, 10, 2, 'tensor', 'int32');
 * c.dispose();
 * ```
 */
export interface ExampleColumns {
  readonly data: Column;
  readonly ids: Column;
  /** The row shape the data column gives. */
  readonly rowShape: number[];
  /** Disposes the tensor column, if there is one (the columns stay the caller's). */
  dispose(): void;
}

/**
 * Columns of `length` examples with ids `firstId..firstId+length-1`: a data column whose row
 * `i` is `expectedRow(firstId + i, rowSize)`, and the id column. A `flat` column with
 * `rowSize` 1 is a bare `Float32Array` (scalar rows); otherwise rows have shape `[rowSize]`.
 */
export function exampleColumns(
  firstId: number,
  length: number,
  rowSize: number,
  dataKind: DataColumnKind,
  idKind: IdColumnKind,
): ExampleColumns {
  const values = new Float32Array(length * rowSize);
  for (let i = 0; i < length; i++) {
    for (let j = 0; j < rowSize; j++) values[i * rowSize + j] = rowValue(firstId + i, j);
  }
  const idList = Array.from({ length }, (_, i) => firstId + i);
  const ids: Column = idKind === 'int32' ? Int32Array.from(idList) : idList;
  if (dataKind === 'flat' && rowSize === 1) {
    return { data: values, ids, rowShape: [], dispose: () => undefined };
  }
  if (dataKind === 'tensor') {
    const t = tf.tensor2d(values, [length, rowSize]);
    return { data: t, ids, rowShape: [rowSize], dispose: () => t.dispose() };
  }
  return {
    data: { data: values, shape: [length, rowSize] },
    ids,
    rowShape: [rowSize],
    dispose: () => undefined,
  };
}

/**
 * The data component (`x`) and the id component of an example, tuple `[x, id]` or record `{ id, x }`.
 *
 * @example
 * ```ts
 * splitExample([0.5, 7]); // { x: 0.5, id: 7 }
 * ```
 */
export function splitExample(element: Element): { x: Component; id: number } {
  if (Array.isArray(element)) {
    const [x, id] = element as readonly Component[];
    return { x: x as Component, id: id as number };
  }
  const record = element as { readonly [name: string]: Component };
  return { x: record.x as Component, id: record.id as number };
}

/**
 * An example with the same form as `like`, made of `x` and `id`.
 *
 * @example
 * ```ts
 * joinExample({ id: 1, x: 0 }, 2.5, 7); // { id: 7, x: 2.5 }
 * ```
 */
export function joinExample(like: Element, x: Component, id: number): Element {
  return Array.isArray(like) ? [x, id] : { id, x };
}

/**
 * A plain copy of one batched component.
 *
 * @example
 * ```ts
 * const c: ReadComponent = readComponent(tf.tensor1d([1, 2]));
 * c.values; // [1, 2]
 * ```
 */
export interface ReadComponent {
  readonly values: number[];
  readonly shape: number[];
  readonly dtype: string;
  /** 'tensor' or 'arrays': what the batcher handed out. */
  readonly form: 'tensor' | 'arrays';
}

function isTensor(value: unknown): value is Tensor {
  return value instanceof tf.Tensor;
}

/**
 * Reads one batched component (without disposing it).
 *
 * @example
 * ```ts
 * readComponent({ data: Int32Array.from([1, 2]), shape: [2] }).dtype; // 'int32'
 * ```
 */
export function readComponent(component: unknown): ReadComponent {
  if (isTensor(component)) {
    const data = component.dataSync() as Float32Array | Int32Array;
    return {
      values: Array.from(data),
      shape: [...component.shape],
      dtype: component.dtype,
      form: 'tensor',
    };
  }
  const a = component as ArrayBatch;
  const dtype =
    a.data instanceof Float32Array ? 'float32' : a.data instanceof Int32Array ? 'int32' : 'other';
  return {
    values: Array.from(a.data as ArrayLike<number>),
    shape: [...a.shape],
    dtype,
    form: 'arrays',
  };
}

/**
 * One batch, read: the `x` and `id` components.
 *
 * @example
 * ```ts
 * const b: ReadBatch = readBatch(await batches.dequeue());
 * b.ids; // e.g. [3, 0, 7]
 * ```
 */
export interface ReadBatch {
  readonly x: ReadComponent;
  readonly id: ReadComponent;
  /** The batch's ids, in row order. */
  readonly ids: number[];
  /** Row `r` of `x`, flattened. */
  row(r: number): number[];
}

/**
 * Reads a batch of `[x, id]` tuples or `{ id, x }` records and disposes its tensors.
 *
 * @example
 * ```ts
 * const b = readBatch(await batches.dequeue());
 * b.row(0); // the first example's row
 * ```
 */
export function readBatch(batch: unknown): ReadBatch {
  let xc: unknown;
  let idc: unknown;
  if (Array.isArray(batch)) {
    [xc, idc] = batch as unknown[];
  } else {
    const record = batch as { readonly x: unknown; readonly id: unknown };
    xc = record.x;
    idc = record.id;
  }
  const x = readComponent(xc);
  const id = readComponent(idc);
  if (isTensor(xc)) xc.dispose();
  if (isTensor(idc)) idc.dispose();
  const b = id.shape[0] ?? 0;
  const rowSize = b === 0 ? 0 : x.values.length / b;
  return {
    x,
    id,
    ids: id.values,
    row: (r) => x.values.slice(r * rowSize, (r + 1) * rowSize),
  };
}

/**
 * Disposes every tensor in a batch handed to the consumer (tuple or record).
 *
 * @example
 * ```ts
 * disposeBatch(await batches.dequeue());
 * ```
 */
export function disposeBatch(batch: unknown): void {
  const parts = Array.isArray(batch)
    ? (batch as unknown[])
    : batch !== null && typeof batch === 'object'
      ? Object.values(batch)
      : [batch];
  for (const p of parts) if (isTensor(p)) p.dispose();
}
