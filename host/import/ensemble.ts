// A boosted tree ensemble as another library defines it, in float: what the XGBoost and
// LightGBM importers produce and the quantizer turns into an edgeml tree body.

export type Objective = 'softmax' | 'logistic' | 'regression';

export interface FloatTree {
  /** Per node: the feature tested, or -1 for a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Where a missing value goes (1 = left). */
  defaultLeft: Uint8Array;
  /** Leaf value (raw margin contribution). */
  value: Float64Array;
}

export interface FloatEnsemble {
  source: 'xgboost' | 'lightgbm';
  /** 'lt': left when x < t (XGBoost); 'le': left when x <= t (LightGBM). */
  split: 'lt' | 'le';
  objective: Objective;
  featureCount: number;
  /** Score count: classes for softmax, 1 for logistic and regression. */
  outputs: number;
  /** Margin added to every output before the trees. */
  baseMargin: number[];
  trees: FloatTree[];
  /** Output index each tree adds to. */
  treeOutput: number[];
  featureNames?: string[];
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** Raw margins of the float model, exactly as the library computes them (float64 here). */
export function floatMargins(model: FloatEnsemble, x: ArrayLike<number>): number[] {
  const out = [...model.baseMargin];
  model.trees.forEach((tree, t) => {
    let n = 0;
    while (tree.feature[n] >= 0) {
      const v = x[tree.feature[n]];
      const left = v !== v ? tree.defaultLeft[n] === 1 : model.split === 'lt' ? v < tree.threshold[n] : v <= tree.threshold[n];
      n = left ? tree.left[n] : tree.right[n];
    }
    out[model.treeOutput[t]] += tree.value[n];
  });
  return out;
}

/** Checks that every tree is a proper binary tree over known features (no cycles, no sharing). */
export function checkTree(tree: FloatTree, featureCount: number, where: string): void {
  const n = tree.feature.length;
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (i < 0 || i >= n) throw new ImportError(`${where}: node index ${i} out of range`);
    if (seen[i]) throw new ImportError(`${where}: node ${i} is reached twice`);
    seen[i] = 1;
    if (tree.feature[i] >= 0) {
      if (tree.feature[i] >= featureCount) throw new ImportError(`${where}: node ${i} tests feature ${tree.feature[i]} of ${featureCount}`);
      if (!Number.isFinite(tree.threshold[i])) throw new ImportError(`${where}: node ${i} has threshold ${tree.threshold[i]}`);
      stack.push(tree.left[i], tree.right[i]);
    } else if (!Number.isFinite(tree.value[i])) throw new ImportError(`${where}: leaf ${i} has value ${tree.value[i]}`);
  }
}
