import { describe, expect, it } from '@jest/globals';
import {
  assertCompatibleSpecs,
  assertSameStructure,
  componentsOf,
  inferSpec,
  rebuild,
  specsCompatible,
  structureOf,
  typedArrayDType,
  type ElementSpec,
} from '../src/element-spec.js';
import type { Element } from '../src/element.js';
import { tf } from '../src/tf.js';
import { expectInvalid } from './helpers/expect-invalid.js';

describe('structureOf', () => {
  it('classifies components as bare', () => {
    const t = tf.scalar(1);
    for (const v of [1, 'a', new Float32Array(2), new Uint8Array(1), t]) {
      expect(structureOf(v, 'element')).toEqual({ kind: 'bare' });
    }
    t.dispose();
  });

  it('keeps a tuple of one a tuple of one', () => {
    expect(structureOf([1], 'element')).toEqual({ kind: 'tuple', length: 1 });
    expect(structureOf([new Float32Array(3), 'x'], 'element')).toEqual({
      kind: 'tuple',
      length: 2,
    });
  });

  it('sorts record keys', () => {
    expect(structureOf({ label: 1, image: 2 }, 'element')).toEqual({
      kind: 'record',
      keys: ['image', 'label'],
    });
    expect(structureOf(Object.assign(Object.create(null) as object, { b: 1, a: 2 }), 'e')).toEqual({
      kind: 'record',
      keys: ['a', 'b'],
    });
  });

  it('rejects what is no element, naming the argument and the value', () => {
    const expected =
      'Expected `element` to be a component (number, string, typed array or tf.Tensor), a ' +
      'non-empty array of components or a non-empty plain object of components, got ';
    expectInvalid(() => structureOf(true, 'element'), expected + '`true` (boolean)');
    expectInvalid(() => structureOf(null, 'element'), expected + '`null`');
    expectInvalid(() => structureOf(undefined, 'element'), expected + '`undefined`');
    expectInvalid(() => structureOf([], 'element'), expected + '`Array(0)`');
    expectInvalid(() => structureOf({}, 'element'), expected + '`object` (object)');
    expectInvalid(() => structureOf(new Map(), 'element'), expected + '`Map` (object)');
    expectInvalid(
      () => structureOf(new DataView(new ArrayBuffer(4)), 'el'),
      /^Expected `el` to be/,
    );
    expectInvalid(() => structureOf(new BigInt64Array(2), 'x'), /got `BigInt64Array\(2\)`$/);
  });
});

describe('componentsOf and rebuild', () => {
  it('flattens in structure order', () => {
    const x = new Float32Array(2);
    expect(componentsOf(5, { kind: 'bare' })).toEqual([5]);
    const tuple: Element = [x, 7];
    const comps = componentsOf(tuple, { kind: 'tuple', length: 2 });
    expect(comps).toEqual([x, 7]);
    expect(comps).not.toBe(tuple);
    expect(
      componentsOf({ label: 7, image: x }, { kind: 'record', keys: ['image', 'label'] }),
    ).toEqual([x, 7]);
  });

  it('rejects an element of another structure', () => {
    expectInvalid(
      () => componentsOf([1], { kind: 'tuple', length: 2 }),
      'Expected `element` to be a tuple of 2 components, got an array of 1',
    );
    expectInvalid(
      () => componentsOf({ a: 1, c: 2 }, { kind: 'record', keys: ['a', 'b'] }, 'item'),
      'Expected `item` to be a record with keys ["a","b"], got a record with keys ["a","c"]',
    );
    expectInvalid(
      () => componentsOf(3, { kind: 'record', keys: ['a'] }),
      'Expected `element` to be a record with keys ["a"], got `3` (number)',
    );
  });

  it('rebuilds each form', () => {
    expect(rebuild({ kind: 'bare' }, ['a'])).toBe('a');
    expect(rebuild({ kind: 'tuple', length: 2 }, ['a', 'b'])).toEqual(['a', 'b']);
    expect(rebuild({ kind: 'record', keys: ['x', 'y'] }, [1, 2])).toEqual({ x: 1, y: 2 });
  });
});

describe('inferSpec dtypes and shapes', () => {
  it('maps every component kind to its dtype and row shape', () => {
    const ints = [Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array];
    for (const C of [...ints, Uint8ClampedArray]) {
      expect(inferSpec(new C(3)).components).toEqual([{ dtype: 'int32', shape: [3] }]);
    }
    for (const C of [Float32Array, Float64Array]) {
      expect(inferSpec(new C(4)).components).toEqual([{ dtype: 'float32', shape: [4] }]);
    }
    const spec = inferSpec([1.5, 'a', new Float32Array(2)]);
    expect(spec).toEqual({
      structure: { kind: 'tuple', length: 3 },
      components: [
        { dtype: 'float32', shape: [] },
        { dtype: 'string', shape: [] },
        { dtype: 'float32', shape: [2] },
      ],
    });
  });

  it('takes a tensor its dtype and shape, and rejects bool and complex tensors', () => {
    const f = tf.zeros([2, 3]);
    const i = tf.tensor1d([1, 2], 'int32');
    const s = tf.tensor(['a', 'b', 'c']);
    const b = tf.tensor1d([true, false], 'bool');
    const c = tf.complex([1], [2]);
    expect(inferSpec({ f, i, s }).components).toEqual([
      { dtype: 'float32', shape: [2, 3] },
      { dtype: 'int32', shape: [2] },
      { dtype: 'string', shape: [3] },
    ]);
    expectInvalid(
      () => inferSpec([f, b]),
      'Expected component 1 of `element` to be a float32, int32 or string tf.Tensor, got `Tensor(bool, [2])`',
    );
    expectInvalid(() => inferSpec(c), /got `Tensor\(complex64, \[1\]\)`$/);
    tf.dispose([f, i, s, b, c]);
  });

  it('rejects other components, naming the component, the argument and the value', () => {
    const x = new Float32Array(1);
    expectInvalid(
      () => inferSpec([x, true as unknown as number]),
      'Expected component 1 of `element` to be a number, string, typed array or tf.Tensor, got `true` (boolean)',
    );
    expectInvalid(
      () => inferSpec([x, [1, 2] as unknown as number], { argName: 'item' }),
      'Expected component 1 of `item` to be a number, string, typed array or tf.Tensor, got `Array(2)`',
    );
    expectInvalid(
      () => inferSpec({ a: null as unknown as number }),
      'Expected component `a` of `element` to be a number, string, typed array or tf.Tensor, got `null`',
    );
    expectInvalid(
      () => inferSpec({ a: { b: 1 } as unknown as number }),
      /^Expected component `a` of `element` to be .* got `object` \(object\)$/,
    );
  });

  it('uses given shapes: a list for tuples, a record for records, one shape for a bare element', () => {
    const row = new Float32Array(784);
    expect(inferSpec([row, 3], { shapes: [[28, 28], undefined] }).components).toEqual([
      { dtype: 'float32', shape: [28, 28] },
      { dtype: 'float32', shape: [] },
    ]);
    expect(inferSpec([row, 3], { shapes: [[28, 28], [1]] }).components[1]).toEqual({
      dtype: 'float32',
      shape: [1],
    });
    expect(inferSpec({ image: row, label: 3 }, { shapes: { image: [28, 28] } }).components).toEqual(
      [
        { dtype: 'float32', shape: [28, 28] },
        { dtype: 'float32', shape: [] },
      ],
    );
    expect(inferSpec(row, { shapes: [28, 28] }).components).toEqual([
      { dtype: 'float32', shape: [28, 28] },
    ]);
    expect(inferSpec(row, { shapes: [[28, 28]] }).components).toEqual([
      { dtype: 'float32', shape: [28, 28] },
    ]);
    expect(inferSpec(7, { shapes: [] }).components).toEqual([{ dtype: 'float32', shape: [] }]);
  });

  it('rejects shapes that do not fit the data or the structure', () => {
    expectInvalid(
      () => inferSpec([3, new Float32Array(100)], { shapes: [undefined, [28, 28]] }),
      'Shape mismatch in component 1: expected [28,28] (784 values), got 100 values',
    );
    expectInvalid(
      () => inferSpec([new Float32Array(783)], { shapes: [[784]] }),
      'Shape mismatch in component 0: expected [784], got [783]',
    );
    expectInvalid(
      () => inferSpec([1, 2], { shapes: [[]] }),
      'Expected `shapes` to be a list of 2 row shapes (one per component), got `Array(1)`',
    );
    expectInvalid(
      () => inferSpec([1], { shapes: [null] }),
      'Expected `shapes[0]` to be a row shape (an array of dimensions), got `null`',
    );
    expectInvalid(
      () => inferSpec({ a: 1 }, { shapes: { b: [] } }),
      'Expected the keys of `shapes` to be among the element\'s keys ["a"], got `b`',
    );
    expectInvalid(
      () => inferSpec({ a: 1 }, { shapes: [[]] }),
      'Expected `shapes` to be a record of row shapes keyed like the element, got `Array(1)`',
    );
    expectInvalid(
      () => inferSpec(new Float32Array(4), { shapes: [2, -2] }),
      'Expected `shapes[1]` to be a non-negative integer, got `-2` (number)',
    );
    expectInvalid(
      () => inferSpec(new Float32Array(4), { shapes: [null, 2] }),
      'Expected `shapes` to have only known dimensions, got [null,2]: a `null` (variable) dimension needs `dynamicPad: true`',
    );
  });

  it('makes array dimensions variable with dynamicPad', () => {
    const t = tf.zeros([2, 3]);
    expect(inferSpec([new Int32Array(5), 1, t], { dynamicPad: true }).components).toEqual([
      { dtype: 'int32', shape: [null] },
      { dtype: 'float32', shape: [] },
      { dtype: 'float32', shape: [null, null] },
    ]);
    expect(
      inferSpec(new Float32Array(12), { dynamicPad: true, shapes: [null, 3] }).components,
    ).toEqual([{ dtype: 'float32', shape: [null, 3] }]);
    expectInvalid(
      () => inferSpec(new Float32Array(10), { dynamicPad: true, shapes: [null, 3] }),
      'Shape mismatch in component 0: expected [null,3], got 10 values',
    );
    t.dispose();
  });
});

describe('typedArrayDType', () => {
  it('knows the supported typed arrays only', () => {
    expect(typedArrayDType(new Float64Array(1))).toBe('float32');
    expect(typedArrayDType(new Uint8ClampedArray(1))).toBe('int32');
    expect(typedArrayDType(new DataView(new ArrayBuffer(1)))).toBeUndefined();
    expect(typedArrayDType(new BigInt64Array(1))).toBeUndefined();
    expect(typedArrayDType([1])).toBeUndefined();
  });
});

describe('specsCompatible, assertSameStructure and assertCompatibleSpecs', () => {
  const a: ElementSpec = inferSpec([new Float32Array(3), 1]);

  it('compares structure, dtype and shape', () => {
    expect(specsCompatible(a, inferSpec([new Float64Array(3), 2]))).toBe(true);
    expect(specsCompatible(a, inferSpec([new Int32Array(3), 2]))).toBe(false);
    expect(specsCompatible(a, inferSpec([new Float32Array(4), 2]))).toBe(false);
    expect(specsCompatible(a, inferSpec([new Float32Array(3)]))).toBe(false);
    expect(specsCompatible(a, inferSpec({ a: new Float32Array(3), b: 1 }))).toBe(false);
    const v = inferSpec([new Float32Array(1), 1], { dynamicPad: true });
    expect(specsCompatible(a, v)).toBe(true);
  });

  it('names both key lists for records with different keys', () => {
    const r1 = inferSpec({ image: 1, label: 2 }).structure;
    const r2 = inferSpec({ image: 1, labels: 2 }).structure;
    expectInvalid(
      () => assertSameStructure(r1, r2, '`sources[1]`'),
      'Mismatched elements in `sources[1]`: records must have the same keys, got ["image","label"] and ["image","labels"]',
    );
    expectInvalid(
      () => assertSameStructure({ kind: 'tuple', length: 2 }, { kind: 'tuple', length: 3 }, 'x'),
      'Mismatched elements in x: tuples must have the same number of components, got 2 and 3',
    );
    expectInvalid(
      () => assertSameStructure({ kind: 'bare' }, r1, 'x'),
      'Mismatched elements in x: elements must have the same structure, got a bare component and a record with keys ["image","label"]',
    );
    expect(() =>
      assertSameStructure(r1, { kind: 'record', keys: ['image', 'label'] }, 'x'),
    ).not.toThrow();
  });

  it('names the first mismatching component', () => {
    expectInvalid(
      () => assertCompatibleSpecs(a, inferSpec([new Int32Array(3), 1]), '`sources[1]`'),
      'Mismatched elements in `sources[1]`: component 0 is float32 [3] in one and int32 [3] in the other',
    );
    expect(() => assertCompatibleSpecs(a, inferSpec([new Float32Array(3), 9]), 'x')).not.toThrow();
  });
});
