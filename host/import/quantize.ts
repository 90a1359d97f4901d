// Turns an imported float ensemble into an edgeml tree package: a per-feature int16 grid that
// keeps every threshold of the feature apart, thresholds snapped onto it so that the integer
// comparison decides exactly as the float one for every grid value, int32 fixed-point leaves,
// and missing values routed as the library routes them.
import { DTYPE_INT16, POST_NONE, POST_SIGMOID, POST_SOFTMAX, TASK_CLASSIFICATION, TASK_REGRESSION } from '../../firmware/core/engine';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { MISSING_INT16 } from '../../firmware/core/quantize';
import { ENSEMBLE_BOOSTING, LEAF_INT32, SPLIT_LE, SPLIT_LT } from '../../firmware/core/trees/body';
import type { PackageDef } from '../package/encode';
import { TreeEnsembleDef, TreeNodeDef, encodeTreeBody } from '../package/tree-body';
import { FloatEnsemble, FloatTree } from './ensemble';

/** Grid steps across a feature's threshold range (of the 65535 int16 values). */
const GRID_STEPS = 60000;
/** Scores use at most this magnitude, so no sum can leave int32. */
const SCORE_BOUND = 2 ** 30;

export interface FeatureGrid { scale: number; zeroPoint: number }

export interface QuantizeOptions {
  /** Route missing values (NaN) as the library does (default true). Without it, models are
   * smaller and faster, and a NaN input takes the left branch everywhere. */
  missingValues?: boolean;
}

export function featureGrids(model: FloatEnsemble): FeatureGrid[] {
  const lo = new Float64Array(model.featureCount).fill(Infinity);
  const hi = new Float64Array(model.featureCount).fill(-Infinity);
  for (const tree of model.trees) {
    tree.feature.forEach((f, n) => {
      if (f < 0) return;
      lo[f] = Math.min(lo[f], tree.threshold[n]);
      hi[f] = Math.max(hi[f], tree.threshold[n]);
    });
  }
  return Array.from(lo, (low, f) => {
    if (low === Infinity) return { scale: 1, zeroPoint: 0 }; // a feature no tree tests
    let [a, b] = [low, hi[f]];
    const span = b - a || Math.max(Math.abs(a), 1);
    a -= span * 0.04;
    b += span * 0.04;
    const scale = Math.fround((b - a) / GRID_STEPS);
    return { scale, zeroPoint: Math.round(-GRID_STEPS / 2 - a / scale) };
  });
}

/** The int16 threshold T with: (q < T) == (value(q) < t) for every grid q (`lt`), or (q <= T) == (value(q) <= t) (`le`). */
export function snapThreshold(t: number, grid: FeatureGrid, split: 'lt' | 'le'): number {
  const { scale } = grid;
  let k: number;
  if (split === 'lt') {
    k = Math.ceil(t / scale); // smallest k with k * scale >= t
    while ((k - 1) * scale >= t) k--;
    while (k * scale < t) k++;
  } else {
    k = Math.floor(t / scale); // largest k with k * scale <= t
    while ((k + 1) * scale <= t) k++;
    while (k * scale > t) k--;
  }
  return Math.max(MISSING_INT16 + 1, Math.min(32767, k + grid.zeroPoint));
}

export interface QuantizedEnsemble {
  def: TreeEnsembleDef;
  grids: FeatureGrid[];
  scoreScale: number;
}

export function quantizeEnsemble(model: FloatEnsemble, options: QuantizeOptions = {}): QuantizedEnsemble {
  const grids = featureGrids(model);
  const scoreCount = model.outputs;
  // Bound each score by |base| + the sum of the trees' largest |leaf|, then scale into 2^30.
  const bound = model.baseMargin.map(Math.abs);
  model.trees.forEach((tree, t) => {
    let largest = 0;
    tree.feature.forEach((f, n) => { if (f < 0) largest = Math.max(largest, Math.abs(tree.value[n])); });
    bound[model.treeOutput[t]] += largest;
  });
  const scoreScale = Math.fround(Math.max(...bound, 1e-30) / SCORE_BOUND);
  const missing = options.missingValues ?? true;
  const missingThreshold = model.split === 'lt' ? MISSING_INT16 + 1 : MISSING_INT16; // only the missing code passes

  const convert = (tree: FloatTree, n: number): TreeNodeDef => {
    if (tree.feature[n] < 0) return { leaf: [Math.round(tree.value[n] / scoreScale)] };
    const f = tree.feature[n];
    const right = convert(tree, tree.right[n]);
    const node: TreeNodeDef = { feature: f, threshold: snapThreshold(tree.threshold[n], grids[f], model.split), left: convert(tree, tree.left[n]), right };
    // The split sends the missing code left; a node whose missing values go right first tests for it.
    if (missing && !tree.defaultLeft[n]) return { feature: f, threshold: missingThreshold, left: right, right: node };
    return node;
  };

  return {
    grids,
    scoreScale,
    def: {
      ensemble: ENSEMBLE_BOOSTING,
      split: model.split === 'lt' ? SPLIT_LT : SPLIT_LE,
      leafType: LEAF_INT32,
      featureCount: model.featureCount,
      scoreCount,
      trees: model.trees.map((tree, t) => ({ root: convert(tree, 0), output: model.treeOutput[t] })),
      base: model.baseMargin.map((b) => Math.round(b / scoreScale)),
    },
  };
}

/** Classes of an imported ensemble: its outputs for softmax, 2 for logistic, 0 for a regression. */
export function classCountOf(model: FloatEnsemble): number {
  return model.objective === 'softmax' ? model.outputs : model.objective === 'logistic' ? 2 : 0;
}

export function importedPackageDef(model: FloatEnsemble, q: QuantizedEnsemble, opts: { name: string; labels?: string[]; modelVersion?: number }): Omit<PackageDef, 'selfTest'> {
  const classes = classCountOf(model);
  const labels = opts.labels ?? Array.from({ length: classes }, (_, i) => String(i));
  if (labels.length !== classes) throw new RangeError(`${labels.length} labels for ${classes} classes`);
  return {
    kind: KIND_TREES,
    name: opts.name,
    modelVersion: opts.modelVersion ?? 1,
    createdAt: Math.floor(Date.now() / 1000),
    input: { dtype: DTYPE_INT16, dims: [model.featureCount], scales: q.grids.map((g) => g.scale), zeroPoints: q.grids.map((g) => g.zeroPoint) },
    output: {
      task: classes ? TASK_CLASSIFICATION : TASK_REGRESSION,
      postprocess: model.objective === 'softmax' ? POST_SOFTMAX : model.objective === 'logistic' ? POST_SIGMOID : POST_NONE,
      classCount: classes,
      scoreCount: model.outputs,
      scale: q.scoreScale,
      zeroPoint: 0,
      labels,
    },
    body: encodeTreeBody(q.def).body,
  };
}
