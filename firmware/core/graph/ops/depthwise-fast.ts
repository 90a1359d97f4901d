// DEPTHWISE_CONV_2D with kH * kW <= 25 taps and provably exact single-rounding requantization
// (fastRequant, common.ts): output channels outer, positions inner. A channel's taps are held
// in locals; the input taps are read through one view per tap, shifted by the tap's offset in the
// window (window-source.ts), all indexed by the window origin plus the input channel. The
// accumulator needs no int32 wrap (|a| <= 2^20, checked at prepare from weights and bias).
//
// Variants by slot count: 9 (3x3, 1-D up to 9) and 25 (5x5, 1-D up to 25); unused slots have
// weight 0 and read tap 0. Otherwise (or when not provably exact) the general kernel runs.

import type { OpBinding } from '../kernel';
import { PACKED_WEIGHTS_MAX_BYTES, accumulatorRange, fastRequant } from './common';
import type { Requant } from './common';
import { fillSource, shiftedView, sourceView, windowSource } from './window-source';
import type { WindowGeometry, WindowSource } from './window-source';

export const DEPTHWISE_FAST_MAX_TAPS = 25;

export interface DepthwiseFastState {
  readonly slots: number;
  readonly outH: number; readonly outC: number; readonly mult: number;
  /**
   * Per output channel: `slots` weights (zero-padded) when they fit in PACKED_WEIGHTS_MAX_BYTES of
   * RAM, else null and eval reads them from the package through `fv` (the filter shifted by
   * t * outC, for taps t < `count`); folded biases.
   */
  readonly w: Float64Array | null;
  readonly fv: readonly Int8Array[];
  readonly count: number;
  readonly bias: Float64Array;
  readonly M: Float64Array; readonly P: Float64Array; readonly N: Float64Array; readonly F: Float64Array;
  readonly lo: number; readonly hi: number; readonly zp: number; readonly signFree: boolean;
  readonly src: WindowSource;
  readonly offsets: Int32Array;
  taps: Int8Array[];
}

export interface DepthwiseGeometry extends WindowGeometry {
  readonly outC: number; readonly mult: number;
  readonly outZp: number; readonly actMin: number; readonly actMax: number;
}

export function prepareDepthwiseFast(g: DepthwiseGeometry, w: Int8Array, bias: Int32Array, rq: Requant): DepthwiseFastState | null {
  const taps = g.kH * g.kW;
  if (taps > DEPTHWISE_FAST_MAX_TAPS) return null;
  const outC = g.outC;
  const accMin = new Float64Array(outC), accMax = new Float64Array(outC);
  const range = new Float64Array(2);
  for (let c = 0; c < outC; c++) {
    accumulatorRange(w, c, taps, outC, bias[c], g.inZp, range);
    accMin[c] = range[0];
    accMax[c] = range[1];
  }
  const fr = fastRequant(rq, accMin, accMax);
  if (fr === null) return null;
  const slots = taps <= 9 ? 9 : 25;
  const pw = outC * slots * 8 <= PACKED_WEIGHTS_MAX_BYTES ? new Float64Array(outC * slots) : null;
  const pb = new Float64Array(outC);
  for (let c = 0; c < outC; c++) {
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      if (pw !== null) pw[c * slots + t] = w[t * outC + c];
      sum += w[t * outC + c];
    }
    pb[c] = bias[c] - g.inZp * sum;
  }
  const fv: Int8Array[] = [];
  if (pw === null) for (let t = 0; t < taps; t++) fv.push(w.subarray(t * outC));
  const src = windowSource(g);
  const offsets = new Int32Array(slots);
  for (let ky = 0, t = 0; ky < g.kH; ky++) {
    for (let kx = 0; kx < g.kW; kx++, t++) offsets[t] = (ky * src.srcW + kx) * g.inC;
  }
  const lo = g.actMin - g.outZp;
  return {
    slots, outH: g.outH, outC, mult: g.mult, w: pw, fv, count: taps, bias: pb, M: fr.M, P: fr.P, N: fr.N, F: fr.F,
    lo, hi: g.actMax - g.outZp, zp: g.outZp, signFree: lo === 0, src, offsets, taps: [],
  };
}

export function bindDepthwiseFast(s: DepthwiseFastState, b: OpBinding): void {
  const src = sourceView(s.src, b);
  const taps: Int8Array[] = [];
  for (let t = 0; t < s.slots; t++) taps.push(shiftedView(src, s.offsets[t]));
  s.taps = taps;
}

export function evalDepthwiseFast(s: DepthwiseFastState, b: OpBinding): void {
  fillSource(s.src, b);
  if (s.slots === 9) dw9(s, b.output);
  else dw25(s, b.output);
}

function dw9(s: DepthwiseFastState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1], x2 = v[2], x3 = v[3], x4 = v[4], x5 = v[5], x6 = v[6], x7 = v[7], x8 = v[8];
  const pw = s.w, fv = s.fv, count = s.count, pb = s.bias, MM = s.M, PP = s.P, NN = s.N, FF = s.F;
  const outC = s.outC, outH = s.outH, mult = s.mult;
  const rowLen = s.src.rowLen, stepX = s.src.stepX, rowSkip = s.src.rowSkip;
  const lo = s.lo, hi = s.hi, zp = s.zp, actMin = lo + zp, actMax = hi + zp, signFree = s.signFree;
  let W0 = 0, W1 = 0, W2 = 0, W3 = 0, W4 = 0, W5 = 0, W6 = 0, W7 = 0, W8 = 0;
  let a = 0, t = 0, i = 0, o = 0, end = 0, oy = 0;
  for (let c = 0; c < outC; c++) {
    const j = c * 9;
    if (pw !== null) {
      W0 = pw[j];
      W1 = pw[j + 1];
      W2 = pw[j + 2];
      W3 = pw[j + 3];
      W4 = pw[j + 4];
      W5 = pw[j + 5];
      W6 = pw[j + 6];
      W7 = pw[j + 7];
      W8 = pw[j + 8];
    } else {
      // weights from the package (flash); zero beyond the taps
      W0 = fv[0][c];
      W1 = count > 1 ? fv[1][c] : 0;
      W2 = count > 2 ? fv[2][c] : 0;
      W3 = count > 3 ? fv[3][c] : 0;
      W4 = count > 4 ? fv[4][c] : 0;
      W5 = count > 5 ? fv[5][c] : 0;
      W6 = count > 6 ? fv[6][c] : 0;
      W7 = count > 7 ? fv[7][c] : 0;
      W8 = count > 8 ? fv[8][c] : 0;
    }
    const B = pb[c], M0 = MM[c], P0 = PP[c], N0 = NN[c], F0 = FF[c];
    i = mult === 1 ? c : (c / mult) | 0;
    o = c;
    if (signFree) {
      for (oy = outH; oy > 0; oy--) {
        end = i + rowLen;
        do {
          a = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i] + W4 * x4[i] + W5 * x5[i] +
            W6 * x6[i] + W7 * x7[i] + W8 * x8[i];
          t = ((a * M0 + P0) * F0) | 0;
          out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
          o += outC;
          i += stepX;
        } while (i < end);
        i += rowSkip;
      }
    } else {
      for (oy = outH; oy > 0; oy--) {
        end = i + rowLen;
        do {
          a = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i] + W4 * x4[i] + W5 * x5[i] +
            W6 * x6[i] + W7 * x7[i] + W8 * x8[i];
          t = ((a * M0 + (a < 0 ? N0 : P0)) * F0) | 0;
          out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
          o += outC;
          i += stepX;
        } while (i < end);
        i += rowSkip;
      }
    }
  }
}

function dw25(s: DepthwiseFastState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1], x2 = v[2], x3 = v[3], x4 = v[4], x5 = v[5], x6 = v[6], x7 = v[7], x8 = v[8],
    x9 = v[9], x10 = v[10], x11 = v[11], x12 = v[12], x13 = v[13], x14 = v[14], x15 = v[15], x16 = v[16],
    x17 = v[17], x18 = v[18], x19 = v[19], x20 = v[20], x21 = v[21], x22 = v[22], x23 = v[23], x24 = v[24];
  const pw = s.w, fv = s.fv, count = s.count, pb = s.bias, MM = s.M, PP = s.P, NN = s.N, FF = s.F;
  const outC = s.outC, outH = s.outH, mult = s.mult;
  const rowLen = s.src.rowLen, stepX = s.src.stepX, rowSkip = s.src.rowSkip;
  const lo = s.lo, hi = s.hi, zp = s.zp, actMin = lo + zp, actMax = hi + zp, signFree = s.signFree;
  let W0 = 0, W1 = 0, W2 = 0, W3 = 0, W4 = 0, W5 = 0, W6 = 0, W7 = 0, W8 = 0,
    W9 = 0, W10 = 0, W11 = 0, W12 = 0, W13 = 0, W14 = 0, W15 = 0, W16 = 0, W17 = 0,
    W18 = 0, W19 = 0, W20 = 0, W21 = 0, W22 = 0, W23 = 0, W24 = 0;
  let a = 0, t = 0, i = 0, o = 0, end = 0, oy = 0;
  for (let c = 0; c < outC; c++) {
    const j = c * 25;
    if (pw !== null) {
      W0 = pw[j];
      W1 = pw[j + 1];
      W2 = pw[j + 2];
      W3 = pw[j + 3];
      W4 = pw[j + 4];
      W5 = pw[j + 5];
      W6 = pw[j + 6];
      W7 = pw[j + 7];
      W8 = pw[j + 8];
      W9 = pw[j + 9];
      W10 = pw[j + 10];
      W11 = pw[j + 11];
      W12 = pw[j + 12];
      W13 = pw[j + 13];
      W14 = pw[j + 14];
      W15 = pw[j + 15];
      W16 = pw[j + 16];
      W17 = pw[j + 17];
      W18 = pw[j + 18];
      W19 = pw[j + 19];
      W20 = pw[j + 20];
      W21 = pw[j + 21];
      W22 = pw[j + 22];
      W23 = pw[j + 23];
      W24 = pw[j + 24];
    } else {
      // weights from the package (flash); zero beyond the taps
      W0 = fv[0][c];
      W1 = count > 1 ? fv[1][c] : 0;
      W2 = count > 2 ? fv[2][c] : 0;
      W3 = count > 3 ? fv[3][c] : 0;
      W4 = count > 4 ? fv[4][c] : 0;
      W5 = count > 5 ? fv[5][c] : 0;
      W6 = count > 6 ? fv[6][c] : 0;
      W7 = count > 7 ? fv[7][c] : 0;
      W8 = count > 8 ? fv[8][c] : 0;
      W9 = count > 9 ? fv[9][c] : 0;
      W10 = count > 10 ? fv[10][c] : 0;
      W11 = count > 11 ? fv[11][c] : 0;
      W12 = count > 12 ? fv[12][c] : 0;
      W13 = count > 13 ? fv[13][c] : 0;
      W14 = count > 14 ? fv[14][c] : 0;
      W15 = count > 15 ? fv[15][c] : 0;
      W16 = count > 16 ? fv[16][c] : 0;
      W17 = count > 17 ? fv[17][c] : 0;
      W18 = count > 18 ? fv[18][c] : 0;
      W19 = count > 19 ? fv[19][c] : 0;
      W20 = count > 20 ? fv[20][c] : 0;
      W21 = count > 21 ? fv[21][c] : 0;
      W22 = count > 22 ? fv[22][c] : 0;
      W23 = count > 23 ? fv[23][c] : 0;
      W24 = count > 24 ? fv[24][c] : 0;
    }
    const B = pb[c], M0 = MM[c], P0 = PP[c], N0 = NN[c], F0 = FF[c];
    i = mult === 1 ? c : (c / mult) | 0;
    o = c;
    if (signFree) {
      for (oy = outH; oy > 0; oy--) {
        end = i + rowLen;
        do {
          a = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i] + W4 * x4[i] + W5 * x5[i] +
            W6 * x6[i] + W7 * x7[i] + W8 * x8[i] + W9 * x9[i] + W10 * x10[i] + W11 * x11[i] + W12 * x12[i] +
            W13 * x13[i] + W14 * x14[i] + W15 * x15[i] + W16 * x16[i] + W17 * x17[i] + W18 * x18[i] +
            W19 * x19[i] + W20 * x20[i] + W21 * x21[i] + W22 * x22[i] + W23 * x23[i] + W24 * x24[i];
          t = ((a * M0 + P0) * F0) | 0;
          out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
          o += outC;
          i += stepX;
        } while (i < end);
        i += rowSkip;
      }
    } else {
      for (oy = outH; oy > 0; oy--) {
        end = i + rowLen;
        do {
          a = B + W0 * x0[i] + W1 * x1[i] + W2 * x2[i] + W3 * x3[i] + W4 * x4[i] + W5 * x5[i] +
            W6 * x6[i] + W7 * x7[i] + W8 * x8[i] + W9 * x9[i] + W10 * x10[i] + W11 * x11[i] + W12 * x12[i] +
            W13 * x13[i] + W14 * x14[i] + W15 * x15[i] + W16 * x16[i] + W17 * x17[i] + W18 * x18[i] +
            W19 * x19[i] + W20 * x20[i] + W21 * x21[i] + W22 * x22[i] + W23 * x23[i] + W24 * x24[i];
          t = ((a * M0 + (a < 0 ? N0 : P0)) * F0) | 0;
          out[o] = t < lo ? actMin : t > hi ? actMax : t + zp;
          o += outC;
          i += stepX;
        } while (i < end);
        i += rowSkip;
      }
    }
  }
}
