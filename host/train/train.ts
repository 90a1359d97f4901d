// Training from a labelled dataset to a finished package, as `edgeml train` does it: a
// stratified hold-out split, training on the training rows, quantization and export (self-test
// vectors, optional signature), then the package run through firmware/core's own loadModel on
// the test rows and compared with the float model. Also gathers what the HTML report shows:
// the confusion matrix, feature importance and accuracy against model size.
//
// Algorithms: dt (CART), rf (random forest), gbdt (gradient boosting) from ./trees, exported by
// ./export-trees.ts; logreg (./linear.ts) and cnn (./cnn/) as int8 graphs.
import { loadModel, Model } from '../../firmware/core/model';
import { Dataset, subset } from '../data/dataset';
import { stratifiedSplit } from '../data/split';
import type { Signer } from '../package/encode';
import { compareWithPackage, exportTrees } from './export-trees';
import { TreeModel, chooseFeatureQuantization } from './quantize-trees';
import { GradientBoostingModel } from './trees/boosting';
import { DecisionTreeClassifier } from './trees/cart';
import { RandomForestClassifier } from './trees/forest';
import { Tree, treeDepth } from './trees/tree';

export const ALGORITHMS = ['dt', 'rf', 'gbdt', 'logreg', 'cnn'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const ALGORITHM_NAMES: Record<Algorithm, string> = {
  dt: 'decision tree (CART)',
  rf: 'random forest',
  gbdt: 'gradient boosting',
  logreg: 'logistic regression',
  cnn: 'convolutional network',
};

/** An option that does not fit the algorithm or the data (the caller's mistake, not the data's). */
export class TrainOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainOptionError';
  }
}

export interface TrainOptions {
  algorithm: Algorithm;
  /** rf: trees (default 100); gbdt: boosting rounds (default 100). */
  trees?: number;
  /** Deepest leaf (root = 0). Default: none for dt and rf, 3 for gbdt. */
  maxDepth?: number;
  /** How to view the feature columns as an image [H, W, C] (row-major, channel fastest):
   * required for cnn; for the others it only lays out the importance image of the report. */
  shape?: [number, number, number];
  /** cnn: most epochs (early stopping may end sooner; default 60). */
  epochs?: number;
  /** Seeds the split and the training (default 0). */
  seed?: number;
  /** Test split: a fraction in (0, 1) or a row count (default 0.25). */
  testSize?: number;
  /** Package name, at most 32 UTF-8 bytes. */
  name: string;
  modelVersion?: number;
  /** Unix seconds (default now). */
  createdAt?: number;
  signer?: Signer;
  /** Also measure accuracy against package size for smaller models (default true). */
  sizeCurve?: boolean;
  /** Called as training advances (trees, rounds, epochs). */
  onProgress?: (done: number, total: number, unit: string) => void;
}

export interface TrainSummary {
  algorithm: Algorithm;
  algorithmName: string;
  params: Record<string, number | string | null>;
  dataset: { rows: number; features: number; classes: string[]; trainRows: number; testRows: number };
  /** Test accuracy of the float model. */
  floatAccuracy: number;
  /** Test accuracy of the package, run by firmware/core (the device's engine). */
  quantizedAccuracy: number;
  /** Fraction of test rows where the package and the float model predict the same class. */
  agreement: number;
  disagreements: number;
  packageBytes: number;
  arenaBytes: number;
  selfTest: { vectors: number; passed: boolean };
  signed: boolean;
  /** What the package holds: trees, nodes, leaves, depth, or graph ops and weights. */
  model: Record<string, number | string>;
  trainMs: number;
}

export interface FeatureImportance {
  /** impurity: mean decrease in gini impurity (as scikit-learn's feature_importances_);
   * splits: share of the splits that test the feature; weights: sum over classes of
   * |weight| x the feature's standard deviation. Values sum to 1. */
  kind: 'impurity' | 'splits' | 'weights';
  names: string[];
  values: number[];
}

export interface SizePoint {
  /** e.g. "10 trees", "depth 4", "20 rounds". */
  label: string;
  packageBytes: number;
  floatAccuracy: number;
  quantizedAccuracy: number;
}

export interface TrainResult {
  bytes: Uint8Array;
  summary: TrainSummary;
  /** Package predictions on the test rows: confusion[true][predicted]. */
  confusion: number[][];
  importance: FeatureImportance | null;
  sizeCurve: SizePoint[];
  /** The feature columns' image layout, when known (--shape, or px0..pxN square images). */
  shape: [number, number, number] | null;
}

interface Trained {
  bytes: Uint8Array;
  /** Float class of each test row. */
  floatPredictions: Int32Array;
  params: Record<string, number | string | null>;
  modelInfo: Record<string, number | string>;
  importance: FeatureImportance | null;
  sizeCurve: (test: Rows) => SizePoint[];
}

interface Rows { X: Float64Array[]; y: Int32Array }

/** Trains, quantizes, exports and evaluates. Throws TrainOptionError for options that do not fit. */
export async function trainModel(data: Dataset, options: TrainOptions): Promise<TrainResult> {
  checkOptions(data, options);
  const seed = options.seed ?? 0;
  const split = stratifiedSplit(data.y, { testSize: options.testSize ?? 0.25, seed });
  const train = subset(data, split.train);
  const test = subset(data, split.test);
  const t0 = performance.now();
  const trained = await trainers[options.algorithm](train, test, options);
  const trainMs = Math.round(performance.now() - t0);

  const device = loadModel(trained.bytes);
  const quantized = predictWith(device, test.X);
  const K = data.classes.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let right = 0, floatRight = 0, agree = 0;
  test.X.forEach((_, i) => {
    confusion[test.y[i]][quantized[i]]++;
    if (quantized[i] === test.y[i]) right++;
    if (trained.floatPredictions[i] === test.y[i]) floatRight++;
    if (trained.floatPredictions[i] === quantized[i]) agree++;
  });
  const n = test.X.length;
  const check = device.selfTest();
  const summary: TrainSummary = {
    algorithm: options.algorithm,
    algorithmName: ALGORITHM_NAMES[options.algorithm],
    params: { ...trained.params, seed, testSize: options.testSize ?? 0.25 },
    dataset: { rows: data.X.length, features: data.featureNames.length, classes: [...data.classes], trainRows: train.X.length, testRows: n },
    floatAccuracy: floatRight / n,
    quantizedAccuracy: right / n,
    agreement: agree / n,
    disagreements: n - agree,
    packageBytes: trained.bytes.length,
    arenaBytes: device.arenaBytes,
    selfTest: { vectors: check.count, passed: check.passed },
    signed: device.signature !== undefined,
    model: trained.modelInfo,
    trainMs,
  };
  return {
    bytes: trained.bytes,
    summary,
    confusion,
    importance: trained.importance,
    sizeCurve: options.sizeCurve === false ? [] : trained.sizeCurve({ X: test.X, y: test.y }),
    shape: options.shape ?? squareImage(data.featureNames),
  };
}

function checkOptions(data: Dataset, o: TrainOptions): void {
  const F = data.featureNames.length;
  const positiveInt = (v: number | undefined, what: string, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= max)) throw new TrainOptionError(`${what} must be a whole number from 1 to ${max}, not ${v}`);
  };
  const isTrees = o.algorithm === 'dt' || o.algorithm === 'rf' || o.algorithm === 'gbdt';
  if (o.trees !== undefined && o.algorithm !== 'rf' && o.algorithm !== 'gbdt') throw new TrainOptionError(`--trees applies to rf and gbdt, not ${o.algorithm}`);
  if (o.maxDepth !== undefined && !isTrees) throw new TrainOptionError(`--depth applies to dt, rf and gbdt, not ${o.algorithm}`);
  if (o.epochs !== undefined && o.algorithm !== 'cnn') throw new TrainOptionError(`--epochs applies to cnn, not ${o.algorithm}`);
  // One tree per class per boosting round (one in all for two classes); at most 65535 trees.
  const perRound = o.algorithm === 'gbdt' && data.classes.length > 2 ? data.classes.length : 1;
  positiveInt(o.trees, o.algorithm === 'gbdt' ? '--trees (boosting rounds)' : '--trees', Math.floor(65535 / perRound));
  positiveInt(o.maxDepth, '--depth', 255);
  positiveInt(o.epochs, '--epochs', 10000);
  if (o.shape) {
    o.shape.forEach((d) => positiveInt(d, '--shape dimensions'));
    const [h, w, c] = o.shape;
    if (h * w * c !== F) {
      throw new TrainOptionError(`--shape ${h}x${w}x${c} has ${h * w * c} values, but the data has ${F} feature columns`);
    }
  } else if (o.algorithm === 'cnn') {
    throw new TrainOptionError(`cnn needs --shape HxWxC to view the ${F} feature columns as an image (e.g. 8x8x1 for 64 pixels)`);
  }
  const t = o.testSize ?? 0.25;
  if (!(t > 0 && (t < 1 || Number.isInteger(t)) && t < data.X.length)) {
    throw new TrainOptionError(`--test-size must be a fraction between 0 and 1 or a row count below ${data.X.length}, not ${t}`);
  }
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) throw new TrainOptionError(`--seed must be a whole number from 0 to 4294967295, not ${o.seed}`);
}

/** px0..pxN (or pixel0..) with N + 1 a square of at least 16: a square grey image. */
function squareImage(names: string[]): [number, number, number] | null {
  const side = Math.round(Math.sqrt(names.length));
  if (side < 4 || side * side !== names.length) return null;
  const prefix = /^(px|pixel)(\d+)$/i.exec(names[0])?.[1];
  return prefix !== undefined && names.every((n, i) => n.toLowerCase() === `${prefix.toLowerCase()}${i}`) ? [side, side, 1] : null;
}

function predictWith(model: Model, X: readonly ArrayLike<number>[]): Int32Array {
  return Int32Array.from(X, (x) => {
    model.setInput(x);
    return model.predict();
  });
}

function accuracyOf(predictions: ArrayLike<number>, y: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) if (predictions[i] === y[i]) right++;
  return y.length ? right / y.length : NaN;
}

/** Up to `count` rows at even intervals (the self-test vectors). */
function spread<T>(rows: readonly T[], count: number): T[] {
  if (rows.length <= count) return [...rows];
  return Array.from({ length: count }, (_, i) => rows[Math.floor((i * rows.length) / count)]);
}

/** Sizes at which to sample a curve: 1, 2, 5, 10, 20, 50, ... below `max`, and `max`. */
function steps(max: number, ladder = [1, 2, 5]): number[] {
  const out: number[] = [];
  for (let decade = 1; decade < max; decade *= 10) for (const s of ladder) if (s * decade < max) out.push(s * decade);
  out.push(max);
  return out;
}

// ---- trainers ---------------------------------------------------------------------------

type Trainer = (train: Dataset, test: Dataset, o: TrainOptions) => Promise<Trained>;

const trainers: Record<Algorithm, Trainer> = {
  dt: async (train, test, o) => {
    const fit = (maxDepth?: number) => DecisionTreeClassifier.fit(train.X, train.y, { classCount: train.classes.length, maxDepth, seed: o.seed ?? 0 });
    const model = fit(o.maxDepth);
    const depth = treeDepth(model.tree);
    // Smaller trees: the same data grown to lesser depths.
    return treeResult(model, train, test, o, { maxDepth: o.maxDepth ?? null }, () =>
      steps(depth, [1, 2, 3, 4, 6, 8]).map((d) => ({ label: `depth ${d}`, model: d === depth ? model : fit(d) })));
  },
  rf: async (train, test, o) => {
    const trees = o.trees ?? 100;
    const model = RandomForestClassifier.fit(train.X, train.y, {
      classCount: train.classes.length, trees, maxDepth: o.maxDepth, seed: o.seed ?? 0,
      onTree: (done, total) => o.onProgress?.(done, total, 'trees'),
    });
    // Smaller forests: the first k trees.
    return treeResult(model, train, test, o, { trees, maxDepth: o.maxDepth ?? null, maxFeatures: 'sqrt' }, () =>
      steps(trees).map((k) => ({
        label: `${k} ${k === 1 ? 'tree' : 'trees'}`,
        model: k === trees ? model : new RandomForestClassifier(model.trees.slice(0, k), model.featureCount, model.classCount),
      })));
  },
  gbdt: async (train, test, o) => {
    const rounds = o.trees ?? 100;
    const model = GradientBoostingModel.fitClassifier(train.X, train.y, {
      classCount: train.classes.length, rounds, maxDepth: o.maxDepth ?? 3, seed: o.seed ?? 0,
      onRound: (done, total) => o.onProgress?.(done, total, 'rounds'),
    });
    // Smaller ensembles: the first r rounds (a tree per score per round).
    const perRound = model.scoreCount;
    return treeResult(model, train, test, o, { rounds, maxDepth: o.maxDepth ?? 3, learningRate: model.learningRate }, () =>
      steps(rounds).map((r) => ({
        label: `${r} ${r === 1 ? 'round' : 'rounds'}`,
        model: r === rounds ? model : new GradientBoostingModel({
          task: 'classification', featureCount: model.featureCount, classCount: model.classCount, init: model.init,
          learningRate: model.learningRate, trees: model.trees.slice(0, r * perRound), outputs: model.outputs.slice(0, r * perRound),
        }),
      })));
  },
  logreg: trainLogreg,
  cnn: trainCnnModel,
};

/** Exports a tree model (and the smaller ones of its size curve) with one feature quantization. */
function treeResult(
  model: TreeModel, train: Dataset, test: Dataset, o: TrainOptions, params: Record<string, number | string | null>,
  smaller: () => { label: string; model: TreeModel }[],
): Trained {
  const quantization = chooseFeatureQuantization(train.X);
  const selfTestRows = spread(train.X, 8);
  const exportOne = (m: TreeModel) => exportTrees(m, {
    name: o.name, labels: train.classes, modelVersion: o.modelVersion, createdAt: o.createdAt, quantization, selfTestRows, signer: o.signer,
  });
  const exported = exportOne(model);
  const { maxScoreError } = compareWithPackage(model, exported.bytes, test.X);
  const trees = model.trees;
  return {
    bytes: exported.bytes,
    floatPredictions: Int32Array.from(test.X, (x) => model.predict(x)),
    params,
    modelInfo: {
      trees: trees.length,
      internalNodes: exported.report.splits,
      leaves: exported.report.leaves,
      maxDepth: Math.max(...trees.map(treeDepth)),
      inexactSplits: exported.report.inexactSplits,
      maxScoreError: Number(maxScoreError.toPrecision(3)),
    },
    importance: model.type === 'gradient-boosting'
      ? splitImportance(trees, train.featureNames)
      : impurityImportance(trees, train.featureNames, model.classCount),
    sizeCurve: (rows) => smaller().map(({ label, model: m }) => {
      const bytes = m === model ? exported.bytes : exportOne(m).bytes;
      return {
        label,
        packageBytes: bytes.length,
        floatAccuracy: accuracyOf(rows.X.map((x) => m.predict(x)), rows.y),
        quantizedAccuracy: accuracyOf(predictWith(loadModel(bytes), rows.X), rows.y),
      };
    }),
  };
}

/** Multinomial logistic regression (./linear.ts) as FULLY_CONNECTED + SOFTMAX. */
async function trainLogreg(train: Dataset, test: Dataset, o: TrainOptions): Promise<Trained> {
  const { trainLogistic, predictLogistic, quantizeLinear } = await import('./linear');
  const { exportGraph } = await import('./cnn/export');
  const m = trainLogistic(train.X, train.y, { classes: train.classes.length });
  const q = quantizeLinear(m, train.X);
  const bytes = exportGraph(q, {
    name: o.name, labels: train.classes, modelVersion: o.modelVersion, createdAt: o.createdAt,
    selfTestInputs: spread(train.X, 8), signer: o.signer,
  });
  const floatPredictions = Int32Array.from(test.X, (x) => argmax(predictLogistic(m, x)));
  const std = columnStd(train.X);
  const raw = std.map((s, d) => {
    let sum = 0;
    for (let k = 0; k < m.classes; k++) sum += Math.abs(m.weights[k * m.features + d]);
    return sum * s;
  });
  return {
    bytes, floatPredictions,
    params: { C: 1, maxIterations: 100 },
    modelInfo: {
      ops: q.def.ops.map((op) => op.op).join(' > '), weights: m.classes * m.features,
      iterations: m.iterations, converged: m.converged ? 'yes' : 'no',
    },
    importance: { kind: 'weights', names: train.featureNames, values: normalize(raw) },
    sizeCurve: (rows) => [graphPoint('logistic regression', bytes, floatPredictions, rows)],
  };
}

type Tf = (typeof import('./cnn/tf'))['tf'];

/**
 * A small image CNN for [H, W, C] inputs, the digits network generalized: conv 3x3 x8 SAME
 * ReLU -> max-pool 2 (1 along a side of 1) -> conv 3x3 x16 SAME ReLU -> flatten -> dense ->
 * softmax, with seeded initializers.
 */
function imageCnnSpec(tf: Tf, inputShape: [number, number, number], classes: number) {
  const [H, W] = inputShape;
  return {
    inputShape,
    classes,
    build: (seed: number) => {
      const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 101 + k });
      const m = tf.sequential({ name: 'image_cnn' });
      m.add(tf.layers.conv2d({ inputShape, filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv1' }));
      m.add(tf.layers.maxPooling2d({ poolSize: [H >= 2 ? 2 : 1, W >= 2 ? 2 : 1], name: 'pool1' }));
      m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv2' }));
      m.add(tf.layers.flatten({ name: 'flatten' }));
      m.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(3), name: 'dense' }));
      return m;
    },
  };
}

/**
 * A CNN (./cnn/) on the feature columns viewed as --shape: the 1-D sensor network for 1 x T x C
 * windows with T >= 16 (inputs standardized per channel, ./cnn/sensor1d.ts), else the image
 * network above (inputs scaled by 1 / the largest magnitude per channel: no offset, so the
 * fold into the SAME-padded first layer is exact). The normalization is folded into the first
 * layer, so the package takes raw values; int8 post-training quantization is calibrated on
 * the training rows.
 */
async function trainCnnModel(train: Dataset, test: Dataset, o: TrainOptions): Promise<Trained> {
  const [{ tf }, { trainCnn }, { trainSensorCnn }, { quantizeCnn }, { exportGraph }, { predictProbabilities }] = await Promise.all([
    import('./cnn/tf'), import('./cnn/classifier'), import('./cnn/sensor1d'), import('./cnn/quantize'), import('./cnn/export'), import('./cnn/train'),
  ]);
  const shape = o.shape!;
  const [H, W, C] = shape;
  const K = train.classes.length;
  const oneD = H === 1 && W >= 16;
  const epochs = o.epochs ?? 60;
  const fit = { seed: o.seed ?? 0, epochs, onEpoch: (e: { epoch: number }) => o.onProgress?.(e.epoch + 1, epochs, 'epochs') };
  const t = oneD
    ? await trainSensorCnn(train.X, train.y, { windowLength: W, channels: C, classes: K, ...fit })
    : await trainCnn(imageCnnSpec(tf, shape, K), { x: train.X, y: train.y }, { inputScale: largestMagnitudeScales(train.X, C), ...fit });
  try {
    const q = quantizeCnn(t.graph, train.X);
    const bytes = exportGraph(q, {
      name: o.name, labels: train.classes, modelVersion: o.modelVersion, createdAt: o.createdAt,
      selfTestInputs: spread(train.X, 8), signer: o.signer,
    });
    const floatPredictions = Int32Array.from(predictProbabilities(t.model, test.X, t.inputShape, t.inputScale, t.inputOffset), argmax);
    const weights = t.model.countParams();
    return {
      bytes, floatPredictions,
      params: { network: oneD ? '1-D sensor CNN' : 'image CNN', shape: shape.join('x'), epochs, epochsRun: t.fit.epochs, bestEpoch: t.fit.bestEpoch + 1 },
      modelInfo: { ops: q.def.ops.map((op) => op.op).join(' > '), weights },
      importance: null,
      sizeCurve: (rows) => [graphPoint(`${weights} weights`, bytes, floatPredictions, rows)],
    };
  } finally {
    t.model.dispose();
  }
}

/** Per channel, 1 / the largest |value| (1 for an all-zero channel). */
function largestMagnitudeScales(X: readonly ArrayLike<number>[], channels: number): Float64Array {
  const largest = new Float64Array(channels);
  for (const x of X) for (let i = 0; i < x.length; i++) largest[i % channels] = Math.max(largest[i % channels], Math.abs(x[i]));
  return Float64Array.from(largest, (v) => (v > 0 ? 1 / v : 1));
}

/** Mean decrease in gini impurity per feature, each tree's normalized to 1, averaged. */
export function impurityImportance(trees: readonly Tree[], names: string[], classCount: number): FeatureImportance {
  const total = new Float64Array(names.length);
  for (const tree of trees) {
    const gini = (n: number) => {
      let s = 0;
      for (let k = 0; k < classCount; k++) s += tree.value[n * classCount + k] ** 2;
      return tree.weight[n] * (1 - s);
    };
    const own = new Float64Array(names.length);
    for (let n = 0; n < tree.feature.length; n++) {
      const f = tree.feature[n];
      if (f >= 0) own[f] += gini(n) - gini(tree.left[n]) - gini(tree.right[n]);
    }
    const sum = own.reduce((a, b) => a + b, 0);
    if (sum > 0) for (let f = 0; f < own.length; f++) total[f] += own[f] / sum;
  }
  return { kind: 'impurity', names, values: normalize(Array.from(total)) };
}

/** Share of all splits that test each feature. */
export function splitImportance(trees: readonly Tree[], names: string[]): FeatureImportance {
  const counts = new Array<number>(names.length).fill(0);
  for (const tree of trees) for (const f of tree.feature) if (f >= 0) counts[f]++;
  return { kind: 'splits', names, values: normalize(counts) };
}

function normalize(values: number[]): number[] {
  const sum = values.reduce((a, b) => a + Math.max(0, b), 0);
  return values.map((v) => (sum > 0 ? Math.max(0, v) / sum : 0));
}

function columnStd(X: readonly ArrayLike<number>[]): number[] {
  const F = X[0].length;
  return Array.from({ length: F }, (_, f) => {
    let s = 0, s2 = 0;
    for (const x of X) { s += x[f]; s2 += x[f] * x[f]; }
    const mean = s / X.length;
    return Math.sqrt(Math.max(0, s2 / X.length - mean * mean));
  });
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** One point of the size curve for a graph model (the package as it is). */
export function graphPoint(label: string, bytes: Uint8Array, floatPredictions: Int32Array, test: Rows): SizePoint {
  return {
    label, packageBytes: bytes.length,
    floatAccuracy: accuracyOf(floatPredictions, test.y),
    quantizedAccuracy: accuracyOf(predictWith(loadModel(bytes), test.X), test.y),
  };
}

