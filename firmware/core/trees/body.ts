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
/** Links are int16 while node and leaf indices fit (nodes 1..32767, leaves 0..32768), else int32. */
export function linkBytes(nodeCount: number, leafCount: number): number {
  return nodeCount <= 32767 && leafCount <= 32769 ? 2 : 4;
}

/** Byte offsets of the arrays of a tree body (docs/model-format.md). */
export function treeBodyLayout(treeCount: number, nodeCount: number, leafCount: number, leafWidth: number, leafType: number, scoreCount: number) {
  const link = linkBytes(nodeCount, leafCount);
  const leafValues = leafCount * leafWidth;
  const roots = TREE_HEADER_BYTES;
  const outputs = roots + 4 * treeCount;
  const features = align4(outputs + 2 * treeCount);
  const thresholds = align4(features + 2 * nodeCount);
  const left = align4(thresholds + 2 * nodeCount);
  const right = align4(left + link * nodeCount);
  const leaves = align4(right + link * nodeCount);
  const base = align4(leaves + leafValues * (leafType === LEAF_INT16 ? 2 : 4));
  return { linkBytes: link, roots, outputs, features, thresholds, left, right, leaves, base, end: base + 4 * scoreCount };
}

export interface TreeBody {
  readonly ensemble: number;
  readonly split: number;
  readonly treeCount: number;
  readonly featureCount: number;
  readonly leafWidth: number;
  readonly roots: Int32Array;
  readonly treeOutput: Uint16Array;
  /** Per internal node: the feature it tests, its threshold, and its two links. */
  readonly features: Int16Array;
  readonly thresholds: Int16Array;
  readonly left: Int16Array | Int32Array;
  readonly right: Int16Array | Int32Array;
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

  // Every size is checked against the body before any view is made.
  if (nodeCount > 0x7fffffff / 16 || leafCount > 0x7fffffff / 16) fail('TRUNCATED', 'tree body counts past any buffer');
  const at = treeBodyLayout(treeCount, nodeCount, leafCount, leafWidth, leafType, scoreCount);
  if (at.end > b.length) fail('TRUNCATED', `tree body needs ${at.end} bytes, has ${b.length}`);
  if (at.end !== b.length) fail('BAD_BODY', `tree body has ${b.length - at.end} trailing bytes`);

  const buffer = b.buffer as ArrayBuffer;
  const o = b.byteOffset;
  const Link = at.linkBytes === 2 ? Int16Array : Int32Array;
  const roots = new Int32Array(buffer, o + at.roots, treeCount);
  const treeOutput = new Uint16Array(buffer, o + at.outputs, treeCount);
  const features = new Int16Array(buffer, o + at.features, nodeCount);
  const thresholds = new Int16Array(buffer, o + at.thresholds, nodeCount);
  const left = new Link(buffer, o + at.left, nodeCount);
  const right = new Link(buffer, o + at.right, nodeCount);
  const leaves = leafType === LEAF_INT16
    ? new Int16Array(buffer, o + at.leaves, leafCount * leafWidth)
    : new Int32Array(buffer, o + at.leaves, leafCount * leafWidth);
  const base = new Int32Array(buffer, o + at.base, scoreCount);

  // Links point strictly forward (so every walk ends) or to an existing leaf.
  for (let n = 0; n < nodeCount; n++) {
    const f = features[n];
    if (f < 0 || f >= featureCount) fail('BAD_TREE', `node ${n} tests feature ${f}`);
    checkLink(n, left[n], nodeCount, leafCount);
    checkLink(n, right[n], nodeCount, leafCount);
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
  return { ensemble, split, treeCount, featureCount, leafWidth, roots, treeOutput, features, thresholds, left, right, leaves, base };
}

function checkLink(n: number, link: number, nodeCount: number, leafCount: number): void {
  if (link > 0 ? link <= n || link >= nodeCount : -link >= leafCount) {
    fail('BAD_TREE', `node ${n} links to ${link > 0 ? 'node ' + link : 'leaf ' + -link}${link > 0 && link <= n ? ' (backwards)' : ''}`);
  }
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
