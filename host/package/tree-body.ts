// Serializer for the tree ensemble body: nested trees in, the flat emlearn-style table out
// (internal nodes in pre-order, forward relative links, a deduplicated leaf table).
import {
  ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SINGLE, LEAF_INT16, LEAF_INT32, TREE_HEADER_BYTES,
} from '../../firmware/core/trees/body';
import { align4 } from '../../firmware/core/package/layout';

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
  const nodes: number[] = [];          // 4 per node
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
      if (index > 32768) throw new RangeError('more than 32769 distinct leaves');
      leafIndex.set(key, index);
      leafValues.push(...values);
    }
    return index;
  };

  // Returns the child link of `node` as seen from internal node `parent`.
  const emit = (node: TreeNodeDef, parent: number): number => {
    if ('leaf' in node) return -addLeaf(node.leaf);
    const at = nodes.length / 4;
    if (node.feature < 0 || node.feature >= def.featureCount) throw new RangeError(`feature ${node.feature} out of range`);
    if (!Number.isInteger(node.threshold) || node.threshold < -32768 || node.threshold > 32767) throw new RangeError(`threshold ${node.threshold} is not int16`);
    nodes.push(node.feature, node.threshold, 0, 0);
    nodes[4 * at + 2] = emit(node.left, at);
    nodes[4 * at + 3] = emit(node.right, at);
    const offset = at - parent;
    if (offset > 32767) throw new RangeError('a tree is too large for 16-bit relative links');
    return offset;
  };

  const roots = def.trees.map(({ root }) => {
    if ('leaf' in root) return ~addLeaf(root.leaf);
    const at = nodes.length / 4;
    emit(root, at);
    return at;
  });
  const outputs = def.trees.map(({ output = 0 }) => output);
  const leafCount = leafValues.length / leafWidth;
  if (def.ensemble === ENSEMBLE_HARD_VOTE && leafWidth !== 1) throw new RangeError('hard vote leaves hold one class index');
  if (def.ensemble === ENSEMBLE_BOOSTING && leafType !== LEAF_INT32) throw new RangeError('boosting leaves are int32');
  const base = def.base ?? new Array<number>(scoreCount).fill(0);
  if (base.length !== scoreCount) throw new RangeError(`${base.length} base scores for ${scoreCount} scores`);

  const treeCount = def.trees.length;
  const nodeCount = nodes.length / 4;
  const outputsAt = TREE_HEADER_BYTES + 4 * treeCount;
  const nodesAt = align4(outputsAt + 2 * treeCount);
  const leavesAt = nodesAt + 8 * nodeCount;
  const baseAt = align4(leavesAt + leafValues.length * (leafType === LEAF_INT16 ? 2 : 4));
  const body = new Uint8Array(baseAt + 4 * scoreCount);
  const v = new DataView(body.buffer);
  body[0] = def.ensemble;
  body[1] = def.split;
  v.setUint16(2, treeCount, true);
  v.setUint32(4, nodeCount, true);
  v.setUint32(8, leafCount, true);
  body[12] = leafType;
  body[13] = leafWidth;
  v.setUint16(14, def.featureCount, true);
  roots.forEach((r, t) => v.setInt32(TREE_HEADER_BYTES + 4 * t, r, true));
  outputs.forEach((o, t) => v.setUint16(outputsAt + 2 * t, o, true));
  nodes.forEach((x, i) => v.setInt16(nodesAt + 2 * i, x, true));
  leafValues.forEach((x, i) => (leafType === LEAF_INT16 ? v.setInt16(leavesAt + 2 * i, x, true) : v.setInt32(leavesAt + 4 * i, x, true)));
  base.forEach((x, i) => v.setInt32(baseAt + 4 * i, x, true));
  return { body, nodeCount, leafCount };
}

