// The classic TensorFlow 1 training loop, with queuefeed: a producer slices examples out of
// columns, two runner tasks batch them, a Coordinator stops everything at the end of input.
//
//   npx tsx examples/train-loop.ts
import {
  Coordinator,
  OutOfRangeError,
  batch,
  loadEmbeddedFashionMnist,
  sliceInputProducer,
  startQueueRunners,
  tf,
  useBackend,
  type Tensor,
} from '../index.js';

await useBackend();
const { train, test } = await loadEmbeddedFashionMnist({ scale: true });

const model = tf.sequential({
  layers: [tf.layers.dense({ inputShape: [784], units: 10, activation: 'softmax' })],
});
model.compile({
  optimizer: tf.train.sgd(0.5),
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['acc'],
});

const inputQueue = sliceInputProducer([train.images, train.labels], { numEpochs: 3, seed: 7 });
const batches = batch(inputQueue, { batchSize: 100, numThreads: 2, allowSmallerFinalBatch: true });

const coord = new Coordinator();
const threads = startQueueRunners({ coord });
let step = 0;
try {
  while (!coord.shouldStop()) {
    const [x, y] = await batches.dequeue(); // x: float32 [b, 784], y: int32 [b]
    const yf = y.toFloat();
    const [, acc] = (await model.trainOnBatch(x, yf)) as number[];
    if (step % 100 === 0) console.log(`step ${step}, training accuracy ${acc?.toFixed(3)}`);
    tf.dispose([x, y, yf]);
    step++;
  }
} catch (e) {
  if (!(e instanceof OutOfRangeError)) throw e;
  console.log('Done training');
} finally {
  coord.requestStop();
}
await coord.join(threads);

const [xTest, yTest] = [
  tf.tensor2d(test.images.data, test.images.shape),
  tf.tensor1d(test.labels.data as Int32Array, 'int32'),
];
const predicted = tf.tidy(() => (model.predict(xTest) as Tensor).argMax(1));
const accuracy = tf.tidy(() => predicted.equal(yTest).mean().dataSync()[0] ?? 0);
console.log(`held-out accuracy ${accuracy.toFixed(3)} after ${step} steps`);
tf.dispose([xTest, yTest, predicted]);
