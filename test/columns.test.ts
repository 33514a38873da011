import { describe, expect, it } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import { ColumnReader, readColumns, type Column } from '../producers/columns.js';
import { tf } from '../src/tf.js';
import { expectInvalid } from './helpers/expect-invalid.js';

const f32 = (...v: number[]): Float32Array => new Float32Array(v);

describe('ColumnReader', () => {
  it('reads a float32 tensor once, gives row views, and leaves the tensor to the caller', () => {
    const t = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    const before = tf.memory().numTensors;
    const r = new ColumnReader(t, 'x');
    expect(r.length).toBe(2);
    expect(r.rowShape).toEqual([2, 2]);
    expect(r.rowSize).toBe(4);
    expect(r.dtype).toBe('float32');
    expect(r.row(1)).toEqual(f32(5, 6, 7, 8));
    expect((r.row(0) as Float32Array).buffer).toBe((r.row(1) as Float32Array).buffer);
    expect(t.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('maps int32 tensors to int32 and string tensors to strings', () => {
    const i = tf.tensor2d([[1], [2]], [2, 1], 'int32');
    const ri = new ColumnReader(i, 'i');
    expect(ri.dtype).toBe('int32');
    expect(ri.row(1)).toEqual(new Int32Array([2]));
    const s = tf.tensor1d(['a', 'b'], 'string');
    const rs = new ColumnReader(s, 's');
    expect(rs.dtype).toBe('string');
    expect(rs.rowShape).toEqual([]);
    expect([rs.row(0), rs.row(1)]).toEqual(['a', 'b']);
    const s2 = tf.tensor2d(
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [2, 2],
      'string',
    );
    const row = new ColumnReader(s2, 's2').row(1) as Tensor;
    expect(row.dtype).toBe('string');
    expect(row.arraySync()).toEqual(['c', 'd']);
    tf.dispose([i, s, s2, row]);
  });

  it('reads { data, shape } with row views that show changes to the data', () => {
    const data = new Float32Array(12).map((_, k) => k);
    const r = new ColumnReader({ data, shape: [3, 2, 2] }, 'images');
    expect(r.length).toBe(3);
    expect(r.rowShape).toEqual([2, 2]);
    const row = r.row(1) as Float32Array;
    expect(row).toEqual(f32(4, 5, 6, 7));
    data[5] = 99;
    expect(row[1]).toBe(99);
    expect((r.row(1) as Float32Array)[1]).toBe(99);
  });

  it('reads typed arrays as one scalar per example, integer ones as int32', () => {
    const labels = new Uint8Array([3, 1, 4]);
    const r = new ColumnReader(labels, 'labels');
    expect([r.length, r.dtype, r.rowSize]).toEqual([3, 'int32', 1]);
    expect(r.rowShape).toEqual([]);
    expect(r.row(2)).toBe(4);
    labels[2] = 9;
    expect(r.row(2)).toBe(9);
    expect(new ColumnReader(new Float64Array([0.5]), 'x').dtype).toBe('float32');
    expect(new ColumnReader({ data: new Int16Array(4), shape: [2, 2] }, 'x').dtype).toBe('int32');
  });

  it('reads plain arrays of numbers and strings', () => {
    const n = new ColumnReader([1.5, 2.5], 'n');
    expect([n.dtype, n.length, n.row(1)]).toEqual(['float32', 2, 2.5]);
    const s = new ColumnReader(['x', 'y', 'z'], 's');
    expect([s.dtype, s.length, s.row(2)]).toEqual(['string', 3, 'z']);
  });

  it('flattens nested number arrays once into a Float32Array', () => {
    const r = new ColumnReader(
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ],
      'x',
    );
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.rowShape).toEqual([2, 2]);
    expect(r.row(1)).toEqual(f32(5, 6, 7, 8));
    expect(new ColumnReader([[1], [2]], 'y').row(0)).toEqual(f32(1));
  });

  it('copies a row into a batch buffer', () => {
    const r = new ColumnReader({ data: f32(1, 2, 3, 4, 5, 6), shape: [3, 2] }, 'x');
    const out = new Float32Array(4);
    r.copyRow(2, out, 0);
    r.copyRow(0, out, 2);
    expect(out).toEqual(f32(5, 6, 1, 2));
    const s = new ColumnReader(['a', 'b'], 's');
    const strings = ['', ''];
    s.copyRow(1, strings, 0);
    expect(strings).toEqual(['b', '']);
    const labels = new ColumnReader(new Uint8Array([7, 8]), 'l');
    const ints = new Int32Array(2);
    labels.copyRow(1, ints, 0);
    expect(ints).toEqual(new Int32Array([8, 0]));
  });

  it('rejects bad columns, naming the argument and the value', () => {
    const col = (v: unknown): Column => v as Column;
    const kinds =
      'a tf.Tensor, a typed array, { data, shape } or an array of numbers, strings or nested number arrays';
    expectInvalid(
      () => new ColumnReader(col(true), 'tensorList[1]'),
      `Expected \`tensorList[1]\` to be ${kinds}, got \`true\` (boolean)`,
    );
    expectInvalid(
      () => new ColumnReader(col(5), 'x'),
      `Expected \`x\` to be ${kinds}, got \`5\` (number)`,
    );
    expectInvalid(
      () => new ColumnReader(col(null), 'x'),
      `Expected \`x\` to be ${kinds}, got \`null\``,
    );
    expectInvalid(
      () => new ColumnReader([], 'x'),
      'Expected `x` to hold at least one example (a first dimension >= 1), got `Array(0)`',
    );
    expectInvalid(
      () => new ColumnReader({ data: new Float32Array(0), shape: [0, 2] }, 'x'),
      'Expected `x` to hold at least one example (a first dimension >= 1), got `{ data: Float32Array(0), shape: [0,2] }`',
    );
    expectInvalid(
      () => new ColumnReader(new Float32Array(0), 'x'),
      'Expected `x` to hold at least one example (a first dimension >= 1), got `Float32Array(0)`',
    );
    expectInvalid(
      () => new ColumnReader(col([true, false]), 'x'),
      'Expected `x[0]` to be a number, a string or an array of numbers, got `true` (boolean)',
    );
    expectInvalid(
      () => new ColumnReader(col([1, 'a']), 'x'),
      'Expected `x[1]` to be a number like `x[0]`, got `"a"` (string)',
    );
    expectInvalid(
      () => new ColumnReader(col(['a', 2]), 'x'),
      'Expected `x[1]` to be a string like `x[0]`, got `2` (number)',
    );
    expectInvalid(
      () =>
        new ColumnReader(
          [
            [1, 2, 3],
            [4, 5, 6],
            [7, 8],
          ],
          'tensorList[0]',
        ),
      'Expected `tensorList[0]` to be a rectangular nested array: `tensorList[0][2]` has length 2, expected 3 (the length of `tensorList[0][0]`)',
    );
    expectInvalid(
      () =>
        new ColumnReader(
          [
            [
              [1, 2],
              [3, 4],
            ],
            [[5, 6], [7]],
          ],
          'x',
        ),
      'Expected `x` to be a rectangular nested array: `x[1][1]` has length 1, expected 2 (the length of `x[0][0]`)',
    );
    expectInvalid(
      () => new ColumnReader(col([[1, 2], 3]), 'x'),
      'Expected `x[1]` to be an array of length 2, got `3` (number)',
    );
    expectInvalid(
      () => new ColumnReader(col([[1, 'a']]), 'x'),
      'Expected `x[0][1]` to be a number, got `"a"` (string)',
    );
    expectInvalid(
      () => new ColumnReader({ data: new Float32Array(10), shape: [3, 4] }, 'x'),
      'Expected `x.data` to hold 12 values (shape [3,4]), got `Float32Array(10)`',
    );
    expectInvalid(
      () => new ColumnReader(col({ data: [1, 2], shape: [2] }), 'x'),
      'Expected `x.data` to be a typed array or an array of strings, got `Array(2)`',
    );
    expectInvalid(
      () => new ColumnReader(col({ data: new Float32Array(2), shape: [-2] }), 'x'),
      'Expected `x.shape` to be an array of non-negative integers, got `Array(1)`',
    );
    expectInvalid(
      () => new ColumnReader({ data: new Float32Array(1), shape: [] }, 'x'),
      'Expected `x` to have at least one dimension (the example axis), got `{ data: Float32Array(1), shape: [] }`',
    );
  });

  it('rejects empty, scalar and unsupported tensors', () => {
    const empty = tf.zeros([0, 3]);
    const scalar = tf.scalar(1);
    const bool = tf.tensor1d([true], 'bool');
    expectInvalid(
      () => new ColumnReader(empty, 'x'),
      'Expected `x` to hold at least one example (a first dimension >= 1), got `Tensor(float32, [0,3])`',
    );
    expectInvalid(
      () => new ColumnReader(scalar, 'x'),
      'Expected `x` to have at least one dimension (the example axis), got `Tensor(float32, [])`',
    );
    expectInvalid(
      () => new ColumnReader(bool, 'x'),
      'Expected `x` to be a float32, int32 or string tensor, got `Tensor(bool, [1])`',
    );
    tf.dispose([empty, scalar, bool]);
  });

  it('rejects a row index out of range', () => {
    const r = new ColumnReader([1, 2], 'x');
    expectInvalid(() => r.row(2), 'Expected a row index in [0, 2), got `2` (number)');
    expectInvalid(() => r.row(-1), 'Expected a row index in [0, 2), got `-1` (number)');
  });
});

describe('readColumns', () => {
  it('reads a list of columns as tuples', () => {
    const set = readColumns([
      { data: f32(1, 2, 3, 4), shape: [2, 2] },
      new Int32Array([7, 8]),
      ['a', 'b'],
    ]);
    expect(set.length).toBe(2);
    expect(set.structure).toEqual({ kind: 'tuple', length: 3 });
    expect(set.readers).toHaveLength(3);
    expect(set.spec).toEqual({
      structure: { kind: 'tuple', length: 3 },
      components: [
        { dtype: 'float32', shape: [2] },
        { dtype: 'int32', shape: [] },
        { dtype: 'string', shape: [] },
      ],
    });
    expect(set.element(1)).toEqual([f32(3, 4), 8, 'b']);
  });

  it('reads a record of columns as records with sorted keys', () => {
    const set = readColumns({
      label: new Uint8Array([1, 2]),
      image: [
        [0, 1],
        [1, 0],
      ],
    });
    expect(set.structure).toEqual({ kind: 'record', keys: ['image', 'label'] });
    expect(set.spec.components).toEqual([
      { dtype: 'float32', shape: [2] },
      { dtype: 'int32', shape: [] },
    ]);
    expect(set.element(1)).toEqual({ image: f32(1, 0), label: 2 });
  });

  it('keeps a single column a tuple of one', () => {
    const set = readColumns([[5, 6, 7]]);
    expect(set.structure).toEqual({ kind: 'tuple', length: 1 });
    expect(set.element(2)).toEqual([7]);
  });

  it('names the column in its errors', () => {
    expectInvalid(
      () => readColumns([[1, 2], ['a', 3] as unknown as string[]]),
      'Expected `tensorList[1][1]` to be a string like `tensorList[1][0]`, got `3` (number)',
    );
    expectInvalid(
      () => readColumns({ image: [] }, 'tensorDict'),
      'Expected `tensorDict.image` to hold at least one example (a first dimension >= 1), got `Array(0)`',
    );
  });

  it('rejects no columns and columns of different lengths', () => {
    expectInvalid(
      () => readColumns([]),
      'Expected at least one column in `tensorList` (an array or a plain object of columns), got `Array(0)`',
    );
    expectInvalid(
      () => readColumns({}),
      'Expected at least one column in `tensorList` (an array or a plain object of columns), got `object` (object)',
    );
    expectInvalid(
      () => readColumns({ data: new Float32Array(4), shape: [2, 2] }),
      /^Expected at least one column in `tensorList` .*; to pass one \{ data, shape \} column, wrap it in an array$/,
    );
    expectInvalid(
      () => readColumns(new Float32Array(3) as unknown as Column[]),
      'Expected `tensorList` to be an array or a plain object of columns, got `Float32Array(3)`',
    );
    expectInvalid(
      () => readColumns([new Float32Array(100), new Float32Array(99)]),
      'Columns of `tensorList` have different first dimensions: column 0 has 100, column 1 has 99',
    );
    expectInvalid(
      () => readColumns({ x: [1, 2], y: [1] }, 'columns'),
      'Columns of `columns` have different first dimensions: column `x` has 2, column `y` has 1',
    );
  });
});
