// An independent reference for the int8 graph, written from TensorFlow Lite's formulas:
// BigInt for every 64-bit product and rounding division, float64 for the multipliers (frexp from
// the IEEE bit pattern), direct nested loops over output positions and kernel taps with explicit
// bounds checks for padding. It evaluates a GraphDef (the host description), not a parsed body.
// Slow on purpose; it shares no code with firmware/core/graph.

import type { GraphDef, OpDef, TensorDef } from '../../host/package/graph-body';
import { OPCODES } from '../../host/package/graph-body';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

// ---- fixed point ----------------------------------------------------------------------------

/** int32 wrap of an integer (as C int32 arithmetic on two's complement machines). */
export function wrap32(x: bigint | number): number {
  return Number(BigInt.asIntN(32, BigInt(x)));
}

/** gemmlowp SaturatingRoundingDoublingHighMul, with BigInt. */
export function refSrdhm(a: number, b: number): number {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero
}

/** x / 2^e rounded to nearest, ties away from zero (what gemmlowp RoundingDivideByPOT computes). */
export function refRoundingDivideByPOT(x: number, e: number): number {
  const X = BigInt(x);
  const neg = X < 0n;
  const m = neg ? -X : X;
  const d = 1n << BigInt(e);
  let q = m / d;
  const r = m % d;
  if (2n * r >= d && e > 0) q += 1n;
  return Number(neg ? -q : q);
}

/** frexp from the IEEE-754 bit pattern: x = mant * 2^exp, mant in [0.5, 1). */
export function refFrexp(x: number): { mant: number; exp: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  let bias = 0;
  if (((dv.getUint16(0) >> 4) & 0x7ff) === 0) { // subnormal: scale into the normal range
    dv.setFloat64(0, x * 2 ** 64);
    bias = -64;
  }
  const hi = dv.getUint16(0);
  const e = (hi >> 4) & 0x7ff;
  dv.setUint16(0, (hi & 0x800f) | (1022 << 4));
  return { mant: dv.getFloat64(0), exp: e - 1022 + bias };
}

/** TFLite QuantizeMultiplier. */
export function refQuantizeMultiplier(x: number): { multiplier: number; shift: number } {
  if (x === 0) return { multiplier: 0, shift: 0 };
  const f = refFrexp(x);
  let shift = f.exp;
  let q = BigInt(Math.round(f.mant * 2 ** 31));
  if (q === 1n << 31n) {
    q /= 2n;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: Number(q), shift };
}

/** TFLite MultiplyByQuantizedMultiplier (double rounding). */
export function refMbqm(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return refRoundingDivideByPOT(refSrdhm(wrap32(BigInt(x) * (1n << BigInt(left))), multiplier), right);
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

function activationRange(act: string | undefined, scale: number, zp: number): [number, number] {
  let lo = -128;
  let hi = 127;
  if (act === 'RELU' || act === 'RELU6') lo = Math.max(lo, zp);
  if (act === 'RELU6') hi = Math.min(hi, zp + roundHalfAway(Math.fround(6 / scale)));
  return [lo, hi];
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

// ---- gemmlowp fixed point for softmax (BigInt primitives) ------------------------------------

function satShiftLeft(x: number, e: number): number {
  const v = BigInt(x) << BigInt(e);
  if (v > BigInt(I32_MAX)) return I32_MAX;
  if (v < BigInt(I32_MIN)) return I32_MIN;
  return Number(v);
}

function add32(a: number, b: number): number {
  return wrap32(BigInt(a) + BigInt(b));
}

function expQuarter(a: number): number {
  const c = 1895147668;
  const third = 715827883;
  const x = add32(a, 1 << 28);
  const x2 = refSrdhm(x, x);
  const x3 = refSrdhm(x2, x);
  const x4 = refSrdhm(x2, x2);
  const x4o4 = refRoundingDivideByPOT(x4, 2);
  const poly = refRoundingDivideByPOT(add32(refSrdhm(add32(x4o4, x3), third), x2), 1);
  return add32(c, refSrdhm(c, add32(x, poly)));
}

export function refExpOnNegativeValues(a: number): number {
  const quarter = 1 << 24;
  const amq = wrap32(BigInt(a & (quarter - 1)) - BigInt(quarter));
  let result = expQuarter(satShiftLeft(amq, 5));
  const remainder = wrap32(BigInt(amq) - BigInt(a));
  const mults = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  for (let k = 0; k < 7; k++) {
    if (remainder & (1 << (24 + k))) result = refSrdhm(result, mults[k]);
  }
  return a === 0 ? I32_MAX : result;
}

function oneOverOnePlusX(a: number): number {
  const sum = BigInt(a) + BigInt(I32_MAX);
  const half = Number((sum + (sum >= 0n ? 1n : -1n)) / 2n);
  let x = add32(1515870810, refSrdhm(half, -1010580540));
  for (let i = 0; i < 3; i++) {
    const hx = refSrdhm(half, x);
    const oneMinus = add32(1 << 29, -hx);
    x = add32(x, satShiftLeft(refSrdhm(x, oneMinus), 2));
  }
  return satShiftLeft(x, 1);
}

function refSoftmaxRow(row: number[], inScale: number): number[] {
  let real = 1.0 * inScale * 2 ** 26;
  real = Math.min(real, 2 ** 31 - 1);
  const { multiplier, shift } = refQuantizeMultiplier(real);
  const diffMin = -Math.floor((31 * 2 ** 26) / 2 ** shift);
  const max = Math.max(...row);
  const exps = row.map((v) => {
    const diff = v - max;
    if (diff < diffMin) return null;
    return refExpOnNegativeValues(refSrdhm(wrap32(BigInt(diff) << BigInt(shift)), multiplier));
  });
  let sum = 0;
  for (const e of exps) if (e !== null) sum = add32(sum, refRoundingDivideByPOT(e, 12));
  const headroom = Math.clz32(sum);
  const bitsOverUnit = 12 - headroom;
  const shifted = wrap32((BigInt(sum) << BigInt(headroom)) - (1n << 31n));
  const scale = oneOverOnePlusX(shifted);
  return exps.map((e) => {
    if (e === null) return -128;
    const p = refSrdhm(scale, e);
    const exponent = bitsOverUnit + 23;
    const q = exponent > 31 ? 0 : refRoundingDivideByPOT(p, exponent);
    return clamp(q - 128, -128, 127);
  });
}

// ---- ops ------------------------------------------------------------------------------------

interface Q {
  scale: number;
  zp: number;
}

function q(t: TensorDef): Q {
  return { scale: Math.fround(t.scale as number), zp: t.zeroPoint ?? 0 };
}

function wScale(t: TensorDef, c: number): number {
  return t.scales !== undefined ? Math.fround(t.scales[c]) : Math.fround(t.scale as number);
}

function padBefore(padding: string, inSize: number, k: number, stride: number): { out: number; pad: number } {
  if (padding === 'SAME') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max(0, (out - 1) * stride + k - inSize);
    return { out, pad: Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize - k) / stride) + 1, pad: 0 };
}

function strides(op: OpDef): [number, number] {
  const s = op.stride ?? 1;
  return typeof s === 'number' ? [s, s] : [s[0], s[1]];
}

function requant(acc: number, inS: number, ws: number, outS: number): number {
  const { multiplier, shift } = refQuantizeMultiplier((inS * ws) / outS);
  return refMbqm(wrap32(acc), multiplier, shift);
}

function conv(op: OpDef, defs: readonly TensorDef[], vals: (Int8Array | null)[], depthwise: boolean): Int8Array {
  const [xi, wi, bi] = op.inputs;
  const x = vals[xi] as Int8Array;
  const xd = defs[xi], wd = defs[wi], yd = defs[op.output];
  const [, H, W, C] = xd.shape;
  const w = wd.data as ArrayLike<number>;
  const bias = bi !== undefined ? (defs[bi].data as ArrayLike<number>) : null;
  const [sh, sw] = strides(op);
  const padding = op.padding ?? 'VALID';
  const kH = wd.shape[1], kW = wd.shape[2];
  const outC = depthwise ? wd.shape[3] : wd.shape[0];
  const mult = depthwise ? outC / C : 1;
  const ph = padBefore(padding, H, kH, sh), pw = padBefore(padding, W, kW, sw);
  const qi = q(xd), qo = q(yd);
  const [lo, hi] = activationRange(op.activation, qo.scale, qo.zp);
  const y = new Int8Array(ph.out * pw.out * outC);
  for (let oy = 0; oy < ph.out; oy++) {
    for (let ox = 0; ox < pw.out; ox++) {
      for (let oc = 0; oc < outC; oc++) {
        let acc = 0;
        for (let ky = 0; ky < kH; ky++) {
          for (let kx = 0; kx < kW; kx++) {
            const iy = oy * sh - ph.pad + ky;
            const ix = ox * sw - pw.pad + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            if (depthwise) {
              const ic = Math.floor(oc / mult);
              acc += w[(ky * kW + kx) * outC + oc] * (x[(iy * W + ix) * C + ic] - qi.zp);
            } else {
              for (let ic = 0; ic < C; ic++) {
                acc += w[((oc * kH + ky) * kW + kx) * C + ic] * (x[(iy * W + ix) * C + ic] - qi.zp);
              }
            }
          }
        }
        if (bias) acc += bias[oc];
        const v = requant(acc, qi.scale, wScale(wd, oc), qo.scale) + qo.zp;
        y[(oy * pw.out + ox) * outC + oc] = clamp(v, lo, hi);
      }
    }
  }
  return y;
}

function fullyConnected(op: OpDef, defs: readonly TensorDef[], vals: (Int8Array | null)[]): Int8Array {
  const [xi, wi, bi] = op.inputs;
  const x = vals[xi] as Int8Array;
  const wd = defs[wi], yd = defs[op.output];
  const [units, n] = wd.shape;
  const w = wd.data as ArrayLike<number>;
  const bias = bi !== undefined ? (defs[bi].data as ArrayLike<number>) : null;
  const qi = q(defs[xi]), qo = q(yd);
  const [lo, hi] = activationRange(op.activation, qo.scale, qo.zp);
  const y = new Int8Array(units);
  for (let u = 0; u < units; u++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += w[u * n + i] * (x[i] - qi.zp);
    if (bias) acc += bias[u];
    y[u] = clamp(requant(acc, qi.scale, wScale(wd, u), qo.scale) + qo.zp, lo, hi);
  }
  return y;
}

function pool(op: OpDef, defs: readonly TensorDef[], vals: (Int8Array | null)[], max: boolean): Int8Array {
  const x = vals[op.inputs[0]] as Int8Array;
  const [, H, W, C] = defs[op.inputs[0]].shape;
  const [fh, fw] = op.filter as readonly [number, number];
  const [sh, sw] = strides(op);
  const padding = op.padding ?? 'VALID';
  const ph = padBefore(padding, H, fh, sh), pw = padBefore(padding, W, fw, sw);
  const qo = q(defs[op.output]);
  const [lo, hi] = activationRange(op.activation, qo.scale, qo.zp);
  const y = new Int8Array(ph.out * pw.out * C);
  for (let oy = 0; oy < ph.out; oy++) {
    for (let ox = 0; ox < pw.out; ox++) {
      for (let c = 0; c < C; c++) {
        let m = -128, sum = 0, count = 0;
        for (let ky = 0; ky < fh; ky++) {
          for (let kx = 0; kx < fw; kx++) {
            const iy = oy * sh - ph.pad + ky, ix = ox * sw - pw.pad + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const v = x[(iy * W + ix) * C + c];
            m = Math.max(m, v);
            sum += v;
            count++;
          }
        }
        // average: round half away from zero of sum / count (exact rational arithmetic)
        const avg = Math.sign(sum) * Math.floor((2 * Math.abs(sum) + count) / (2 * count));
        y[(oy * pw.out + ox) * C + c] = clamp(max ? m : avg, lo, hi);
      }
    }
  }
  return y;
}

function add(op: OpDef, defs: readonly TensorDef[], vals: (Int8Array | null)[]): Int8Array {
  const a = vals[op.inputs[0]] as Int8Array, b = vals[op.inputs[1]] as Int8Array;
  const qa = q(defs[op.inputs[0]]), qb = q(defs[op.inputs[1]]), qo = q(defs[op.output]);
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const ma = refQuantizeMultiplier(qa.scale / twiceMax);
  const mb = refQuantizeMultiplier(qb.scale / twiceMax);
  const mo = refQuantizeMultiplier(twiceMax / (2 ** 20 * qo.scale));
  const [lo, hi] = activationRange(op.activation, qo.scale, qo.zp);
  const y = new Int8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const sa = refMbqm((a[i] - qa.zp) * 2 ** 20, ma.multiplier, ma.shift);
    const sb = refMbqm((b[i] - qb.zp) * 2 ** 20, mb.multiplier, mb.shift);
    y[i] = clamp(refMbqm(wrap32(sa + sb), mo.multiplier, mo.shift) + qo.zp, lo, hi);
  }
  return y;
}

function softmax(op: OpDef, defs: readonly TensorDef[], vals: (Int8Array | null)[]): Int8Array {
  const x = vals[op.inputs[0]] as Int8Array;
  const shape = defs[op.inputs[0]].shape;
  const depth = shape[shape.length - 1];
  const y = new Int8Array(x.length);
  for (let r = 0; r < x.length / depth; r++) {
    const row = Array.from(x.subarray(r * depth, (r + 1) * depth));
    y.set(refSoftmaxRow(row, q(defs[op.inputs[0]]).scale), r * depth);
  }
  return y;
}

/** Evaluate a graph description on one int8 input; returns every activation's values. */
export function referenceRun(def: GraphDef, input: Int8Array): (Int8Array | null)[] {
  const vals: (Int8Array | null)[] = def.tensors.map(() => null);
  vals[def.input] = Int8Array.from(input);
  for (const op of def.ops) {
    const code = typeof op.op === 'number' ? op.op : OPCODES[op.op];
    let y: Int8Array;
    switch (code) {
      case OPCODES.CONV_2D: y = conv(op, def.tensors, vals, false); break;
      case OPCODES.DEPTHWISE_CONV_2D: y = conv(op, def.tensors, vals, true); break;
      case OPCODES.FULLY_CONNECTED: y = fullyConnected(op, def.tensors, vals); break;
      case OPCODES.MAX_POOL_2D: y = pool(op, def.tensors, vals, true); break;
      case OPCODES.AVERAGE_POOL_2D: y = pool(op, def.tensors, vals, false); break;
      case OPCODES.ADD: y = add(op, def.tensors, vals); break;
      case OPCODES.SOFTMAX: y = softmax(op, def.tensors, vals); break;
      case OPCODES.RESHAPE: y = Int8Array.from(vals[op.inputs[0]] as Int8Array); break;
      default: throw new Error(`reference: unsupported op ${String(op.op)}`);
    }
    vals[op.output] = y;
  }
  return vals;
}

/** The graph output for one input. */
export function referenceOutput(def: GraphDef, input: Int8Array): Int8Array {
  return referenceRun(def, input)[def.output] as Int8Array;
}
