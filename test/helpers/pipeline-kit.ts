/**
 * Small building blocks shared by the property and fault tests: paced awaits, deferred
 * promises, example columns whose every row tells its example id, and a reader that turns a
 * batch (tensors or `{ data, shape }` arrays) into plain numbers.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { ArrayBatch, Component, Element } from '../../src/element.js';
import { tf } from '../../src/tf.js';
import type { Column } from '../../producers/columns.js';
import { sleep, tick } from './async.js';

/**
 * A pace code, as the generators draw it: 0 no await at all, 1 one microtask, 2 one
 * macrotask turn (`setImmediate`), 3 `sleep(0)`, 4 `sleep(1)`, 5 `sleep(2)`.
 */
export type Pace = 0 | 1 | 2 | 3 | 4 | 5;

/** Waits as `pace` says (see {@link Pace}); code 0 returns without awaiting anything. */
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

/** Cycles through a list of pace codes (an empty list never waits). */
export function pacer(paces: readonly Pace[]): () => Promise<void> | undefined {
  let i = 0;
  return () => {
    if (paces.length === 0) return undefined;
    const p = paces[i % paces.length] as Pace;
    i++;
    return pause(p);
  };
}

/** A promise with its settle functions exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How a data column is given to the producer. */
export type DataColumnKind = 'flat' | 'shaped' | 'tensor';

/** How the id column is given to the producer. */
export type IdColumnKind = 'int32' | 'array';

/** The value at position `j` of the row of example `id` (exact in float32 for id < 2^20). */
export function rowValue(id: number, j: number): number {
  return id + (j + 1) / 8;
}

/** The expected row of example `id`, times `scale`. */
export function expectedRow(id: number, rowSize: number, scale = 1): number[] {
  return Array.from({ length: rowSize }, (_, j) => rowValue(id, j) * scale);
}

/** The columns of one producer, and how to release what the test created. */
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

/** The data component (`x`) and the id component of an example, tuple `[x, id]` or record `{ id, x }`. */
export function splitExample(element: Element): { x: Component; id: number } {
  if (Array.isArray(element)) {
    const [x, id] = element as readonly Component[];
    return { x: x as Component, id: id as number };
  }
  const record = element as { readonly [name: string]: Component };
  return { x: record.x as Component, id: record.id as number };
}

/** An example with the same form as `like`, made of `x` and `id`. */
export function joinExample(like: Element, x: Component, id: number): Element {
  return Array.isArray(like) ? [x, id] : { id, x };
}

/** A plain copy of one batched component. */
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

/** Reads one batched component (without disposing it). */
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

/** One batch, read: the `x` and `id` components. */
export interface ReadBatch {
  readonly x: ReadComponent;
  readonly id: ReadComponent;
  /** The batch's ids, in row order. */
  readonly ids: number[];
  /** Row `r` of `x`, flattened. */
  row(r: number): number[];
}

/** Reads a batch of `[x, id]` tuples or `{ id, x }` records and disposes its tensors. */
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

/** Disposes every tensor in a batch handed to the consumer (tuple or record). */
export function disposeBatch(batch: unknown): void {
  const parts = Array.isArray(batch)
    ? (batch as unknown[])
    : batch !== null && typeof batch === 'object'
      ? Object.values(batch)
      : [batch];
  for (const p of parts) if (isTensor(p)) p.dispose();
}
