// Gradient boosting of regression trees, as scikit-learn's GradientBoostingClassifier and
// GradientBoostingRegressor (1.2):
//
// - classification, K > 2 classes: multinomial log-loss. The raw scores start at the log of
//   the class priors; each round fits, for every class k, a regression tree to the negative
//   gradient y_k - p_k (the probabilities taken from the scores at the start of the round),
//   then replaces each leaf's value by one Newton step,
//       (K - 1) / K * sum(r) / sum(p (1 - p)),  r = y_k - p_k,
//   and adds learning_rate * leaf to the class-k score of every sample in the leaf;
// - classification, 2 classes: one tree per round on the log-odds margin (binomial deviance),
//   leaf = sum(r) / sum(p (1 - p)), starting at the log-odds of the prior;
// - regression: squared error, starting at the mean; leaves are the mean residual.
//
// Trees use the friedman_mse criterion by default (or mse), depth 3, every feature.
import { Random } from '../../data/random';
import { Criterion, TrainingData, growTree } from './builder';
import { DecisionTreeOptions, checkLabels, resolveParams } from './cart';
import { Tree, argmax, leafIndex } from './tree';

export interface GradientBoostingOptions extends DecisionTreeOptions {
  /** Boosting rounds (default 100). */
  rounds?: number;
  /** Shrinkage applied to every tree (default 0.1). */
  learningRate?: number;
  /** Split criterion of the regression trees (default friedman_mse). */
  criterion?: Exclude<Criterion, 'gini'>;
  /** Called after each round (progress bars). */
  onRound?: (done: number, total: number) => void;
}

const FLOAT32_EPS = 1.1920928955078125e-7;

export class GradientBoostingModel {
  readonly type = 'gradient-boosting' as const;
  readonly task: 'classification' | 'regression';
  readonly featureCount: number;
  /** 0 for regression. */
  readonly classCount: number;
  /** Raw scores: K for K > 2 classes, 1 (the margin) for two classes or regression. */
  readonly scoreCount: number;
  /** Initial raw score per output. */
  readonly init: Float64Array;
  readonly learningRate: number;
  /** Round by round, then output by output; tree t adds to raw score outputs[t]. */
  readonly trees: Tree[];
  readonly outputs: Int32Array;

  constructor(fields: {
    task: 'classification' | 'regression'; featureCount: number; classCount: number; init: Float64Array;
    learningRate: number; trees: Tree[]; outputs: Int32Array;
  }) {
    this.task = fields.task;
    this.featureCount = fields.featureCount;
    this.classCount = fields.classCount;
    this.scoreCount = fields.init.length;
    this.init = fields.init;
    this.learningRate = fields.learningRate;
    this.trees = fields.trees;
    this.outputs = fields.outputs;
  }

  /** Raw scores (logits, the binary margin, or the regression value). */
  decision(x: ArrayLike<number>): Float64Array {
    const raw = Float64Array.from(this.init);
    const lr = this.learningRate;
    for (let t = 0; t < this.trees.length; t++) {
      const tree = this.trees[t];
      raw[this.outputs[t]] += lr * tree.value[leafIndex(tree, x)];
    }
    return raw;
  }

  /** Class probabilities: softmax of the logits, or [1 - s, s] with s the sigmoid of the margin. */
  predictProba(x: ArrayLike<number>): Float64Array {
    if (this.task !== 'classification') throw new TypeError('predictProba of a regression model');
    const raw = this.decision(x);
    if (this.scoreCount === 1) {
      const p = expit(raw[0]);
      return Float64Array.of(1 - p, p);
    }
    return softmax(raw);
  }

  /** The class index (classification) or the predicted value (regression). */
  predict(x: ArrayLike<number>): number {
    const raw = this.decision(x);
    if (this.task === 'regression') return raw[0];
    return this.scoreCount === 1 ? (raw[0] > 0 ? 1 : 0) : argmax(raw);
  }

  static fitClassifier(X: readonly ArrayLike<number>[] | TrainingData, y: ArrayLike<number>, options: GradientBoostingOptions & { classCount?: number } = {}): GradientBoostingModel {
    const data = X instanceof TrainingData ? X : new TrainingData(X);
    const K = Math.max(options.classCount ?? 0, checkLabels(y, data.n));
    if (K < 2) throw new RangeError('gradient boosting classification needs two classes or more');
    const { n } = data;
    const { rounds, learningRate, params, criterion, rng } = settings(options, data);
    const S = K === 2 ? 1 : K;
    const prior = new Float64Array(K);
    for (let i = 0; i < n; i++) prior[y[i]]++;
    for (let k = 0; k < K; k++) prior[k] /= n;
    const init = new Float64Array(S);
    if (K === 2) {
      const p = clip(prior[1]);
      init[0] = Math.log(p / (1 - p));
    } else {
      for (let k = 0; k < K; k++) init[k] = Math.log(clip(prior[k]));
    }
    const raw = new Float64Array(n * S);
    for (let i = 0; i < n; i++) raw.set(init, i * S);
    const prob = new Float64Array(n * S);
    const residual = new Float64Array(n);
    const leafOfSample = new Int32Array(n);
    const trees: Tree[] = [];
    const outputs: number[] = [];

    for (let round = 0; round < rounds; round++) {
      // Probabilities from the scores as they stand at the start of the round.
      for (let i = 0; i < n; i++) {
        if (S === 1) prob[i] = expit(raw[i]);
        else softmaxInto(raw, prob, i * S, S);
      }
      for (let k = 0; k < S; k++) {
        const cls = S === 1 ? 1 : k;
        for (let i = 0; i < n; i++) residual[i] = (y[i] === cls ? 1 : 0) - prob[i * S + k];
        const tree = growTree(data, { criterion, y: residual }, params, rng, { leafOfSample });
        // Newton step per leaf: sum(r) / sum(p (1 - p)), times (K - 1) / K for K > 2.
        const num = new Float64Array(tree.feature.length);
        const den = new Float64Array(tree.feature.length);
        for (let i = 0; i < n; i++) {
          const r = residual[i];
          const yk = y[i] === cls ? 1 : 0;
          num[leafOfSample[i]] += r;
          den[leafOfSample[i]] += (yk - r) * (1 - yk + r);
        }
        const value = tree.value as Float64Array;
        for (let l = 0; l < tree.feature.length; l++) {
          if (tree.feature[l] >= 0) continue;
          const numerator = S === 1 ? num[l] : (num[l] * (K - 1)) / K;
          value[l] = Math.abs(den[l]) < 1e-150 ? 0 : numerator / den[l];
        }
        for (let i = 0; i < n; i++) raw[i * S + k] += learningRate * value[leafOfSample[i]];
        trees.push(tree);
        outputs.push(k);
      }
      options.onRound?.(round + 1, rounds);
    }
    return new GradientBoostingModel({
      task: 'classification', featureCount: data.featureCount, classCount: K, init, learningRate, trees, outputs: Int32Array.from(outputs),
    });
  }

  static fitRegressor(X: readonly ArrayLike<number>[] | TrainingData, y: ArrayLike<number>, options: GradientBoostingOptions = {}): GradientBoostingModel {
    const data = X instanceof TrainingData ? X : new TrainingData(X);
    const { n } = data;
    if (y.length !== n) throw new RangeError(`${n} samples and ${y.length} targets`);
    const { rounds, learningRate, params, criterion, rng } = settings(options, data);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i])) throw new RangeError(`target ${i} is ${y[i]}`);
      mean += y[i];
    }
    mean /= n;
    const raw = new Float64Array(n).fill(mean);
    const residual = new Float64Array(n);
    const leafOfSample = new Int32Array(n);
    const trees: Tree[] = [];
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < n; i++) residual[i] = y[i] - raw[i];
      const tree = growTree(data, { criterion, y: residual }, params, rng, { leafOfSample });
      for (let i = 0; i < n; i++) raw[i] += learningRate * tree.value[leafOfSample[i]];
      trees.push(tree);
      options.onRound?.(round + 1, rounds);
    }
    return new GradientBoostingModel({
      task: 'regression', featureCount: data.featureCount, classCount: 0, init: Float64Array.of(mean), learningRate, trees,
      outputs: new Int32Array(trees.length),
    });
  }
}

function settings(options: GradientBoostingOptions, data: TrainingData) {
  const rounds = options.rounds ?? 100;
  const learningRate = options.learningRate ?? 0.1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`${rounds} rounds`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`learning rate ${learningRate}`);
  const criterion = options.criterion ?? 'friedman_mse';
  if (criterion !== 'friedman_mse' && criterion !== 'mse') throw new RangeError(`criterion ${String(criterion)}`);
  const params = resolveParams(options, data.featureCount, { maxDepth: 3 });
  return { rounds, learningRate, params, criterion, rng: new Random(options.seed ?? 0) };
}

function clip(p: number): number {
  return Math.min(Math.max(p, FLOAT32_EPS), 1 - FLOAT32_EPS);
}

export function expit(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function softmaxInto(raw: Float64Array, out: Float64Array, at: number, K: number): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (raw[at + k] > max) max = raw[at + k];
  let sum = 0;
  for (let k = 0; k < K; k++) sum += (out[at + k] = Math.exp(raw[at + k] - max));
  for (let k = 0; k < K; k++) out[at + k] /= sum;
}

export function softmax(raw: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(raw);
  softmaxInto(out, out, 0, out.length);
  return out;
}
