// Tree ensemble evaluation: walk each tree over int16 features, accumulate int32 scores.
// Everything the walk touches was range-checked by parseTreeBody, so the loop has no checks.
import { Engine, InputSpec, OutputSpec } from '../engine';
import { ENSEMBLE_HARD_VOTE, SPLIT_LT, TreeBody, parseTreeBody } from './body';

export class TreeEngine implements Engine {
  readonly input: Int16Array;
  readonly scores: Int32Array;
  readonly arenaBytes: number;
  readonly body: TreeBody;

  constructor(bytes: Uint8Array, input: InputSpec, output: OutputSpec) {
    this.body = parseTreeBody(bytes, input, output);
    this.input = new Int16Array(input.elementCount);
    this.scores = new Int32Array(output.scoreCount);
    this.arenaBytes = this.input.byteLength + this.scores.byteLength;
  }

  run(): void {
    const { roots, treeOutput, nodes, leaves, leafWidth, treeCount, split, ensemble } = this.body;
    const x = this.input;
    const scores = this.scores;
    scores.set(this.body.base);
    const lessThan = split === SPLIT_LT;
    const hardVote = ensemble === ENSEMBLE_HARD_VOTE;
    for (let t = 0; t < treeCount; t++) {
      let leaf = roots[t];
      if (leaf >= 0) {
        let n = leaf << 2;
        // Two copies of the walk so the comparison is not re-decided at every node.
        if (lessThan) {
          for (;;) {
            const c = x[nodes[n]] < nodes[n + 1] ? nodes[n + 2] : nodes[n + 3];
            if (c <= 0) { leaf = -c; break; }
            n += c << 2;
          }
        } else {
          for (;;) {
            const c = x[nodes[n]] <= nodes[n + 1] ? nodes[n + 2] : nodes[n + 3];
            if (c <= 0) { leaf = -c; break; }
            n += c << 2;
          }
        }
      } else {
        leaf = ~leaf;
      }
      if (hardVote) {
        scores[leaves[leaf]]++;
      } else {
        const out = treeOutput[t];
        const from = leaf * leafWidth;
        for (let k = 0; k < leafWidth; k++) scores[out + k] += leaves[from + k];
      }
    }
  }
}
