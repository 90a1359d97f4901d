// The contract between the graph engine and a kernel set. A kernel set (this reference one in
// TypeScript, or a native one later) is an OpRegistry: opcode -> OpKernel.

import type { Graph, OpNode } from './format';

export type TensorView = Int8Array | Int32Array;

/** What prepare() computed once, at load time. */
export interface Prepared<S> {
  /** Kernel-private state: shapes, multipliers, shifts, activation range (typed arrays). */
  readonly state: S;
  /** Upper bound of inner-loop iterations per run (for the engine's work limit). */
  readonly work: number;
  /** Bytes of arena scratch the op needs during its eval (0 for none). */
  readonly scratchBytes: number;
}

/** Everything an eval step touches, built once after the arena is planned. */
export interface OpBinding {
  /** Views of the op's input tensors, in op order (arena views or constant views). */
  readonly inputs: readonly TensorView[];
  /** View of the op's int8 output tensor in the arena. */
  readonly output: Int8Array;
  /** The op's scratch bytes in the arena, 8-aligned (empty when it asked for none). */
  readonly scratch: Int8Array;
  /** A view of the whole arena (for copyWithin between tensors and scratch). */
  readonly arena: Int8Array;
}

export interface OpKernel<S = unknown> {
  readonly name: string;
  /**
   * True when the output holds the same bytes as input 0 (RESHAPE): the planner may give both
   * tensors one buffer, and eval must then work when output and input share memory.
   */
  readonly aliasesInput?: boolean;
  /** Validate shapes and quantization (throw ModelError), compute constants. Load time only. */
  prepare(op: OpNode, graph: Graph): Prepared<S>;
  /**
   * Optional, once at load after the arena is planned: make views the op needs besides its
   * binding (e.g. a Float64Array over its scratch) and keep them in its state.
   */
  bind?(state: S, binding: OpBinding): void;
  /** The hot loop. Must not allocate. */
  eval(state: S, binding: OpBinding): void;
  /**
   * Optional, once at load after bind: the op's eval as a function of no arguments, which the
   * engine then calls instead of eval (e.g. a native function bound to its buffers: one call per
   * op), or null when eval would do nothing with this binding (RESHAPE in place), so the engine
   * skips the op. The function must not allocate either.
   */
  step?(state: S, binding: OpBinding): (() => void) | null;
}

/** opcode -> kernel. */
export interface OpRegistry {
  readonly [opcode: number]: OpKernel<any> | undefined;
}
