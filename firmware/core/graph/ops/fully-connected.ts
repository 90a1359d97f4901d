// FULLY_CONNECTED, int8 with per-channel (per output unit) or per-tensor weights
// (TFLite reference_integer_ops::FullyConnected / FullyConnectedPerChannel), batch 1.
// Filter [units, inUnits]; the input is read flat (any shape with inUnits elements).
//
// out[u] = clamp(zpOut + MBQM(bias[u] + sum_i w[u, i] * (in[i] - zpIn)), actMin, actMax)
//
// As in CONV_2D the input offset is folded into the bias at load. Units are done eight (then
// four, two, one) at a time: each chunk of 16 inputs is read once into locals and multiplied with
// the units' weights, read through 16 views of the weights shifted by 0..15 (one index per unit,
// no index arithmetic). The sums of products are exact doubles (|sum| < 2^24 * 2^14); they are
// kept in `sums`, then requantized in one loop: with the single-rounding form of fastRequant
// (common.ts) when prepare proved every unit's accumulator within 2^20, else with the
// int32-wrapping general form. Small weight matrices (classifier heads) take the packed path of
// dense-packed.ts instead: two units per multiply-add, weights copied to RAM as doubles.

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import {
  accumulatorRange, activation, activationRange, bias, channelRequant, fastRequant, foldRows, inputCount, opName,
  unusedFields, weights,
} from './common';
import type { FastRequant, Requant } from './common';
import { requantizeSlow } from '../fixed-point';
import { packedDenseSums, preparePackedDense } from './dense-packed';
import type { PackedDense } from './dense-packed';
import { fail } from '../../errors';

export interface FullyConnectedState {
  readonly units: number;
  readonly inUnits: number;
  readonly inZp: number;
  readonly outZp: number;
  readonly actMin: number;
  readonly actMax: number;
  readonly rows: readonly Int8Array[];
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
  /** Single-rounding requantization when provably exact for every unit, else null. */
  readonly fast: FastRequant | null;
  /** The weights [units * inUnits] and 16 views of them shifted by 0..15 (into the package). */
  readonly w: Int8Array;
  readonly wv: readonly Int8Array[];
  /** Two units per multiply-add (dense-packed.ts) for small weight matrices, else null. */
  readonly packed: PackedDense | null;
  /** Sums of products per unit (no bias), filled by eval. */
  readonly sums: Float64Array;
  /** Bind time: 16 views of the input shifted by 0..15. */
  xv: Int8Array[];
}

/** A validated FULLY_CONNECTED op before any packing: what the native kernel needs too (native-params.ts). */
export interface FullyConnectedLayer {
  readonly units: number;
  readonly inUnits: number;
  readonly inZp: number;
  readonly outZp: number;
  readonly actMin: number;
  readonly actMax: number;
  /** The weights [units * inUnits] (a view into the package), per-unit rows and the bias. */
  readonly w: Int8Array;
  readonly rows: readonly Int8Array[];
  readonly bias: Int32Array;
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
}

/** Validates a FULLY_CONNECTED op (throws ModelError) and computes its folded bias and requantization. */
export function fullyConnectedLayer(op: OpNode, graph: Graph): FullyConnectedLayer {
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
  const w = filter.data as Int8Array;
  foldRows(w, units, inUnits, b, input.zeroPoint, rows, biasFolded);
  const rq = channelRequant(input.scale, filter, output.scale, units, what);
  const range = activationRange(op.activation, output.scale, output.zeroPoint, what);
  return {
    units, inUnits, inZp: input.zeroPoint, outZp: output.zeroPoint, actMin: range.min, actMax: range.max,
    w, rows, bias: b, biasFolded, rq,
  };
}

export const fullyConnected: OpKernel<FullyConnectedState> = {
  name: 'FULLY_CONNECTED',

  prepare(op: OpNode, graph: Graph): Prepared<FullyConnectedState> {
    const layer = fullyConnectedLayer(op, graph);
    const { units, inUnits, w, rows, bias: b, biasFolded, rq } = layer;
    const wv: Int8Array[] = [];
    for (let k = 0; k < 16; k++) wv.push(w.subarray(k < w.length ? k : w.length));
    const accMin = new Float64Array(units), accMax = new Float64Array(units);
    const r = new Float64Array(2);
    for (let u = 0; u < units; u++) {
      accumulatorRange(w, u * inUnits, inUnits, 1, b[u], layer.inZp, r);
      accMin[u] = r[0];
      accMax[u] = r[1];
    }
    return {
      state: {
        units, inUnits, inZp: layer.inZp, outZp: layer.outZp, actMin: layer.actMin, actMax: layer.actMax,
        rows, biasFolded, rq, fast: fastRequant(rq, accMin, accMax), w, wv, sums: new Float64Array(units), xv: [],
        packed: preparePackedDense(w, units, inUnits),
      },
      work: units * inUnits,
      scratchBytes: 0,
    };
  },

  bind(s: FullyConnectedState, b: OpBinding): void {
    const x = b.inputs[0];
    const views: Int8Array[] = [];
    for (let k = 0; k < 16; k++) {
      const at = k < x.length ? k : x.length;
      views.push(new Int8Array(x.buffer, x.byteOffset + at, x.length - at));
    }
    s.xv = views;
  },

  eval(s: FullyConnectedState, b: OpBinding): void {
    const x = b.inputs[0] as Int8Array;
    if (s.packed !== null) {
      packedDenseSums(s.packed, x, s.xv, s.sums);
      requantizeAll(s, b.output);
      return;
    }
    const units = s.units, K = s.inUnits, K16 = K & ~15;
    const w = s.w, sums = s.sums;
    const wv = s.wv, xv = s.xv;
    const W0 = wv[0], W1 = wv[1], W2 = wv[2], W3 = wv[3], W4 = wv[4], W5 = wv[5], W6 = wv[6], W7 = wv[7],
      W8 = wv[8], W9 = wv[9], W10 = wv[10], W11 = wv[11], W12 = wv[12], W13 = wv[13], W14 = wv[14], W15 = wv[15];
    const X0 = xv[0], X1 = xv[1], X2 = xv[2], X3 = xv[3], X4 = xv[4], X5 = xv[5], X6 = xv[6], X7 = xv[7],
      X8 = xv[8], X9 = xv[9], X10 = xv[10], X11 = xv[11], X12 = xv[12], X13 = xv[13], X14 = xv[14], X15 = xv[15];
    let x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, x6 = 0, x7 = 0,
      x8 = 0, x9 = 0, x10 = 0, x11 = 0, x12 = 0, x13 = 0, x14 = 0, x15 = 0;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    let j0 = 0, j1 = 0, j2 = 0, j3 = 0, j4 = 0, j5 = 0, j6 = 0, j7 = 0, i = 0, u = 0;
    // eight units at a time: each input chunk of 16 is read once into locals
    for (; u + 8 <= units; u += 8) {
      j0 = u * K; j1 = j0 + K; j2 = j1 + K; j3 = j2 + K; j4 = j3 + K; j5 = j4 + K; j6 = j5 + K; j7 = j6 + K;
      a0 = 0; a1 = 0; a2 = 0; a3 = 0; a4 = 0; a5 = 0; a6 = 0; a7 = 0;
      for (i = 0; i < K16; i += 16) {
        x0 = X0[i]; x1 = X1[i]; x2 = X2[i]; x3 = X3[i]; x4 = X4[i]; x5 = X5[i]; x6 = X6[i]; x7 = X7[i];
        x8 = X8[i]; x9 = X9[i]; x10 = X10[i]; x11 = X11[i]; x12 = X12[i]; x13 = X13[i]; x14 = X14[i]; x15 = X15[i];
        a0 += W0[j0] * x0 + W1[j0] * x1 + W2[j0] * x2 + W3[j0] * x3 + W4[j0] * x4 + W5[j0] * x5 + W6[j0] * x6 +
          W7[j0] * x7 + W8[j0] * x8 + W9[j0] * x9 + W10[j0] * x10 + W11[j0] * x11 +
          W12[j0] * x12 + W13[j0] * x13 + W14[j0] * x14 + W15[j0] * x15;
        a1 += W0[j1] * x0 + W1[j1] * x1 + W2[j1] * x2 + W3[j1] * x3 + W4[j1] * x4 + W5[j1] * x5 + W6[j1] * x6 +
          W7[j1] * x7 + W8[j1] * x8 + W9[j1] * x9 + W10[j1] * x10 + W11[j1] * x11 +
          W12[j1] * x12 + W13[j1] * x13 + W14[j1] * x14 + W15[j1] * x15;
        a2 += W0[j2] * x0 + W1[j2] * x1 + W2[j2] * x2 + W3[j2] * x3 + W4[j2] * x4 + W5[j2] * x5 + W6[j2] * x6 +
          W7[j2] * x7 + W8[j2] * x8 + W9[j2] * x9 + W10[j2] * x10 + W11[j2] * x11 +
          W12[j2] * x12 + W13[j2] * x13 + W14[j2] * x14 + W15[j2] * x15;
        a3 += W0[j3] * x0 + W1[j3] * x1 + W2[j3] * x2 + W3[j3] * x3 + W4[j3] * x4 + W5[j3] * x5 + W6[j3] * x6 +
          W7[j3] * x7 + W8[j3] * x8 + W9[j3] * x9 + W10[j3] * x10 + W11[j3] * x11 +
          W12[j3] * x12 + W13[j3] * x13 + W14[j3] * x14 + W15[j3] * x15;
        a4 += W0[j4] * x0 + W1[j4] * x1 + W2[j4] * x2 + W3[j4] * x3 + W4[j4] * x4 + W5[j4] * x5 + W6[j4] * x6 +
          W7[j4] * x7 + W8[j4] * x8 + W9[j4] * x9 + W10[j4] * x10 + W11[j4] * x11 +
          W12[j4] * x12 + W13[j4] * x13 + W14[j4] * x14 + W15[j4] * x15;
        a5 += W0[j5] * x0 + W1[j5] * x1 + W2[j5] * x2 + W3[j5] * x3 + W4[j5] * x4 + W5[j5] * x5 + W6[j5] * x6 +
          W7[j5] * x7 + W8[j5] * x8 + W9[j5] * x9 + W10[j5] * x10 + W11[j5] * x11 +
          W12[j5] * x12 + W13[j5] * x13 + W14[j5] * x14 + W15[j5] * x15;
        a6 += W0[j6] * x0 + W1[j6] * x1 + W2[j6] * x2 + W3[j6] * x3 + W4[j6] * x4 + W5[j6] * x5 + W6[j6] * x6 +
          W7[j6] * x7 + W8[j6] * x8 + W9[j6] * x9 + W10[j6] * x10 + W11[j6] * x11 +
          W12[j6] * x12 + W13[j6] * x13 + W14[j6] * x14 + W15[j6] * x15;
        a7 += W0[j7] * x0 + W1[j7] * x1 + W2[j7] * x2 + W3[j7] * x3 + W4[j7] * x4 + W5[j7] * x5 + W6[j7] * x6 +
          W7[j7] * x7 + W8[j7] * x8 + W9[j7] * x9 + W10[j7] * x10 + W11[j7] * x11 +
          W12[j7] * x12 + W13[j7] * x13 + W14[j7] * x14 + W15[j7] * x15;
        j0 += 16; j1 += 16; j2 += 16; j3 += 16; j4 += 16; j5 += 16; j6 += 16; j7 += 16;
      }
      for (; i < K; i++) {
        x0 = x[i];
        a0 += w[j0] * x0;
        a1 += w[j1] * x0;
        a2 += w[j2] * x0;
        a3 += w[j3] * x0;
        a4 += w[j4] * x0;
        a5 += w[j5] * x0;
        a6 += w[j6] * x0;
        a7 += w[j7] * x0;
        j0++; j1++; j2++; j3++; j4++; j5++; j6++; j7++;
      }
      sums[u] = a0;
      sums[u + 1] = a1;
      sums[u + 2] = a2;
      sums[u + 3] = a3;
      sums[u + 4] = a4;
      sums[u + 5] = a5;
      sums[u + 6] = a6;
      sums[u + 7] = a7;
    }
    if (u + 4 <= units) {
      j0 = u * K; j1 = j0 + K; j2 = j1 + K; j3 = j2 + K;
      a0 = 0; a1 = 0; a2 = 0; a3 = 0;
      for (i = 0; i < K16; i += 16) {
        x0 = X0[i]; x1 = X1[i]; x2 = X2[i]; x3 = X3[i]; x4 = X4[i]; x5 = X5[i]; x6 = X6[i]; x7 = X7[i];
        x8 = X8[i]; x9 = X9[i]; x10 = X10[i]; x11 = X11[i]; x12 = X12[i]; x13 = X13[i]; x14 = X14[i]; x15 = X15[i];
        a0 += W0[j0] * x0 + W1[j0] * x1 + W2[j0] * x2 + W3[j0] * x3 + W4[j0] * x4 + W5[j0] * x5 + W6[j0] * x6 +
          W7[j0] * x7 + W8[j0] * x8 + W9[j0] * x9 + W10[j0] * x10 + W11[j0] * x11 +
          W12[j0] * x12 + W13[j0] * x13 + W14[j0] * x14 + W15[j0] * x15;
        a1 += W0[j1] * x0 + W1[j1] * x1 + W2[j1] * x2 + W3[j1] * x3 + W4[j1] * x4 + W5[j1] * x5 + W6[j1] * x6 +
          W7[j1] * x7 + W8[j1] * x8 + W9[j1] * x9 + W10[j1] * x10 + W11[j1] * x11 +
          W12[j1] * x12 + W13[j1] * x13 + W14[j1] * x14 + W15[j1] * x15;
        a2 += W0[j2] * x0 + W1[j2] * x1 + W2[j2] * x2 + W3[j2] * x3 + W4[j2] * x4 + W5[j2] * x5 + W6[j2] * x6 +
          W7[j2] * x7 + W8[j2] * x8 + W9[j2] * x9 + W10[j2] * x10 + W11[j2] * x11 +
          W12[j2] * x12 + W13[j2] * x13 + W14[j2] * x14 + W15[j2] * x15;
        a3 += W0[j3] * x0 + W1[j3] * x1 + W2[j3] * x2 + W3[j3] * x3 + W4[j3] * x4 + W5[j3] * x5 + W6[j3] * x6 +
          W7[j3] * x7 + W8[j3] * x8 + W9[j3] * x9 + W10[j3] * x10 + W11[j3] * x11 +
          W12[j3] * x12 + W13[j3] * x13 + W14[j3] * x14 + W15[j3] * x15;
        j0 += 16; j1 += 16; j2 += 16; j3 += 16;
      }
      for (; i < K; i++) {
        x0 = x[i];
        a0 += w[j0] * x0;
        a1 += w[j1] * x0;
        a2 += w[j2] * x0;
        a3 += w[j3] * x0;
        j0++; j1++; j2++; j3++;
      }
      sums[u] = a0;
      sums[u + 1] = a1;
      sums[u + 2] = a2;
      sums[u + 3] = a3;
      u += 4;
    }
    if (u + 2 <= units) {
      j0 = u * K; j1 = j0 + K;
      a0 = 0; a1 = 0;
      for (i = 0; i < K16; i += 16) {
        x0 = X0[i]; x1 = X1[i]; x2 = X2[i]; x3 = X3[i]; x4 = X4[i]; x5 = X5[i]; x6 = X6[i]; x7 = X7[i];
        x8 = X8[i]; x9 = X9[i]; x10 = X10[i]; x11 = X11[i]; x12 = X12[i]; x13 = X13[i]; x14 = X14[i]; x15 = X15[i];
        a0 += W0[j0] * x0 + W1[j0] * x1 + W2[j0] * x2 + W3[j0] * x3 + W4[j0] * x4 + W5[j0] * x5 + W6[j0] * x6 +
          W7[j0] * x7 + W8[j0] * x8 + W9[j0] * x9 + W10[j0] * x10 + W11[j0] * x11 +
          W12[j0] * x12 + W13[j0] * x13 + W14[j0] * x14 + W15[j0] * x15;
        a1 += W0[j1] * x0 + W1[j1] * x1 + W2[j1] * x2 + W3[j1] * x3 + W4[j1] * x4 + W5[j1] * x5 + W6[j1] * x6 +
          W7[j1] * x7 + W8[j1] * x8 + W9[j1] * x9 + W10[j1] * x10 + W11[j1] * x11 +
          W12[j1] * x12 + W13[j1] * x13 + W14[j1] * x14 + W15[j1] * x15;
        j0 += 16; j1 += 16;
      }
      for (; i < K; i++) {
        x0 = x[i];
        a0 += w[j0] * x0;
        a1 += w[j1] * x0;
        j0++; j1++;
      }
      sums[u] = a0;
      sums[u + 1] = a1;
      u += 2;
    }
    if (u < units) {
      j0 = u * K;
      a0 = 0;
      for (i = 0; i < K16; i += 16) {
        a0 += W0[j0] * X0[i] + W1[j0] * X1[i] + W2[j0] * X2[i] + W3[j0] * X3[i] + W4[j0] * X4[i] + W5[j0] * X5[i] +
          W6[j0] * X6[i] + W7[j0] * X7[i] + W8[j0] * X8[i] + W9[j0] * X9[i] + W10[j0] * X10[i] + W11[j0] * X11[i] +
          W12[j0] * X12[i] + W13[j0] * X13[i] + W14[j0] * X14[i] + W15[j0] * X15[i];
        j0 += 16;
      }
      for (; i < K; i++) {
        a0 += w[j0] * x[i];
        j0++;
      }
      sums[u] = a0;
    }
    requantizeAll(s, b.output);
  },
};

/** out[u] = clamp(zpOut + MBQM(bias[u] + sums[u])) for every unit. */
function requantizeAll(s: FullyConnectedState, out: Int8Array): void {
  const sums = s.sums, biasFolded = s.biasFolded, units = s.units;
  const outZp = s.outZp, actMin = s.actMin, actMax = s.actMax;
  const fast = s.fast;
  let a = 0, v = 0;
  if (fast !== null) {
    // |bias + sum| <= 2^20: no int32 wrap, single rounding (common.ts fastRequant)
    const M = fast.M, P = fast.P, N = fast.N, F = fast.F;
    for (let u = 0; u < units; u++) {
      a = sums[u] + biasFolded[u];
      v = ((a * M[u] + (a < 0 ? N[u] : P[u])) * F[u]) | 0;
      v += outZp;
      out[u] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
    return;
  }
  const rq = s.rq, mult = rq.mult, left = rq.left, inv = rq.inv, hasLeft = rq.hasLeft;
  for (let u = 0; u < units; u++) {
    // MultiplyByQuantizedMultiplier, inlined; exact fast path for |a| < 2^21 (fixed-point.ts)
    a = (sums[u] + biasFolded[u]) | 0;
    if (hasLeft) a <<= left[u];
    const m = mult[u], f = inv[u];
    if (a >= 0) {
      v = a < 2097152 ? ((((a * m + 1073741824) / 2147483648) | 0) * f + 0.5) | 0 : requantizeSlow(a, m, f);
    } else {
      v = a > -2097152 ? ((((a * m - 1073741823) / 2147483648) | 0) * f - 0.5) | 0 : requantizeSlow(a, m, f);
    }
    v += outZp;
    out[u] = v < actMin ? actMin : v > actMax ? actMax : v;
  }
}
