// Feeding model.fitDataset from a queue pipeline: batch a record { xs, ys } and wrap the batch
// source with toDataset. The producer counts the epochs; fitDataset runs one pass over them.
//
//   npx tsx examples/fit-dataset.ts
import {
  Coordinator,
  batch,
  sliceInputProducer,
  startQueueRunners,
  tf,
  toDataset,
  useBackend,
} from '../index.js';

await useBackend();
const n = 1000;
const xs = {
  data: Float32Array.from({ length: n * 2 }, (_, i) => ((i * 7919) % 100) / 100),
  shape: [n, 2],
};
const ys = {
  data: Float32Array.from({ length: n }, (_, i) => ((xs.data[2 * i] ?? 0) > 0.5 ? 1 : 0)),
  shape: [n, 1],
};

const model = tf.sequential({
  layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: 'sigmoid' })],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['acc'] });

const examples = sliceInputProducer({ xs, ys }, { numEpochs: 20, seed: 1 });
const batches = batch(examples, { batchSize: 50, allowSmallerFinalBatch: true });
const coord = new Coordinator();
const threads = startQueueRunners({ coord });
const history = await model.fitDataset(toDataset(batches), { epochs: 1, verbose: 0 });
coord.requestStop();
await coord.join(threads);
console.log('accuracy', history.history.acc?.[0]);
