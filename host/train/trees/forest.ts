// Random forests (Breiman; as scikit-learn's RandomForestClassifier/Regressor): each tree
// grows on a bootstrap sample (n draws with replacement, given as per-sample counts) and
// draws a random subset of features at every split. Classification is a soft vote: the
// mean of the trees' leaf class proportions (predict_proba); regression is the mean.
import { Random } from '../../data/random';
import { TrainingData, growTree } from './builder';
import { DecisionTreeOptions, checkLabels, resolveParams } from './cart';
import { Tree, argmax, leafIndex } from './tree';

export interface RandomForestOptions extends DecisionTreeOptions {
  /** Number of trees (default 100). */
  trees?: number;
  /** Draw a bootstrap sample for each tree (default true). */
  bootstrap?: boolean;
  /** Called after each tree (progress bars). */
  onTree?: (done: number, total: number) => void;
}

function bootstrapWeights(n: number, rng: Random): Float64Array {
  const w = new Float64Array(n);
  for (let d = 0; d < n; d++) w[rng.below(n)]++;
  return w;
}

function growForest(data: TrainingData, options: RandomForestOptions, grow: (weights: Float64Array | undefined, rng: Random) => Tree): Tree[] {
  const count = options.trees ?? 100;
  if (!Number.isInteger(count) || count < 1 || count > 65535) throw new RangeError(`${count} trees`);
  const rng = new Random(options.seed ?? 0);
  const trees: Tree[] = [];
  for (let t = 0; t < count; t++) {
    const treeRng = rng.fork();
    const weights = options.bootstrap === false ? undefined : bootstrapWeights(data.n, treeRng);
    trees.push(grow(weights, treeRng));
    options.onTree?.(t + 1, count);
  }
  return trees;
}

export class RandomForestClassifier {
  readonly type = 'random-forest' as const;
  readonly task = 'classification' as const;
  readonly trees: Tree[];
  readonly featureCount: number;
  readonly classCount: number;

  constructor(trees: Tree[], featureCount: number, classCount: number) {
    this.trees = trees;
    this.featureCount = featureCount;
    this.classCount = classCount;
  }

  /** Defaults as scikit-learn: 100 trees, sqrt(features) per split, no depth limit. */
  static fit(X: readonly ArrayLike<number>[] | TrainingData, y: ArrayLike<number>, options: RandomForestOptions & { classCount?: number } = {}): RandomForestClassifier {
    const data = X instanceof TrainingData ? X : new TrainingData(X);
    const classCount = Math.max(options.classCount ?? 0, checkLabels(y, data.n));
    const params = resolveParams(options, data.featureCount, { maxFeatures: 'sqrt' });
    const target = { criterion: 'gini' as const, y: Int32Array.from(y), classCount };
    const trees = growForest(data, options, (weights, rng) => growTree(data, target, params, rng, { weights }));
    return new RandomForestClassifier(trees, data.featureCount, classCount);
  }

  /** Mean over the trees of the leaf class proportions. */
  predictProba(x: ArrayLike<number>): Float64Array {
    const K = this.classCount;
    const p = new Float64Array(K);
    for (const tree of this.trees) {
      const at = leafIndex(tree, x) * K;
      for (let k = 0; k < K; k++) p[k] += tree.value[at + k];
    }
    for (let k = 0; k < K; k++) p[k] /= this.trees.length;
    return p;
  }

  predict(x: ArrayLike<number>): number {
    return argmax(this.predictProba(x));
  }
}

export class RandomForestRegressor {
  readonly type = 'random-forest' as const;
  readonly task = 'regression' as const;
  readonly trees: Tree[];
  readonly featureCount: number;
  readonly classCount = 0;

  constructor(trees: Tree[], featureCount: number) {
    this.trees = trees;
    this.featureCount = featureCount;
  }

  /** Defaults as scikit-learn 1.1+: 100 trees, every feature per split, no depth limit. */
  static fit(X: readonly ArrayLike<number>[] | TrainingData, y: ArrayLike<number>, options: RandomForestOptions = {}): RandomForestRegressor {
    const data = X instanceof TrainingData ? X : new TrainingData(X);
    if (y.length !== data.n) throw new RangeError(`${data.n} samples and ${y.length} targets`);
    const params = resolveParams(options, data.featureCount);
    const target = { criterion: 'mse' as const, y: Float64Array.from(y) };
    const trees = growForest(data, options, (weights, rng) => growTree(data, target, params, rng, { weights }));
    return new RandomForestRegressor(trees, data.featureCount);
  }

  predict(x: ArrayLike<number>): number {
    let s = 0;
    for (const tree of this.trees) s += tree.value[leafIndex(tree, x)];
    return s / this.trees.length;
  }
}
