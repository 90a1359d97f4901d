// Train a small TF.js classifier CNN end to end: a stratified validation hold-out from the
// training set, the seeded loop of train.ts with early stopping, then the network as a
// FloatGraph in the engine's terms, with the training-time input normalization folded into
// the first layer, so that the device feeds raw values.
import { stratifiedSplit } from '../../data/split';
import { tfjsToFloatGraph } from '../../import/tfjs';
import type { FloatGraph } from './float-graph';
import { normalizeGraphInput } from './float-graph';
import { tf, initTf } from './tf';
import { FitOptions, FitResult, Samples, accuracyOf, fitClassifier } from './train';

export interface TrainCnnOptions extends Omit<FitOptions, 'classes' | 'inputShape'> {
  /** Fraction of the training samples held out for early stopping (stratified). Default 0.15. */
  validationFraction?: number;
}

export interface TrainedCnn {
  /** The trained TF.js model (it takes inputs multiplied by inputScale). */
  model: tf.LayersModel;
  /** The same network in the engine's terms, taking raw inputs (the normalization folded in). */
  graph: FloatGraph;
  inputShape: number[];
  /** The TF.js model sees (x - inputOffset) * inputScale. */
  inputScale: number | ArrayLike<number>;
  inputOffset: number | ArrayLike<number>;
  fit: FitResult;
}

export interface CnnSpec {
  inputShape: number[];
  classes: number;
  /** Builds the (uncompiled) network with seeded initializers. */
  build: (seed: number) => tf.LayersModel;
}

function pick(s: Samples, idx: ArrayLike<number>): Samples {
  const x: ArrayLike<number>[] = [];
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.push(s.x[idx[i]]);
    y[i] = s.y[idx[i]];
  }
  return { x, y };
}

export async function trainCnn(spec: CnnSpec, train: Samples, options: TrainCnnOptions = {}): Promise<TrainedCnn> {
  await initTf();
  const { validationFraction = 0.15, seed = 0, inputScale = 1, inputOffset = 0 } = options;
  if (train.x.length !== train.y.length) throw new RangeError(`${train.x.length} samples and ${train.y.length} labels`);
  const split = stratifiedSplit(train.y, { testSize: validationFraction, seed: seed + 1 });
  const model = spec.build(seed);
  const fit = await fitClassifier(model, pick(train, split.train), pick(train, split.test), {
    ...options, classes: spec.classes, inputShape: spec.inputShape, inputScale, inputOffset, seed,
  });
  const graph = tfjsToFloatGraph(model);
  normalizeGraphInput(graph, inputScale, inputOffset);
  return { model, graph, inputShape: spec.inputShape, inputScale, inputOffset, fit };
}

/** Float accuracy of a trained CNN's TF.js model on raw samples. */
export function floatAccuracy(t: TrainedCnn, data: Samples): number {
  return accuracyOf(t.model, data, t.inputShape, t.inputScale, t.inputOffset);
}
