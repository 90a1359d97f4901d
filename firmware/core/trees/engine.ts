// Tree ensemble evaluation: walk each tree over int16 features, accumulate int32 scores.
// Everything the walk touches was range-checked by parseTreeBody, so the loop has no checks.
//
// XS is an interpreter and counts every bytecode, so the walk is shaped for it: links are
// absolute node indices (no index arithmetic), and the first `minDepth[t]` steps of tree t,
// which cannot reach a leaf, run unrolled without the leaf test (the switch falls through
// on purpose: entering at case k runs k steps).
import { Engine, InputSpec, OutputSpec } from '../engine';
import { ENSEMBLE_HARD_VOTE, SPLIT_LT, TreeBody, parseTreeBody } from './body';

export class TreeEngine implements Engine {
  readonly input: Int16Array;
  readonly scores: Int32Array;
  readonly arenaBytes: number;
  readonly body: TreeBody;
  /** Internal nodes on the shortest root-to-leaf path of each tree, at most 255. */
  readonly minDepth: Uint8Array;

  constructor(bytes: Uint8Array, input: InputSpec, output: OutputSpec) {
    this.body = parseTreeBody(bytes, input, output);
    this.input = new Int16Array(input.elementCount);
    this.scores = new Int32Array(output.scoreCount);
    this.minDepth = shortestPaths(this.body);
    this.arenaBytes = this.input.byteLength + this.scores.byteLength + this.minDepth.byteLength;
  }

  run(): void {
    this.scores.set(this.body.base);
    if (this.body.split === SPLIT_LT) this.#runLess();
    else this.#runLessOrEqual();
  }

  // The two runs differ only in `<` versus `<=`. They are written out twice, with the
  // per-tree bookkeeping inlined, because in XS every bytecode of this loop is paid per node
  // or per tree; a shared helper or a comparison flag would cost more than the whole walk.
  #runLess(): void {
    const { roots, treeOutput: outputs, leaves, leafWidth: width, treeCount, features: f, thresholds: th, left: l, right: r } = this.body;
    const x = this.input;
    const scores = this.scores;
    const depth = this.minDepth;
    const hardVote = this.body.ensemble === ENSEMBLE_HARD_VOTE;
    for (let t = 0; t < treeCount; t++) {
      let n = roots[t];
      if (n >= 0) {
        switch (depth[t]) {
          default: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 7: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 6: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 5: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 4: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 3: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 2: n = x[f[n]] < th[n] ? l[n] : r[n];
          case 1: n = x[f[n]] < th[n] ? l[n] : r[n];
        }
        while (n > 0) n = x[f[n]] < th[n] ? l[n] : r[n];
        n = -n;
      } else {
        n = ~n;
      }
      if (width === 1) {
        if (hardVote) scores[leaves[n]]++;
        else scores[outputs[t]] += leaves[n];
      } else {
        for (let k = 0, from = n * width; k < width; k++) scores[k] += leaves[from + k];
      }
    }
  }

  #runLessOrEqual(): void {
    const { roots, treeOutput: outputs, leaves, leafWidth: width, treeCount, features: f, thresholds: th, left: l, right: r } = this.body;
    const x = this.input;
    const scores = this.scores;
    const depth = this.minDepth;
    const hardVote = this.body.ensemble === ENSEMBLE_HARD_VOTE;
    for (let t = 0; t < treeCount; t++) {
      let n = roots[t];
      if (n >= 0) {
        switch (depth[t]) {
          default: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 7: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 6: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 5: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 4: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 3: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 2: n = x[f[n]] <= th[n] ? l[n] : r[n];
          case 1: n = x[f[n]] <= th[n] ? l[n] : r[n];
        }
        while (n > 0) n = x[f[n]] <= th[n] ? l[n] : r[n];
        n = -n;
      } else {
        n = ~n;
      }
      if (width === 1) {
        if (hardVote) scores[leaves[n]]++;
        else scores[outputs[t]] += leaves[n];
      } else {
        for (let k = 0, from = n * width; k < width; k++) scores[k] += leaves[from + k];
      }
    }
  }
}

/** Shortest path (in internal nodes) from each root; links point forward, so one backward pass. */
function shortestPaths(body: TreeBody): Uint8Array {
  const { left, right, roots } = body;
  const depth = new Uint8Array(left.length);
  for (let n = left.length - 1; n >= 0; n--) {
    const l = left[n] > 0 ? depth[left[n]] : 0;
    const r = right[n] > 0 ? depth[right[n]] : 0;
    depth[n] = Math.min(255, 1 + Math.min(l, r));
  }
  const out = new Uint8Array(roots.length);
  for (let t = 0; t < roots.length; t++) out[t] = roots[t] >= 0 ? depth[roots[t]] : 0;
  return out;
}
