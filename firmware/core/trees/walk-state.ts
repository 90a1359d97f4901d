// What a tree walker (walkers.ts) reads: the typed-array views of the body, and the few
// per-tree tables and buffers the engine made at load.

export interface WalkState {
  /** Quantized input. Reading x[leaf] (one past the end) gives undefined: a leaf's test is false. */
  readonly x: Int16Array;
  /** Per entry: the feature tested, or `leaf` (the feature count) for a leaf. */
  readonly f: Uint8Array | Uint16Array;
  /** Per entry: the threshold of an internal node, or the payload of a leaf. */
  readonly th: Int16Array | Int32Array;
  /** Per entry: the right child of an internal node; a leaf links to itself. */
  readonly r: Uint16Array | Uint32Array;
  /** Per tree: the left child of its root (entry t); a leaf root links to itself. */
  readonly rl: Uint16Array | Uint32Array;
  /** The feature count: the feature of every leaf entry. */
  readonly leaf: number;
  readonly trees: number;
  /** Additive leaves: trees [runStart[i], runStart[i + 1]) all add to score runs[i]. */
  readonly runs: Uint16Array;
  readonly runStart: Uint32Array;
  /** Dense leaves: values per row. */
  readonly width: number;
  /** Dense leaves: the row offset of each tree's leaf, left by the walk for the accumulator. */
  readonly hits: Int32Array;
  /** Dense leaves: rows[k] is `values` from its k-th value on, so rows[k][o] is value k of row o. */
  readonly rows: readonly (Int16Array | Int32Array)[];
  /** Dense rows, or the values of sparse entries. */
  readonly values: Int16Array | Int32Array;
  /** Sparse leaves: the value a leaf of negative payload p adds to score ~p. */
  readonly unit: number;
  /** Sparse entries: the class, complemented (~c, negative) on a leaf's last entry. */
  readonly classes: Int16Array;
  readonly scores: Int32Array;
}
