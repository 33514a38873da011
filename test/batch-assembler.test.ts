import { describe, expect, it } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import {
  BatchAssembler,
  disposeElements,
  padElements,
  unbatchElement,
} from '../src/batch-assembler.js';
import type { ArrayBatch, Element } from '../src/element.js';
import { inferSpec, type ElementSpec } from '../src/element-spec.js';
import { tf } from '../src/tf.js';
import { unbatch } from '../src/unbatch.js';
import { expectInvalid } from './helpers/expect-invalid.js';

const f32 = (...v: number[]): Float32Array => new Float32Array(v);

function assemble(
  elements: Element[],
  options: { output?: 'tensor' | 'arrays'; dynamicPad?: boolean } = {},
): unknown {
  const spec = inferSpec(elements[0]!, { dynamicPad: options.dynamicPad });
  return new BatchAssembler(spec, options).assemble(elements);
}

describe('BatchAssembler, fixed shapes', () => {
  it('batches a tuple of a typed-array row and a number into tensors', () => {
    const before = tf.memory().numTensors;
    const [x, y] = assemble([
      [f32(1, 2, 3), 7],
      [f32(4, 5, 6), 8],
    ]) as [Tensor, Tensor];
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y.shape).toEqual([2]);
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.dataSync())).toEqual([7, 8]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([x, y]);
  });

  it('gives { data, shape } with output arrays, one preallocated buffer per component', () => {
    const [x, y, s] = assemble(
      [
        [f32(1, 2), new Uint8Array([9]), 'a'],
        [f32(3, 4), new Uint8Array([250]), 'b'],
      ],
      { output: 'arrays' },
    ) as ArrayBatch[];
    expect(x!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(x!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(x!.shape).toEqual([2, 2]);
    expect(y!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(y!.data as Int32Array)).toEqual([9, 250]);
    expect(y!.shape).toEqual([2, 1]);
    expect(s).toEqual({ data: ['a', 'b'], shape: [2] });
  });

  it('batches integer typed arrays to int32, float ones to float32', () => {
    for (const C of [
      Int8Array,
      Int16Array,
      Int32Array,
      Uint8Array,
      Uint16Array,
      Uint8ClampedArray,
    ]) {
      const t = assemble([new C([1, 2]), new C([3, 4])]) as Tensor;
      expect(t.dtype).toBe('int32');
      expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
      t.dispose();
    }
    const d = assemble([new Float64Array([0.5]), new Float64Array([1.5])]) as Tensor;
    expect(d.dtype).toBe('float32');
    expect(Array.from(d.dataSync())).toEqual([0.5, 1.5]);
    d.dispose();
  });

  it('keeps the forms: bare -> bare, tuple of one -> tuple of one, record -> record', () => {
    const bare = assemble([1, 2, 3], { output: 'arrays' });
    expect(bare).toEqual({ data: f32(1, 2, 3), shape: [3] });
    const one = assemble([[1], [2]], { output: 'arrays' });
    expect(one).toEqual([{ data: f32(1, 2), shape: [2] }]);
    const rec = assemble(
      [
        { label: 1, image: f32(0, 1) },
        { image: f32(1, 0), label: 2 },
      ],
      { output: 'arrays' },
    );
    expect(rec).toEqual({
      image: { data: f32(0, 1, 1, 0), shape: [2, 2] },
      label: { data: f32(1, 2), shape: [2] },
    });
  });

  it('batches strings to string tensors', () => {
    const t = assemble(['ab', 'c', '']) as Tensor;
    expect(t.dtype).toBe('string');
    expect(t.shape).toEqual([3]);
    expect(t.arraySync()).toEqual(['ab', 'c', '']);
    t.dispose();
  });

  it('uses the spec shape: [784] rows batch to [b, 28, 28]', () => {
    const spec = inferSpec([new Float32Array(784), 1], { shapes: [[28, 28], undefined] });
    const rows = [0, 1, 2].map((i): Element => [new Float32Array(784).fill(i), i]);
    const [x, y] = new BatchAssembler(spec, { output: 'arrays' }).assemble(rows) as ArrayBatch[];
    expect(x!.shape).toEqual([3, 28, 28]);
    expect((x!.data as Float32Array)[784 * 2 + 5]).toBe(2);
    expect(y!.shape).toEqual([3]);
  });

  it('writes numbers into an int32 spec (rows of integer columns are numbers)', () => {
    const spec: ElementSpec = {
      structure: { kind: 'bare' },
      components: [{ dtype: 'int32', shape: [] }],
    };
    const out = new BatchAssembler(spec, { output: 'arrays' }).assemble([3, 4]) as ArrayBatch;
    expect(out.data).toEqual(new Int32Array([3, 4]));
  });

  it('copies tensor components and disposes them', () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([[1, 2]]);
    const b = tf.tensor2d([[3, 4]]);
    const la = tf.scalar(1, 'int32');
    const lb = tf.scalar(2, 'int32');
    const [x, y] = assemble([
      [a, la],
      [b, lb],
    ]) as [Tensor, Tensor];
    expect(a.isDisposed && b.isDisposed && la.isDisposed && lb.isDisposed).toBe(true);
    expect(x.shape).toEqual([2, 1, 2]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('batches zero elements to empty components', () => {
    const spec = inferSpec([f32(1, 2), 'a']);
    const out = new BatchAssembler(spec, { output: 'arrays' }).assemble([]);
    expect(out).toEqual([
      { data: new Float32Array(0), shape: [0, 2] },
      { data: [], shape: [0] },
    ]);
  });
});

describe('BatchAssembler, bad elements', () => {
  const spec = inferSpec([new Float32Array(784), 1]);
  const good = (): Element => [new Float32Array(784), 1];

  it('names component, element, expected and given shape, and suggests dynamicPad', () => {
    const elements = [good(), good(), good(), [new Float32Array(783), 1] as Element];
    expectInvalid(
      () => new BatchAssembler(spec).assemble(elements),
      'Shape mismatch in component 0 of element 3: expected [784], got [783]; ' +
        'rows whose sizes differ from batch to batch need `dynamicPad: true`',
    );
  });

  it('rejects ragged rank-1 rows without dynamicPad', () => {
    expectInvalid(
      () => assemble([f32(1, 2), f32(1)]),
      /expected \[2\], got \[1\].*`dynamicPad: true`/,
    );
  });

  it('rejects wrong dtypes and non-components', () => {
    expectInvalid(
      () => new BatchAssembler(spec).assemble([good(), [new Int32Array(784), 1]]),
      'Expected component 0 of element 1 to be a number, a float typed array (Float32Array, Float64Array) or a float32 tf.Tensor, got `Int32Array(784)`',
    );
    expectInvalid(
      () => new BatchAssembler(spec).assemble([good(), [new Float32Array(784), 'x']]),
      /^Expected component 1 of element 1 to be a number, .* got `"x"` \(string\)$/,
    );
    expectInvalid(
      () => new BatchAssembler(spec).assemble([[new Float32Array(784), true as unknown as number]]),
      'Expected component 1 of element 0 to be a number, string, typed array or tf.Tensor, got `true` (boolean)',
    );
    expectInvalid(
      () => assemble(['a', 1]),
      'Expected component 0 of element 1 to be a string or a string tf.Tensor, got `1` (number)',
    );
    expectInvalid(
      () => assemble([{ a: 1 }, { b: 1 }]),
      'Expected element 1 to be a record with keys ["a"], got a record with keys ["b"]',
    );
    expectInvalid(
      () => new BatchAssembler(spec).assemble([good(), [1]]),
      'Expected element 1 to be a tuple of 2 components, got an array of 1',
    );
  });

  it('disposes every input tensor and leaks nothing when it throws', () => {
    const before = tf.memory().numTensors;
    const s = inferSpec([new Float32Array(784), 1]);
    for (const output of ['tensor', 'arrays'] as const) {
      const elements: Element[] = [
        [tf.ones([784]), tf.scalar(1)],
        [tf.ones([784]), tf.scalar(2)],
        [tf.ones([783]), tf.scalar(3)],
        [tf.ones([784]), tf.scalar(4)],
      ];
      expect(tf.memory().numTensors).toBe(before + 8);
      expectInvalid(
        () => new BatchAssembler(s, { output }).assemble(elements),
        /^Shape mismatch in component 0 of element 2: expected \[784\], got \[783\]/,
      );
      expect(tf.memory().numTensors).toBe(before);
    }
    const bad: Element[] = [tf.scalar(1), tf.tensor1d([true], 'bool')];
    expectInvalid(
      () => new BatchAssembler(inferSpec(1)).assemble(bad),
      'Expected component 0 of element 1 to be a float32, int32 or string tf.Tensor, got `Tensor(bool, [1])`',
    );
    const notElement: Element[] = [[tf.scalar(1)], 5];
    expectInvalid(
      () => new BatchAssembler(inferSpec([1])).assemble(notElement),
      'Expected element 1 to be a tuple of 1 component, got `5` (number)',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options', () => {
    expectInvalid(
      () => new BatchAssembler(spec, { output: 'tensors' as 'tensor' }),
      "Expected `output` to be 'tensor' or 'arrays', got `\"tensors\"` (string)",
    );
    expectInvalid(
      () => new BatchAssembler(inferSpec(f32(1), { dynamicPad: true })),
      'Component 0 has the variable shape [null]: variable dimensions need `dynamicPad: true`',
    );
  });
});

describe('BatchAssembler with dynamicPad', () => {
  it('pads rank-1 rows to the longest in the batch with 0', () => {
    const out = assemble([new Int32Array([1]), new Int32Array([2, 3, 4]), new Int32Array([])], {
      dynamicPad: true,
      output: 'arrays',
    });
    expect(out).toEqual({ data: new Int32Array([1, 0, 0, 2, 3, 4, 0, 0, 0]), shape: [3, 3] });
  });

  it('pads tensors in every variable dimension, and string tensors with ""', () => {
    const before = tf.memory().numTensors;
    const rows = [tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[4], [5]])];
    const t = assemble(rows, { dynamicPad: true }) as Tensor;
    expect(t.shape).toEqual([2, 2, 3]);
    expect(t.arraySync()).toEqual([
      [
        [1, 2, 3],
        [0, 0, 0],
      ],
      [
        [4, 0, 0],
        [5, 0, 0],
      ],
    ]);
    const words = assemble([tf.tensor1d(['a', 'b'], 'string'), tf.tensor1d(['c'], 'string')], {
      dynamicPad: true,
    }) as Tensor;
    expect(words.arraySync()).toEqual([
      ['a', 'b'],
      ['c', ''],
    ]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([t, words]);
  });

  it('solves one variable dimension of a typed-array row from its length', () => {
    const spec = inferSpec(f32(1, 2, 3), { dynamicPad: true, shapes: [null, 3] });
    const out = new BatchAssembler(spec, { dynamicPad: true, output: 'arrays' }).assemble([
      f32(1, 2, 3),
      f32(4, 5, 6, 7, 8, 9),
    ]);
    expect(out).toEqual({ data: f32(1, 2, 3, 0, 0, 0, 4, 5, 6, 7, 8, 9), shape: [2, 2, 3] });
    expectInvalid(
      () => new BatchAssembler(spec, { dynamicPad: true }).assemble([f32(1, 2)]),
      'Shape mismatch in component 0 of element 0: expected [null,3], got 2 values',
    );
  });

  it('keeps fixed components on the fast path next to padded ones', () => {
    const [w, y] = assemble(
      [
        [f32(1), 5],
        [f32(2, 3), 6],
      ],
      { dynamicPad: true, output: 'arrays' },
    ) as ArrayBatch[];
    expect(w).toEqual({ data: f32(1, 0, 2, 3), shape: [2, 2] });
    expect(y).toEqual({ data: f32(5, 6), shape: [2] });
  });
});

describe('disposeElements', () => {
  it('disposes tensors at any depth of each element', () => {
    const before = tf.memory().numTensors;
    disposeElements([tf.scalar(1), [tf.scalar(2), 3], { a: tf.scalar(4), b: 'x' }]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('padElements', () => {
  it('pads variable components to the group max, new arrays only where needed', () => {
    const spec = inferSpec([f32(1), 0], { dynamicPad: true });
    const long: Element = [f32(2, 3, 4), 1];
    const short: Element = [f32(1), 0];
    const out = padElements([short, long], spec);
    expect(out[1]).toBe(long);
    expect(out[0]).not.toBe(short);
    expect(out[0]).toEqual([f32(1, 0, 0), 0]);
    expect(short).toEqual([f32(1), 0]);
  });

  it('returns the same elements when nothing is variable', () => {
    const spec = inferSpec([f32(1), 0]);
    const els: Element[] = [[f32(1), 0]];
    const out = padElements(els, spec);
    expect(out).toEqual(els);
    expect(out[0]).toBe(els[0]);
  });

  it('replaces a padded tensor by a new tensor and disposes the original', () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([1]);
    const b = tf.tensor1d([2, 3]);
    const spec = inferSpec({ w: a }, { dynamicPad: true });
    const out = padElements([{ w: a }, { w: b }], spec) as { w: Tensor }[];
    expect(a.isDisposed).toBe(true);
    expect(out[1]!.w).toBe(b);
    expect(Array.from(out[0]!.w.dataSync())).toEqual([1, 0]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(out.map((e) => e.w));
  });

  it('rejects rows that do not fit, creating nothing', () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([[1, 2, 3]]);
    const b = tf.tensor2d([[1, 2]]);
    const spec = inferSpec(a, { dynamicPad: true, shapes: [null, 3] });
    expectInvalid(
      () => padElements([a, b], spec),
      'Shape mismatch in component 0 of element 1: expected [null,3], got [1,2]',
    );
    expect(a.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([a, b]);
  });
});

describe('unbatchElement', () => {
  it('splits a tensor into row views and disposes it', () => {
    const before = tf.memory().numTensors;
    const t = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const rows = unbatchElement(t);
    expect(t.isDisposed).toBe(true);
    expect(rows).toEqual([f32(1, 2), f32(3, 4), f32(5, 6)]);
    const views = rows as Float32Array[];
    expect(views[1]!.buffer).toBe(views[0]!.buffer);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splits tuples and records of every batched kind', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const tuple = unbatchElement([{ data, shape: [2, 2] }, new Int32Array([7, 8]), ['a', 'b']]);
    expect(tuple).toEqual([
      [f32(1, 2), 7, 'a'],
      [f32(3, 4), 8, 'b'],
    ]);
    const row0 = (tuple[0] as Float32Array[])[0]!;
    data[0] = 42;
    expect(row0[0]).toBe(42);
    const rec = unbatchElement({ y: [1, 2], x: tf.tensor1d([5, 6], 'int32') });
    expect(rec).toEqual([
      { x: 5, y: 1 },
      { x: 6, y: 2 },
    ]);
  });

  it('treats an array of numbers as a bare batched component', () => {
    expect(unbatchElement([1, 2, 3])).toEqual([1, 2, 3]);
    expect(unbatchElement([])).toEqual([]);
  });

  it('infers the row spec from the batched data', () => {
    const { spec, elements } = unbatch({ x: tf.zeros([2, 28, 28]), y: new Uint8Array([1, 2]) });
    expect(spec.components).toEqual([
      { dtype: 'float32', shape: [28, 28] },
      { dtype: 'int32', shape: [] },
    ]);
    expect((elements[0] as { x: Float32Array }).x.length).toBe(784);
  });

  it('checks components against a given spec', () => {
    const spec = inferSpec([new Float32Array(3), 1]);
    expect(
      unbatchElement([{ data: new Float32Array(6), shape: [2, 3] }, [1, 2]], spec),
    ).toHaveLength(2);
    expectInvalid(
      () => unbatchElement([{ data: new Float32Array(4), shape: [2, 2] }, [1, 2]], spec),
      'Shape mismatch in component 0 of `elements`: expected [3], got [2]',
    );
    expectInvalid(
      () => unbatchElement([new Float32Array(3)], spec),
      'Expected `elements` to be a tuple of 2 components of batched components, got an array of 1',
    );
    expectInvalid(
      () => unbatchElement([{ data: new Int32Array(6), shape: [2, 3] }, [1, 2]], spec),
      'Expected component 0 of `elements` to hold float32 rows, got int32 rows',
    );
  });

  it('rejects components with different numbers of examples, giving both counts', () => {
    const before = tf.memory().numTensors;
    expectInvalid(
      () => unbatchElement([tf.zeros([3, 2]), [1, 2]]),
      'Components of `elements` have different first dimensions: component 0 has 3, component 1 has 2',
    );
    expectInvalid(
      () => unbatchElement({ a: [1], b: ['x', 'y'] }, undefined, 'batch'),
      'Components of `batch` have different first dimensions: component `a` has 1, component `b` has 2',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects what is not batched data', () => {
    expectInvalid(
      () => unbatchElement(3),
      /^Expected `elements` to be a batched component .* got `3` \(number\)$/,
    );
    expectInvalid(
      () => unbatchElement([tf.zeros([2]), [true, false] as unknown as number[]]),
      'Expected `elements[1][0]` to be a number, a string or an array of numbers, got `true` (boolean)',
    );
  });
});
