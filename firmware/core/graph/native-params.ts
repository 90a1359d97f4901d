// The int32 params array of a native graph kernel (layout: firmware/native/edgeml_graph.h),
// built once at load from what the reference kernel's validation computed (convLayer and the
// like: the reference prepare() without its packed copies): the C kernels check nothing, so
// everything they index is derived from it.

import type { Requant } from './ops/common';
import type { ConvLayer } from './ops/conv2d';
import type { DepthwiseLayer } from './ops/depthwise-conv2d';
import type { FullyConnectedLayer } from './ops/fully-connected';
import type { PoolState } from './ops/pool';
import type { SoftmaxState } from './ops/softmax';

// Indices (EDGEML_P_* in edgeml_graph.h)
const P_IN_H = 0, P_IN_W = 1, P_IN_C = 2, P_OUT_H = 3, P_OUT_W = 4, P_OUT_C = 5, P_K_H = 6, P_K_W = 7;
const P_STRIDE_H = 8, P_STRIDE_W = 9, P_PAD_T = 10, P_PAD_L = 11, P_IN_ZP = 12, P_OUT_ZP = 13;
const P_ACT_MIN = 14, P_ACT_MAX = 15, P_DEPTH_MULT = 16;
export const P_CHANNELS = 17;
/**
 * Per channel (EDGEML_CH_*): folded bias, bias, multiplier, then the requantization constants of
 * the TFLite shift s, with e = max(-s, 0): left shift max(s, 0), right shift 31 + e, 2^31 when
 * e > 0, and 2^30 + (e > 0 ? 2^(30+e) : 0) as low and high 32 bits (firmware/native/graph/quant.h).
 */
export const CH_SIZE = 8;
const TWO_POW_32 = 4294967296;

interface Window {
  readonly inH: number; readonly inW: number; readonly inC: number;
  readonly outH: number; readonly outW: number; readonly outC: number;
  readonly kH: number; readonly kW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padT: number; readonly padL: number;
  readonly inZp: number; readonly outZp: number;
  readonly actMin: number; readonly actMax: number;
}

function header(g: Window, depthMult: number, channels: number): Int32Array {
  const p = new Int32Array(P_CHANNELS + CH_SIZE * channels);
  p[P_IN_H] = g.inH; p[P_IN_W] = g.inW; p[P_IN_C] = g.inC;
  p[P_OUT_H] = g.outH; p[P_OUT_W] = g.outW; p[P_OUT_C] = g.outC;
  p[P_K_H] = g.kH; p[P_K_W] = g.kW; p[P_STRIDE_H] = g.strideH; p[P_STRIDE_W] = g.strideW;
  p[P_PAD_T] = g.padT; p[P_PAD_L] = g.padL; p[P_IN_ZP] = g.inZp; p[P_OUT_ZP] = g.outZp;
  p[P_ACT_MIN] = g.actMin; p[P_ACT_MAX] = g.actMax; p[P_DEPTH_MULT] = depthMult;
  return p;
}

/**
 * Channel records. The plain bias is recovered from the folded one: bias = folded + inZp * sum of
 * channel c's `count` weights at w[c * channelStep + k * step] (mod 2^32; exact as a double first).
 */
function channels(p: Int32Array, w: Int8Array, count: number, channelStep: number, step: number,
  folded: Int32Array, inZp: number, rq: Requant): Int32Array {
  for (let c = 0; c < folded.length; c++) {
    let sum = 0;
    for (let k = 0; k < count; k++) sum += w[c * channelStep + k * step];
    const at = P_CHANNELS + CH_SIZE * c;
    p[at] = folded[c];
    p[at + 1] = (folded[c] + inZp * sum) | 0;
    p[at + 2] = rq.mult[c];
    const shift = rq.left[c] > 0 ? rq.left[c] : -rq.right[c];
    const e = shift > 0 ? 0 : -shift;
    const round = 2 ** 30 + (e > 0 ? 2 ** (30 + e) : 0); // < 2^62, exact
    p[at + 3] = shift > 0 ? shift : 0;
    p[at + 4] = 31 + e;
    p[at + 5] = e > 0 ? -2147483648 : 0;
    p[at + 6] = round % TWO_POW_32 | 0;
    p[at + 7] = Math.floor(round / TWO_POW_32);
  }
  return p;
}

export function convParams(s: ConvLayer): Int32Array {
  return channels(header(s, 1, s.outC), s.filter, s.K, s.K, 1, s.biasFolded, s.inZp, s.rq);
}

export function depthwiseParams(s: DepthwiseLayer): Int32Array {
  return channels(header(s, s.mult, s.outC), s.filter, s.kH * s.kW, 1, s.outC, s.biasFolded, s.inZp, s.rq);
}

export function fullyConnectedParams(s: FullyConnectedLayer): Int32Array {
  const g: Window = {
    inH: 1, inW: 1, inC: s.inUnits, outH: 1, outW: 1, outC: s.units, kH: 1, kW: 1, strideH: 1, strideW: 1,
    padT: 0, padL: 0, inZp: s.inZp, outZp: s.outZp, actMin: s.actMin, actMax: s.actMax,
  };
  return channels(header(g, 1, s.units), s.w, s.inUnits, s.inUnits, 1, s.biasFolded, s.inZp, s.rq);
}

export function poolParams(s: PoolState): Int32Array {
  return header({ ...s, inC: s.channels, outC: s.channels, inZp: 0, outZp: 0 }, 1, 0);
}

// SOFTMAX (EDGEML_SOFTMAX_* in edgeml_graph.h): rows, depth, then the 256 exp terms.
const SOFTMAX_EXP = 2;

export function softmaxParams(s: SoftmaxState): Int32Array {
  const p = new Int32Array(SOFTMAX_EXP + 256);
  p[0] = s.rows;
  p[1] = s.depth;
  p.set(s.expTable, SOFTMAX_EXP);
  return p;
}
