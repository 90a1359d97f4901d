// An optimized tree walk (e.g. native C, firmware/platform/moddable/native-trees.ts) that a
// platform may provide in place of the reference walk (walkers.ts). The engine hands it a body
// parseTreeBody validated; the kernel checks nothing per inference.

import type { OutputSpec } from '../engine';
import type { TreeBody } from './body';

export interface TreeKernel {
  /** Called once at load. The returned run sets `scores` to the body's base scores plus what
   * every tree's leaf for `input` adds: exactly the reference walk's scores, bit for bit; and
   * returns the class index of those scores exactly as classOf(scores, output) gives it (ties
   * to the first, one score against the zero point, -1 for regression). It is the engine's
   * `classify` and so Model.predict() itself. */
  prepare(body: TreeBody, input: Int16Array, scores: Int32Array, output: OutputSpec): () => number;
}
