// SOFTMAX, int8 -> int8 with beta = 1 (TFLite reference_ops::Softmax for quantized types, with
// the prepare of kernels/softmax.cc). The output has scale 1/256 and zero point -128.
// Along the last dimension (depth D), for each row:
//   diff[c] = in[c] - max(row); terms with diff < diffMin are 0 (output -128)
//   e[c] = exp_on_negative_values(Q5.26 <- SRDHM(diff[c] << inputLeftShift, inputMultiplier))
//   sum = sum of RoundingDivideByPOT(e[c], 12)            (Q12.19)
//   (scale, bitsOverUnit) = GetReciprocal(sum, 12)
//   out[c] = clamp(RoundingDivideByPOT(SRDHM(scale, e[c]), bitsOverUnit + 23) - 128, -128, 127)

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import { activation, inputCount, opName, unusedFields } from './common';
import {
  expOnNegativeValuesQ5, getReciprocal, quantizeMultiplier, roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../fixed-point';
import type { QuantizedMultiplier } from '../fixed-point';
import { fail } from '../../errors';

/** Longest softmax row: the sum of exps (each <= 2^19) must stay below 2^31. */
export const MAX_SOFTMAX_DEPTH = 4095;

const SCALED_DIFF_INTEGER_BITS = 5;
const ACCUMULATION_INTEGER_BITS = 12;

export interface SoftmaxState {
  readonly rows: number;
  readonly depth: number;
  readonly inputMultiplier: number;
  readonly inputLeftShift: number;
  readonly diffMin: number;
  readonly recip: QuantizedMultiplier; // reused holder for GetReciprocal's two results
  /**
   * Per d = max(row) - x in 0..255: the term e = exp_on_negative_values(...) and
   * RoundingDivideByPOT(e, 12), computed at prepare with the very functions the formula names
   * (0 for both when -d < diffMin: such terms add nothing and output -128, as e = 0 does).
   */
  readonly expTable: Int32Array;
  readonly sumTable: Int32Array;
}

export const softmax: OpKernel<SoftmaxState> = {
  name: 'SOFTMAX',

  prepare(op: OpNode, graph: Graph): Prepared<SoftmaxState> {
    const what = opName(op, 'SOFTMAX');
    inputCount(op, 1, 1, what);
    unusedFields(op, what, false, false, false, false);
    const input = activation(graph, op.inputs[0], what);
    const output = activation(graph, op.output, what);
    const id = input.dims, od = output.dims;
    if (id.length !== od.length || id.some((d, k) => d !== od[k])) {
      fail('BAD_SHAPE', `${what}: output shape must equal the input shape`);
    }
    if (output.scale !== 1 / 256 || output.zeroPoint !== -128) {
      fail('BAD_QUANT', `${what}: int8 softmax output must have scale 1/256 and zero point -128`);
    }
    const depth = id[id.length - 1];
    if (depth > MAX_SOFTMAX_DEPTH) fail('TOO_LARGE', `${what}: depth ${depth} > ${MAX_SOFTMAX_DEPTH}`);
    // PreprocessSoftmaxScaling(beta = 1, input scale, 5): multiplier > 1 required
    let real = input.scale * (1 << (31 - SCALED_DIFF_INTEGER_BITS));
    if (real > 2147483647) real = 2147483647;
    if (!(real > 1)) fail('BAD_QUANT', `${what}: input scale ${input.scale} is too small for int8 softmax`);
    const qm = quantizeMultiplier(real, { multiplier: 0, shift: 0 });
    // CalculateInputRadius(5, leftShift, 31)
    const radius = Math.floor((((1 << SCALED_DIFF_INTEGER_BITS) - 1) * 2 ** (31 - SCALED_DIFF_INTEGER_BITS)) / 2 ** qm.shift);
    const expTable = new Int32Array(256);
    const sumTable = new Int32Array(256);
    for (let d = 0; d < 256; d++) {
      if (-d < -radius) continue;
      const e = expOnNegativeValuesQ5(saturatingRoundingDoublingHighMul((-d) << qm.shift, qm.multiplier));
      expTable[d] = e;
      sumTable[d] = roundingDivideByPOT(e, ACCUMULATION_INTEGER_BITS);
    }
    return {
      state: {
        rows: input.elementCount / depth,
        depth,
        inputMultiplier: qm.multiplier,
        inputLeftShift: qm.shift,
        diffMin: -radius,
        recip: { multiplier: 0, shift: 0 },
        expTable, sumTable,
      },
      work: input.elementCount * 2,
      scratchBytes: 0,
    };
  },

  eval(s: SoftmaxState, b: OpBinding): void {
    const x = b.inputs[0];
    const out = b.output;
    const depth = s.depth, rows = s.rows;
    const expTable = s.expTable, sumTable = s.sumTable;
    const recip = s.recip;
    for (let r = 0, base = 0; r < rows; r++, base += depth) {
      const end = base + depth;
      let max = -128;
      for (let i = base; i < end; i++) if (x[i] > max) max = x[i];
      let sum = 0;
      for (let i = base; i < end; i++) sum += sumTable[max - x[i]];
      getReciprocal(sum | 0, ACCUMULATION_INTEGER_BITS, recip);
      const scale = recip.multiplier;
      const exponent = recip.shift + 31 - 8;
      for (let i = base; i < end; i++) {
        const e = expTable[max - x[i]];
        // exponent is at most 31 while sum < 2^28 (depth <= 511); beyond that the exact
        // quotient p / 2^exponent (p < 2^31) rounds to 0. e = 0 gives -128.
        let v = e === 0 ? -128
          : (exponent > 31 ? 0 : roundingDivideByPOT(saturatingRoundingDoublingHighMul(scale, e), exponent)) - 128;
        if (v > 127) v = 127;
        out[i] = v;
      }
    }
  },
};
