// Golden-vector tests: single-op graphs with random shapes, strides, paddings, activations,
// per-channel scales, zero points and inputs, engine versus the independent reference.

import { describe, expect, it } from 'vitest';
import { GraphBuilder, outSize } from '../../host/package/graph-body';
import type { GraphDef, PaddingName } from '../../host/package/graph-body';
import { Prng } from './prng';
import { referenceOutput } from './reference';
import { FULL, engineFor, firstDifference, randomLayer, randomQuant, runEngine } from './helpers';

const CASES = FULL ? 2000 : 150;

function check(def: GraphDef, rng: Prng, inputs = 3, label = ''): void {
  const engine = engineFor(def);
  const n = engine.input.length;
  for (let k = 0; k < inputs; k++) {
    const x = k === 0 ? rng.int8Array(n) : k === 1 ? rng.int8Array(n, -128, rng.pick([-128, -100, 127])) : rng.int8Array(n, rng.pick([-128, 0, 127]), 127);
    const got = runEngine(engine, x);
    const want = referenceOutput(def, x);
    const diff = firstDifference(got, want);
    if (diff !== null) {
      throw new Error(`${label} input ${k}: ${diff}\n${JSON.stringify(summary(def))}`);
    }
  }
}

function summary(def: GraphDef): unknown {
  return def.ops.map((op) => ({ ...op, shapes: [...op.inputs.map((t) => def.tensors[t].shape), def.tensors[op.output].shape] }));
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

describe('CONV_2D', () => {
  it('matches the reference over random shapes, strides, paddings and quantization', () => {
    const rng = new Prng(1001);
    for (let i = 0; i < CASES; i++) {
      const g = randomGeometry(rng, FULL ? 12 : 8, 4);
      const C = rng.int(1, FULL ? 9 : 5);
      const outC = rng.int(1, FULL ? 9 : 5);
      const b = new GraphBuilder();
      const qIn = randomQuant(rng);
      const x = b.input([1, g.H, g.W, C], qIn);
      const layer = randomLayer(rng, [outC, g.kH, g.kW, C], outC, 0, qIn.scale, g.kH * g.kW * C);
      const y = b.conv2d(x, layer, { stride: [g.sh, g.sw], padding: g.padding });
      check(b.build(y), rng, 3, `conv case ${i}`);
    }
  });

  it('handles 1x1 kernels, 1-D (height 1) convolutions and long reductions', () => {
    const rng = new Prng(1002);
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
      check(b.build(y), rng, 3, `conv special ${i}`);
    }
  });
});

describe('CONV_2D reduction lengths', () => {
  it('is exact at the packing bound (K = 1032) with extreme weights and inputs, and beyond it', () => {
    const rng = new Prng(1003);
    for (const [C, k] of [[1032, 1], [1033, 1], [115, 3], [8, 12]] as const) {
      for (const sign of [1, -1]) {
        const b = new GraphBuilder();
        const qIn = { scale: 0.5, zeroPoint: rng.pick([-128, 0, 127]) };
        const x = b.input([1, 3, 2, C], qIn);
        const K = k * k * C;
        const weights = new Int8Array(K * 2);
        for (let i = 0; i < weights.length; i++) weights[i] = i < K ? 127 * sign : rng.int(-127, 127);
        const y = b.conv2d(x, {
          weights, weightShape: [2, k, k, C], weightScales: [1e-6, 3e-7], output: { scale: 0.01, zeroPoint: 5 },
          bias: Int32Array.of(12345, -999),
        }, { padding: 'SAME' });
        const def = b.build(y);
        const engine = engineFor(def);
        for (const fill of [-128, 127]) {
          const input = new Int8Array(engine.input.length).fill(fill);
          expect(firstDifference(runEngine(engine, input), referenceOutput(def, input))).toBeNull();
        }
        const input = rng.int8Array(engine.input.length);
        expect(firstDifference(runEngine(engine, input), referenceOutput(def, input))).toBeNull();
      }
    }
  });
});

describe('DEPTHWISE_CONV_2D', () => {
  it('matches the reference, including depth multipliers > 1', () => {
    const rng = new Prng(2001);
    for (let i = 0; i < CASES; i++) {
      const g = randomGeometry(rng, FULL ? 12 : 8, 4);
      const C = rng.int(1, FULL ? 8 : 5);
      const mult = rng.pick([1, 1, 2, 3]);
      const outC = C * mult;
      const b = new GraphBuilder();
      const qIn = randomQuant(rng);
      const x = b.input([1, g.H, g.W, C], qIn);
      const layer = randomLayer(rng, [1, g.kH, g.kW, outC], outC, 3, qIn.scale, g.kH * g.kW);
      const y = b.depthwiseConv2d(x, layer, mult, { stride: [g.sh, g.sw], padding: g.padding });
      check(b.build(y), rng, 3, `depthwise case ${i}`);
    }
  });
});

describe('FULLY_CONNECTED', () => {
  it('matches the reference (per-channel and per-tensor weights)', () => {
    const rng = new Prng(3001);
    for (let i = 0; i < CASES; i++) {
      const n = rng.int(1, FULL ? 300 : 70);
      const units = rng.int(1, 20);
      const b = new GraphBuilder();
      const qIn = randomQuant(rng);
      const x = b.input(rng.bool() ? [1, n] : [n], qIn);
      const layer = randomLayer(rng, [units, n], units, 0, qIn.scale, n);
      const y = b.fullyConnected(x, layer);
      check(b.build(y), rng, 3, `dense case ${i}`);
    }
  });
});

describe('requantization edge cases', () => {
  it('per-channel multipliers at the Q31 extremes, shifts -31..+30 and left-shift wrap-around', () => {
    const rng = new Prng(3002);
    // effective scale = in * w / out = w with in = out = 1
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
      check(b.build(y), rng, 4, `requant edge ${round}`);
    }
  });
});

describe('pooling', () => {
  it('MAX_POOL_2D and AVERAGE_POOL_2D match the reference', () => {
    const rng = new Prng(4001);
    for (let i = 0; i < CASES; i++) {
      const g = randomGeometry(rng, FULL ? 12 : 9, 4);
      const C = rng.int(1, 6);
      const b = new GraphBuilder();
      const x = b.input([1, g.H, g.W, C], randomQuant(rng));
      const kind = rng.bool() ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D';
      const y = b.pool(kind, x, [g.kH, g.kW], {
        stride: [g.sh, g.sw], padding: g.padding, activation: rng.pick(['NONE', 'RELU', 'RELU6'] as const),
      });
      check(b.build(y), rng, 3, `${kind} case ${i}`);
    }
  });
});

describe('SOFTMAX', () => {
  it('matches the reference over input scales and depths', () => {
    const rng = new Prng(5001);
    for (let i = 0; i < CASES; i++) {
      const depth = rng.int(1, i % 10 === 0 ? 600 : 40);
      const rows = rng.int(1, 3);
      const b = new GraphBuilder();
      const scale = Math.fround(rng.pick([rng.logUniform(2e-8, 1e-3), rng.logUniform(1e-3, 1), rng.logUniform(1, 100)]));
      const x = b.input(rows > 1 ? [1, rows, depth] : [1, depth], { scale, zeroPoint: rng.int(-128, 127) });
      const y = b.softmax(x);
      check(b.build(y), rng, 3, `softmax case ${i}`);
    }
  });

  it('handles equal inputs (largest sums of exps), long rows and the smallest input scales', () => {
    const rng = new Prng(5003);
    for (const depth of [1, 2, 255, 511, 512, 600, 4095]) {
      for (const scale of [Math.fround(2 ** -26 * 1.01), 1e-4, 0.1, 40]) {
        const b = new GraphBuilder();
        const x = b.input([1, depth], { scale: Math.fround(scale), zeroPoint: 0 });
        const def = b.build(b.softmax(x));
        const engine = engineFor(def);
        for (const input of [new Int8Array(depth).fill(7), rng.int8Array(depth, 100, 127), rng.int8Array(depth)]) {
          expect(firstDifference(runEngine(engine, input), referenceOutput(def, input))).toBeNull();
        }
      }
    }
  });

  it('approximates the real softmax', () => {
    const rng = new Prng(5002);
    for (let i = 0; i < 50; i++) {
      const depth = rng.int(2, 12);
      const scale = Math.fround(rng.logUniform(0.01, 0.5));
      const b = new GraphBuilder();
      const x = b.input([1, depth], { scale, zeroPoint: 0 });
      const def = b.build(b.softmax(x));
      const engine = engineFor(def);
      const input = rng.int8Array(depth);
      const got = runEngine(engine, input);
      const real = Array.from(input, (v) => Math.exp(v * scale));
      const sum = real.reduce((a, c) => a + c, 0);
      real.forEach((r, k) => expect(Math.abs(got[k] - (Math.round((r / sum) * 256) - 128))).toBeLessThanOrEqual(2));
    }
  });
});

describe('ADD', () => {
  it('matches the reference over scales, zero points and activations', () => {
    const rng = new Prng(6001);
    for (let i = 0; i < CASES; i++) {
      const shape = [1, rng.int(1, 5), rng.int(1, 5), rng.int(1, 4)];
      const b = new GraphBuilder();
      const qa = randomQuant(rng, 1e-3, 1);
      const x = b.input(shape, qa);
      // second operand: x itself, or a max-pooled (possibly ReLU'd) copy with the same quantization
      const y = b.pool('MAX_POOL_2D', x, [1, 1], { activation: rng.pick(['NONE', 'RELU'] as const) });
      const w = rng.bool(0.7) ? y : x;
      const outQ = randomQuant(rng, 1e-3, 2);
      const sum = b.add(x, w, outQ, rng.pick(['NONE', 'RELU', 'RELU6'] as const));
      check(b.build(sum), rng, 3, `add case ${i}`);
    }
  });

  it('rescales inputs with different scales', () => {
    const rng = new Prng(6002);
    for (let i = 0; i < CASES; i++) {
      const shape = [1, rng.int(1, 4), rng.int(1, 4), rng.int(1, 4)];
      const b = new GraphBuilder();
      const qIn = randomQuant(rng);
      const x = b.input(shape, qIn);
      const C = shape[3];
      const l1 = randomLayer(rng, [C, 1, 1, C], C, 0, qIn.scale, C);
      const l2 = randomLayer(rng, [C, 1, 1, C], C, 0, qIn.scale, C);
      const y1 = b.conv2d(x, l1);
      const y2 = b.conv2d(x, l2);
      const s1 = b.quantOf(y1).scale, s2 = b.quantOf(y2).scale;
      const outScale = Math.fround(Math.max(s1, s2) * rng.logUniform(0.05, 20));
      const sum = b.add(y1, y2, { scale: outScale, zeroPoint: rng.int(-128, 127) }, rng.pick(['NONE', 'RELU', 'RELU6'] as const));
      check(b.build(sum), rng, 3, `add rescale case ${i}`);
    }
  });
});
