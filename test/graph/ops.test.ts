// Golden-vector tests: single-op graphs with random shapes, strides, paddings, activations,
// per-channel scales, zero points and inputs (cases.ts), engine versus the independent reference.

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../host/package/graph-body';
import type { GraphDef } from '../../host/package/graph-body';
import {
  caseInputs, convCases, convSpecialCases, denseCases, depthwiseCases, poolCases, requantEdgeCases, softmaxCases,
  softmaxEdgeCases,
} from './cases';
import type { GoldenCase } from './cases';
import { Prng } from '../support/prng';
import { referenceOutput } from './reference';
import { FULL, engineFor, firstDifference, randomLayer, randomQuant, runEngine } from './helpers';

const CASES = FULL ? 2000 : 150;

function check(def: GraphDef, rng: Prng, inputs = 3, label = ''): void {
  const engine = engineFor(def);
  const xs = caseInputs(rng, engine.input.length, inputs);
  for (let k = 0; k < inputs; k++) {
    const got = runEngine(engine, xs[k]);
    const want = referenceOutput(def, xs[k]);
    const diff = firstDifference(got, want);
    if (diff !== null) {
      throw new Error(`${label} input ${k}: ${diff}\n${JSON.stringify(summary(def))}`);
    }
  }
}

function checkAll(rng: Prng, cases: Iterable<GoldenCase>): void {
  for (const c of cases) check(c.def, rng, c.inputs, c.label);
}

function summary(def: GraphDef): unknown {
  return def.ops.map((op) => ({ ...op, shapes: [...op.inputs.map((t) => def.tensors[t].shape), def.tensors[op.output].shape] }));
}

describe('CONV_2D', () => {
  it('matches the reference over random shapes, strides, paddings and quantization', () => {
    const rng = new Prng(1001);
    checkAll(rng, convCases(rng, CASES, FULL));
  });

  it('handles 1x1 kernels, 1-D (height 1) convolutions and long reductions', () => {
    const rng = new Prng(1002);
    checkAll(rng, convSpecialCases(rng));
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
    checkAll(rng, depthwiseCases(rng, CASES, FULL));
  });
});

describe('FULLY_CONNECTED', () => {
  it('matches the reference (per-channel and per-tensor weights)', () => {
    const rng = new Prng(3001);
    checkAll(rng, denseCases(rng, CASES, FULL));
  });
});

describe('requantization edge cases', () => {
  it('per-channel multipliers at the Q31 extremes, shifts -31..+30 and left-shift wrap-around', () => {
    const rng = new Prng(3002);
    checkAll(rng, requantEdgeCases(rng));
  });
});

describe('pooling', () => {
  it('MAX_POOL_2D and AVERAGE_POOL_2D match the reference', () => {
    const rng = new Prng(4001);
    checkAll(rng, poolCases(rng, CASES, FULL));
  });
});

describe('SOFTMAX', () => {
  it('matches the reference over input scales and depths', () => {
    const rng = new Prng(5001);
    checkAll(rng, softmaxCases(rng, CASES));
  });

  it('matches the reference at the edges (shared with the C kernel\'s tests)', () => {
    const rng = new Prng(5004);
    checkAll(rng, softmaxEdgeCases());
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
