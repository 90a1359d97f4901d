// ADD, int8 elementwise, same shape for both inputs and the output (no broadcasting)
// (TFLite reference_integer_ops::AddElementwise with the prepare of kernels/add.cc):
//   m = 2 * max(s1, s2)
//   a_k = MBQM((in_k - zp_k) << 20, QM(s_k / m))            k = 1, 2
//   out = clamp(MBQM(a_1 + a_2, QM(m / (2^20 * s_out))) + zp_out, actMin, actMax)
// All three real multipliers must be below 1 (QuantizeMultiplierSmallerThanOneExp).

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import { activation, activationRange, inputCount, opName, unusedFields } from './common';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../fixed-point';
import { fail } from '../../errors';

const LEFT_SHIFT = 20;

export interface AddState {
  readonly count: number;
  readonly in1Zp: number; readonly in2Zp: number; readonly outZp: number;
  readonly in1Mult: number; readonly in1Shift: number;
  readonly in2Mult: number; readonly in2Shift: number;
  readonly outMult: number; readonly outShift: number;
  readonly actMin: number; readonly actMax: number;
}

function smallerThanOne(real: number, what: string): { multiplier: number; shift: number } {
  if (!(real > 0 && real < 1)) fail('BAD_QUANT', `${what}: rescale factor ${real} must be in (0, 1)`);
  const qm = quantizeMultiplier(real, { multiplier: 0, shift: 0 });
  if (qm.shift > 0) fail('BAD_QUANT', `${what}: rescale factor ${real} rounds to 1`);
  return qm;
}

export const add: OpKernel<AddState> = {
  name: 'ADD',

  prepare(op: OpNode, graph: Graph): Prepared<AddState> {
    const what = opName(op, 'ADD');
    inputCount(op, 2, 2, what);
    unusedFields(op, what, false, false, false, true);
    const in1 = activation(graph, op.inputs[0], what);
    const in2 = activation(graph, op.inputs[1], what);
    const output = activation(graph, op.output, what);
    const same = (a: readonly number[], b: readonly number[]): boolean =>
      a.length === b.length && a.every((d, k) => d === b[k]);
    if (!same(in1.dims, in2.dims) || !same(in1.dims, output.dims)) {
      fail('BAD_SHAPE', `${what}: inputs and output must have the same shape`);
    }
    const twiceMax = 2 * (in1.scale > in2.scale ? in1.scale : in2.scale);
    const q1 = smallerThanOne(in1.scale / twiceMax, what);
    const q2 = smallerThanOne(in2.scale / twiceMax, what);
    const qo = smallerThanOne(twiceMax / ((1 << LEFT_SHIFT) * output.scale), what);
    const range = activationRange(op.activation, output.scale, output.zeroPoint, what);
    return {
      state: {
        count: output.elementCount,
        in1Zp: in1.zeroPoint, in2Zp: in2.zeroPoint, outZp: output.zeroPoint,
        in1Mult: q1.multiplier, in1Shift: q1.shift,
        in2Mult: q2.multiplier, in2Shift: q2.shift,
        outMult: qo.multiplier, outShift: qo.shift,
        actMin: range.min, actMax: range.max,
      },
      work: output.elementCount * 4,
      scratchBytes: 0,
    };
  },

  eval(s: AddState, b: OpBinding): void {
    const x1 = b.inputs[0], x2 = b.inputs[1];
    const out = b.output;
    const n = s.count;
    const zp1 = s.in1Zp, zp2 = s.in2Zp, outZp = s.outZp;
    const m1 = s.in1Mult, sh1 = s.in1Shift, m2 = s.in2Mult, sh2 = s.in2Shift;
    const mo = s.outMult, sho = s.outShift, actMin = s.actMin, actMax = s.actMax;
    for (let i = 0; i < n; i++) {
      const a1 = multiplyByQuantizedMultiplier((x1[i] - zp1) << LEFT_SHIFT, m1, sh1);
      const a2 = multiplyByQuantizedMultiplier((x2[i] - zp2) << LEFT_SHIFT, m2, sh2);
      const v = multiplyByQuantizedMultiplier((a1 + a2) | 0, mo, sho) + outZp;
      out[i] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  },
};
