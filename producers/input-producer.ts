import { disposeTensorsIn } from '../src/dispose.js';
import type { Component } from '../src/element.js';
import { inferSpec, type ElementSpec } from '../src/element-spec.js';
import { InvalidArgumentError } from '../src/errors.js';
import { checkRowShape, formatShape, shapeSize } from '../src/row-shape.js';
import { IndexSource } from './index-source.js';
import { ColumnReader, type Column } from './columns.js';
import type { ProducerOptions } from './producer-options.js';

/**
 * Options of {@link inputProducer}.
 *
 * @example
 * ```ts
 * const options: InputProducerOptions = { elementShape: [28, 28], numEpochs: 1 };
 * ```
 */
export interface InputProducerOptions extends ProducerOptions {
  /** The row shape, when the column's own shape does not say it (same number of values). */
  readonly elementShape?: readonly number[] | undefined;
}

/**
 * Produces the rows of one column (its first dimension is the example axis), each epoch in a
 * fresh order when `shuffle` is on (TensorFlow's `input_producer`). Rows are numbers or strings
 * for a rank-1 column, else typed-array views.
 *
 * @example
 * ```ts
 * const rows = inputProducer({ data: pixels, shape: [100, 784] }, { numEpochs: 2 });
 * ```
 */
export function inputProducer<C extends Component = Component>(
  inputTensor: Column,
  options?: InputProducerOptions,
): IndexSource<C> {
  const reader = new ColumnReader(inputTensor, 'inputTensor');
  const elementShape: unknown = options?.elementShape;
  if (elementShape !== undefined) {
    // Checked here, so that the messages name `elementShape` (and not the batchers' `shapes`).
    const shape = checkRowShape(elementShape, 'elementShape', false);
    if (shapeSize(shape) !== reader.rowSize) {
      throw new InvalidArgumentError(
        `Expected \`elementShape\` to hold ${reader.rowSize} value${reader.rowSize === 1 ? '' : 's'} ` +
          `per row (the rows of \`inputTensor\` have shape ${formatShape(reader.rowShape)}), ` +
          `got ${formatShape(shape)}`,
      );
    }
  }
  // Row 0 only serves to infer the spec. Rows of a string tensor of rank >= 2 are new string
  // tensors, so it is released here: nothing else ever takes it.
  const first = reader.row(0);
  let spec: ElementSpec;
  try {
    spec = inferSpec(first, { shapes: options?.elementShape, argName: 'inputTensor' });
  } finally {
    disposeTensorsIn(first);
  }
  const dtype = reader.dtype;
  const specWithDType = {
    structure: spec.structure,
    components: spec.components.map((c) => ({ ...c, dtype })),
  };
  return new IndexSource(
    reader.length,
    (i) => reader.row(i) as C,
    options,
    'input_producer',
    specWithDType,
  );
}
