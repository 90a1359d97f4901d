// A trained float tree: flat node arrays, as scikit-learn's `tree_` keeps them. Internal
// nodes send a sample left when `x[feature] <= threshold`.

export interface Tree {
  /** Per node: the feature tested, or -1 for a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Child node indices (-1 for a leaf). */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** nodeCount × width: class proportions (classification) or the value (regression), for
   * every node; a gradient-boosting tree's leaves hold its Newton-step values. */
  readonly value: Float64Array;
  readonly width: number;
  /** Number of (distinct) training samples that reached each node. */
  readonly samples: Int32Array;
  /** Their total weight (bootstrap counts in a forest). */
  readonly weight: Float64Array;
}

export function nodeCount(tree: Tree): number {
  return tree.feature.length;
}

/** Index of the leaf `x` lands in. */
export function leafIndex(tree: Tree, x: ArrayLike<number>): number {
  const { feature, threshold, left, right } = tree;
  let n = 0;
  while (feature[n] >= 0) n = x[feature[n]] <= threshold[n] ? left[n] : right[n];
  return n;
}

export function leafCount(tree: Tree): number {
  let count = 0;
  for (let n = 0; n < tree.feature.length; n++) if (tree.feature[n] < 0) count++;
  return count;
}

/** Depth of the deepest leaf (a lone leaf has depth 0). */
export function treeDepth(tree: Tree): number {
  const depth = new Int32Array(tree.feature.length);
  let max = 0;
  // Children always come after their parent (pre-order), so one forward pass suffices.
  for (let n = 0; n < tree.feature.length; n++) {
    if (depth[n] > max) max = depth[n];
    if (tree.feature[n] >= 0) depth[tree.left[n]] = depth[tree.right[n]] = depth[n] + 1;
  }
  return max;
}

/** Index of the largest value (the lowest index wins a tie), as numpy's argmax. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
