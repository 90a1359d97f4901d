// CONV_2D, int8 per-channel (TFLite reference_integer_ops::ConvPerChannel), dilation 1.
//
// out[oy, ox, oc] = clamp(zpOut + MBQM(bias[oc] + sum_{ky,kx,ic} w[oc,ky,kx,ic] *
//                   (in[oy*sh - padT + ky, ox*sw - padL + kx, ic] - zpIn)), actMin, actMax)
// where taps outside the input are skipped.
//
// Eval copies each receptive field into arena scratch ("im2col", one output position at a time)
// with native copyWithin, filling taps in the padding with the input zero point, so that they
// contribute w * (zpIn - zpIn) = 0. The input offset is folded into the bias at load:
// sum w*(x - zpIn) = sum w*x - zpIn * sum w. Every output channel is then a dot product between
// a per-channel weight view (into the package) and the scratch row, both indexed from 0.
//
// Two output positions share one dot product: the scratch row holds p + 2^25 * q per tap
// (Float64Array, exact), so sum w*(p + 2^25 q) = P + 2^25 Q with |P|, |Q| < 2^24 while
// K = kH*kW*inC <= 1032 (127 * 128 * 1032 < 2^24); P is the sign-extended low 25 bits and
// Q = (acc - P) / 2^25, both exact. This halves the multiply-accumulates per output. Longer
// reductions use one position at a time.

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import {
  activation, activationRange, bias, channelRequant, checkWindows, foldRows, inputCount, leadingPadding,
  nhwc, opName, outSize, unusedFields, weights,
} from './common';
import type { Requant } from './common';
import { requantizeSlow } from '../fixed-point';
import { im2col } from './im2col';
import { fail } from '../../errors';
import { bindSmallConv, evalSmallConv, prepareSmallConv } from './conv-small';
import type { SmallConvGeometry, SmallConvState } from './conv-small';

export interface ConvState extends SmallConvGeometry {
  /** The filter [outC, kH, kW, inC] (a view into the package). */
  readonly filter: Int8Array;
  /** Per output channel: its kH*kW*inC weights (views into the package). */
  readonly rows: readonly Int8Array[];
  /** Per output channel: (bias - zpIn * sum of weights) mod 2^32. */
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
  /** K, and whether two positions are packed per dot product (K <= PACK_MAX_K). */
  readonly K: number;
  readonly packed: boolean;
  /** The small-K kernel's state when prepare chose it (conv-small.ts), else null. */
  readonly small: SmallConvState | null;
  /** Views made at bind time: packed taps (8-aligned start of the scratch), then the bytes of p and q. */
  pairs: Float64Array;
  colP: Int8Array;
  colQ: Int8Array;
  /** Packed path: per-channel sums of one position pair; the weights and the packed taps viewed
   * from offsets 0..15 (weights at prepare, taps at bind). */
  readonly sums: Float64Array;
  readonly wv: readonly Int8Array[];
  pv: Float64Array[];
}

/** Longest reduction for which two packed partial sums stay below 2^24 in magnitude. */
export const PACK_MAX_K = 1032;
const TWO_POW_25 = 33554432;
const EMPTY = new Float64Array(0);
const EMPTY8 = new Int8Array(0);

/** A validated CONV_2D op before any packing: what the native kernel needs too (native-params.ts). */
export interface ConvLayer extends SmallConvGeometry {
  /** The filter [outC, kH, kW, inC] (a view into the package), its per-channel rows and the bias. */
  readonly filter: Int8Array;
  readonly rows: readonly Int8Array[];
  readonly bias: Int32Array;
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
  /** kH * kW * inC */
  readonly K: number;
  /** Multiply-accumulates per run. */
  readonly work: number;
}

/** Validates a CONV_2D op (throws ModelError) and computes its folded bias and requantization. */
export function convLayer(op: OpNode, graph: Graph): ConvLayer {
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
  const range = activationRange(op.activation, output.scale, output.zeroPoint, what);
  return {
    inH, inW, inC, outH, outW, outC, kH, kW,
    strideH: op.strideH, strideW: op.strideW, padT, padL,
    inZp: input.zeroPoint, outZp: output.zeroPoint, actMin: range.min, actMax: range.max,
    filter: filter.data as Int8Array, rows, bias: b, biasFolded, rq, K, work: outH * outW * outC * K,
  };
}

export const conv2d: OpKernel<ConvState> = {
  name: 'CONV_2D',

  prepare(op: OpNode, graph: Graph): Prepared<ConvState> {
    const layer = convLayer(op, graph);
    const { filter: wd, rows, bias: b, biasFolded, rq, K, work } = layer;
    const geometry: SmallConvGeometry = {
      inH: layer.inH, inW: layer.inW, inC: layer.inC, outH: layer.outH, outW: layer.outW, outC: layer.outC,
      kH: layer.kH, kW: layer.kW, strideH: layer.strideH, strideW: layer.strideW, padT: layer.padT, padL: layer.padL,
      inZp: layer.inZp, outZp: layer.outZp, actMin: layer.actMin, actMax: layer.actMax,
    };
    const outC = geometry.outC;
    const small = prepareSmallConv(geometry, wd, b, rq);
    const wv: Int8Array[] = [];
    if (small === null && K <= PACK_MAX_K) for (let k = 0; k < 16; k++) wv.push(wd.subarray(k < wd.length ? k : wd.length));
    return {
      state: {
        ...geometry,
        filter: wd, rows, biasFolded, rq, K, packed: K <= PACK_MAX_K, small, pairs: EMPTY, colP: EMPTY8, colQ: EMPTY8,
        sums: new Float64Array(small === null && K <= PACK_MAX_K ? outC : 0), wv, pv: [],
      },
      work,
      scratchBytes: small !== null ? small.src.padBytes : K <= PACK_MAX_K ? 10 * K : K,
    };
  },

  bind(s: ConvState, b: OpBinding): void {
    if (s.small !== null) {
      bindSmallConv(s.small, b);
      return;
    }
    if (!s.packed) return;
    const base = b.scratch.byteOffset;
    s.pairs = new Float64Array(b.scratch.buffer, base, s.K);
    s.colP = new Int8Array(b.scratch.buffer, base + 8 * s.K, s.K);
    s.colQ = new Int8Array(b.scratch.buffer, base + 9 * s.K, s.K);
    const pv: Float64Array[] = [];
    for (let k = 0; k < 16; k++) {
      const at = k < s.K ? k : s.K;
      pv.push(new Float64Array(b.scratch.buffer, base + 8 * at, s.K - at));
    }
    s.pv = pv;
  },

  eval(s: ConvState, b: OpBinding): void {
    if (s.small !== null) {
      evalSmallConv(s.small, b);
      return;
    }
    const arena = b.arena;
    const out = b.output;
    const xBase = b.inputs[0].byteOffset - arena.byteOffset;
    const scratchBase = b.scratch.byteOffset - arena.byteOffset;
    const outW = s.outW, outC = s.outC, positions = s.outH * outW;
    const outZp = s.outZp, actMin = s.actMin, actMax = s.actMax;
    const rows = s.rows, biasFolded = s.biasFolded;
    const rq = s.rq, mult = rq.mult, left = rq.left, inv = rq.inv, hasLeft = rq.hasLeft;
    const K = s.K;
    const K8 = K & ~7;
    const tail4 = (K & 4) !== 0;
    let a = 0;
    let v = 0;
    if (!s.packed) {
      const col = b.scratch;
      for (let p = 0, o = 0; p < positions; p++) {
        im2col(arena, s, xBase, scratchBase, (p / outW) | 0, p % outW);
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
          const bf = biasFolded[oc], m = mult[oc], f = inv[oc];
          // MultiplyByQuantizedMultiplier, inlined; exact fast path for |a| < 2^21 (fixed-point.ts)
          a = (acc + bf) | 0;
          if (hasLeft) a <<= left[oc];
          if (a >= 0) {
            v = a < 2097152 ? ((((a * m + 1073741824) / 2147483648) | 0) * f + 0.5) | 0 : requantizeSlow(a, m, f);
          } else {
            v = a > -2097152 ? ((((a * m - 1073741823) / 2147483648) | 0) * f - 0.5) | 0 : requantizeSlow(a, m, f);
          }
          v += outZp;
          out[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
      }
      return;
    }
    // two positions per pass: bytes of p at A, of q at B, packed taps p + 2^25 q in `pairs`
    const pairs = s.pairs, colP = s.colP, colQ = s.colQ, sums = s.sums;
    const pv = s.pv, wv = s.wv;
    const V0 = pv[0], V1 = pv[1], V2 = pv[2], V3 = pv[3], V4 = pv[4], V5 = pv[5], V6 = pv[6], V7 = pv[7],
      V8 = pv[8], V9 = pv[9], V10 = pv[10], V11 = pv[11], V12 = pv[12], V13 = pv[13], V14 = pv[14], V15 = pv[15];
    const W0 = wv[0], W1 = wv[1], W2 = wv[2], W3 = wv[3], W4 = wv[4], W5 = wv[5], W6 = wv[6], W7 = wv[7],
      W8 = wv[8], W9 = wv[9], W10 = wv[10], W11 = wv[11], W12 = wv[12], W13 = wv[13], W14 = wv[14], W15 = wv[15];
    const K16 = K & ~15;
    let x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, x6 = 0, x7 = 0,
      x8 = 0, x9 = 0, x10 = 0, x11 = 0, x12 = 0, x13 = 0, x14 = 0, x15 = 0;
    const A = scratchBase + 8 * K;
    const B = A + K;
    const K4 = K & ~3;
    for (let p = 0; p < positions; p += 2) {
      const hasQ = p + 1 < positions;
      im2col(arena, s, xBase, A, (p / outW) | 0, p % outW);
      if (hasQ) im2col(arena, s, xBase, B, ((p + 1) / outW) | 0, (p + 1) % outW);
      else arena.fill(0, B, B + K);
      let j = 0;
      for (; j < K4; j += 4) {
        pairs[j] = colP[j] + colQ[j] * TWO_POW_25;
        pairs[j + 1] = colP[j + 1] + colQ[j + 1] * TWO_POW_25;
        pairs[j + 2] = colP[j + 2] + colQ[j + 2] * TWO_POW_25;
        pairs[j + 3] = colP[j + 3] + colQ[j + 3] * TWO_POW_25;
      }
      for (; j < K; j++) pairs[j] = colP[j] + colQ[j] * TWO_POW_25;
      // dot products, 16 taps at a time: the chunk's packed taps in locals, every channel's
      // weights read through views shifted by 0..15, sums kept per channel in `sums`
      sums.fill(0);
      let c = 0;
      for (; c < K16; c += 16) {
        x0 = V0[c]; x1 = V1[c]; x2 = V2[c]; x3 = V3[c]; x4 = V4[c]; x5 = V5[c]; x6 = V6[c]; x7 = V7[c];
        x8 = V8[c]; x9 = V9[c]; x10 = V10[c]; x11 = V11[c]; x12 = V12[c]; x13 = V13[c]; x14 = V14[c]; x15 = V15[c];
        for (let oc = 0, i = c; oc < outC; oc++, i += K) {
          sums[oc] += W0[i] * x0 + W1[i] * x1 + W2[i] * x2 + W3[i] * x3 + W4[i] * x4 + W5[i] * x5 + W6[i] * x6 +
            W7[i] * x7 + W8[i] * x8 + W9[i] * x9 + W10[i] * x10 + W11[i] * x11 + W12[i] * x12 + W13[i] * x13 +
            W14[i] * x14 + W15[i] * x15;
        }
      }
      if (c + 8 <= K) {
        x0 = V0[c]; x1 = V1[c]; x2 = V2[c]; x3 = V3[c]; x4 = V4[c]; x5 = V5[c]; x6 = V6[c]; x7 = V7[c];
        for (let oc = 0, i = c; oc < outC; oc++, i += K) {
          sums[oc] += W0[i] * x0 + W1[i] * x1 + W2[i] * x2 + W3[i] * x3 + W4[i] * x4 + W5[i] * x5 + W6[i] * x6 +
            W7[i] * x7;
        }
        c += 8;
      }
      for (; c < K; c++) {
        x0 = pairs[c];
        for (let oc = 0, i = c; oc < outC; oc++, i += K) sums[oc] += W0[i] * x0;
      }
      const op = p * outC;
      const oq = op + outC;
      for (let oc = 0; oc < outC; oc++) {
        const acc = sums[oc];
        const lo = ((acc | 0) << 7) >> 7;
        const bf = biasFolded[oc], m = mult[oc], f = inv[oc];
        a = (lo + bf) | 0;
        if (hasLeft) a <<= left[oc];
        if (a >= 0) {
          v = a < 2097152 ? ((((a * m + 1073741824) / 2147483648) | 0) * f + 0.5) | 0 : requantizeSlow(a, m, f);
        } else {
          v = a > -2097152 ? ((((a * m - 1073741823) / 2147483648) | 0) * f - 0.5) | 0 : requantizeSlow(a, m, f);
        }
        v += outZp;
        out[op + oc] = v < actMin ? actMin : v > actMax ? actMax : v;
        if (hasQ) {
          a = ((acc - lo) / TWO_POW_25 + bf) | 0;
          if (hasLeft) a <<= left[oc];
          if (a >= 0) {
            v = a < 2097152 ? ((((a * m + 1073741824) / 2147483648) | 0) * f + 0.5) | 0 : requantizeSlow(a, m, f);
          } else {
            v = a > -2097152 ? ((((a * m - 1073741823) / 2147483648) | 0) * f - 0.5) | 0 : requantizeSlow(a, m, f);
          }
          v += outZp;
          out[oq + oc] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
      }
    }
  },
};
