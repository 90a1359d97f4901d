// Serializer for the tree ensemble body: nested trees in, the flat table out. Entry t is the
// root of tree t; the other entries follow tree by tree in pre-order (left child = next entry),
// leaves included, each leaf holding its payload: the value or class itself (inline leaves),
// or the offset of a deduplicated dense row or sparse (class, value) run.
import {
  ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SINGLE, LEAF_DENSE, LEAF_INLINE, LEAF_INT16, LEAF_INT32, LEAF_SPARSE,
  TREE_HEADER_BYTES, treeBodyLayout,
} from '../../firmware/core/trees/body';

export type TreeNodeDef =
  | { feature: number; threshold: number; left: TreeNodeDef; right: TreeNodeDef }
  | { leaf: number[] };

export interface TreeEnsembleDef {
  ensemble: number;      // ENSEMBLE_*
  split: number;         // SPLIT_LT or SPLIT_LE
  leafType: number;      // LEAF_INT16 or LEAF_INT32
  featureCount: number;
  scoreCount: number;
  trees: { root: TreeNodeDef; output?: number }[];
  base?: number[];       // one per score, default 0
}

export interface TreeBodyOptions {
  /** Leaves of several values: rows of every value, or only the nonzero ones as (class, value)
   * entries. Default 'auto': sparse when leaves have on average at most a third nonzero values. */
  leaves?: 'auto' | 'dense' | 'sparse';
}

export interface EncodedTrees {
  body: Uint8Array;
  /** Internal nodes. */
  nodeCount: number;
  /** Leaf entries (one per leaf of every tree). */
  leafCount: number;
  entryCount: number;
  leafEncoding: number;
}

const INT16 = [-32768, 32767];
const INT32 = [-0x80000000, 0x7fffffff];

export function encodeTreeBody(def: TreeEnsembleDef, options: TreeBodyOptions = {}): EncodedTrees {
  const { leafType, scoreCount, featureCount } = def;
  const treeCount = def.trees.length;
  if (treeCount < 1 || treeCount > 0xffff) throw new RangeError(`${treeCount} trees`);
  if (def.ensemble === ENSEMBLE_SINGLE && treeCount !== 1) throw new RangeError('a single tree ensemble has one tree');
  if (!Number.isInteger(featureCount) || featureCount < 0 || featureCount > 0xffff) throw new RangeError(`${featureCount} features`);
  const [lo, hi] = leafType === LEAF_INT16 ? INT16 : INT32;

  // Leaf width and value checks.
  let leafWidth = -1;
  let leaves = 0;
  const check = (node: TreeNodeDef): void => {
    if ('leaf' in node) {
      if (leafWidth < 0) leafWidth = node.leaf.length;
      if (node.leaf.length !== leafWidth) throw new RangeError('all leaves must have the same width');
      for (const x of node.leaf) {
        if (!Number.isInteger(x) || x < lo || x > hi) throw new RangeError(`leaf value ${x} does not fit the leaf type`);
      }
      leaves++;
      return;
    }
    if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= featureCount) throw new RangeError(`feature ${node.feature} out of range`);
    if (!Number.isInteger(node.threshold) || node.threshold < -32768 || node.threshold > 32767) throw new RangeError(`threshold ${node.threshold} is not int16`);
    check(node.left);
    check(node.right);
  };
  def.trees.forEach((t) => check(t.root));
  if (leafWidth < 1 || leafWidth > scoreCount) throw new RangeError(`leaves of ${leafWidth} values for ${scoreCount} scores`);
  if (def.ensemble === ENSEMBLE_HARD_VOTE && leafWidth !== 1) throw new RangeError('hard vote leaves hold one class index');
  if (def.ensemble === ENSEMBLE_BOOSTING && leafType !== LEAF_INT32) throw new RangeError('boosting leaves are int32');
  if (def.ensemble === ENSEMBLE_BOOSTING && leafWidth !== 1) throw new RangeError('boosting leaves hold one value');
  const outputs = def.trees.map(({ output = 0 }) => output);
  for (const o of outputs) {
    if (!Number.isInteger(o) || o < 0 || o + leafWidth > scoreCount) throw new RangeError(`tree output ${o}`);
    if (def.ensemble !== ENSEMBLE_BOOSTING && o !== 0) throw new RangeError('only boosting trees have an output index');
  }
  const base = def.base ?? new Array<number>(scoreCount).fill(0);
  if (base.length !== scoreCount) throw new RangeError(`${base.length} base scores for ${scoreCount} scores`);

  const choice = options.leaves ?? 'auto';
  const encoding = leafWidth === 1 ? LEAF_INLINE
    : choice === 'sparse' || (choice === 'auto' && sparseCostsLess(def, leafWidth)) ? LEAF_SPARSE : LEAF_DENSE;

  // Sparse leaves with a single nonzero value, the most common one (a pure leaf of a trained
  // forest, 32767), need no entries: the unit of the body.
  const unit = encoding === LEAF_SPARSE ? mostCommonSingleValue(def) : 0;

  // Leaf payloads: the value itself, or the offset of a shared row / entry run.
  const table: number[] = [];    // dense rows, or sparse entries' values
  const classes: number[] = [];  // sparse entries' classes, ~class on a leaf's last entry
  const shared = new Map<string, number>();
  const payloadOf = (values: number[]): number => {
    if (encoding === LEAF_INLINE) return values[0];
    if (encoding === LEAF_SPARSE && unit !== 0) {
      const nonzero = values.flatMap((v, c) => (v !== 0 ? [c] : []));
      if (nonzero.length === 1 && values[nonzero[0]] === unit) return ~nonzero[0];
    }
    const key = values.join(',');
    let at = shared.get(key);
    if (at === undefined) {
      at = table.length;
      shared.set(key, at);
      if (encoding === LEAF_DENSE) {
        table.push(...values);
      } else {
        const kept = values.flatMap((v, c) => (v !== 0 ? [c] : []));
        if (kept.length === 0) kept.push(0);
        kept.forEach((c, i) => { classes.push(i === kept.length - 1 ? ~c : c); table.push(values[c]); });
      }
    }
    return at;
  };

  // Trees in a stable order by output, so that the engine adds each run of trees into one local.
  const order = def.trees.map((_, t) => t).sort((a, b) => outputs[a] - outputs[b] || a - b);
  const features: number[] = [];
  const thresholds: number[] = [];
  const right: number[] = [];
  const rootLeft: number[] = [];
  const entry = (feature: number, threshold: number, link: number): number => {
    features.push(feature);
    thresholds.push(threshold);
    right.push(link);
    return features.length - 1;
  };
  // Pre-order: a node, its left subtree, its right subtree. Returns the entry of `node`.
  const emit = (node: TreeNodeDef): number => {
    if ('leaf' in node) {
      const n = entry(featureCount, payloadOf(node.leaf), 0);
      right[n] = n;
      return n;
    }
    const n = entry(node.feature, node.threshold, 0);
    emit(node.left);
    right[n] = emit(node.right);
    return n;
  };
  for (const t of order) {
    const { root } = def.trees[t];
    if ('leaf' in root) entry(featureCount, 0, 0);
    else entry(root.feature, root.threshold, 0);
  }
  order.forEach((t, i) => {
    const { root } = def.trees[t];
    if ('leaf' in root) {
      thresholds[i] = payloadOf(root.leaf);
      right[i] = i;
      rootLeft.push(i);
    } else {
      rootLeft.push(features.length);
      emit(root.left);
      right[i] = emit(root.right);
    }
  });

  const entryCount = features.length;
  const fits16 = (xs: number[]) => xs.every((x) => x >= INT16[0] && x <= INT16[1]);
  const payloadType = fits16(thresholds) ? LEAF_INT16 : LEAF_INT32;
  const valueType = encoding === LEAF_INLINE ? 0 : leafType;
  const at = treeBodyLayout(treeCount, entryCount, featureCount, payloadType, encoding, table.length, valueType, scoreCount);
  const body = new Uint8Array(at.end);
  const v = new DataView(body.buffer);
  body[0] = def.ensemble;
  body[1] = def.split;
  v.setUint16(2, treeCount, true);
  v.setUint32(4, entryCount, true);
  v.setUint32(8, table.length, true);
  body[12] = payloadType;
  body[13] = encoding;
  v.setUint16(14, featureCount, true);
  body[16] = valueType;
  body[17] = encoding === LEAF_INLINE ? 1 : encoding === LEAF_DENSE ? leafWidth : 0;
  v.setInt32(20, unit, true);
  const put = (offset: number, bytes: number, values: number[]) => values.forEach((x, i) => {
    if (bytes === 1) v.setUint8(offset + i, x);
    else if (bytes === 2) v.setUint16(offset + 2 * i, x & 0xffff, true);
    else v.setUint32(offset + 4 * i, x >>> 0, true);
  });
  put(at.rootLeft, at.linkBytes, rootLeft);
  put(at.outputs, 2, order.map((t) => outputs[t]));
  put(at.features, at.featureBytes, features);
  put(at.thresholds, at.payloadBytes, thresholds);
  put(at.right, at.linkBytes, right);
  put(at.classes, 2, classes);
  put(at.values, at.valueBytes, table);
  put(at.base, 4, base);
  if (TREE_HEADER_BYTES !== at.rootLeft) throw new Error('tree body layout');
  return { body, nodeCount: entryCount - leaves, leafCount: leaves, entryCount, leafEncoding: encoding };
}

/** The value that most leaves with exactly one nonzero value have (0 when there are none). */
function mostCommonSingleValue(def: TreeEnsembleDef): number {
  const counts = new Map<number, number>();
  const visit = (node: TreeNodeDef): void => {
    if (!('leaf' in node)) { visit(node.left); visit(node.right); return; }
    const nonzero = node.leaf.filter((v) => v !== 0);
    if (nonzero.length === 1) counts.set(nonzero[0], (counts.get(nonzero[0]) ?? 0) + 1);
  };
  def.trees.forEach((t) => visit(t.root));
  let best = 0;
  let bestCount = 0;
  for (const [value, count] of counts) if (count > bestCount || (count === bestCount && value < best)) [best, bestCount] = [value, count];
  return best;
}

// Rough XS computrons per leaf reached (taking every leaf as equally likely): a dense row costs
// a little per value (much more past the widths with their own accumulator), sparse entries
// more per nonzero value, a pure leaf of the unit value about as much as a vote.
const DENSE_MAX_WIDTH = 16;
function sparseCostsLess(def: TreeEnsembleDef, width: number): boolean {
  const unit = mostCommonSingleValue(def);
  let sparse = 0;
  let leaves = 0;
  const visit = (node: TreeNodeDef): void => {
    if (!('leaf' in node)) { visit(node.left); visit(node.right); return; }
    const nonzero = node.leaf.filter((v) => v !== 0);
    sparse += nonzero.length === 1 && nonzero[0] === unit ? 17 : 27 + 29 * Math.max(0, nonzero.length - 1);
    leaves++;
  };
  def.trees.forEach((t) => visit(t.root));
  const dense = width <= DENSE_MAX_WIDTH ? 20 + 10 * width : 30 * width;
  return sparse < dense * leaves;
}
