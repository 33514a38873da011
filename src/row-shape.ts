import { InvalidArgumentError } from './errors.js';
import { describeValue } from './validate.js';

/**
 * The shape of one example's row, without the batch dimension. `null` marks a variable
 * dimension, allowed only with dynamic padding (the batch pads it to its largest size).
 *
 * @example
 * ```ts
 * const image: RowShape = [28, 28];
 * const sentence: RowShape = [null];
 * ```
 */
export type RowShape = readonly (number | null)[];

/**
 * Formats a shape for messages: `[28,28]`, `[null,3]`, `[]`.
 *
 * @example
 * ```ts
 * formatShape([null, 3]); // '[null,3]'
 * ```
 */
export function formatShape(shape: RowShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/**
 * The number of values a row of this shape holds; the product of the known dimensions when
 * some are variable (`null`).
 *
 * @example
 * ```ts
 * shapeSize([28, 28]); // 784
 * shapeSize([]); // 1 (a scalar)
 * ```
 */
export function shapeSize(shape: RowShape): number {
  let size = 1;
  for (const d of shape) if (d !== null) size *= d;
  return size;
}

/**
 * Whether a shape has a variable (`null`) dimension.
 *
 * @example
 * ```ts
 * isVariable([null, 3]); // true
 * ```
 */
export function isVariable(shape: RowShape): boolean {
  return shape.includes(null);
}

/**
 * Checks a user-given row shape: an array of non-negative integers, and `null` for variable
 * dimensions only when `dynamicPad` is on. Returns a frozen copy.
 *
 * @example
 * ```ts
 * checkRowShape([28, 28], 'shapes[0]', false); // [28, 28]
 * checkRowShape([null], 'shapes[0]', false); // throws: needs `dynamicPad: true`
 * ```
 */
export function checkRowShape(value: unknown, argName: string, dynamicPad: boolean): RowShape {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(
      `Expected \`${argName}\` to be a row shape (an array of dimensions), got ${describeValue(value)}`,
    );
  }
  const dims = value as readonly unknown[];
  const shape: (number | null)[] = [];
  for (let d = 0; d < dims.length; d++) {
    const dim = dims[d];
    if (dim === null) {
      if (!dynamicPad) {
        throw new InvalidArgumentError(
          `Expected \`${argName}\` to have only known dimensions, got ${describeShapeValue(dims)}: ` +
            'a `null` (variable) dimension needs `dynamicPad: true`',
        );
      }
      shape.push(null);
    } else if (typeof dim === 'number' && Number.isInteger(dim) && dim >= 0) {
      shape.push(dim);
    } else {
      throw new InvalidArgumentError(
        `Expected \`${argName}[${d}]\` to be a non-negative integer${dynamicPad ? ' or null' : ''}, ` +
          `got ${describeValue(dim)}`,
      );
    }
  }
  return Object.freeze(shape);
}

function describeShapeValue(dims: readonly unknown[]): string {
  return `[${dims.map((d) => String(d)).join(',')}]`;
}

/**
 * The actual shape of a row whose spec shape is `spec`, given the value's own shape
 * (`natural`: `[]` for a scalar, `[length]` for a typed array, a tensor's shape) and its
 * number of values. Returns `undefined` when they do not fit.
 *
 * A fully known spec takes any value with the right number of values (rows are flat data, so
 * a `[784]` row fits a `[28,28]` spec). A spec with variable dimensions takes the value's own
 * shape when the ranks agree and the known dimensions match; otherwise a single variable
 * dimension is solved from the number of values.
 *
 * @example
 * ```ts
 * resolveRowShape([28, 28], [784], 784); // [28, 28]
 * resolveRowShape([null, 3], [12], 12); // [4, 3]
 * resolveRowShape([null], [5], 5); // [5]
 * ```
 */
export function resolveRowShape(
  spec: RowShape,
  natural: readonly number[],
  count: number,
): readonly number[] | undefined {
  let variable = -1;
  let variables = 0;
  let known = 1;
  for (let d = 0; d < spec.length; d++) {
    const dim = spec[d];
    if (dim === null || dim === undefined) {
      variable = d;
      variables++;
    } else {
      known *= dim;
    }
  }
  if (variables === 0) return count === known ? (spec as readonly number[]) : undefined;
  if (natural.length === spec.length) {
    let fits = true;
    for (let d = 0; d < spec.length; d++) {
      const dim = spec[d];
      if (dim !== null && dim !== natural[d]) fits = false;
    }
    if (fits) return natural;
  }
  if (variables === 1 && known > 0 && count % known === 0) {
    const shape = spec.map((d) => d ?? 0);
    shape[variable] = count / known;
    return shape;
  }
  return undefined;
}

/**
 * The message for a row that does not fit its spec shape. Shapes of the same rank are shown
 * side by side (`expected [784], got [783]`); otherwise the numbers of values are shown too
 * (`expected [28,28] (784 values), got 100 values`).
 *
 * @example
 * ```ts
 * shapeMismatchMessage('component 0 of element 3', [784], [783], 783);
 * // 'Shape mismatch in component 0 of element 3: expected [784], got [783]'
 * ```
 */
export function shapeMismatchMessage(
  where: string,
  expected: RowShape,
  natural: readonly number[],
  count: number,
): string {
  if (natural.length === expected.length) {
    return `Shape mismatch in ${where}: expected ${formatShape(expected)}, got ${formatShape(natural)}`;
  }
  const want = isVariable(expected)
    ? formatShape(expected)
    : `${formatShape(expected)} (${shapeSize(expected)} values)`;
  const got = natural.length <= 1 ? `${count} values` : `${formatShape(natural)} (${count} values)`;
  return `Shape mismatch in ${where}: expected ${want}, got ${got}`;
}
