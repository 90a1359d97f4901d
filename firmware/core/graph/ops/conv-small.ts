// CONV_2D for short reductions (K = kH * kW * inC <= 16): the first layers of small CNNs
// (3x3 on one channel, K = 9; 1-D k = 5 on 3 channels, K = 15), where the general kernel spends
// most of its time per output rather than per multiply-accumulate.
//
// Loop order: output channels in pairs (outer), output positions (inner). For a pair (c, d) the
// K weights are packed two per double, W_t = w[c, t] + 2^32 * w[d, t], and held in locals; the
// input taps are read through K views of the input, each shifted by the tap's offset inside the
// window, so that every tap of the window at origin i is view_t[i]: one index for all taps. So
//   acc = B + sum_t W_t * x_t[i] = (a_c) + 2^32 * (a_d)   (B = packed folded biases)
// gives both channels' accumulators with one multiply-add per tap pair; a_c = acc | 0 and
// a_d = (acc - a_c) * 2^-32 are exact while |a| <= 2^20 for both (checked at prepare from the
// weights and biases: the accumulator range over all int8 inputs). Requantization is the
// single-rounding form of fastRequant (common.ts), exact under the same check.
//
// Padding: when some window reaches outside the input, eval first copies the input into a
// zero-point-filled padded image in scratch (padding taps then add w * (zpIn - zpIn) = 0, the
// input offset being folded into the bias), so every window is a plain one.
//
// Variants by slot count: 4, 9 and 16 taps (unused slots have weight 0 and read tap 0). The
// choice is made at prepare; when any channel fails the exactness checks, the layer keeps the
// general kernel.

import type { OpBinding } from '../kernel';
import { accumulatorRange, fastRequant } from './common';
import type { Requant } from './common';
import { fillSource, shiftedView, sourceView, windowSource } from './window-source';
import type { WindowGeometry, WindowSource } from './window-source';

export const SMALL_K_MAX = 16;
const T32 = 4294967296;
const INV32 = 1 / 4294967296;

export interface SmallConvState {
  /** 4, 9 or 16. */
  readonly slots: number;
  readonly outH: number; readonly outW: number; readonly outC: number;
  /** Per channel pair p: slots packed weights at pw[p * slots], then the packed bias at pb[p]. */
  readonly pw: Float64Array;
  readonly pb: Float64Array;
  readonly M: Float64Array; readonly P: Float64Array; readonly N: Float64Array; readonly F: Float64Array;
  /** Clamp bounds relative to the output zero point; zero point; whether the lower bound is 0. */
  readonly lo: number; readonly hi: number; readonly zp: number;
  readonly signFree: boolean;
  /** Where the windows are read (input or padded copy), origin steps. */
  readonly src: WindowSource;
  /** Tap offsets inside the window in the source image, per slot. */
  readonly offsets: Int32Array;
  /** Bind time: tap views (one per slot), output view and output view shifted by one. */
  taps: Int8Array[];
  out1: Int8Array;
}

export interface SmallConvGeometry extends WindowGeometry {
  readonly outC: number;
  readonly outZp: number;
  readonly actMin: number; readonly actMax: number;
}

const EMPTY8 = new Int8Array(0);

/** The small-K state, or null when the layer does not qualify (K too long, or not provably exact). */
export function prepareSmallConv(g: SmallConvGeometry, w: Int8Array, bias: Int32Array, rq: Requant): SmallConvState | null {
  const K = g.kH * g.kW * g.inC;
  if (K > SMALL_K_MAX) return null;
  const outC = g.outC;
  const accMin = new Float64Array(outC), accMax = new Float64Array(outC);
  const range = new Float64Array(2);
  for (let c = 0; c < outC; c++) {
    accumulatorRange(w, c * K, K, 1, bias[c], g.inZp, range);
    accMin[c] = range[0];
    accMax[c] = range[1];
  }
  const fr = fastRequant(rq, accMin, accMax);
  if (fr === null) return null;
  const slots = K <= 4 ? 4 : K <= 9 ? 9 : 16;

  // packed weights and biases per channel pair (the last pair of an odd count is (c, c))
  const pairs = (outC + 1) >> 1;
  const pw = new Float64Array(pairs * slots);
  const pb = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const c = 2 * p;
    const d = c + 1 < outC ? c + 1 : c;
    for (let t = 0; t < K; t++) pw[p * slots + t] = w[c * K + t] + w[d * K + t] * T32;
    let sc = 0, sd = 0;
    for (let t = 0; t < K; t++) { sc += w[c * K + t]; sd += w[d * K + t]; }
    pb[p] = (bias[c] - g.inZp * sc) + (bias[d] - g.inZp * sd) * T32;
  }

  const src = windowSource(g);
  const C = g.inC;
  const offsets = new Int32Array(slots);
  for (let ky = 0, t = 0; ky < g.kH; ky++) {
    for (let kx = 0; kx < g.kW; kx++) {
      for (let c = 0; c < C; c++, t++) offsets[t] = (ky * src.srcW + kx) * C + c;
    }
  }
  const lo = g.actMin - g.outZp;
  return {
    slots, outH: g.outH, outW: g.outW, outC, pw, pb, M: fr.M, P: fr.P, N: fr.N, F: fr.F,
    lo, hi: g.actMax - g.outZp, zp: g.outZp, signFree: lo === 0, src, offsets,
    taps: [], out1: EMPTY8,
  };
}

export function bindSmallConv(s: SmallConvState, b: OpBinding): void {
  const src = sourceView(s.src, b);
  const taps: Int8Array[] = [];
  for (let t = 0; t < s.slots; t++) taps.push(shiftedView(src, s.offsets[t]));
  s.taps = taps;
  s.out1 = shiftedView(b.output, 1);
}

export function evalSmallConv(s: SmallConvState, b: OpBinding): void {
  fillSource(s.src, b);
  if (s.slots === 9) conv9(s, b.output);
  else if (s.slots === 16) conv16(s, b.output);
  else conv4(s, b.output);
}

// The three variants differ only in the number of taps in the dot product. Locals hold the
// weights and per-channel constants of the current pair; `i` walks the window origins, `o` the
// output index of channel c (channel d is at o + 1 through out1, or at o itself for the last
// channel of an odd count).

function conv9(s: SmallConvState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1], x2 = v[2], x3 = v[3], x4 = v[4], x5 = v[5], x6 = v[6], x7 = v[7], x8 = v[8];
  const pw = s.pw, pb = s.pb, MM = s.M, PP = s.P, NN = s.N, FF = s.F;
  const outC = s.outC, outH = s.outH, rowLen = s.src.rowLen, stepX = s.src.stepX, rowSkip = s.src.rowSkip;
  const lo = s.lo, hi = s.hi, zp = s.zp, actMin = lo + zp, actMax = hi + zp, signFree = s.signFree;
  const out1 = s.out1;
  let acc = 0, a = 0, t = 0, i = 0, o = 0, end = 0;
  for (let c = 0, p = 0; c < outC; c += 2, p++) {
    const d = c + 1 < outC ? c + 1 : c;
    const y1 = d === c ? out : out1;
    const j = p * 9;
    const W0 = pw[j], W1 = pw[j + 1], W2 = pw[j + 2], W3 = pw[j + 3], W4 = pw[j + 4], W5 = pw[j + 5],
      W6 = pw[j + 6], W7 = pw[j + 7], W8 = pw[j + 8];
    const B = pb[p];
    const M0 = MM[c], P0 = PP[c], N0 = signFree ? P0 : NN[c], F0 = FF[c];
    const M1 = MM[d], P1 = PP[d], N1 = signFree ? P1 : NN[d], F1 = FF[d];
    i = 0;
    o = c;
    for (let oy = outH; oy > 0; oy--) {
      end = i + rowLen;
      do {
        acc = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i] + W4 * x4[i] + W5 * x5[i] +
          W6 * x6[i] + W7 * x7[i] + W8 * x8[i];
        a = acc | 0;
        t = ((a * M0 + (a < 0 ? N0 : P0)) * F0) | 0;
        out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
        a = (acc - a) * INV32;
        t = ((a * M1 + (a < 0 ? N1 : P1)) * F1) | 0;
        y1[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
        o += outC;
        i += stepX;
      } while (i < end);
      i += rowSkip;
    }
  }
}

function conv16(s: SmallConvState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1], x2 = v[2], x3 = v[3], x4 = v[4], x5 = v[5], x6 = v[6], x7 = v[7],
    x8 = v[8], x9 = v[9], x10 = v[10], x11 = v[11], x12 = v[12], x13 = v[13], x14 = v[14], x15 = v[15];
  const pw = s.pw, pb = s.pb, MM = s.M, PP = s.P, NN = s.N, FF = s.F;
  const outC = s.outC, outH = s.outH, rowLen = s.src.rowLen, stepX = s.src.stepX, rowSkip = s.src.rowSkip;
  const lo = s.lo, hi = s.hi, zp = s.zp, actMin = lo + zp, actMax = hi + zp, signFree = s.signFree;
  const out1 = s.out1;
  let acc = 0, a = 0, t = 0, i = 0, o = 0, end = 0;
  for (let c = 0, p = 0; c < outC; c += 2, p++) {
    const d = c + 1 < outC ? c + 1 : c;
    const y1 = d === c ? out : out1;
    const j = p * 16;
    const W0 = pw[j], W1 = pw[j + 1], W2 = pw[j + 2], W3 = pw[j + 3], W4 = pw[j + 4], W5 = pw[j + 5],
      W6 = pw[j + 6], W7 = pw[j + 7], W8 = pw[j + 8], W9 = pw[j + 9], W10 = pw[j + 10], W11 = pw[j + 11],
      W12 = pw[j + 12], W13 = pw[j + 13], W14 = pw[j + 14], W15 = pw[j + 15];
    const B = pb[p];
    const M0 = MM[c], P0 = PP[c], N0 = signFree ? P0 : NN[c], F0 = FF[c];
    const M1 = MM[d], P1 = PP[d], N1 = signFree ? P1 : NN[d], F1 = FF[d];
    i = 0;
    o = c;
    for (let oy = outH; oy > 0; oy--) {
      end = i + rowLen;
      do {
        acc = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i] + W4 * x4[i] + W5 * x5[i] +
          W6 * x6[i] + W7 * x7[i] + W8 * x8[i] + W9 * x9[i] + W10 * x10[i] + W11 * x11[i] +
          W12 * x12[i] + W13 * x13[i] + W14 * x14[i] + W15 * x15[i];
        a = acc | 0;
        t = ((a * M0 + (a < 0 ? N0 : P0)) * F0) | 0;
        out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
        a = (acc - a) * INV32;
        t = ((a * M1 + (a < 0 ? N1 : P1)) * F1) | 0;
        y1[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
        o += outC;
        i += stepX;
      } while (i < end);
      i += rowSkip;
    }
  }
}

function conv4(s: SmallConvState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1], x2 = v[2], x3 = v[3];
  const pw = s.pw, pb = s.pb, MM = s.M, PP = s.P, NN = s.N, FF = s.F;
  const outC = s.outC, outH = s.outH, rowLen = s.src.rowLen, stepX = s.src.stepX, rowSkip = s.src.rowSkip;
  const lo = s.lo, hi = s.hi, zp = s.zp, actMin = lo + zp, actMax = hi + zp, signFree = s.signFree;
  const out1 = s.out1;
  let acc = 0, a = 0, t = 0, i = 0, o = 0, end = 0;
  for (let c = 0, p = 0; c < outC; c += 2, p++) {
    const d = c + 1 < outC ? c + 1 : c;
    const y1 = d === c ? out : out1;
    const j = p * 4;
    const W0 = pw[j], W1 = pw[j + 1], W2 = pw[j + 2], W3 = pw[j + 3];
    const B = pb[p];
    const M0 = MM[c], P0 = PP[c], N0 = signFree ? P0 : NN[c], F0 = FF[c];
    const M1 = MM[d], P1 = PP[d], N1 = signFree ? P1 : NN[d], F1 = FF[d];
    i = 0;
    o = c;
    for (let oy = outH; oy > 0; oy--) {
      end = i + rowLen;
      do {
        acc = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i];
        a = acc | 0;
        t = ((a * M0 + (a < 0 ? N0 : P0)) * F0) | 0;
        out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
        a = (acc - a) * INV32;
        t = ((a * M1 + (a < 0 ? N1 : P1)) * F1) | 0;
        y1[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
        o += outC;
        i += stepX;
      } while (i < end);
      i += rowSkip;
    }
  }
}
