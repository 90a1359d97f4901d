// The contract between the package loader and a model body (tree ensemble or int8 graph).
// An engine is built once at load time; run() is the hot path and must not allocate.

export const DTYPE_INT8 = 1;
export const DTYPE_INT16 = 2;

export const TASK_CLASSIFICATION = 1;
export const TASK_REGRESSION = 2;

/** Decoded INPUT section. Views point into the package bytes (no copies). */
export interface InputSpec {
  readonly dtype: number;            // DTYPE_INT8 (graphs) or DTYPE_INT16 (trees)
  readonly dims: readonly number[];  // 1..4 dims, row-major, e.g. [8, 8, 1] (H, W, C)
  readonly elementCount: number;     // product of dims
  readonly scales: Float32Array;     // 1 (per tensor) or elementCount (per feature) entries, > 0
  readonly zeroPoints: Int32Array;   // same length as scales
}

/** Decoded OUTPUT section. real score = (q - zeroPoint) * scale. */
export interface OutputSpec {
  readonly task: number;             // TASK_CLASSIFICATION or TASK_REGRESSION
  readonly postprocess: number;      // POST_* below: how a host turns scores into probabilities
  readonly classCount: number;       // 0 for regression
  readonly scoreCount: number;       // length of the score vector
  readonly scale: number;
  readonly zeroPoint: number;
  readonly labels: readonly string[];
}

export const POST_NONE = 0;
export const POST_SOFTMAX = 1;     // scores are logits
export const POST_SIGMOID = 2;     // one score: binary margin
export const POST_NORMALIZE = 3;   // scores are votes or proportions: divide by their sum
export const POST_PROBABILITY = 4; // scores are already probabilities (int8 softmax output)

export interface Engine {
  /** Quantized input: write it, then run(). */
  readonly input: Int8Array | Int16Array;
  /** Raw integer scores, OutputSpec.scoreCount of them, filled by run(). */
  readonly scores: Int32Array;
  /** Bytes of working memory the engine planned at load (activations, accumulators, input). */
  readonly arenaBytes: number;
  run(): void;
  /** Optional: run(), then the class index of the scores exactly as classOf(scores, output)
   * gives it, in one call (a native kernel that does both in C). Model.predict() is then this
   * function itself. */
  readonly classify?: () => number;
}
