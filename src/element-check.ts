import type { Element, TypedArray } from './element.js';
import {
  shapesPerComponent,
  typedArrayDType,
  isTensor,
  type ElementSpec,
  type Shapes,
} from './element-spec.js';
import { InvalidArgumentError } from './errors.js';
import { checkElement, componentAt, rowError } from './padding.js';
import { formatShape, isVariable, resolveRowShape, shapeSize } from './row-shape.js';

/**
 * Throws {@link InvalidArgumentError} unless `element` fits `spec`: the same structure, and
 * per component a value of the spec's dtype whose row fits the spec's shape. Stages call it on
 * every element before enqueueing, so bad data fails the stage that met it (with the element
 * and component named) instead of a later batch. The common cases (numbers, typed arrays of
 * the right size) are checked without building any message.
 *
 * @example
 * ```ts
 * checkElementFits([new Float32Array(783), 1], spec, 3, false);
 * // InvalidArgumentError: Shape mismatch in component 0 of element 3: expected [784], got [783]; ...
 * ```
 */
export function checkElementFits(
  element: Element,
  spec: ElementSpec,
  index: number,
  dynamicPad: boolean,
): void {
  const { structure, components } = spec;
  checkElement(element, structure, index);
  for (let c = 0; c < components.length; c++) {
    const cs = components[c]!;
    const value = componentAt(element, structure, c);
    let fits: boolean;
    if (typeof value === 'number') {
      fits = cs.dtype !== 'string' && cs.shape.length === 0;
    } else if (typeof value === 'string') {
      fits = cs.dtype === 'string' && cs.shape.length === 0;
    } else {
      const typed = typedArrayDType(value);
      if (typed !== undefined) {
        const length = (value as TypedArray).length;
        fits =
          typed === cs.dtype &&
          (isVariable(cs.shape)
            ? resolveRowShape(cs.shape, [length], length) !== undefined
            : shapeSize(cs.shape) === length);
      } else if (isTensor(value)) {
        fits =
          value.dtype === cs.dtype &&
          resolveRowShape(cs.shape, value.shape, value.size) !== undefined;
      } else {
        fits = false;
      }
    }
    if (!fits) throw rowError(value, cs, structure, c, index, dynamicPad);
  }
}

/**
 * `spec` with the row shapes the user gave (`shapes`, in the element's form) in place of the
 * ones the data told. A given shape must hold as many values as the data's rows.
 *
 * @example
 * ```ts
 * specWithShapes(sliceSpec, [[28, 28], []], false); // images as [28, 28] instead of [784]
 * ```
 */
export function specWithShapes(
  spec: ElementSpec,
  shapes: Shapes | undefined,
  dynamicPad: boolean,
): ElementSpec {
  if (shapes === undefined) return spec;
  const given = shapesPerComponent(shapes, spec.structure, dynamicPad);
  const components = spec.components.map((cs, c) => {
    const shape = given[c];
    if (shape === undefined) return cs;
    if (!isVariable(shape) && !isVariable(cs.shape) && shapeSize(shape) !== shapeSize(cs.shape)) {
      throw new InvalidArgumentError(
        `Shape mismatch in \`shapes\` for component ${c}: ${formatShape(shape)} holds ` +
          `${shapeSize(shape)} values, but the rows hold ${shapeSize(cs.shape)} (${formatShape(cs.shape)})`,
      );
    }
    return { dtype: cs.dtype, shape };
  });
  return { structure: spec.structure, components };
}
