// Random tree ensembles of a given shape: reference models for the benchmark and the
// showcase before trained ones exist, and random cases for the tests.
import {
  ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SINGLE, ENSEMBLE_SOFT_VOTE, LEAF_INT16, LEAF_INT32, SPLIT_LE, SPLIT_LT,
} from '../firmware/core/trees/body';
import { DTYPE_INT16, POST_NONE, POST_NORMALIZE, POST_SIGMOID, POST_SOFTMAX, TASK_CLASSIFICATION, TASK_REGRESSION } from '../firmware/core/engine';
import { KIND_TREES } from '../firmware/core/package/layout';
import { PackageDef } from '../host/package/encode';
import { TreeEnsembleDef, TreeNodeDef, encodeTreeBody } from '../host/package/tree-body';

export interface Random { next(): number; int(lo: number, hi: number): number }

export interface RandomEnsembleShape {
  ensemble: number;
  trees: number;
  depth: number;
  features: number;
  classes: number;        // 0 for regression
  /** Probability that a node above the maximum depth becomes a leaf early. */
  earlyLeaf?: number;
  /** Classification leaves of several values (soft vote, single tree): the probability that a
   * leaf is pure (all of one class), as in a fully grown trained forest; the other leaves split
   * over two or three classes. Default: every leaf has random proportions over all classes. */
  pureLeaves?: number;
}

export function randomEnsemble(rng: Random, shape: RandomEnsembleShape): TreeEnsembleDef {
  const { ensemble, classes } = shape;
  const boosting = ensemble === ENSEMBLE_BOOSTING;
  const scoreCount = classes === 0 || (boosting && classes === 2) ? 1 : classes;
  const leafWidth = boosting || ensemble === ENSEMBLE_HARD_VOTE || classes === 0 ? 1 : classes;
  const leafType = boosting || classes === 0 ? LEAF_INT32 : LEAF_INT16;
  const leaf = (): TreeNodeDef => {
    if (ensemble === ENSEMBLE_HARD_VOTE) return { leaf: [rng.int(0, classes - 1)] };
    if (leafType === LEAF_INT32) return { leaf: [rng.int(-40000, 40000)] };
    if (shape.pureLeaves !== undefined) return { leaf: mostlyPureLeaf(rng, leafWidth, shape.pureLeaves) };
    // Class proportions in Q15 that sum to at most 32767.
    const weights = Array.from({ length: leafWidth }, () => rng.next() ** 3);
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    return { leaf: weights.map((w) => Math.floor((w / sum) * 32767)) };
  };
  const grow = (depth: number): TreeNodeDef => {
    if (depth === shape.depth || (depth > 0 && rng.next() < (shape.earlyLeaf ?? 0))) return leaf();
    return { feature: rng.int(0, shape.features - 1), threshold: rng.int(-3000, 3000), left: grow(depth + 1), right: grow(depth + 1) };
  };
  const trees = Array.from({ length: shape.trees * (boosting ? scoreCount : 1) }, (_, t) => ({
    root: grow(0),
    output: boosting ? t % scoreCount : 0,
  }));
  return {
    ensemble,
    split: rng.next() < 0.5 ? SPLIT_LT : SPLIT_LE,
    leafType,
    featureCount: shape.features,
    scoreCount,
    trees,
    base: boosting ? Array.from({ length: scoreCount }, () => rng.int(-5000, 5000)) : undefined,
  };
}

/** Q15 class proportions of a leaf of a trained forest: pure with probability `pure`, else a
 * few classes sharing it. */
function mostlyPureLeaf(rng: Random, classes: number, pure: number): number[] {
  const leaf = new Array<number>(classes).fill(0);
  if (rng.next() < pure || classes < 2) {
    leaf[rng.int(0, classes - 1)] = 32767;
    return leaf;
  }
  const shared = Math.min(classes, rng.int(2, 3));
  const picked: number[] = [];
  while (picked.length < shared) {
    const c = rng.int(0, classes - 1);
    if (!picked.includes(c)) picked.push(c);
  }
  const weights = picked.map(() => 1 + rng.int(0, 9));
  const sum = weights.reduce((a, b) => a + b, 0);
  picked.forEach((c, i) => (leaf[c] = Math.floor((weights[i] / sum) * 32767)));
  return leaf;
}

/** Every split threshold of the ensemble, tree by tree in pre-order (for inputs that sit on them). */
export function ensembleThresholds(def: TreeEnsembleDef): number[] {
  const out: number[] = [];
  const visit = (n: TreeNodeDef): void => {
    if ('leaf' in n) return;
    out.push(n.threshold);
    visit(n.left);
    visit(n.right);
  };
  def.trees.forEach((t) => visit(t.root));
  return out;
}

export const ENSEMBLES = { single: ENSEMBLE_SINGLE, soft: ENSEMBLE_SOFT_VOTE, hard: ENSEMBLE_HARD_VOTE, boosting: ENSEMBLE_BOOSTING };

/** A package definition around a tree body, with identity feature quantization. */
export function treePackageDef(def: TreeEnsembleDef, classes: number, name = 'random-trees'): Omit<PackageDef, 'selfTest'> {
  const regression = classes === 0;
  const boosting = def.ensemble === ENSEMBLE_BOOSTING;
  return {
    kind: KIND_TREES,
    name,
    modelVersion: 1,
    createdAt: 1_790_000_000,
    input: { dtype: DTYPE_INT16, dims: [def.featureCount], scales: [1], zeroPoints: [0] },
    output: {
      task: regression ? TASK_REGRESSION : TASK_CLASSIFICATION,
      postprocess: regression ? POST_NONE : boosting ? (def.scoreCount === 1 ? POST_SIGMOID : POST_SOFTMAX) : POST_NORMALIZE,
      classCount: classes,
      scoreCount: def.scoreCount,
      scale: boosting || regression ? 1 / 65536 : def.ensemble === ENSEMBLE_HARD_VOTE ? 1 : 1 / 32767,
      zeroPoint: 0,
      labels: Array.from({ length: classes }, (_, i) => `class ${i}`),
    },
    body: encodeTreeBody(def).body,
  };
}
