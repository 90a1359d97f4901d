// Serializer for the tree ensemble body: nested trees in, the flat emlearn-style table out
// (internal nodes in pre-order as parallel arrays, forward links, a deduplicated leaf table).
import {
  ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SINGLE, LEAF_INT16, LEAF_INT32, treeBodyLayout,
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

export interface EncodedTrees {
  body: Uint8Array;
  nodeCount: number;
  leafCount: number;
}

export function encodeTreeBody(def: TreeEnsembleDef): EncodedTrees {
  const { leafType, scoreCount } = def;
  if (def.trees.length < 1 || def.trees.length > 0xffff) throw new RangeError(`${def.trees.length} trees`);
  if (def.ensemble === ENSEMBLE_SINGLE && def.trees.length !== 1) throw new RangeError('a single tree ensemble has one tree');
  const [lo, hi] = leafType === LEAF_INT16 ? [-32768, 32767] : [-0x80000000, 0x7fffffff];
  const features: number[] = [];
  const thresholds: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const leafValues: number[] = [];
  const leafIndex = new Map<string, number>();
  let leafWidth = -1;

  const addLeaf = (values: number[]): number => {
    if (leafWidth < 0) leafWidth = values.length;
    if (values.length !== leafWidth) throw new RangeError('all leaves must have the same width');
    for (const x of values) if (!Number.isInteger(x) || x < lo || x > hi) throw new RangeError(`leaf value ${x} does not fit the leaf type`);
    const key = values.join(',');
    let index = leafIndex.get(key);
    if (index === undefined) {
      index = leafIndex.size;
      leafIndex.set(key, index);
      leafValues.push(...values);
    }
    return index;
  };

  // Pre-order: a node's children always come after it, so links point forward.
  // Returns the link to `node`: its node index, or -leaf.
  const emit = (node: TreeNodeDef): number => {
    if ('leaf' in node) return -addLeaf(node.leaf);
    if (node.feature < 0 || node.feature >= def.featureCount) throw new RangeError(`feature ${node.feature} out of range`);
    if (!Number.isInteger(node.threshold) || node.threshold < -32768 || node.threshold > 32767) throw new RangeError(`threshold ${node.threshold} is not int16`);
    const at = features.length;
    features.push(node.feature);
    thresholds.push(node.threshold);
    left.push(0);
    right.push(0);
    left[at] = emit(node.left);
    right[at] = emit(node.right);
    return at;
  };

  const roots = def.trees.map(({ root }) => ('leaf' in root ? ~addLeaf(root.leaf) : emit(root)));
  const outputs = def.trees.map(({ output = 0 }) => output);
  const nodeCount = features.length;
  const leafCount = leafValues.length / leafWidth;
  if (def.ensemble === ENSEMBLE_HARD_VOTE && leafWidth !== 1) throw new RangeError('hard vote leaves hold one class index');
  if (def.ensemble === ENSEMBLE_BOOSTING && leafType !== LEAF_INT32) throw new RangeError('boosting leaves are int32');
  if (leafWidth > 255) throw new RangeError(`leaves of ${leafWidth} values`);
  const base = def.base ?? new Array<number>(scoreCount).fill(0);
  if (base.length !== scoreCount) throw new RangeError(`${base.length} base scores for ${scoreCount} scores`);

  const treeCount = def.trees.length;
  const at = treeBodyLayout(treeCount, nodeCount, leafCount, leafWidth, leafType, scoreCount);
  const body = new Uint8Array(at.end);
  const v = new DataView(body.buffer);
  body[0] = def.ensemble;
  body[1] = def.split;
  v.setUint16(2, treeCount, true);
  v.setUint32(4, nodeCount, true);
  v.setUint32(8, leafCount, true);
  body[12] = leafType;
  body[13] = leafWidth;
  v.setUint16(14, def.featureCount, true);
  roots.forEach((r, t) => v.setInt32(at.roots + 4 * t, r, true));
  outputs.forEach((o, t) => v.setUint16(at.outputs + 2 * t, o, true));
  features.forEach((f, n) => v.setInt16(at.features + 2 * n, f, true));
  thresholds.forEach((x, n) => v.setInt16(at.thresholds + 2 * n, x, true));
  const setLink = at.linkBytes === 2 ? (o: number, x: number) => v.setInt16(o, x, true) : (o: number, x: number) => v.setInt32(o, x, true);
  left.forEach((x, n) => setLink(at.left + at.linkBytes * n, x));
  right.forEach((x, n) => setLink(at.right + at.linkBytes * n, x));
  leafValues.forEach((x, i) => (leafType === LEAF_INT16 ? v.setInt16(at.leaves + 2 * i, x, true) : v.setInt32(at.leaves + 4 * i, x, true)));
  base.forEach((x, i) => v.setInt32(at.base + 4 * i, x, true));
  return { body, nodeCount, leafCount };
}
