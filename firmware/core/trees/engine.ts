// Tree ensemble evaluation: walk each tree over int16 features, accumulate int32 scores.
// Everything the walk touches was range-checked by parseTreeBody, so the walks have no checks.
//
// XS is an interpreter that meters every bytecode, so the walk is shaped for it (walkers.ts):
// a step is one expression, `n = x[f[n]] < th[n] ? n + 1 : r[n]`, with no leaf test. Leaves
// loop on themselves, so a walk may take a fixed number of steps: exactly the model's depth
// when it is small, else chunks of steps between leaf tests. Which walk runs is chosen once,
// here, from the leaf depths the loader saw. A platform may provide a TreeKernel (kernel.ts)
// that replaces the whole run, e.g. the native C walk on the device.
import { Engine, InputSpec, OutputSpec } from '../engine';
import { KIND_ADD, KIND_DENSE, MAX_TREE_DEPTH, TreeBody, TreeShape, parseTreeBody } from './body';
import type { TreeKernel } from './kernel';
import { WalkState } from './walk-state';
import { CHUNK, DENSE, MAX_EXACT_DEPTH, WALKERS, denseAny } from './walkers';

// Rough XS computrons, for choosing a walk: a step that moves, a step that stays on a leaf
// (reading past the input is a little dearer), and a leaf test of the chunked walk.
const STEP = 21;
const STAY = 25;
const TEST = 12;

export class TreeEngine implements Engine, WalkState {
  readonly input: Int16Array;
  readonly scores: Int32Array;
  readonly arenaBytes: number;
  readonly body: TreeBody;
  // WalkState
  readonly x: Int16Array;
  readonly f: Uint8Array | Uint16Array;
  readonly th: Int16Array | Int32Array;
  readonly r: Uint16Array | Uint32Array;
  readonly rl: Uint16Array | Uint32Array;
  readonly leaf: number;
  readonly trees: number;
  readonly runs: Uint16Array;
  readonly runStart: Uint32Array;
  readonly width: number;
  readonly values: Int16Array | Int32Array;
  readonly classes: Int16Array;
  readonly unit: number;
  readonly hits: Int32Array;
  readonly rows: readonly (Int16Array | Int32Array)[];
  #steps = 0;
  readonly #base: Int32Array;
  readonly #accumulate: (() => void) | undefined;
  /** The walk of every tree, then (dense rows) the accumulator. */
  #run: () => void;
  /** The kernel's run (base included) that also gives the class, when a kernel was given. */
  readonly classify: (() => number) | undefined;

  constructor(bytes: Uint8Array, input: InputSpec, output: OutputSpec, kernel?: TreeKernel) {
    const { body, shape } = parseTreeBody(bytes, input, output);
    this.body = body;
    this.input = new Int16Array(input.elementCount);
    this.scores = new Int32Array(output.scoreCount);
    this.x = this.input;
    this.f = body.features;
    this.th = body.thresholds;
    this.r = body.right;
    this.rl = body.rootLeft;
    this.leaf = body.featureCount;
    this.trees = body.treeCount;
    this.width = body.leafWidth;
    this.values = body.leaves;
    this.classes = body.classes;
    this.unit = body.unit;
    // Runs of trees adding to the same score (the serializer sorts boosting trees by class).
    let runCount = body.kind === KIND_ADD ? 1 : 0;
    const out = body.treeOutput;
    if (runCount) for (let t = 1; t < out.length; t++) if (out[t] !== out[t - 1]) runCount++;
    this.runs = new Uint16Array(runCount);
    this.runStart = new Uint32Array(runCount + 1);
    for (let t = 0, i = 0; runCount && t < out.length; t++) {
      if (t > 0 && out[t] !== out[t - 1]) this.runStart[++i] = t;
      this.runs[i] = out[t];
    }
    this.runStart[runCount] = out.length;
    const dense = body.kind === KIND_DENSE;
    this.hits = new Int32Array(dense ? body.treeCount : 0);
    this.rows = dense ? Array.from({ length: this.width }, (_, k) => this.values.subarray(k)) : [];
    this.#accumulate = dense ? (DENSE[this.width - 1] ?? denseAny)(this) : undefined;
    this.#base = body.base;
    this.#run = nothing;
    this.useSteps(chooseSteps(body.maxDepth, shape));
    this.classify = kernel?.prepare(body, this.input, this.scores, output);
    this.arenaBytes = this.input.byteLength + this.scores.byteLength + this.runs.byteLength + this.runStart.byteLength + this.hits.byteLength;
  }

  /** Steps of each walk, or 0 for chunks with leaf tests. */
  get steps(): number {
    return this.#steps;
  }

  /** Walks every tree in exactly `steps` steps (at least the depth of the model, at most
   * MAX_EXACT_DEPTH), or 0: chunks of steps between leaf tests. For tests and benchmarks;
   * the engine picks the cheaper walk at load. */
  useSteps(steps: number): void {
    if (steps !== 0 && (!Number.isInteger(steps) || steps < Math.max(1, this.body.maxDepth) || steps > MAX_EXACT_DEPTH)) {
      throw new RangeError(`${steps} steps for trees of depth ${this.body.maxDepth}`);
    }
    this.#steps = steps;
    const walk = WALKERS[this.body.kind][this.body.split][steps === 0 ? MAX_EXACT_DEPTH : steps - 1](this);
    const accumulate = this.#accumulate;
    this.#run = accumulate ? () => { walk(); accumulate(); } : walk;
  }

  run(): void {
    if (this.classify) {
      this.classify();
      return;
    }
    this.scores.set(this.#base);
    this.#run();
  }
}

function nothing(): void {}

/** Exact walks of `maxDepth` steps, unless chunks with leaf tests cost less on these trees. */
function chooseSteps(maxDepth: number, shape: TreeShape): number {
  const depth = Math.max(1, maxDepth);
  if (depth > MAX_EXACT_DEPTH) return 0;
  let exact = 0;
  let chunked = 0;
  // A leaf at depth d is reached with weight 2^-d (splits taken as even).
  for (let d = 0; d <= Math.min(maxDepth, MAX_TREE_DEPTH); d++) {
    const w = shape.weights[d];
    if (w === 0) continue;
    exact += w * (d * STEP + (depth - d) * STAY);
    const chunks = d <= 1 ? 0 : Math.ceil((d - 1) / CHUNK);
    const taken = 1 + chunks * CHUNK;
    chunked += w * (Math.min(d, taken) * STEP + Math.max(0, taken - d) * STAY + (chunks + 1) * TEST);
  }
  return exact <= chunked ? depth : 0;
}
