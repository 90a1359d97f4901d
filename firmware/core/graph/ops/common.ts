// Shared prepare-time helpers: tensor checks, TFLite padding and output sizes, activation
// ranges, per-channel requantization parameters.

import { roundHalfAway } from '../../quantize';
import { fail } from '../../errors';
import {
  ACT_NONE, ACT_RELU, ACT_RELU6, PADDING_NONE, PADDING_SAME, PADDING_VALID,
  QUANT_NONE, QUANT_PER_CHANNEL, TENSOR_INT32, TENSOR_INT8,
} from '../format';
import type { Graph, OpNode, Tensor } from '../format';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../fixed-point';
import type { QuantizedMultiplier } from '../fixed-point';

export function opName(op: OpNode, name: string): string {
  return `op ${op.index} (${name})`;
}

/** An int8 activation tensor (not a constant). */
export function activation(graph: Graph, index: number, what: string): Tensor {
  const t = graph.tensors[index];
  if (t.constant || t.dtype !== TENSOR_INT8) fail('BAD_BODY', `${what}: tensor ${index} must be an int8 activation`);
  return t;
}

/** [H, W, C] of a rank-4 NHWC tensor with batch 1. */
export function nhwc(t: Tensor, what: string): [number, number, number] {
  const d = t.dims;
  if (d.length !== 4 || d[0] !== 1) fail('BAD_SHAPE', `${what}: tensor ${t.index} must be [1, H, W, C], is [${d.join(', ')}]`);
  return [d[1], d[2], d[3]];
}

/** An int8 constant weight tensor with zero point 0; quantized per tensor or along `axis`. */
export function weights(graph: Graph, index: number, axis: number, what: string): Tensor {
  const t = graph.tensors[index];
  if (!t.constant || t.dtype !== TENSOR_INT8) fail('BAD_BODY', `${what}: tensor ${index} must be constant int8 weights`);
  if (t.quant === QUANT_PER_CHANNEL && t.axis !== axis) {
    fail('BAD_QUANT', `${what}: weights quantized along dimension ${t.axis}, expected ${axis}`);
  }
  return t;
}

/** The per-channel (or broadcast per-tensor) scale of weights. */
export function weightScale(t: Tensor, channel: number): number {
  return t.scales !== null ? t.scales[channel] : t.scale;
}

/** An int32 constant bias [channels] (quantization implied), or zeros when absent. */
export function bias(graph: Graph, op: OpNode, slot: number, channels: number, what: string): Int32Array {
  if (op.inputs.length <= slot) return new Int32Array(channels);
  const t = graph.tensors[op.inputs[slot]];
  if (!t.constant || t.dtype !== TENSOR_INT32 || t.quant !== QUANT_NONE) {
    fail('BAD_BODY', `${what}: bias tensor ${t.index} must be a constant int32 without quantization`);
  }
  if (t.dims.length !== 1 || t.dims[0] !== channels) {
    fail('BAD_SHAPE', `${what}: bias shape [${t.dims.join(', ')}], expected [${channels}]`);
  }
  return t.data as Int32Array;
}

export function inputCount(op: OpNode, min: number, max: number, what: string): void {
  const n = op.inputs.length;
  if (n < min || n > max) fail('BAD_BODY', `${what}: ${n} inputs, expected ${min === max ? min : `${min} to ${max}`}`);
}

/** Fields an op does not use must be zero (one encoding per model). */
export function unusedFields(op: OpNode, what: string, spatial: boolean, pool: boolean, depthwise: boolean, act: boolean): void {
  if (!spatial && (op.padding !== PADDING_NONE || op.strideH !== 0 || op.strideW !== 0)) {
    fail('BAD_BODY', `${what}: padding and strides must be 0`);
  }
  if (spatial && (op.padding !== PADDING_SAME && op.padding !== PADDING_VALID)) {
    fail('BAD_BODY', `${what}: padding must be SAME or VALID`);
  }
  if (spatial && (op.strideH < 1 || op.strideW < 1)) fail('BAD_SHAPE', `${what}: strides must be >= 1`);
  if (!pool && (op.filterH !== 0 || op.filterW !== 0)) fail('BAD_BODY', `${what}: filter size fields must be 0`);
  if (pool && (op.filterH < 1 || op.filterW < 1)) fail('BAD_SHAPE', `${what}: pool filter must be at least 1x1`);
  if (!depthwise && op.depthMultiplier !== 0) fail('BAD_BODY', `${what}: depth multiplier must be 0`);
  if (!act && op.activation !== ACT_NONE) fail('BAD_BODY', `${what}: no fused activation allowed`);
}

/** TFLite ComputeOutSize (dilation 1). */
export function outSize(padding: number, inSize: number, filter: number, stride: number): number {
  if (padding === PADDING_SAME) return Math.floor((inSize + stride - 1) / stride);
  const n = inSize + stride - filter;
  return n <= 0 ? 0 : Math.floor(n / stride); // C division truncates; n <= 0 gives no output
}

/** TFLite ComputePaddingWithOffset: the leading (top/left) padding, floor(total / 2). */
export function leadingPadding(stride: number, inSize: number, filter: number, outSz: number): number {
  const total = (outSz - 1) * stride + filter - inSize;
  return total > 0 ? Math.floor(total / 2) : 0;
}

/**
 * Check that every window along one axis has at least one in-bounds tap (so that eval never
 * sees an empty window and every index stays in range).
 */
export function checkWindows(inSize: number, filter: number, stride: number, pad: number, outSz: number, what: string): void {
  for (let o = 0; o < outSz; o++) {
    const origin = o * stride - pad;
    const start = origin < 0 ? -origin : 0;
    const end = inSize - origin < filter ? inSize - origin : filter;
    if (end <= start) fail('BAD_SHAPE', `${what}: a window lies entirely in the padding`);
  }
}

export interface Range { min: number; max: number }

/**
 * TFLite CalculateActivationRangeQuantized for int8 output (float32 arithmetic as in C++).
 * Like TFLite, refuses a RELU6 bound that does not fit an int32 (a scale below ~2.8e-9).
 */
export function activationRange(act: number, scale: number, zeroPoint: number, what: string): Range {
  let min = -128;
  let max = 127;
  if (act === ACT_RELU || act === ACT_RELU6) {
    if (zeroPoint > min) min = zeroPoint; // quantize(0) = zero point
  }
  if (act === ACT_RELU6) {
    const six = roundHalfAway(Math.fround(6 / scale));
    if (!(six < 2147483648)) fail('BAD_QUANT', `${what}: RELU6 bound 6 / ${scale} overflows int32`);
    const q = zeroPoint + six;
    if (q < max) max = q;
  }
  return { min, max };
}

/**
 * Per-channel requantization (MultiplyByQuantizedMultiplier) parameters. The effective scale
 * is (double(inScale) * double(wScale[c])) / double(outScale), as TFLite computes it.
 */
export interface Requant {
  /** Q31 multiplier per channel. */
  readonly mult: Int32Array;
  /** Left shift per channel (TFLite shift when > 0, else 0). */
  readonly left: Int32Array;
  /** 2^-rightShift per channel (right shift = -TFLite shift when <= 0, else 0). */
  readonly inv: Float64Array;
  /** Right shift per channel (-TFLite shift when <= 0, else 0). */
  readonly right: Int32Array;
  /** Whether any channel has a left shift (effective scale >= 1). */
  readonly hasLeft: boolean;
}

export function channelRequant(inScale: number, w: Tensor, outScale: number, channels: number, what: string): Requant {
  const mult = new Int32Array(channels);
  const left = new Int32Array(channels);
  const inv = new Float64Array(channels);
  const right = new Int32Array(channels);
  const qm: QuantizedMultiplier = { multiplier: 0, shift: 0 };
  let hasLeft = false;
  for (let c = 0; c < channels; c++) {
    const real = (inScale * weightScale(w, c)) / outScale;
    if (!(real >= 0 && real < Infinity)) fail('BAD_QUANT', `${what}: effective scale ${real}`);
    quantizeMultiplier(real, qm);
    if (qm.shift > 30) fail('BAD_QUANT', `${what}: effective scale ${real} is too large`);
    mult[c] = qm.multiplier;
    left[c] = qm.shift > 0 ? qm.shift : 0;
    inv[c] = qm.shift > 0 ? 1 : 2 ** qm.shift;
    right[c] = qm.shift > 0 ? 0 : -qm.shift;
    if (qm.shift > 0) hasLeft = true;
  }
  return { mult, left, inv, right, hasLeft };
}

/**
 * Largest RAM copy of a layer's weights as doubles (packed or zero-padded, 4 to 8 bytes per int8
 * weight) that a fast kernel keeps; beyond it, the kernel reads the int8 weights in the package.
 */
export const PACKED_WEIGHTS_MAX_BYTES = 16384;

/**
 * Single-rounding requantization constants (see fastRequant), per channel:
 * out = trunc((a * M + (a < 0 ? N : P)) * F) equals MultiplyByQuantizedMultiplier(a) exactly.
 */
export interface FastRequant {
  readonly M: Float64Array;
  readonly P: Float64Array;
  readonly N: Float64Array;
  readonly F: Float64Array;
}

/**
 * MultiplyByQuantizedMultiplier as one multiply-add and one truncation, when provably exact.
 *
 * With m the Q31 multiplier, left/right the shifts (one of them 0) and M = m * 2^left:
 * SRDHM(a * 2^left, m) = floor((a*M + 2^30) / 2^31) for every int32 a (gemmlowp's nudge
 * 1 - 2^30 for negative products, with truncation toward zero, is the same floor), as long as
 * a * 2^left does not wrap. RoundingDivideByPOT(x, e) = floor((x + 2^(e-1) - [x < 0]) / 2^e) for
 * e >= 1, and by the nested-floor identity floor((floor(y / A) + B) / C) = floor((y + AB) / AC):
 *   a >= 0:  out = floor((a*M + P) / 2^(31+e)),       P = 2^30 + 2^(30+e)  (2^30 when e = 0)
 *   a <  0:  out = floor((a*M + P - 2^31) / 2^(31+e)) (x < 0 exactly when it matters; for
 *            x = 0 both give 0), and floor(n / D) = trunc((n - D + 1) / D) for n < D, so
 *            out = trunc((a*M + N) / 2^(31+e)) with N = 1 - P.
 * a*M and the sums are integers below 2^53 (exact) when |a| * M + P < 2^53; the scaling by
 * F = 2^-(31+e) is exact; |out| < 2^22 so `| 0` truncates. When the output range's lower
 * bound (relative to the zero point) is 0 (RELU, RELU6, or zero point -128), `P` may be used
 * for negative `a` too: both formulas then give a value <= 0, clamped to the same bound.
 *
 * Returns null unless, for every channel and every a in [accMin[c], accMax[c]] (A the larger
 * magnitude): a * 2^left cannot wrap an int32 (so neither can a, as in TFLite's accumulator), and
 * A * M + P < 2^53 when e <= 21; beyond 21, see thresholds().
 */
export function fastRequant(rq: Requant, accMin: Float64Array, accMax: Float64Array): FastRequant | null {
  const n = rq.mult.length;
  const M = new Float64Array(n), P = new Float64Array(n), N = new Float64Array(n), F = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const A = Math.max(Math.abs(accMin[c]), Math.abs(accMax[c]));
    const e = rq.right[c];
    const left = rq.left[c];
    if (!(A * 2 ** left < 2147483648)) return null;
    if (e > 21) {
      if (!thresholds(rq.mult[c], -e, A, c, M, P, N, F)) return null;
      continue;
    }
    M[c] = rq.mult[c] * 2 ** left;
    P[c] = e >= 1 ? 1073741824 + 2 ** (30 + e) : 1073741824;
    N[c] = 1 - P[c];
    F[c] = 2 ** -(31 + e);
    if (!(A * M[c] + P[c] < 9007199254740992)) return null;
  }
  return { M, P, N, F };
}

/**
 * Right shifts beyond 21 (effective scale below 2^-22): over |a| <= A < 2^31 the result is -1, 0
 * or 1 (checked at both ends, MBQM being monotone in a), so it is a pair of thresholds, found by
 * binary search with the exact fixed-point MBQM: T1 = least a >= 0 giving 1, T2 = largest a < 0
 * giving -1. With 2^k > A, M = 1 and F = 2^-k:
 *   a >= 0: trunc((a + 2^k - T1) / 2^k) is 1 exactly when a >= T1, else 0;
 *   a <  0: trunc((a - 2^k - T2) / 2^k) is -1 exactly when a <= T2, else 0;
 * all integers below 2^33. Using P for a negative a gives 0 or -1 (<= 0), as the formula needs.
 */
function thresholds(m: number, shift: number, A: number, c: number, M: Float64Array, P: Float64Array,
  N: Float64Array, F: Float64Array): boolean {
  if (multiplyByQuantizedMultiplier(A, m, shift) > 1 || multiplyByQuantizedMultiplier(-A, m, shift) < -1) return false;
  let k = 1;
  while (2 ** k <= A) k++;
  // T1: least a in [0, A + 1] with MBQM(a) >= 1 (A + 1: none)
  let lo = 0, hi = A + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (multiplyByQuantizedMultiplier(mid, m, shift) >= 1) hi = mid; else lo = mid + 1;
  }
  const T1 = lo;
  // T2: largest a in [-A - 1, -1] with MBQM(a) <= -1 (-A - 1: none)
  lo = -A - 1;
  hi = -1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (multiplyByQuantizedMultiplier(mid, m, shift) <= -1) lo = mid; else hi = mid - 1;
  }
  const T2 = lo;
  M[c] = 1;
  P[c] = 2 ** k - T1;
  N[c] = -(2 ** k) - T2;
  F[c] = 2 ** -k;
  return true;
}

/**
 * Range of a = bias - zpIn * sum(w) + sum(w * x) over int8 inputs x, for `count` weights at
 * w[start + k * stride]; exact (no wrap) as doubles. Writes [min, max] to out[0..1].
 */
export function accumulatorRange(w: Int8Array, start: number, count: number, stride: number, bias: number, inZp: number,
  out: Float64Array): void {
  let sum = 0, lo = 0, hi = 0;
  for (let k = 0; k < count; k++) {
    const v = w[start + k * stride];
    sum += v;
    if (v > 0) { lo -= 128 * v; hi += 127 * v; } else { lo += 127 * v; hi -= 128 * v; }
  }
  const b = bias - inZp * sum;
  out[0] = b + lo;
  out[1] = b + hi;
}

/** Same scale and zero point (ops that move int8 values without rescaling them). */
export function sameQuant(a: Tensor, b: Tensor, what: string): void {
  if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint) {
    fail('BAD_QUANT', `${what}: input and output must have the same scale and zero point`);
  }
}

/**
 * CONV_2D and FULLY_CONNECTED: per-output-channel weight views (rows of `rowLen` weights) and
 * biases with the input offset folded in: bias - zpIn * sum of the row's weights, mod 2^32.
 */
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
