// RESHAPE (e.g. flatten before FULLY_CONNECTED): same int8 values, new shape. Element counts,
// scale and zero point must match. The engine lets the output share the input's arena bytes
// (aliasesInput), and eval is then a no-op that the engine skips (step null); with separate
// buffers it copies (TypedArray.set).

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import { activation, inputCount, opName, sameQuant, unusedFields } from './common';
import { fail } from '../../errors';

export interface ReshapeState {
  readonly count: number;
}

export const reshape: OpKernel<ReshapeState> = {
  name: 'RESHAPE',
  aliasesInput: true,

  prepare(op: OpNode, graph: Graph): Prepared<ReshapeState> {
    const what = opName(op, 'RESHAPE');
    inputCount(op, 1, 1, what);
    unusedFields(op, what, false, false, false, false);
    const input = activation(graph, op.inputs[0], what);
    const output = activation(graph, op.output, what);
    if (input.elementCount !== output.elementCount) {
      fail('BAD_SHAPE', `${what}: ${input.elementCount} elements cannot become ${output.elementCount}`);
    }
    sameQuant(input, output, what);
    return { state: { count: output.elementCount }, work: output.elementCount, scratchBytes: 0 };
  },

  eval(_s: ReshapeState, b: OpBinding): void {
    const x = b.inputs[0] as Int8Array;
    const out = b.output;
    if (x.buffer !== out.buffer || x.byteOffset !== out.byteOffset) out.set(x);
  },

  step(_s: ReshapeState, b: OpBinding): (() => void) | null {
    const x = b.inputs[0] as Int8Array;
    const out = b.output;
    return x.buffer === out.buffer && x.byteOffset === out.byteOffset ? null : () => { out.set(x); };
  },
};
