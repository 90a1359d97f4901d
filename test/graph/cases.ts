// Random single-op graphs for the golden-vector tests, shared by every kernel set under test
// (test/graph/ops.test.ts: the TypeScript kernels; test/native/: the C kernels), so that each
// checks the same vectors. Generators are lazy: a consumer draws its inputs from the same Prng
// (caseInputs) before asking for the next case, and every consumer sees the same sequence.

import { GraphBuilder, outSize } from '../../host/package/graph-body';
import type { GraphDef, PaddingName } from '../../host/package/graph-body';
import type { Prng } from '../support/prng';
import { randomLayer, randomQuant } from './helpers';

export interface GoldenCase {
  readonly def: GraphDef;
  /** How many inputs caseInputs draws for it. */
  readonly inputs: number;
  readonly label: string;
}

/** The inputs of a case: uniform, then skewed towards -128 and towards 127. */
export function caseInputs(rng: Prng, n: number, count: number): Int8Array[] {
  const out: Int8Array[] = [];
  for (let k = 0; k < count; k++) {
    out.push(k === 0 ? rng.int8Array(n) : k === 1 ? rng.int8Array(n, -128, rng.pick([-128, -100, 127])) : rng.int8Array(n, rng.pick([-128, 0, 127]), 127));
  }
  return out;
}

interface Geometry {
  H: number; W: number; kH: number; kW: number; sh: number; sw: number; padding: PaddingName;
}

function randomGeometry(rng: Prng, maxSize: number, maxK: number): Geometry {
  for (;;) {
    const oneD = rng.bool(0.2);
    const H = oneD ? 1 : rng.int(1, maxSize);
    const W = rng.int(1, maxSize + (oneD ? 8 : 0));
    const kH = oneD ? 1 : rng.int(1, maxK);
    const kW = rng.int(1, maxK + (oneD ? 2 : 0));
    const sh = rng.int(1, 3);
    const sw = rng.int(1, 3);
    const padding: PaddingName = rng.bool() ? 'SAME' : 'VALID';
    if (outSize(padding, H, kH, sh) >= 1 && outSize(padding, W, kW, sw) >= 1) return { H, W, kH, kW, sh, sw, padding };
  }
}

/** CONV_2D over random shapes, strides, paddings and quantization. */
export function* convCases(rng: Prng, count: number, full: boolean): Generator<GoldenCase> {
  for (let i = 0; i < count; i++) {
    const g = randomGeometry(rng, full ? 12 : 8, 4);
    const C = rng.int(1, full ? 9 : 5);
    const outC = rng.int(1, full ? 9 : 5);
    const b = new GraphBuilder();
    const qIn = randomQuant(rng);
    const x = b.input([1, g.H, g.W, C], qIn);
    const layer = randomLayer(rng, [outC, g.kH, g.kW, C], outC, 0, qIn.scale, g.kH * g.kW * C);
    const y = b.conv2d(x, layer, { stride: [g.sh, g.sw], padding: g.padding });
    yield { def: b.build(y), inputs: 3, label: `conv case ${i}` };
  }
}

/** CONV_2D: 1x1 kernels, 1-D (height 1) convolutions and long reductions. */
export function* convSpecialCases(rng: Prng): Generator<GoldenCase> {
  for (let i = 0; i < 30; i++) {
    const b = new GraphBuilder();
    const qIn = randomQuant(rng);
    const oneD = i % 2 === 0;
    const [H, W, C] = oneD ? [1, rng.int(8, 40), rng.int(1, 4)] : [rng.int(1, 5), rng.int(1, 5), rng.int(8, 70)];
    const [kH, kW] = oneD ? [1, rng.int(1, 9)] : [1, 1];
    const outC = rng.int(1, 12);
    const x = b.input([1, H, W, C], qIn);
    const layer = randomLayer(rng, [outC, kH, kW, C], outC, 0, qIn.scale, kH * kW * C);
    const padding: PaddingName = rng.bool() || kW > W ? 'SAME' : 'VALID';
    const y = b.conv2d(x, layer, { stride: [1, rng.int(1, 2)], padding });
    yield { def: b.build(y), inputs: 3, label: `conv special ${i}` };
  }
}

/** DEPTHWISE_CONV_2D, depth multipliers 1 to 3. */
export function* depthwiseCases(rng: Prng, count: number, full: boolean): Generator<GoldenCase> {
  for (let i = 0; i < count; i++) {
    const g = randomGeometry(rng, full ? 12 : 8, 4);
    const C = rng.int(1, full ? 8 : 5);
    const mult = rng.pick([1, 1, 2, 3]);
    const outC = C * mult;
    const b = new GraphBuilder();
    const qIn = randomQuant(rng);
    const x = b.input([1, g.H, g.W, C], qIn);
    const layer = randomLayer(rng, [1, g.kH, g.kW, outC], outC, 3, qIn.scale, g.kH * g.kW);
    const y = b.depthwiseConv2d(x, layer, mult, { stride: [g.sh, g.sw], padding: g.padding });
    yield { def: b.build(y), inputs: 3, label: `depthwise case ${i}` };
  }
}

/** FULLY_CONNECTED, per-channel and per-tensor weights. */
export function* denseCases(rng: Prng, count: number, full: boolean): Generator<GoldenCase> {
  for (let i = 0; i < count; i++) {
    const n = rng.int(1, full ? 300 : 70);
    const units = rng.int(1, 20);
    const b = new GraphBuilder();
    const qIn = randomQuant(rng);
    const x = b.input(rng.bool() ? [1, n] : [n], qIn);
    const layer = randomLayer(rng, [units, n], units, 0, qIn.scale, n);
    const y = b.fullyConnected(x, layer);
    yield { def: b.build(y), inputs: 3, label: `dense case ${i}` };
  }
}

/**
 * FULLY_CONNECTED with per-channel multipliers at the Q31 extremes, shifts -31..+30 and
 * left-shift wrap-around (effective scale = in * w / out = w with in = out = 1).
 */
export function* requantEdgeCases(rng: Prng): Generator<GoldenCase> {
  const special = [
    Math.fround(1 - 2 ** -24), 0.5, Math.fround(0.5 + 2 ** -25), 2 ** -31, Math.fround(0.75 * 2 ** -31),
    2 ** -32, 2 ** -33, 1, 2, Math.fround(3 * 2 ** 20), 2 ** 29, Math.fround(1.9999999), 2 ** -20,
  ];
  const units = special.length;
  for (let round = 0; round < 40; round++) {
    const n = rng.int(1, 40);
    const b = new GraphBuilder();
    const x = b.input([1, n], { scale: 1, zeroPoint: rng.int(-128, 127) });
    const biasRange = rng.pick([0, 1000, 2 ** 24, 2 ** 31 - 1]);
    const y = b.fullyConnected(x, {
      weights: rng.int8Array(units * n, -127, 127),
      weightShape: [units, n],
      weightScales: special,
      bias: rng.int32Array(units, -biasRange, biasRange),
      output: { scale: 1, zeroPoint: rng.int(-128, 127) },
      activation: rng.pick(['NONE', 'RELU', 'RELU6'] as const),
    });
    yield { def: b.build(y), inputs: 4, label: `requant edge ${round}` };
  }
}

/** MAX_POOL_2D and AVERAGE_POOL_2D. */
export function* poolCases(rng: Prng, count: number, full: boolean): Generator<GoldenCase> {
  for (let i = 0; i < count; i++) {
    const g = randomGeometry(rng, full ? 12 : 9, 4);
    const C = rng.int(1, 6);
    const b = new GraphBuilder();
    const x = b.input([1, g.H, g.W, C], randomQuant(rng));
    const kind = rng.bool() ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D';
    const y = b.pool(kind, x, [g.kH, g.kW], {
      stride: [g.sh, g.sw], padding: g.padding, activation: rng.pick(['NONE', 'RELU', 'RELU6'] as const),
    });
    yield { def: b.build(y), inputs: 3, label: `${kind} case ${i}` };
  }
}

/** SOFTMAX over input scales, zero points, depths (up to 600) and 1 to 3 rows. */
export function* softmaxCases(rng: Prng, count: number): Generator<GoldenCase> {
  for (let i = 0; i < count; i++) {
    const depth = rng.int(1, i % 10 === 0 ? 600 : 40);
    const rows = rng.int(1, 3);
    const b = new GraphBuilder();
    const scale = Math.fround(rng.pick([rng.logUniform(2e-8, 1e-3), rng.logUniform(1e-3, 1), rng.logUniform(1, 100)]));
    const x = b.input(rows > 1 ? [1, rows, depth] : [1, depth], { scale, zeroPoint: rng.int(-128, 127) });
    yield { def: b.build(b.softmax(x)), inputs: 3, label: `softmax case ${i}` };
  }
}

/**
 * SOFTMAX at the edges: rows of one and two elements, sums of exps up to 4095 * 2^19 (equal
 * inputs: caseInputs' second and third inputs are often constant), exponents beyond 31, the
 * smallest input scales and the longest rows.
 */
export function* softmaxEdgeCases(): Generator<GoldenCase> {
  for (const depth of [1, 2, 255, 511, 512, 600, 4095]) {
    for (const scale of [Math.fround(2 ** -26 * 1.01), 1e-4, 0.1, 40]) {
      const b = new GraphBuilder();
      const x = b.input([1, depth], { scale: Math.fround(scale), zeroPoint: 0 });
      yield { def: b.build(b.softmax(x)), inputs: 3, label: `softmax edge depth ${depth} scale ${scale}` };
    }
  }
}
