// Loading and augmentation off the main thread: two worker threads gather each batch's rows
// and run a per-example flip-and-shift on them, while the main thread only makes tensors and
// trains. The same seed gives the same batches with any number of workers.
//
//   npx tsx examples/augment-on-workers.ts
import {
  batch,
  loadEmbeddedFashionMnist,
  sliceInputProducer,
  tf,
  trainLoop,
  useBackend,
  type Tensor,
} from '../index.js';

await useBackend();
const { train } = await loadEmbeddedFashionMnist({ scale: true });

const model = tf.sequential({
  layers: [tf.layers.dense({ inputShape: [784], units: 10, activation: 'softmax' })],
});
model.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });

const examples = sliceInputProducer([train.images, train.labels], {
  numEpochs: 2,
  seed: 7,
  workers: 2,
  workerMap: new URL('./flip-shift.ts', import.meta.url),
});
const batches = batch(examples, { batchSize: 100, numThreads: 2, allowSmallerFinalBatch: true });

const started = performance.now();
// Starts the runners, trains until the end of input, stops and joins (disposing each batch).
const steps = await trainLoop(batches, async ([x, y]: [Tensor, Tensor]) => {
  const yf = y.toFloat();
  await model.trainOnBatch(x, yf);
  yf.dispose();
});
const seconds = (performance.now() - started) / 1000;
console.log(`${steps} steps on augmented batches in ${seconds.toFixed(2)} s`);
