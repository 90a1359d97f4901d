// Tree ensemble body (model kind 1): parse into typed-array views and prove, once, that
// every walk stays in bounds, ends on a leaf, and that no score can overflow int32.
//
// Entries (internal nodes and leaves) are parallel arrays {feature, threshold|payload, right}.
// Entry t < treeCount is the root of tree t; the other entries follow tree by tree in
// pre-order, so the left child of a non-root node n is n + 1. The loader accepts exactly that
// canonical pre-order (docs/model-format.md), which is what makes the walk's guarantees hold.
import { DTYPE_INT16, InputSpec, OutputSpec } from '../engine';
import { fail } from '../errors';
import { align4 } from '../package/layout';

export const ENSEMBLE_SINGLE = 1;
export const ENSEMBLE_SOFT_VOTE = 2;
export const ENSEMBLE_HARD_VOTE = 3;
export const ENSEMBLE_BOOSTING = 4;

export const SPLIT_LT = 0; // go left when x < t
export const SPLIT_LE = 1; // go left when x <= t

/** Value types (thresholds/payloads, leaf table values). */
export const LEAF_INT16 = 1;
export const LEAF_INT32 = 2;

/** How a leaf's payload is read. */
export const LEAF_INLINE = 0; // the payload is the value (or, for a hard vote, the class)
export const LEAF_DENSE = 1;  // the payload is the offset of a row of `width` values
export const LEAF_SPARSE = 2; // the payload is the offset of a run of (class, value) entries

/** What the walk does with a leaf (the walker family, see walkers.ts). */
export const KIND_ADD = 0;
export const KIND_VOTE = 1;
export const KIND_DENSE = 2;
export const KIND_SPARSE = 3;

export const TREE_HEADER_BYTES = 24;
/** Internal nodes on any root-to-leaf path. */
export const MAX_TREE_DEPTH = 255;

/** Byte offsets of the arrays of a tree body (docs/model-format.md). */
export function treeBodyLayout(
  treeCount: number, entryCount: number, featureCount: number, payloadType: number,
  encoding: number, tableLength: number, valueType: number, scoreCount: number,
) {
  const linkBytes = entryCount <= 0x10000 ? 2 : 4;
  const featureBytes = featureCount <= 0xff ? 1 : 2;
  const payloadBytes = payloadType === LEAF_INT16 ? 2 : 4;
  const valueBytes = valueType === LEAF_INT16 ? 2 : 4;
  const rootLeft = TREE_HEADER_BYTES;
  const outputs = align4(rootLeft + linkBytes * treeCount);
  const features = align4(outputs + 2 * treeCount);
  const thresholds = align4(features + featureBytes * entryCount);
  const right = align4(thresholds + payloadBytes * entryCount);
  const classes = align4(right + linkBytes * entryCount);
  const values = align4(classes + (encoding === LEAF_SPARSE ? 2 * tableLength : 0));
  const base = align4(values + (encoding === LEAF_INLINE ? 0 : valueBytes * tableLength));
  return { linkBytes, featureBytes, payloadBytes, valueBytes, rootLeft, outputs, features, thresholds, right, classes, values, base, end: base + 4 * scoreCount };
}

export interface TreeBody {
  readonly ensemble: number;
  readonly split: number;
  readonly treeCount: number;
  readonly featureCount: number;
  /** Entries: internal nodes plus leaves. */
  readonly entryCount: number;
  readonly internalNodeCount: number;
  /** Leaf entries (a shared row or entry run counts once per leaf that points to it). */
  readonly leafCount: number;
  readonly leafEncoding: number;
  /** Values per dense row (1 for inline leaves, the score count for sparse ones). */
  readonly leafWidth: number;
  /** KIND_* */
  readonly kind: number;
  /** Per tree: the left child of root t (entry t). */
  readonly rootLeft: Uint16Array | Uint32Array;
  readonly treeOutput: Uint16Array;
  /** Per entry: the feature tested; `featureCount` marks a leaf. */
  readonly features: Uint8Array | Uint16Array;
  /** Per entry: threshold (internal node) or payload (leaf). */
  readonly thresholds: Int16Array | Int32Array;
  /** Per entry: the right child; a leaf links to itself. */
  readonly right: Uint16Array | Uint32Array;
  /** Leaf values: the dense rows or the sparse entries' values; for inline leaves, `thresholds`. */
  readonly leaves: Int16Array | Int32Array;
  /** Sparse leaves: what a leaf of payload p < 0 adds to score ~p (its only nonzero value). */
  readonly unit: number;
  /** Sparse entries' classes (~class on a leaf's last entry); empty otherwise. */
  readonly classes: Int16Array;
  readonly base: Int32Array;
  /** Most internal nodes on a root-to-leaf path, over all trees. */
  readonly maxDepth: number;
}

/** Leaf depths seen at load, for choosing a walk (not kept). */
export interface TreeShape {
  /** weights[d]: sum over leaves at depth d (internal nodes above them) of 2^-d. */
  readonly weights: Float64Array;
}

export function parseTreeBody(b: Uint8Array, input: InputSpec, output: OutputSpec): { body: TreeBody; shape: TreeShape } {
  if (b.length < TREE_HEADER_BYTES) fail('TRUNCATED', 'tree body header');
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const ensemble = b[0];
  const split = b[1];
  const treeCount = view.getUint16(2, true);
  const entryCount = view.getUint32(4, true);
  const tableLength = view.getUint32(8, true);
  const payloadType = b[12];
  const encoding = b[13];
  const featureCount = view.getUint16(14, true);
  const valueType = b[16];
  const width = b[17];
  const reserved = view.getUint16(18, true);
  const unit = view.getInt32(20, true);
  const scoreCount = output.scoreCount;

  if (ensemble < ENSEMBLE_SINGLE || ensemble > ENSEMBLE_BOOSTING) fail('BAD_BODY', `ensemble type ${ensemble}`);
  if (split !== SPLIT_LT && split !== SPLIT_LE) fail('BAD_BODY', `split comparison ${split}`);
  if (treeCount < 1) fail('BAD_BODY', 'no trees');
  if (ensemble === ENSEMBLE_SINGLE && treeCount !== 1) fail('BAD_BODY', 'a single tree with several trees');
  if (entryCount < treeCount) fail('BAD_BODY', `${entryCount} entries for ${treeCount} trees`);
  if (payloadType !== LEAF_INT16 && payloadType !== LEAF_INT32) fail('BAD_BODY', `threshold type ${payloadType}`);
  if (reserved !== 0) fail('BAD_BODY', 'reserved header field');
  if (input.dtype !== DTYPE_INT16) fail('BAD_INPUT_SPEC', 'tree ensembles take int16 features');
  if (featureCount !== input.elementCount) fail('BAD_BODY', `${featureCount} features, input has ${input.elementCount}`);
  let kind: number;
  if (encoding === LEAF_INLINE) {
    if (valueType !== 0 || tableLength !== 0 || width !== 1) fail('BAD_BODY', 'inline leaves have no leaf table and width 1');
    kind = ensemble === ENSEMBLE_HARD_VOTE ? KIND_VOTE : KIND_ADD;
    if (kind === KIND_VOTE && (output.classCount < 2 || scoreCount !== output.classCount)) fail('BAD_BODY', 'a hard vote needs a score per class');
  } else if (encoding === LEAF_DENSE || encoding === LEAF_SPARSE) {
    if (ensemble === ENSEMBLE_HARD_VOTE || ensemble === ENSEMBLE_BOOSTING) fail('BAD_BODY', 'hard votes and boosting have inline leaves');
    if (valueType !== LEAF_INT16 && valueType !== LEAF_INT32) fail('BAD_BODY', `leaf value type ${valueType}`);
    if (encoding === LEAF_DENSE) {
      if (tableLength < 1) fail('BAD_BODY', 'empty leaf table');
      if (width < 1 || width > scoreCount) fail('BAD_BODY', `leaf width ${width} for ${scoreCount} scores`);
      if (tableLength % width !== 0) fail('BAD_BODY', `leaf table of ${tableLength} values in rows of ${width}`);
    } else if (width !== 0) {
      fail('BAD_BODY', 'sparse leaves have width 0');
    }
    kind = encoding === LEAF_DENSE ? KIND_DENSE : KIND_SPARSE;
  } else {
    fail('BAD_BODY', `leaf encoding ${encoding}`);
  }
  if (encoding !== LEAF_SPARSE && unit !== 0) fail('BAD_BODY', 'a unit value without sparse leaves');
  if (valueType === LEAF_INT16 && (unit < -32768 || unit > 32767)) fail('BAD_BODY', `unit value ${unit} is not int16`);

  // Every size is checked against the body before any view is made.
  if (entryCount > 0x7fffffff / 16 || tableLength > 0x7fffffff / 16) fail('TRUNCATED', 'tree body counts past any buffer');
  const at = treeBodyLayout(treeCount, entryCount, featureCount, payloadType, encoding, tableLength, valueType, scoreCount);
  if (at.end > b.length) fail('TRUNCATED', `tree body needs ${at.end} bytes, has ${b.length}`);
  if (at.end !== b.length) fail('BAD_BODY', `tree body has ${b.length - at.end} trailing bytes`);

  const buffer = b.buffer as ArrayBuffer;
  const o = b.byteOffset;
  const Link = at.linkBytes === 2 ? Uint16Array : Uint32Array;
  const rootLeft = new Link(buffer, o + at.rootLeft, treeCount);
  const treeOutput = new Uint16Array(buffer, o + at.outputs, treeCount);
  const features = at.featureBytes === 1 ? new Uint8Array(buffer, o + at.features, entryCount) : new Uint16Array(buffer, o + at.features, entryCount);
  const thresholds = payloadType === LEAF_INT16 ? new Int16Array(buffer, o + at.thresholds, entryCount) : new Int32Array(buffer, o + at.thresholds, entryCount);
  const right = new Link(buffer, o + at.right, entryCount);
  const classes = new Int16Array(buffer, o + at.classes, encoding === LEAF_SPARSE ? tableLength : 0);
  const table = encoding === LEAF_INLINE ? 0 : tableLength;
  const leaves = encoding === LEAF_INLINE ? thresholds
    : valueType === LEAF_INT16 ? new Int16Array(buffer, o + at.values, table) : new Int32Array(buffer, o + at.values, table);
  const base = new Int32Array(buffer, o + at.base, scoreCount);

  if (kind === KIND_SPARSE) {
    for (let i = 0; i < tableLength; i++) {
      const c = classes[i] < 0 ? ~classes[i] : classes[i];
      if (c >= scoreCount) fail('BAD_TREE', `leaf entry ${i} adds to score ${c}`);
    }
    if (tableLength > 0 && classes[tableLength - 1] >= 0) fail('BAD_TREE', 'the last leaf entry does not end a leaf');
  }
  for (let t = 0; t < treeCount; t++) {
    if (treeOutput[t] >= scoreCount || (kind !== KIND_ADD && treeOutput[t] !== 0)) fail('BAD_TREE', `tree ${t} adds to score ${treeOutput[t]}`);
    if (ensemble !== ENSEMBLE_BOOSTING && treeOutput[t] !== 0) fail('BAD_TREE', `tree ${t} output index must be 0`);
  }

  // Each tree's entries, in one pass over them in canonical pre-order. The stack holds the
  // ancestors of the entry being read (so its depth is the stack height) and whether their
  // left subtree is done. Every entry is read once: O(entries) time, O(MAX_TREE_DEPTH) memory.
  const leafMark = featureCount;
  const stack = new Uint32Array(MAX_TREE_DEPTH);
  const onRight = new Uint8Array(MAX_TREE_DEPTH);
  const weights = new Float64Array(MAX_TREE_DEPTH + 1);
  const bound = new Float64Array(scoreCount); // |base| + the most each tree can add
  for (let i = 0; i < scoreCount; i++) bound[i] = Math.abs(base[i]);
  let next = treeCount; // where the next tree's block starts
  let internal = 0;
  let leafCount = 0;
  let maxDepth = 0;
  for (let t = 0; t < treeCount; t++) {
    let largest = 0;
    let sp = 0;
    let n = t;
    if (features[t] < leafMark) {
      if (rootLeft[t] !== next) fail('BAD_TREE', `root ${t} has left child ${rootLeft[t]}, its tree starts at ${next}`);
      internal++;
      stack[0] = t;
      onRight[0] = 0;
      sp = 1;
      n = next;
    } else if (rootLeft[t] !== t) {
      fail('BAD_TREE', `leaf root ${t} has left link ${rootLeft[t]}`);
    }
    for (;;) {
      if (n >= entryCount) fail('BAD_TREE', `tree ${t} runs past the last entry`);
      const feature = features[n];
      if (feature < leafMark) {
        if (sp >= MAX_TREE_DEPTH) fail('TOO_LARGE', `tree ${t} is deeper than ${MAX_TREE_DEPTH}`);
        internal++;
        stack[sp] = n++;
        onRight[sp++] = 0;
        continue;
      }
      if (feature !== leafMark) fail('BAD_TREE', `entry ${n} tests feature ${feature}`);
      if (right[n] !== n) fail('BAD_TREE', `leaf ${n} does not link to itself`);
      const p = thresholds[n];
      if (kind === KIND_VOTE ? p < 0 || p >= scoreCount
        : kind === KIND_DENSE ? p < 0 || p > tableLength - width || p % width !== 0
          : kind === KIND_SPARSE ? (p < 0 ? ~p >= scoreCount : p >= tableLength) : false) {
        fail('BAD_TREE', `leaf ${n} has payload ${p}`);
      }
      if (Math.abs(p) > largest) largest = Math.abs(p);
      weights[sp] += 2 ** -sp;
      if (sp > maxDepth) maxDepth = sp;
      leafCount++;
      if (n === t) break; // a tree that is one leaf
      n++;
      // The subtree that ended is the left subtree of the nearest ancestor still on its left
      // side: its right subtree starts at n. Ancestors already on their right side are done.
      while (sp > 0 && onRight[sp - 1] === 1) sp--;
      if (sp === 0) break;
      const parent = stack[sp - 1];
      if (right[parent] !== n) fail('BAD_TREE', `node ${parent} has right child ${right[parent]}, expected ${n}`);
      onRight[sp - 1] = 1;
    }
    if (n !== t) next = n;
    bound[treeOutput[t]] += kind === KIND_ADD ? largest : 0;
  }
  if (next !== entryCount) fail('BAD_TREE', `${entryCount - next} entries belong to no tree`);
  checkNoOverflow(kind, treeCount, width, leaves, classes, unit, bound);

  const body: TreeBody = {
    ensemble, split, treeCount, featureCount, entryCount, internalNodeCount: internal, leafCount,
    leafEncoding: encoding, leafWidth: kind === KIND_SPARSE ? scoreCount : width, kind, unit,
    rootLeft, treeOutput, features, thresholds, right, leaves, classes, base, maxDepth,
  };
  return { body, shape: { weights } };
}

// Bounds every score by |base| + the most any tree can add to it. Additive leaves use each
// tree's largest payload (found above); votes add at most 1 per tree; dense rows and sparse
// entries use the largest value of a score over the whole table (and the unit), for every tree
// (looser, but cheap). This keeps int32 arithmetic exact in JavaScript and in C alike.
function checkNoOverflow(
  kind: number, treeCount: number, width: number, values: Int16Array | Int32Array, classes: Int16Array, unit: number,
  bound: Float64Array,
): void {
  if (kind === KIND_VOTE) {
    for (let i = 0; i < bound.length; i++) bound[i] += treeCount;
  } else if (kind === KIND_DENSE) {
    const largest = new Float64Array(width);
    for (let i = 0; i < values.length; i++) largest[i % width] = Math.max(largest[i % width], Math.abs(values[i]));
    for (let k = 0; k < width; k++) bound[k] += treeCount * largest[k];
  } else if (kind === KIND_SPARSE) {
    const largest = new Float64Array(bound.length).fill(Math.abs(unit));
    for (let i = 0; i < values.length; i++) {
      const c = classes[i] < 0 ? ~classes[i] : classes[i];
      largest[c] = Math.max(largest[c], Math.abs(values[i]));
    }
    for (let k = 0; k < bound.length; k++) bound[k] += treeCount * largest[k];
  }
  for (let i = 0; i < bound.length; i++) {
    if (bound[i] > 0x7fffffff) fail('OVERFLOW', `score ${i} could reach ${bound[i]}, beyond int32`);
  }
}
