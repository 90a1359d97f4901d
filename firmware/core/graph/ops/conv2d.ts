// CONV_2D, int8 per-channel (TFLite reference_integer_ops::ConvPerChannel), dilation 1.
//
// out[oy, ox, oc] = clamp(zpOut + MBQM(bias[oc] + sum_{ky,kx,ic} w[oc,ky,kx,ic] *
//                   (in[oy*sh - padT + ky, ox*sw - padL + kx, ic] - zpIn)), actMin, actMax)
// where taps outside the input are skipped.
//
// Eval copies each receptive field into an arena scratch row ("im2col", one output position at
// a time) with native copyWithin, filling taps in the padding with the input zero point, so that
// they contribute w * (zpIn - zpIn) = 0. Every output channel is then one dot product between a
// per-channel weight view (into the package) and the scratch row, both indexed from 0, so the
// inner loop is a single-index multiply-accumulate unrolled by 8. The input offset is folded in
// at load: sum w*(x - zpIn) = sum w*x - zpIn * sum w, and bias - zpIn * sum w is precomputed.

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import {
  activation, activationRange, bias, channelRequant, checkWindows, inputCount, leadingPadding,
  nhwc, opName, outSize, unusedFields, weights,
} from './common';
import type { Requant } from './common';
import { requantizeSlow } from '../fixed-point';
import { fail } from '../../errors';

export interface ConvState {
  readonly inH: number; readonly inW: number; readonly inC: number;
  readonly outH: number; readonly outW: number; readonly outC: number;
  readonly kH: number; readonly kW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padT: number; readonly padL: number;
  readonly inZp: number; readonly outZp: number;
  readonly actMin: number; readonly actMax: number;
  /** Per output channel: its kH*kW*inC weights (views into the package). */
  readonly rows: readonly Int8Array[];
  /** Per output channel: (bias - zpIn * sum of weights) mod 2^32. */
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
}

/** Shared by CONV_2D and FULLY_CONNECTED: per-row weight views and folded biases. */
export function foldRows(w: Int8Array, rowsCount: number, rowLen: number, b: Int32Array, inZp: number,
  rows: Int8Array[], folded: Int32Array): void {
  for (let r = 0; r < rowsCount; r++) {
    const start = r * rowLen;
    const row = w.subarray(start, start + rowLen);
    let sum = 0;
    for (let i = 0; i < rowLen; i++) sum += row[i];
    rows.push(row);
    folded[r] = (b[r] - inZp * sum) | 0; // exact: |inZp * sum| < 2^7 * 2^31
  }
}

export const conv2d: OpKernel<ConvState> = {
  name: 'CONV_2D',

  prepare(op: OpNode, graph: Graph): Prepared<ConvState> {
    const what = opName(op, 'CONV_2D');
    inputCount(op, 2, 3, what);
    unusedFields(op, what, true, false, false, true);
    const input = activation(graph, op.inputs[0], what);
    const output = activation(graph, op.output, what);
    const filter = weights(graph, op.inputs[1], 0, what);
    const [inH, inW, inC] = nhwc(input, what);
    const fd = filter.dims;
    if (fd.length !== 4) fail('BAD_SHAPE', `${what}: filter must be [outC, kH, kW, inC]`);
    const [outC, kH, kW, fC] = fd;
    if (fC !== inC) fail('BAD_SHAPE', `${what}: filter has ${fC} input channels, input has ${inC}`);
    const b = bias(graph, op, 2, outC, what);
    const outH = outSize(op.padding, inH, kH, op.strideH);
    const outW = outSize(op.padding, inW, kW, op.strideW);
    const [oH, oW, oC] = nhwc(output, what);
    if (outH < 1 || outW < 1 || oH !== outH || oW !== outW || oC !== outC) {
      fail('BAD_SHAPE', `${what}: output must be [1, ${outH}, ${outW}, ${outC}], is [${output.dims.join(', ')}]`);
    }
    const padT = leadingPadding(op.strideH, inH, kH, outH);
    const padL = leadingPadding(op.strideW, inW, kW, outW);
    checkWindows(inH, kH, op.strideH, padT, outH, what);
    checkWindows(inW, kW, op.strideW, padL, outW, what);

    const K = kH * kW * inC;
    const rows: Int8Array[] = [];
    const biasFolded = new Int32Array(outC);
    foldRows(filter.data as Int8Array, outC, K, b, input.zeroPoint, rows, biasFolded);
    const rq = channelRequant(input.scale, filter, output.scale, outC, what);
    const range = activationRange(op.activation, output.scale, output.zeroPoint);
    return {
      state: {
        inH, inW, inC, outH, outW, outC, kH, kW,
        strideH: op.strideH, strideW: op.strideW, padT, padL,
        inZp: input.zeroPoint, outZp: output.zeroPoint, actMin: range.min, actMax: range.max,
        rows, biasFolded, rq,
      },
      work: outH * outW * outC * K,
      scratchBytes: K,
    };
  },

  eval(s: ConvState, b: OpBinding): void {
    const arena = b.arena;
    const out = b.output;
    const col = b.scratch;
    const xBase = b.inputs[0].byteOffset - arena.byteOffset;
    const colBase = col.byteOffset - arena.byteOffset;
    const inH = s.inH, inW = s.inW, inC = s.inC, outH = s.outH, outW = s.outW, outC = s.outC;
    const kH = s.kH, kW = s.kW, strideH = s.strideH, strideW = s.strideW, padT = s.padT, padL = s.padL;
    const inZp = s.inZp, outZp = s.outZp, actMin = s.actMin, actMax = s.actMax;
    const rows = s.rows, biasFolded = s.biasFolded;
    const rq = s.rq, mult = rq.mult, left = rq.left, inv = rq.inv, hasLeft = rq.hasLeft;
    const rowBytes = inW * inC;       // one input row
    const kRow = kW * inC;            // one kernel row of the receptive field
    const K = kH * kRow;
    const K8 = K & ~7;
    const tail4 = (K & 4) !== 0;
    let o = 0;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padT;
      const ky0 = iy0 < 0 ? -iy0 : 0;
      const ky1 = inH - iy0 < kH ? inH - iy0 : kH;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padL;
        const kx0 = ix0 < 0 ? -ix0 : 0;
        const kx1 = inW - ix0 < kW ? inW - ix0 : kW;
        // im2col: receptive field -> scratch, padding taps = input zero point
        let c = colBase;
        let src = xBase + (iy0 * inW + ix0) * inC;
        if (ky0 === 0 && ky1 === kH && kx0 === 0 && kx1 === kW) {
          for (let ky = 0; ky < kH; ky++) {
            arena.copyWithin(c, src, src + kRow);
            c += kRow;
            src += rowBytes;
          }
        } else {
          const left = kx0 * inC, mid = (kx1 - kx0) * inC, right = (kW - kx1) * inC;
          for (let ky = 0; ky < kH; ky++) {
            if (ky < ky0 || ky >= ky1) {
              arena.fill(inZp, c, c + kRow);
            } else {
              if (left !== 0) arena.fill(inZp, c, c + left);
              arena.copyWithin(c + left, src + left, src + left + mid);
              if (right !== 0) arena.fill(inZp, c + left + mid, c + kRow);
            }
            c += kRow;
            src += rowBytes;
          }
        }
        for (let oc = 0; oc < outC; oc++) {
          const w = rows[oc];
          let acc = 0;
          let i = 0;
          for (; i < K8; i += 8) {
            acc += w[i] * col[i] + w[i + 1] * col[i + 1] + w[i + 2] * col[i + 2] + w[i + 3] * col[i + 3] +
              w[i + 4] * col[i + 4] + w[i + 5] * col[i + 5] + w[i + 6] * col[i + 6] + w[i + 7] * col[i + 7];
          }
          if (tail4) {
            acc += w[i] * col[i] + w[i + 1] * col[i + 1] + w[i + 2] * col[i + 2] + w[i + 3] * col[i + 3];
            i += 4;
          }
          for (; i < K; i++) acc += w[i] * col[i];
          // MultiplyByQuantizedMultiplier, inlined; exact fast path for |a| < 2^21 (fixed-point.ts)
          let a = (acc + biasFolded[oc]) | 0;
          if (hasLeft) a <<= left[oc];
          let v: number;
          if (a >= 0) {
            v = a < 2097152 ? ((((a * mult[oc] + 1073741824) / 2147483648) | 0) * inv[oc] + 0.5) | 0
              : requantizeSlow(a, mult[oc], inv[oc]);
          } else {
            v = a > -2097152 ? ((((a * mult[oc] - 1073741823) / 2147483648) | 0) * inv[oc] - 0.5) | 0
              : requantizeSlow(a, mult[oc], inv[oc]);
          }
          v += outZp;
          out[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
      }
    }
  },
};
