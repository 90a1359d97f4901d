// FULLY_CONNECTED, int8 with per-channel (per output unit) or per-tensor weights
// (TFLite reference_integer_ops::FullyConnected / FullyConnectedPerChannel), batch 1.
// Filter [units, inUnits]; the input is read flat (any shape with inUnits elements).
//
// out[u] = clamp(zpOut + MBQM(bias[u] + sum_i w[u, i] * (in[i] - zpIn)), actMin, actMax)
//
// As in CONV_2D the input offset is folded into the bias at load and each unit is a dot
// product of a weight row view with the input, one index for both, unrolled by 16.

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import {
  activation, activationRange, bias, channelRequant, foldRows, inputCount, opName, unusedFields, weights,
} from './common';
import type { Requant } from './common';
import { requantizeSlow } from '../fixed-point';
import { fail } from '../../errors';

export interface FullyConnectedState {
  readonly units: number;
  readonly inUnits: number;
  readonly outZp: number;
  readonly actMin: number;
  readonly actMax: number;
  readonly rows: readonly Int8Array[];
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
}

export const fullyConnected: OpKernel<FullyConnectedState> = {
  name: 'FULLY_CONNECTED',

  prepare(op: OpNode, graph: Graph): Prepared<FullyConnectedState> {
    const what = opName(op, 'FULLY_CONNECTED');
    inputCount(op, 2, 3, what);
    unusedFields(op, what, false, false, false, true);
    const input = activation(graph, op.inputs[0], what);
    const output = activation(graph, op.output, what);
    const filter = weights(graph, op.inputs[1], 0, what);
    const fd = filter.dims;
    if (fd.length !== 2) fail('BAD_SHAPE', `${what}: filter must be [units, inUnits]`);
    const [units, inUnits] = fd;
    if (input.elementCount !== inUnits) {
      fail('BAD_SHAPE', `${what}: input has ${input.elementCount} elements, filter takes ${inUnits}`);
    }
    const od = output.dims;
    if (output.elementCount !== units || od[od.length - 1] !== units) {
      fail('BAD_SHAPE', `${what}: output must be [1, ${units}], is [${od.join(', ')}]`);
    }
    const b = bias(graph, op, 2, units, what);
    const rows: Int8Array[] = [];
    const biasFolded = new Int32Array(units);
    foldRows(filter.data as Int8Array, units, inUnits, b, input.zeroPoint, rows, biasFolded);
    const rq = channelRequant(input.scale, filter, output.scale, units, what);
    const range = activationRange(op.activation, output.scale, output.zeroPoint, what);
    return {
      state: {
        units, inUnits, outZp: output.zeroPoint, actMin: range.min, actMax: range.max,
        rows, biasFolded, rq,
      },
      work: units * inUnits,
      scratchBytes: 0,
    };
  },

  eval(s: FullyConnectedState, b: OpBinding): void {
    const x = b.inputs[0];
    const out = b.output;
    const units = s.units, K = s.inUnits, K16 = K & ~15;
    const tail8 = (K & 8) !== 0;
    const outZp = s.outZp, actMin = s.actMin, actMax = s.actMax;
    const rows = s.rows, biasFolded = s.biasFolded;
    const rq = s.rq, mult = rq.mult, left = rq.left, inv = rq.inv, hasLeft = rq.hasLeft;
    const tail4 = (K & 4) !== 0;
    for (let u = 0; u < units; u++) {
      const w = rows[u];
      let acc = 0;
      let i = 0;
      for (; i < K16; i += 16) {
        acc += w[i] * x[i] + w[i + 1] * x[i + 1] + w[i + 2] * x[i + 2] + w[i + 3] * x[i + 3] +
          w[i + 4] * x[i + 4] + w[i + 5] * x[i + 5] + w[i + 6] * x[i + 6] + w[i + 7] * x[i + 7] +
          w[i + 8] * x[i + 8] + w[i + 9] * x[i + 9] + w[i + 10] * x[i + 10] + w[i + 11] * x[i + 11] +
          w[i + 12] * x[i + 12] + w[i + 13] * x[i + 13] + w[i + 14] * x[i + 14] + w[i + 15] * x[i + 15];
      }
      if (tail8) {
        acc += w[i] * x[i] + w[i + 1] * x[i + 1] + w[i + 2] * x[i + 2] + w[i + 3] * x[i + 3] +
          w[i + 4] * x[i + 4] + w[i + 5] * x[i + 5] + w[i + 6] * x[i + 6] + w[i + 7] * x[i + 7];
        i += 8;
      }
      if (tail4) {
        acc += w[i] * x[i] + w[i + 1] * x[i + 1] + w[i + 2] * x[i + 2] + w[i + 3] * x[i + 3];
        i += 4;
      }
      for (; i < K; i++) acc += w[i] * x[i];
      // MultiplyByQuantizedMultiplier, inlined; exact fast path for |a| < 2^21 (fixed-point.ts)
      let a = (acc + biasFolded[u]) | 0;
      if (hasLeft) a <<= left[u];
      let v: number;
      if (a >= 0) {
        v = a < 2097152 ? ((((a * mult[u] + 1073741824) / 2147483648) | 0) * inv[u] + 0.5) | 0
          : requantizeSlow(a, mult[u], inv[u]);
      } else {
        v = a > -2097152 ? ((((a * mult[u] - 1073741823) / 2147483648) | 0) * inv[u] - 0.5) | 0
          : requantizeSlow(a, mult[u], inv[u]);
      }
      v += outZp;
      out[u] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  },
};
