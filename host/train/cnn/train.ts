// A reproducible training loop for small TF.js classifiers: mini-batches in an order drawn
// from a seeded generator (TF.js's own fit() shuffles with Math.random), Adam, early stopping
// on the validation loss with the best weights restored. With seeded initializers, no dropout
// and the CPU backend (plain JavaScript, one thread), the same seed gives the same weights.
import { tf, initTf } from './tf';
import { Prng } from './prng';

export interface Samples {
  /** Flat inputs, one per sample (NHWC row-major for images). */
  x: ArrayLike<number>[];
  /** Class index per sample. */
  y: ArrayLike<number>;
}

export interface FitOptions {
  classes: number;
  /** Input shape without the batch, e.g. [8, 8, 1]. */
  inputShape: number[];
  /** The network sees (x - inputOffset) * inputScale (per channel or one number). */
  inputScale?: number | ArrayLike<number>;
  inputOffset?: number | ArrayLike<number>;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Stop after this many epochs without a better validation loss. */
  patience?: number;
  seed?: number;
  /** Called after each epoch. */
  onEpoch?: (e: EpochLog) => void;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  valLoss: number;
  valAccuracy: number;
  ms: number;
}

export interface FitResult {
  epochs: number;
  bestEpoch: number;
  bestValLoss: number;
  bestValAccuracy: number;
  history: EpochLog[];
  ms: number;
}

type PerChannel = number | ArrayLike<number>;

/** Stacks samples into an [n, ...inputShape] tensor, normalized per channel: (x - offset) * scale. */
export function toTensor(x: ArrayLike<number>[], inputShape: number[], scale: PerChannel = 1, offset: PerChannel = 0): tf.Tensor {
  const per = inputShape.reduce((a, b) => a * b, 1);
  const C = inputShape[inputShape.length - 1];
  const data = new Float32Array(x.length * per);
  const sc = Float64Array.from({ length: C }, (_, c) => (typeof scale === 'number' ? scale : scale[c]));
  const of = Float64Array.from({ length: C }, (_, c) => (typeof offset === 'number' ? offset : offset[c]));
  x.forEach((s, i) => {
    if (s.length !== per) throw new RangeError(`sample ${i} has ${s.length} values, expected ${per}`);
    for (let k = 0; k < per; k++) data[i * per + k] = (s[k] - of[k % C]) * sc[k % C];
  });
  return tf.tensor(data, [x.length, ...inputShape]);
}

function oneHot(y: ArrayLike<number>, classes: number): tf.Tensor {
  const data = new Float32Array(y.length * classes);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= classes) throw new RangeError(`label ${y[i]} at ${i} is not a class index below ${classes}`);
    data[i * classes + y[i]] = 1;
  }
  return tf.tensor2d(data, [y.length, classes]);
}

/** Class probabilities of a model for samples (batched predict). */
export function predictProbabilities(model: tf.LayersModel, x: ArrayLike<number>[], inputShape: number[], inputScale: PerChannel = 1, inputOffset: PerChannel = 0): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(toTensor(x, inputShape, inputScale, inputOffset), { batchSize: 256 }) as tf.Tensor;
    const flat = out.dataSync() as Float32Array;
    const k = out.shape[1] as number;
    return x.map((_, i) => flat.slice(i * k, (i + 1) * k));
  });
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export function accuracyOf(model: tf.LayersModel, data: Samples, inputShape: number[], inputScale: PerChannel = 1, inputOffset: PerChannel = 0): number {
  const p = predictProbabilities(model, data.x, inputShape, inputScale, inputOffset);
  let ok = 0;
  p.forEach((v, i) => { if (argmax(v) === data.y[i]) ok++; });
  return p.length ? ok / p.length : NaN;
}

/**
 * Trains a compiled-or-not softmax classifier (categorical cross-entropy, Adam) with seeded
 * batches and early stopping on `validation`; the weights of the best epoch are kept.
 */
export async function fitClassifier(model: tf.LayersModel, train: Samples, validation: Samples, options: FitOptions): Promise<FitResult> {
  await initTf();
  const { classes, inputShape, inputScale = 1, inputOffset = 0, epochs = 60, batchSize = 32, learningRate = 0.005, patience = 8, seed = 0 } = options;
  const t0 = Date.now();
  const rng = new Prng(seed * 2654435761 + 1);
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy' });
  const xs = toTensor(train.x, inputShape, inputScale, inputOffset);
  const ys = oneHot(train.y, classes);
  const vx = toTensor(validation.x, inputShape, inputScale, inputOffset);
  const vy = oneHot(validation.y, classes);
  const n = train.x.length;
  const history: EpochLog[] = [];
  let best = { epoch: -1, loss: Infinity, accuracy: 0, weights: [] as tf.Tensor[] };
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const e0 = Date.now();
      const order = rng.permutation(n);
      let lossSum = 0;
      for (let start = 0; start < n; start += batchSize) {
        const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + batchSize)), 'int32');
        const bx = tf.gather(xs, idx);
        const by = tf.gather(ys, idx);
        const loss = await model.trainOnBatch(bx, by);
        lossSum += (loss as number) * idx.shape[0];
        tf.dispose([idx, bx, by]);
      }
      const [valLoss, valAccuracy] = tf.tidy(() => {
        const p = model.predict(vx, { batchSize: 256 }) as tf.Tensor;
        const l = tf.metrics.categoricalCrossentropy(vy, p).mean().dataSync()[0];
        const a = tf.metrics.categoricalAccuracy(vy, p).mean().dataSync()[0];
        return [l, a];
      });
      const log = { epoch, loss: lossSum / n, valLoss, valAccuracy, ms: Date.now() - e0 };
      history.push(log);
      options.onEpoch?.(log);
      if (valLoss < best.loss) {
        tf.dispose(best.weights);
        best = { epoch, loss: valLoss, accuracy: valAccuracy, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= patience) {
        break;
      }
    }
    if (best.weights.length) model.setWeights(best.weights);
  } finally {
    tf.dispose([xs, ys, vx, vy, ...best.weights]);
  }
  return {
    epochs: history.length, bestEpoch: best.epoch, bestValLoss: best.loss, bestValAccuracy: best.accuracy,
    history, ms: Date.now() - t0,
  };
}
