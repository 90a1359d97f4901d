// Tree ensemble body (model kind 1): parse into typed-array views and prove, once, that
// every walk stays in bounds and no score can overflow int32.
import { DTYPE_INT16, InputSpec, OutputSpec } from '../engine';
import { fail } from '../errors';
import { align4 } from '../package/layout';

export const ENSEMBLE_SINGLE = 1;
export const ENSEMBLE_SOFT_VOTE = 2;
export const ENSEMBLE_HARD_VOTE = 3;
export const ENSEMBLE_BOOSTING = 4;

export const SPLIT_LT = 0; // go left when x < t
export const SPLIT_LE = 1; // go left when x <= t

export const LEAF_INT16 = 1;
export const LEAF_INT32 = 2;

export const TREE_HEADER_BYTES = 16;

export interface TreeBody {
  readonly ensemble: number;
  readonly split: number;
  readonly treeCount: number;
  readonly featureCount: number;
  readonly leafWidth: number;
  readonly roots: Int32Array;
  readonly treeOutput: Uint16Array;
  /** { feature, threshold, left, right } per internal node. */
  readonly nodes: Int16Array;
  readonly leaves: Int16Array | Int32Array;
  readonly base: Int32Array;
}

export function parseTreeBody(b: Uint8Array, input: InputSpec, output: OutputSpec): TreeBody {
  if (b.length < TREE_HEADER_BYTES) fail('TRUNCATED', 'tree body header');
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const ensemble = b[0];
  const split = b[1];
  const treeCount = view.getUint16(2, true);
  const nodeCount = view.getUint32(4, true);
  const leafCount = view.getUint32(8, true);
  const leafType = b[12];
  const leafWidth = b[13];
  const featureCount = view.getUint16(14, true);
  const scoreCount = output.scoreCount;

  if (ensemble < ENSEMBLE_SINGLE || ensemble > ENSEMBLE_BOOSTING) fail('BAD_BODY', `ensemble type ${ensemble}`);
  if (split !== SPLIT_LT && split !== SPLIT_LE) fail('BAD_BODY', `split comparison ${split}`);
  if (treeCount < 1) fail('BAD_BODY', 'no trees');
  if (ensemble === ENSEMBLE_SINGLE && treeCount !== 1) fail('BAD_BODY', 'a single tree with several trees');
  if (leafType !== LEAF_INT16 && leafType !== LEAF_INT32) fail('BAD_BODY', `leaf type ${leafType}`);
  if (leafCount < 1) fail('BAD_BODY', 'no leaves');
  if (leafWidth < 1 || leafWidth > scoreCount) fail('BAD_BODY', `leaf width ${leafWidth} for ${scoreCount} scores`);
  if (ensemble === ENSEMBLE_HARD_VOTE && (leafWidth !== 1 || output.classCount < 2)) fail('BAD_BODY', 'hard vote needs classes and one value per leaf');
  if (input.dtype !== DTYPE_INT16) fail('BAD_INPUT_SPEC', 'tree ensembles take int16 features');
  if (featureCount !== input.elementCount) fail('BAD_BODY', `${featureCount} features, input has ${input.elementCount}`);

  // Section layout; every size is checked against the body before any view is made.
  const rootsAt = TREE_HEADER_BYTES;
  const outputsAt = rootsAt + 4 * treeCount;
  const nodesAt = align4(outputsAt + 2 * treeCount);
  const leavesAt = nodesAt + 8 * nodeCount;
  const leafBytes = leafCount * leafWidth * (leafType === LEAF_INT16 ? 2 : 4);
  const baseAt = align4(leavesAt + leafBytes);
  const end = baseAt + 4 * scoreCount;
  if (nodeCount > 0x7fffffff / 8 || leafCount > 0x7fffffff / 8 || end > b.length) fail('TRUNCATED', `tree body needs ${end} bytes, has ${b.length}`);
  if (end !== b.length) fail('BAD_BODY', `tree body has ${b.length - end} trailing bytes`);

  const at = b.byteOffset;
  const roots = new Int32Array(b.buffer, at + rootsAt, treeCount);
  const treeOutput = new Uint16Array(b.buffer, at + outputsAt, treeCount);
  const nodes = new Int16Array(b.buffer, at + nodesAt, 4 * nodeCount);
  const leaves = leafType === LEAF_INT16
    ? new Int16Array(b.buffer, at + leavesAt, leafCount * leafWidth)
    : new Int32Array(b.buffer, at + leavesAt, leafCount * leafWidth);
  const base = new Int32Array(b.buffer, at + baseAt, scoreCount);

  for (let n = 0; n < nodeCount; n++) {
    const f = nodes[4 * n];
    if (f < 0 || f >= featureCount) fail('BAD_TREE', `node ${n} tests feature ${f}`);
    for (let side = 2; side <= 3; side++) {
      const c = nodes[4 * n + side];
      if (c > 0 ? n + c >= nodeCount : -c >= leafCount) fail('BAD_TREE', `node ${n} links to ${c > 0 ? 'node ' + (n + c) : 'leaf ' + -c}`);
    }
  }
  for (let t = 0; t < treeCount; t++) {
    const r = roots[t];
    if (r >= 0 ? r >= nodeCount : ~r >= leafCount) fail('BAD_TREE', `tree ${t} has root ${r}`);
    if (treeOutput[t] + leafWidth > scoreCount) fail('BAD_TREE', `tree ${t} adds to score ${treeOutput[t]}..${treeOutput[t] + leafWidth - 1}`);
    if (ensemble !== ENSEMBLE_BOOSTING && treeOutput[t] !== 0) fail('BAD_TREE', `tree ${t} output index must be 0`);
  }
  if (ensemble === ENSEMBLE_HARD_VOTE) {
    for (let l = 0; l < leafCount; l++) if (leaves[l] < 0 || leaves[l] >= output.classCount) fail('BAD_TREE', `leaf ${l} votes for class ${leaves[l]}`);
  }
  checkNoOverflow(ensemble, treeCount, leafWidth, leaves, treeOutput, base);
  return { ensemble, split, treeCount, featureCount, leafWidth, roots, treeOutput, nodes, leaves, base };
}

// Bound every score by base + the sum, over trees, of the largest magnitude any of the tree's
// leaves could add. The bound uses all leaves (not only those reachable from a tree), which is
// looser but cheap and keeps int32 arithmetic exact in JavaScript and in C alike.
function checkNoOverflow(
  ensemble: number, treeCount: number, width: number, leaves: Int16Array | Int32Array,
  treeOutput: Uint16Array, base: Int32Array,
): void {
  const leafCount = leaves.length / width;
  const largest = new Float64Array(width);
  for (let l = 0; l < leafCount; l++) {
    for (let k = 0; k < width; k++) largest[k] = Math.max(largest[k], Math.abs(leaves[l * width + k]));
  }
  const bound = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) bound[i] = Math.abs(base[i]);
  for (let t = 0; t < treeCount; t++) {
    if (ensemble === ENSEMBLE_HARD_VOTE) { for (let i = 0; i < bound.length; i++) bound[i] += 1; continue; }
    for (let k = 0; k < width; k++) bound[treeOutput[t] + k] += largest[k];
  }
  for (let i = 0; i < bound.length; i++) {
    if (bound[i] > 0x7fffffff) fail('OVERFLOW', `score ${i} could reach ${bound[i]}, beyond int32`);
  }
}
