import type { Optimizer, Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { tf } from '../src/tf.js';

/**
 * The models the `train` command knows.
 *
 * @example
 * ```ts
 * const kind: ModelKind = 'mlp';
 * ```
 */
export type ModelKind = 'softmax' | 'mlp';

/**
 * The optimizers a model can use.
 *
 * @example
 * ```ts
 * createModel('mlp', 42, { optimizer: 'sgd' as OptimizerName });
 * ```
 */
export type OptimizerName = 'sgd' | 'adam';

/**
 * What {@link Model.trainStep} reports: nothing, the batch loss, or the batch accuracy.
 *
 * @example
 * ```ts
 * const loss = model.trainStep(x, y, 'loss' as StepReport);
 * ```
 */
export type StepReport = 'none' | 'loss' | 'accuracy';

/**
 * Pixels per flattened 28x28 image.
 *
 * @example
 * ```ts
 * tf.zeros([100, INPUT_SIZE]);
 * ```
 */
export const INPUT_SIZE = 784;

/**
 * Classes of (Fashion-)MNIST.
 *
 * @example
 * ```ts
 * tf.oneHot(ids, NUM_CLASSES);
 * ```
 */
export const NUM_CLASSES = 10;

/**
 * Hidden units of the MLP.
 *
 * @example
 * ```ts
 * HIDDEN_UNITS; // 128
 * ```
 */
export const HIDDEN_UNITS = 128;

/**
 * Options of {@link createModel}; the defaults depend on the model.
 *
 * @example
 * ```ts
 * createModel('mlp', 42, { optimizer: 'sgd', learningRate: 0.1 });
 * ```
 */
export interface ModelOptions {
  /** Default `sgd` for `softmax` (the tutorial's GradientDescent), `adam` for `mlp`. */
  optimizer?: OptimizerName | undefined;
  /** Default 0.5 for `softmax` with sgd (the tutorial's rate), 0.1 for sgd, 0.001 for adam. */
  learningRate?: number | undefined;
}

/**
 * A classifier of flattened 28x28 images into 10 classes, trained one batch at a time.
 *
 * `x` is float32 `[b, 784]`; `y` is float32 one-hot `[b, 10]` or int32 class ids `[b]`. The
 * caller keeps ownership of `x` and `y`; the model disposes every tensor it creates.
 *
 * @example
 * ```ts
 * const model = createModel('softmax', 42);
 * const acc = model.trainStep(x, y, 'accuracy'); // accuracy on this batch, before the update
 * model.dispose();
 * ```
 */
export interface Model {
  readonly kind: ModelKind;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  /** One gradient step on the batch. */
  trainStep(x: Tensor, y: Tensor): void;
  /**
   * One gradient step on the batch, returning the batch loss (computed by the step) or the
   * batch accuracy (computed just before the step, as the TensorFlow tutorials log it).
   */
  trainStep(x: Tensor, y: Tensor, report: StepReport): number | undefined;
  /** Fraction of the batch classified correctly. */
  accuracy(x: Tensor, y: Tensor): number;
  /** Number of correctly classified examples in the batch (for accuracy over many batches). */
  countCorrect(x: Tensor, y: Tensor): number;
  /** Frees the weights and the optimizer's state. */
  dispose(): void;
}

/** Weights and forward pass of one architecture. */
interface Network {
  readonly variables: Variable[];
  logits(x: Tensor): Tensor2D;
}

/** A variable of zeros (the tidy frees the initial tensor; the variable keeps the data). */
function zerosVariable(shape: number[]): Variable {
  return tf.tidy(() => tf.variable(tf.zeros(shape)));
}

/** Glorot-uniform weights, reproducible from `seed` on every backend (drawn in JS by tfjs-core). */
function glorotUniform(fanIn: number, fanOut: number, seed: number): Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.tidy(() =>
    tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed)),
  );
}

/**
 * Softmax regression as in TensorFlow's MNIST tutorial: `y = softmax(x W + b)` with `W` and `b`
 * zero-initialised (the loss is convex, so zeros are the tutorial's and a fine start).
 */
function softmaxNetwork(): Network {
  const w = zerosVariable([INPUT_SIZE, NUM_CLASSES]);
  const b = zerosVariable([NUM_CLASSES]);
  return {
    variables: [w, b],
    logits: (x) => tf.add(tf.matMul(x as Tensor2D, w as Tensor2D), b),
  };
}

/** 784 -> 128 relu -> 10, Glorot-uniform weights drawn from `seed`, zero biases. */
function mlpNetwork(seed: number): Network {
  const w1 = glorotUniform(INPUT_SIZE, HIDDEN_UNITS, seed);
  const b1 = zerosVariable([HIDDEN_UNITS]);
  // A different seed per layer: the same seed would give the two layers correlated weights.
  const w2 = glorotUniform(HIDDEN_UNITS, NUM_CLASSES, seed + 1);
  const b2 = zerosVariable([NUM_CLASSES]);
  return {
    variables: [w1, b1, w2, b2],
    logits: (x) => {
      const hidden = tf.relu(tf.add(tf.matMul(x as Tensor2D, w1 as Tensor2D), b1));
      return tf.add(tf.matMul(hidden as Tensor2D, w2 as Tensor2D), b2);
    },
  };
}

/** One-hot float labels from one-hot rows or class ids. */
function oneHotLabels(y: Tensor): Tensor {
  return y.rank === 1 ? tf.oneHot(tf.cast(y, 'int32'), NUM_CLASSES) : y;
}

/** Class ids from one-hot rows or class ids. */
function classIds(y: Tensor): Tensor {
  return y.rank === 1 ? tf.cast(y, 'int32') : tf.argMax(y, 1);
}

function defaultLearningRate(kind: ModelKind, optimizer: OptimizerName): number {
  if (optimizer === 'adam') return 0.001;
  return kind === 'softmax' ? 0.5 : 0.1;
}

function makeOptimizer(name: OptimizerName, learningRate: number): Optimizer {
  return name === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
}

/**
 * Builds a model: `softmax` (784 -> 10 softmax regression, GradientDescent at 0.5, softmax
 * cross-entropy: TensorFlow's MNIST tutorial model) or `mlp` (784 -> 128 relu -> 10, Adam at
 * 0.001 by default). Initial weights depend only on `seed`.
 *
 * Steps call `optimizer.minimize` inside `tf.tidy` rather than `model.fit`, whose per-call
 * overhead dominates at batch sizes like 100.
 *
 * @example
 * ```ts
 * const model = createModel('mlp', 42);
 * for (const [x, y] of batchIter(images, labels, 100, 1)) {
 *   model.trainStep(x, y);
 *   x.dispose();
 *   y.dispose();
 * }
 * model.dispose();
 * ```
 */
export function createModel(kind: ModelKind, seed: number, options: ModelOptions = {}): Model {
  const optimizerName = options.optimizer ?? (kind === 'softmax' ? 'sgd' : 'adam');
  const learningRate = options.learningRate ?? defaultLearningRate(kind, optimizerName);
  const net = kind === 'softmax' ? softmaxNetwork() : mlpNetwork(seed);
  const optimizer = makeOptimizer(optimizerName, learningRate);

  // The count is read and its tensor freed here: tf.tidy cannot return a plain number.
  const countCorrect = (x: Tensor, y: Tensor): number => {
    const t = tf.tidy(() =>
      tf.sum(tf.cast(tf.equal(tf.argMax(net.logits(x), 1), classIds(y)), 'int32')),
    );
    const n = t.dataSync()[0] ?? 0;
    t.dispose();
    return n;
  };

  const accuracy = (x: Tensor, y: Tensor): number => {
    const n = x.shape[0] ?? 0;
    return n === 0 ? 0 : countCorrect(x, y) / n;
  };

  function trainStep(x: Tensor, y: Tensor): void;
  function trainStep(x: Tensor, y: Tensor, report: StepReport): number | undefined;
  function trainStep(x: Tensor, y: Tensor, report: StepReport = 'none'): number | undefined {
    const before = report === 'accuracy' ? accuracy(x, y) : undefined;
    const wantLoss = report === 'loss';
    const loss = tf.tidy(() => {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy<Tensor, Scalar>(oneHotLabels(y), net.logits(x)),
        wantLoss,
        net.variables,
      );
      // Read inside the tidy so that the cost tensor is freed with the step's intermediates.
      return cost === null ? undefined : (cost.dataSync()[0] ?? Number.NaN);
    });
    return wantLoss ? loss : before;
  }

  return {
    kind,
    optimizer: optimizerName,
    learningRate,
    trainStep,
    accuracy,
    countCorrect,
    dispose: () => {
      optimizer.dispose();
      for (const v of net.variables) v.dispose();
    },
  };
}
