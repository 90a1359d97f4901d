// Decision trees (CART): a classifier with gini splits whose leaves hold class proportions,
// and a regressor with squared-error splits whose leaves hold means.
import { Random } from '../../data/random';
import { TrainingData, TreeParams, growTree } from './builder';
import { Tree, argmax, leafIndex } from './tree';

export interface DecisionTreeOptions {
  /** Deepest a leaf may be (root = 0). Default: no limit. */
  maxDepth?: number;
  /** Default 2. */
  minSamplesSplit?: number;
  /** Default 1. */
  minSamplesLeaf?: number;
  /** Features drawn per split: a count, 'sqrt', 'log2' or 'all' (default 'all'). */
  maxFeatures?: number | 'sqrt' | 'log2' | 'all';
  /** Seeds the order features are tried in (it breaks ties between equally good splits). */
  seed?: number;
}

export function resolveParams(options: DecisionTreeOptions, featureCount: number, defaults: Partial<DecisionTreeOptions> = {}): TreeParams {
  const o = { ...defaults, ...options };
  const maxDepth = o.maxDepth ?? Infinity;
  const minSamplesSplit = o.minSamplesSplit ?? 2;
  const minSamplesLeaf = o.minSamplesLeaf ?? 1;
  if (!(maxDepth >= 1)) throw new RangeError(`maxDepth ${maxDepth}`);
  if (!Number.isInteger(minSamplesSplit) || minSamplesSplit < 2) throw new RangeError(`minSamplesSplit ${minSamplesSplit}`);
  if (!Number.isInteger(minSamplesLeaf) || minSamplesLeaf < 1) throw new RangeError(`minSamplesLeaf ${minSamplesLeaf}`);
  const mf = o.maxFeatures ?? 'all';
  const maxFeatures = mf === 'all' ? featureCount
    : mf === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(featureCount)))
    : mf === 'log2' ? Math.max(1, Math.floor(Math.log2(featureCount)))
    : mf;
  if (!Number.isInteger(maxFeatures) || maxFeatures < 1) throw new RangeError(`maxFeatures ${String(mf)}`);
  return { maxDepth, minSamplesSplit, minSamplesLeaf, maxFeatures: Math.min(maxFeatures, featureCount) };
}

export function checkLabels(y: ArrayLike<number>, n: number): number {
  if (y.length !== n) throw new RangeError(`${n} samples and ${y.length} labels`);
  let classes = 0;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0) throw new RangeError(`class index ${y[i]} at sample ${i}`);
    classes = Math.max(classes, y[i] + 1);
  }
  return classes;
}

export class DecisionTreeClassifier {
  readonly type = 'decision-tree' as const;
  readonly task = 'classification' as const;
  readonly tree: Tree;
  readonly featureCount: number;
  readonly classCount: number;

  constructor(tree: Tree, featureCount: number, classCount: number) {
    this.tree = tree;
    this.featureCount = featureCount;
    this.classCount = classCount;
  }

  /** Trains on rows X and class indices y (0..classCount-1; classCount defaults to max+1). */
  static fit(X: readonly ArrayLike<number>[] | TrainingData, y: ArrayLike<number>, options: DecisionTreeOptions & { classCount?: number } = {}): DecisionTreeClassifier {
    const data = X instanceof TrainingData ? X : new TrainingData(X);
    const classCount = Math.max(options.classCount ?? 0, checkLabels(y, data.n));
    const params = resolveParams(options, data.featureCount);
    const tree = growTree(data, { criterion: 'gini', y: Int32Array.from(y), classCount }, params, new Random(options.seed ?? 0));
    return new DecisionTreeClassifier(tree, data.featureCount, classCount);
  }

  get trees(): Tree[] { return [this.tree]; }

  /** Class proportions of the leaf x lands in. */
  predictProba(x: ArrayLike<number>): Float64Array {
    const leaf = leafIndex(this.tree, x);
    return this.tree.value.slice(leaf * this.classCount, (leaf + 1) * this.classCount);
  }

  predict(x: ArrayLike<number>): number {
    return argmax(this.predictProba(x));
  }
}

export class DecisionTreeRegressor {
  readonly type = 'decision-tree' as const;
  readonly task = 'regression' as const;
  readonly tree: Tree;
  readonly featureCount: number;
  readonly classCount = 0;

  constructor(tree: Tree, featureCount: number) {
    this.tree = tree;
    this.featureCount = featureCount;
  }

  static fit(X: readonly ArrayLike<number>[] | TrainingData, y: ArrayLike<number>, options: DecisionTreeOptions = {}): DecisionTreeRegressor {
    const data = X instanceof TrainingData ? X : new TrainingData(X);
    if (y.length !== data.n) throw new RangeError(`${data.n} samples and ${y.length} targets`);
    const params = resolveParams(options, data.featureCount);
    const tree = growTree(data, { criterion: 'mse', y: Float64Array.from(y) }, params, new Random(options.seed ?? 0));
    return new DecisionTreeRegressor(tree, data.featureCount);
  }

  get trees(): Tree[] { return [this.tree]; }

  predict(x: ArrayLike<number>): number {
    return this.tree.value[leafIndex(this.tree, x)];
  }
}
