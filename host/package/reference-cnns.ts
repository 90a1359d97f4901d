// The reference int8 CNNs the benchmark and the kernel tests use: seeded random float weights,
// quantized as a TFLite converter would (symmetric per-channel int8 weights, int32 biases,
// activation scales and zero points calibrated by a float forward pass on random inputs).
//
//   digits       8x8x1: conv 3x3x8 SAME ReLU, max-pool 2, conv 3x3x16 SAME ReLU, flatten, dense 10, softmax
//   accel1d      128x3 window (a height-1 image): conv 1x5 3->16 VALID ReLU, max-pool 1x2,
//                conv 1x5 16->32 VALID ReLU, global average pool, flatten, dense 6, softmax
//   keras-mnist  28x28x1: Conv2D(32, 3x3, ReLU) VALID, flatten, dense 10, softmax

import { GraphBuilder, quantizeBias, quantizeWeights } from './graph-body';
import type { GraphDef, PaddingName, QuantParams } from './graph-body';

export type ReferenceCnnName = 'digits' | 'accel1d' | 'keras-mnist';
export const REFERENCE_CNN_NAMES: readonly ReferenceCnnName[] = ['digits', 'accel1d', 'keras-mnist'];

export interface ReferenceCnnLayer {
  /** Index of the op in def.ops. */
  op: number;
  /** e.g. "conv 3x3 1->8 on 8x8". */
  name: string;
  /** Multiply-accumulates of this op (conv and dense only; 0 for the others). */
  macs: number;
}

export interface ReferenceCnn {
  name: ReferenceCnnName;
  description: string;
  def: GraphDef;
  /** Multiply-accumulates of the conv and dense layers, computed from the shapes. */
  macs: number;
  /** Graph input shape, e.g. [1, 8, 8, 1]. */
  inputShape: number[];
  /** Input quantization (the INPUT section's scale and zero point). */
  input: QuantParams;
  /** Output quantization (softmax: 1/256, -128); the OUTPUT section's score count is `classes`. */
  output: QuantParams;
  classes: number;
  /** Every op, with the MACs of conv and dense ops. */
  layers: ReferenceCnnLayer[];
}

/** mulberry32: a small seeded generator (reproducible weights). */
class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
}

// ---- float model ------------------------------------------------------------------------------

type FloatLayer =
  | { kind: 'conv'; outC: number; kH: number; kW: number; padding: PaddingName; relu: boolean; w: Float64Array; b: Float64Array }
  | { kind: 'maxpool'; kH: number; kW: number }
  | { kind: 'avgpool'; kH: number; kW: number }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number; relu: boolean; w: Float64Array; b: Float64Array }
  | { kind: 'softmax' };

interface Shape { h: number; w: number; c: number }

function outSize(padding: PaddingName, n: number, k: number, s: number): number {
  return padding === 'SAME' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/** Float forward pass of one layer ([H, W, C] row-major), as TFLite computes it (stride 1 convs, pools stride = filter, VALID). */
function forward(layer: FloatLayer, x: Float64Array, s: Shape): { y: Float64Array; s: Shape } {
  switch (layer.kind) {
    case 'conv': {
      const { outC, kH, kW, padding, w, b } = layer;
      const oh = outSize(padding, s.h, kH, 1), ow = outSize(padding, s.w, kW, 1);
      const pt = Math.max(0, Math.floor(((oh - 1) + kH - s.h) / 2));
      const pl = Math.max(0, Math.floor(((ow - 1) + kW - s.w) / 2));
      const y = new Float64Array(oh * ow * outC);
      for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let o = 0; o < outC; o++) {
        let acc = b[o];
        for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) {
          const iy = oy - pt + ky, ix = ox - pl + kx;
          if (iy < 0 || ix < 0 || iy >= s.h || ix >= s.w) continue;
          for (let c = 0; c < s.c; c++) acc += w[((o * kH + ky) * kW + kx) * s.c + c] * x[(iy * s.w + ix) * s.c + c];
        }
        y[(oy * ow + ox) * outC + o] = layer.relu ? Math.max(0, acc) : acc;
      }
      return { y, s: { h: oh, w: ow, c: outC } };
    }
    case 'maxpool':
    case 'avgpool': {
      const oh = Math.floor((s.h - layer.kH) / layer.kH) + 1, ow = Math.floor((s.w - layer.kW) / layer.kW) + 1;
      const y = new Float64Array(oh * ow * s.c);
      for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let c = 0; c < s.c; c++) {
        let m = -Infinity, sum = 0;
        for (let ky = 0; ky < layer.kH; ky++) for (let kx = 0; kx < layer.kW; kx++) {
          const v = x[((oy * layer.kH + ky) * s.w + ox * layer.kW + kx) * s.c + c];
          m = Math.max(m, v);
          sum += v;
        }
        y[(oy * ow + ox) * s.c + c] = layer.kind === 'maxpool' ? m : sum / (layer.kH * layer.kW);
      }
      return { y, s: { h: oh, w: ow, c: s.c } };
    }
    case 'flatten':
      return { y: x, s: { h: 1, w: 1, c: s.h * s.w * s.c } };
    case 'dense': {
      const n = s.h * s.w * s.c;
      const y = new Float64Array(layer.units);
      for (let u = 0; u < layer.units; u++) {
        let acc = layer.b[u];
        for (let i = 0; i < n; i++) acc += layer.w[u * n + i] * x[i];
        y[u] = layer.relu ? Math.max(0, acc) : acc;
      }
      return { y, s: { h: 1, w: 1, c: layer.units } };
    }
    case 'softmax':
      return { y: x, s };
  }
}

/** He-normal float weights and small biases. */
function conv(rng: Rng, inC: number, outC: number, kH: number, kW: number, padding: PaddingName): FloatLayer {
  const fanIn = kH * kW * inC;
  const w = Float64Array.from({ length: outC * fanIn }, () => rng.normal() * Math.sqrt(2 / fanIn));
  const b = Float64Array.from({ length: outC }, () => rng.uniform(-0.05, 0.05));
  return { kind: 'conv', outC, kH, kW, padding, relu: true, w, b };
}

function dense(rng: Rng, n: number, units: number): FloatLayer {
  const w = Float64Array.from({ length: units * n }, () => rng.normal() * Math.sqrt(1 / n));
  const b = Float64Array.from({ length: units }, () => rng.uniform(-0.05, 0.05));
  return { kind: 'dense', units, relu: false, w, b };
}

/** Activation quantization for a calibrated float range (always including 0), as TFLite's converter. */
function quantFor(lo: number, hi: number): QuantParams {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (hi - lo < 1e-6) hi = lo + 1e-6;
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zeroPoint };
}

interface Spec {
  description: string;
  input: Shape;
  /** Real input range (the random calibration inputs are uniform in it). */
  range: [number, number];
  classes: number;
  layers: (rng: Rng) => FloatLayer[];
}

const SPECS: Record<ReferenceCnnName, Spec> = {
  digits: {
    description: '8x8x1 digits: conv 3x3x8 SAME ReLU, max-pool 2, conv 3x3x16 SAME ReLU, dense 10, softmax',
    input: { h: 8, w: 8, c: 1 },
    range: [0, 16],
    classes: 10,
    layers: (rng) => [
      conv(rng, 1, 8, 3, 3, 'SAME'),
      { kind: 'maxpool', kH: 2, kW: 2 },
      conv(rng, 8, 16, 3, 3, 'SAME'),
      { kind: 'flatten' },
      dense(rng, 4 * 4 * 16, 10),
      { kind: 'softmax' },
    ],
  },
  accel1d: {
    description: '128x3 accelerometer window: conv1d k5 3->16 ReLU, max-pool 2, conv1d k5 16->32 ReLU, global average pool, dense 6, softmax',
    input: { h: 1, w: 128, c: 3 },
    range: [-4, 4],
    classes: 6,
    layers: (rng) => [
      conv(rng, 3, 16, 1, 5, 'VALID'),
      { kind: 'maxpool', kH: 1, kW: 2 },
      conv(rng, 16, 32, 1, 5, 'VALID'),
      { kind: 'avgpool', kH: 1, kW: 58 },
      { kind: 'flatten' },
      dense(rng, 32, 6),
      { kind: 'softmax' },
    ],
  },
  'keras-mnist': {
    description: 'Keras MNIST example: Conv2D(32, 3x3, ReLU) on 28x28x1, flatten, dense 10, softmax',
    input: { h: 28, w: 28, c: 1 },
    range: [0, 1],
    classes: 10,
    layers: (rng) => [
      conv(rng, 1, 32, 3, 3, 'VALID'),
      { kind: 'flatten' },
      dense(rng, 26 * 26 * 32, 10),
      { kind: 'softmax' },
    ],
  },
};

const CALIBRATION_SAMPLES = 8;

/**
 * Build a reference network with seeded random weights. Same name and seed, same bytes.
 * Weight scales are per output channel (max |w| / 127); activation ranges come from a float
 * forward pass over a few random inputs (the float weights dequantized from int8, so the ranges
 * describe the int8 network).
 */
export function referenceCnn(name: ReferenceCnnName, seed = 1): ReferenceCnn {
  const spec = SPECS[name];
  if (spec === undefined) throw new RangeError(`unknown reference CNN ${String(name)}`);
  const rng = new Rng(seed * 7919 + name.length);
  const layers = spec.layers(rng);

  // quantize the weights, then use the dequantized values in the calibration pass
  const qw: ({ weights: Int8Array; scales: Float32Array } | null)[] = layers.map((l) => {
    if (l.kind !== 'conv' && l.kind !== 'dense') return null;
    const rows = l.kind === 'conv' ? l.outC : l.units;
    const q = quantizeWeights(l.w, [rows, l.w.length / rows], 0);
    const inner = l.w.length / rows;
    for (let i = 0; i < l.w.length; i++) l.w[i] = q.weights[i] * q.scales[Math.floor(i / inner)];
    return q;
  });

  // calibration: min/max of every layer's output over random inputs
  const inQ = quantFor(spec.range[0], spec.range[1]);
  const lo = new Float64Array(layers.length).fill(Infinity);
  const hi = new Float64Array(layers.length).fill(-Infinity);
  const n = spec.input.h * spec.input.w * spec.input.c;
  for (let k = 0; k < CALIBRATION_SAMPLES; k++) {
    // inputs on the int8 grid, so the float pass sees what the int8 network sees
    let x: Float64Array = Float64Array.from({ length: n }, () => {
      const q = Math.round(rng.uniform(spec.range[0], spec.range[1]) / inQ.scale + inQ.zeroPoint);
      return (Math.max(-128, Math.min(127, q)) - inQ.zeroPoint) * inQ.scale;
    });
    let s = spec.input;
    layers.forEach((l, i) => {
      const r = forward(l, x, s);
      x = r.y;
      s = r.s;
      for (const v of x) {
        if (v < lo[i]) lo[i] = v;
        if (v > hi[i]) hi[i] = v;
      }
    });
  }

  const b = new GraphBuilder();
  const inputShape = [1, spec.input.h, spec.input.w, spec.input.c];
  let t = b.input(inputShape, inQ);
  const out: ReferenceCnnLayer[] = [];
  let macs = 0;
  layers.forEach((l, i) => {
    const opIndex = b.ops.length;
    const [, h, w, c] = b.shapeOf(t);
    let layerMacs = 0;
    let label = l.kind as string;
    switch (l.kind) {
      case 'conv': {
        const q = qw[i]!;
        const inScale = b.quantOf(t).scale;
        t = b.conv2d(t, {
          weights: q.weights, weightShape: [l.outC, l.kH, l.kW, c], weightScales: q.scales,
          bias: quantizeBias(l.b, inScale, q.scales), output: quantFor(lo[i], hi[i]), activation: l.relu ? 'RELU' : 'NONE',
        }, { padding: l.padding });
        const [, oh, ow] = b.shapeOf(t);
        layerMacs = oh * ow * l.outC * l.kH * l.kW * c;
        label = `conv ${l.kH}x${l.kW} ${c}->${l.outC} on ${h}x${w} ${l.padding}`;
        break;
      }
      case 'maxpool':
      case 'avgpool':
        t = b.pool(l.kind === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', t, [l.kH, l.kW], { stride: [l.kH, l.kW] });
        label = `${l.kind} ${l.kH}x${l.kW}`;
        break;
      case 'flatten':
        t = b.flatten(t);
        break;
      case 'dense': {
        const q = qw[i]!;
        const inScale = b.quantOf(t).scale;
        const nIn = b.shapeOf(t).reduce((p, d) => p * d, 1);
        t = b.fullyConnected(t, {
          weights: q.weights, weightShape: [l.units, nIn], weightScales: q.scales,
          bias: quantizeBias(l.b, inScale, q.scales), output: quantFor(lo[i], hi[i]), activation: l.relu ? 'RELU' : 'NONE',
        });
        layerMacs = l.units * nIn;
        label = `dense ${nIn}->${l.units}`;
        break;
      }
      case 'softmax':
        t = b.softmax(t);
        break;
    }
    macs += layerMacs;
    out.push({ op: opIndex, name: label, macs: layerMacs });
  });
  return {
    name,
    description: spec.description,
    def: b.build(t),
    macs,
    inputShape,
    input: inQ,
    output: b.quantOf(t),
    classes: spec.classes,
    layers: out,
  };
}
