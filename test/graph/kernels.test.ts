// Golden tests for the specialized kernel variants that prepare picks by shape and by provable
// exactness (small-K conv, ...): random layers built to qualify for a variant (and just not to),
// checked against the independent reference, with the variant asserted.

import { describe, expect, it } from 'vitest';
import { GraphBuilder, encodeGraphBody, outSize } from '../../host/package/graph-body';
import type { ActivationName, ConvLayer, GraphDef, PaddingName, QuantParams } from '../../host/package/graph-body';
import { parseGraphBody } from '../../firmware/core/graph/format';
import { conv2d } from '../../firmware/core/graph/ops/conv2d';
import { channelRequant, fastRequant } from '../../firmware/core/graph/ops/common';
import type { ConvState } from '../../firmware/core/graph/ops/conv2d';
import { depthwiseConv2d } from '../../firmware/core/graph/ops/depthwise-conv2d';
import { averagePool2d, maxPool2d } from '../../firmware/core/graph/ops/pool';
import { fullyConnected } from '../../firmware/core/graph/ops/fully-connected';
import type { DepthwiseState } from '../../firmware/core/graph/ops/depthwise-conv2d';
import { Prng } from '../support/prng';
import { readFileSync } from 'node:fs';
import { CONV_SMALL_PATH, withGenerated } from './tools/gen-conv-small';
import { refMbqm, refQuantizeMultiplier, referenceOutput } from './reference';
import { FULL, engineFor, firstDifference, randomLayer, runEngine } from './helpers';

const CASES = FULL ? 1500 : 200;

function checkAgainstReference(def: GraphDef, rng: Prng, label: string, extra: Int8Array[] = []): void {
  const engine = engineFor(def);
  const n = engine.input.length;
  const inputs = [
    rng.int8Array(n),
    new Int8Array(n).fill(127),
    new Int8Array(n).fill(-128),
    Int8Array.from({ length: n }, () => (rng.bool() ? 127 : -128)),
    rng.int8Array(n, -128, rng.pick([-100, 0, 127])),
    ...extra,
  ];
  for (let k = 0; k < inputs.length; k++) {
    const diff = firstDifference(runEngine(engine, inputs[k]), referenceOutput(def, inputs[k]));
    if (diff !== null) throw new Error(`${label} input ${k}: ${diff}`);
  }
}

function depthwiseState(def: GraphDef, op = 0): DepthwiseState {
  const graph = parseGraphBody(encodeGraphBody(def));
  return depthwiseConv2d.prepare(graph.ops[op], graph).state;
}

function convState(def: GraphDef, op = 0): ConvState {
  const graph = parseGraphBody(encodeGraphBody(def));
  return conv2d.prepare(graph.ops[op], graph).state;
}

/** Effective scale (in * w / out) in [2^-(e+1), 2^-e): TFLite right shift e (left shift -e - 1... when e < 0). */
function scaleForShift(rng: Prng, e: number): number {
  return 2 ** (-e - 1) * (1 + rng.float() * 0.999);
}

interface SmallOpts { extremeShift?: boolean; bigBias?: boolean }

/** A conv layer whose accumulators and multipliers are in the small-K kernel's exact range (usually). */
function qualifyingConv(rng: Prng, qIn: QuantParams, outC: number, kH: number, kW: number, C: number, opts: SmallOpts = {}): ConvLayer {
  const K = kH * kW * C;
  const wRange = rng.pick([127, 127, 60, 1]);
  const weights = rng.int8Array(outC * K, -wRange, wRange);
  const outQ: QuantParams = { scale: 1, zeroPoint: rng.bool(0.3) ? rng.pick([-128, 127]) : rng.int(-128, 127) };
  // output scale fixed; per-channel effective scales chosen by shift, weight scales follow
  const scales: number[] = [];
  for (let c = 0; c < outC; c++) {
    const e = opts.extremeShift ? rng.pick([-2, -1, 0, 1, 20, 21, 21]) : rng.int(1, 14);
    scales.push(Math.fround((scaleForShift(rng, e) * outQ.scale) / qIn.scale));
  }
  const bias = Int32Array.from({ length: outC }, () => rng.int(opts.bigBias ? -900000 : -30000, opts.bigBias ? 900000 : 30000));
  const activation = rng.pick(['NONE', 'RELU', 'RELU6'] as const);
  return { weights, weightShape: [outC, kH, kW, C], weightScales: scales, bias, output: outQ, activation };
}

describe('single-rounding requantization (fastRequant)', () => {
  it('equals MultiplyByQuantizedMultiplier for every accumulator it accepts, ties included', () => {
    const rng = new Prng(7000);
    const rounds = FULL ? 400 : 60;
    for (let r = 0; r < rounds; r++) {
      // one channel; effective scale with right shift 0..21 or a small left shift
      // the first rounds put both thresholds of shifts 22 and 23 inside the range
      const e = r < 8 ? 22 + (r % 2) : rng.int(-3, 31);
      // round multipliers (few significant bits) make SRDHM's own ties reachable with small a
      const frac = rng.pick([0, 1]) === 0 ? rng.int(0, 15) / 16 : rng.float() * (rng.bool(0.2) ? 2 ** -20 : 0.9999);
      const real = 2 ** (-e - 1) * (1 + frac);
      const w = { scales: Float32Array.of(Math.fround(real)), scale: 0 } as unknown as Parameters<typeof channelRequant>[1];
      const rq = channelRequant(1, w, 1, 1, 'test');
      const A = r < 8 ? 2 ** 22 : rng.pick([2 ** 22, 2 ** 20, 70000, 1000]);
      const fr = fastRequant(rq, Float64Array.of(-A), Float64Array.of(A));
      const { multiplier, shift } = refQuantizeMultiplier(Math.fround(real));
      {
        // refused exactly for int32 wrap, products beyond 2^53 (shifts <= 21), results beyond +-1 (shifts > 21)
        const e = shift > 0 ? 0 : -shift, l = shift > 0 ? shift : 0;
        const P = e >= 1 ? 2 ** 30 + 2 ** (30 + e) : 2 ** 30;
        const ok = A * 2 ** l < 2 ** 31 && (e <= 21
          ? A * multiplier * 2 ** l + P < 2 ** 53
          : Math.abs(refMbqm(A, multiplier, shift)) <= 1 && Math.abs(refMbqm(-A, multiplier, shift)) <= 1);
        expect(fr !== null, `A ${A} m ${multiplier} shift ${shift}`).toBe(ok);
      }
      if (fr === null) continue;
      const M = fr.M[0], P = fr.P[0], N = fr.N[0], F = fr.F[0];
      const check = (a: number): void => {
        const want = refMbqm(a, multiplier, shift);
        const got = ((a * M + (a < 0 ? N : P)) * F) | 0;
        if (got !== want) throw new Error(`a ${a} m ${multiplier} shift ${shift}: ${got} != ${want}`);
        // with the lower clamp bound at 0, P serves negative accumulators too
        const loose = ((a * M + P) * F) | 0;
        if (Math.max(loose, 0) !== Math.max(want, 0)) throw new Error(`a ${a} m ${multiplier} shift ${shift}: relu ${loose} vs ${want}`);
      };
      for (let a = -Math.min(A, 3000); a <= Math.min(A, 3000); a++) check(a);
      for (const a of [A, -A, A - 1, -A + 1]) check(a);
      for (let k = 0; k < 300; k++) check(rng.int(-A, A));
      // ties: accumulators whose SRDHM result is an odd multiple of 2^(e-1), and their neighbours
      const right = shift > 0 ? 0 : -shift;
      const left = shift > 0 ? shift : 0;
      if (multiplier > 0) {
        for (let k = 0; k < 200; k++) {
          const n = k < 8 ? k - 4 : rng.int(-2000, 2000);
          const x = right > 0 ? (2 * n + 1) * 2 ** (right - 1) : n;
          const a0 = Math.round((x * 2 ** 31) / (multiplier * 2 ** left));
          for (let d = -2; d <= 2; d++) if (Math.abs(a0 + d) <= A) check(a0 + d);
        }
      }
    }
  });
});

describe('CONV_2D small-K kernel (K <= 32)', () => {
  it('has its generated variants up to date (npx tsx test/graph/tools/gen-conv-small.ts)', () => {
    const source = readFileSync(CONV_SMALL_PATH, 'utf8');
    expect(withGenerated(source) === source).toBe(true);
  });

  it('matches the reference over random shapes, paddings, strides and quantization, and is chosen', () => {
    const rng = new Prng(7001);
    let small = 0, three = 0;
    for (let i = 0; i < CASES; i++) {
      const oneD = rng.bool(0.3);
      const kH = oneD ? 1 : rng.int(1, 4);
      const kW = oneD ? rng.int(1, 7) : rng.int(1, 4);
      const maxC = Math.max(1, Math.floor(32 / (kH * kW)));
      const C = rng.int(1, Math.min(maxC, 8));
      const H = oneD ? 1 : rng.int(1, 9);
      const W = rng.int(1, oneD ? 30 : 9);
      const sh = rng.int(1, 3), sw = rng.int(1, 3);
      const padding: PaddingName = rng.bool() ? 'SAME' : 'VALID';
      if (outSize(padding, H, kH, sh) < 1 || outSize(padding, W, kW, sw) < 1) continue;
      const outC = rng.int(1, 9);
      const qIn = { scale: Math.fround(rng.logUniform(1e-3, 0.1)), zeroPoint: rng.bool(0.3) ? rng.pick([-128, 127]) : rng.int(-128, 127) };
      const b = new GraphBuilder();
      const x = b.input([1, H, W, C], qIn);
      const layer = qualifyingConv(rng, qIn, outC, kH, kW, C, { extremeShift: rng.bool(0.2), bigBias: rng.bool(0.1) });
      const def = b.build(b.conv2d(x, layer, { stride: [sh, sw], padding }));
      const st = convState(def);
      if (st.small !== null) {
        small++;
        if (st.small.lanes === 3) three++;
        const K = kH * kW * C;
        expect(st.small.slots).toBe(K <= 4 ? 4 : K <= 9 ? 9 : K <= 16 ? 16 : K <= 27 ? 27 : 32);
      }
      checkAgainstReference(def, rng, `small conv case ${i} (${st.small ? `slots ${st.small.slots} lanes ${st.small.lanes}` : 'general'})`);
    }
    expect(small).toBeGreaterThan(CASES * 0.6);
    expect(three).toBeGreaterThan(CASES * 0.15);
    expect(small - three).toBeGreaterThan(CASES * 0.02);
  });

  it('is chosen up to K = 32 and not at K = 33, with the smallest slot count that fits; both match the reference', () => {
    const rng = new Prng(7002);
    for (const [kH, kW, C, expected] of [[4, 4, 1, 16], [1, 16, 1, 16], [1, 8, 2, 16], [1, 17, 1, 27], [3, 3, 2, 27],
      [1, 3, 3, 9], [2, 2, 1, 4], [1, 5, 1, 9], [1, 1, 1, 4], [5, 5, 1, 27], [3, 3, 3, 27], [1, 28, 1, 32], [4, 4, 2, 32],
      [1, 1, 32, 32], [1, 33, 1, 0], [1, 1, 33, 0], [3, 3, 4, 0]] as const) {
      for (const padding of ['SAME', 'VALID'] as const) {
        const b = new GraphBuilder();
        const qIn = { scale: 0.05, zeroPoint: rng.int(-128, 127) };
        const x = b.input([1, kH + 3, kW + 4, C], qIn);
        const def = b.build(b.conv2d(x, qualifyingConv(rng, qIn, 5, kH, kW, C), { padding }));
        const st = convState(def);
        expect(st.small?.slots ?? 0).toBe(expected);
        checkAgainstReference(def, rng, `K ${kH * kW * C} ${padding}`);
      }
    }
  });

  it('takes the general kernel exactly when |a| * M + P would reach 2^53 (or, for shifts beyond 21, |result| > 1)', () => {
    const rng = new Prng(7003);
    for (const shift of [5, 12, 21, 22, 0, -3]) {
      for (const delta of [0, 1, -1]) {
        for (const act of ['NONE', 'RELU'] as ActivationName[]) {
          const b = new GraphBuilder();
          const qIn = { scale: 0.25, zeroPoint: rng.pick([-128, 0, 127]) };
          const x = b.input([1, 5, 5, 1], qIn);
          const weights = Int8Array.from({ length: 18 }, (_, k) => (k < 9 ? 127 : -127));
          const scale0 = Math.fround((2 ** (-shift - 1) * 1.3) / qIn.scale);
          const { multiplier, shift: qs } = refQuantizeMultiplier(qIn.scale * scale0);
          expect(qs + shift).toBe(0);
          const e = qs > 0 ? 0 : -qs, left = qs > 0 ? qs : 0;
          const M = multiplier * 2 ** left, P = e >= 1 ? 2 ** 30 + 2 ** (30 + e) : 2 ** 30;
          // the largest accumulator bound with A * M + P < 2^53, capped by int32 (no wrap)
          const amax = Math.min(Math.ceil((2 ** 53 - P) / M) - 1, 2 ** 31 / 2 ** left - 1);
          const top = Math.min(amax + delta, 2 ** 31 - 1 - 9 * 127 * 127);
          // accumulator max over all inputs: bias - zp * sum(w) + 127 * sum(w) for positive weights
          const sum = 9 * 127;
          const bias0 = top - 127 * sum + qIn.zeroPoint * sum;
          if (bias0 < -(2 ** 31) || bias0 > 2 ** 31 - 1) continue;
          const layer: ConvLayer = {
            weights, weightShape: [2, 3, 3, 1],
            weightScales: [scale0, Math.fround((2 ** (-shift - 1) * 1.7) / qIn.scale)],
            bias: Int32Array.of(bias0, -1000), output: { scale: 1, zeroPoint: rng.int(-128, 127) }, activation: act,
          };
          const def = b.build(b.conv2d(x, layer, { padding: 'SAME' }));
          const st = convState(def);
          const A = Math.max(top, Math.abs(top - 2 * 9 * 127 * 128));
          const expectSmall = shift <= 21 ? top <= amax
            : Math.abs(refMbqm(A, multiplier, qs)) <= 1 && Math.abs(refMbqm(-A, multiplier, qs)) <= 1;
          expect(st.small !== null, `delta ${delta} shift ${shift} top ${top} amax ${amax}`).toBe(expectSmall);
          checkAgainstReference(def, rng, `bound delta ${delta} shift ${shift} ${act}`);
        }
      }
    }
  });

  it('handles left shifts (effective scale >= 1) inside the exact range', () => {
    const rng = new Prng(7004);
    let small = 0;
    for (let i = 0; i < 60; i++) {
      const b = new GraphBuilder();
      const qIn = { scale: 1, zeroPoint: rng.int(-128, 127) };
      const x = b.input([1, rng.int(1, 6), rng.int(1, 6), 1], qIn);
      const outC = rng.int(1, 6);
      const w = rng.int8Array(outC * 9, -3, 3);
      const def = b.build(b.conv2d(x, {
        weights: w, weightShape: [outC, 3, 3, 1],
        weightScales: Array.from({ length: outC }, () => Math.fround(rng.pick([1, 2, 3.5, 8, 31, 100]))),
        bias: rng.int32Array(outC, -50, 50), output: { scale: 1, zeroPoint: rng.int(-128, 127) },
        activation: rng.pick(['NONE', 'RELU', 'RELU6'] as const),
      }, { padding: 'SAME' }));
      if (convState(def).small !== null) small++;
      checkAgainstReference(def, rng, `left shift ${i}`);
    }
    expect(small).toBeGreaterThan(30);
  });

  it('runs the reference CNNs\' first layers (1 input channel, many outputs) exactly', () => {
    const rng = new Prng(7005);
    for (const [H, W, C, outC, kH, kW, padding] of [[28, 28, 1, 32, 3, 3, 'VALID'], [8, 8, 1, 8, 3, 3, 'SAME'], [1, 128, 3, 16, 1, 5, 'VALID'], [9, 7, 1, 7, 3, 3, 'SAME']] as const) {
      const b = new GraphBuilder();
      const qIn = { scale: Math.fround(1 / 255), zeroPoint: -128 };
      const x = b.input([1, H, W, C], qIn);
      const def = b.build(b.conv2d(x, qualifyingConv(rng, qIn, outC, kH, kW, C), { padding }));
      expect(convState(def).small).not.toBeNull();
      checkAgainstReference(def, rng, `first layer ${H}x${W}x${C}->${outC}`);
    }
  });
});

describe('CONV_2D small-K weights in flash', () => {
  it('packs each group from the package when the packed copy would exceed its RAM budget; exact', () => {
    const rng = new Prng(7008);
    for (const [kH, kW, C, outC] of [[3, 3, 1, 800], [1, 7, 1, 1000], [3, 3, 3, 300], [1, 5, 5, 301], [1, 1, 3, 2000]] as const) {
      const qIn = { scale: 0.05, zeroPoint: rng.int(-128, 127) };
      for (const lanes of [2, 3]) {
        if (lanes === 2 && kH * kW * C * 127 <= 1028) continue; // too short to need two lanes
        const b = new GraphBuilder();
        const x = b.input([1, kH + 1, kW + 2, C], qIn);
        const layer = qualifyingConv(rng, qIn, outC, kH, kW, C);
        layer.weights = lanes === 3 ? rng.int8Array(layer.weights.length, -20, 20) : Int8Array.from({ length: layer.weights.length }, (_, k) => (k % 2 === 0 ? 127 : -127));
        const def = b.build(b.conv2d(x, layer, { padding: rng.pick(['SAME', 'VALID'] as const) }));
        const st = convState(def);
        expect(st.small?.lanes).toBe(lanes);
        expect(st.small?.pw).toBeNull();
        checkAgainstReference(def, rng, `flash weights ${kH}x${kW}x${C} -> ${outC} lanes ${lanes}`);
      }
    }
  });
});

describe('CONV_2D small-K RAM budget', () => {
  it('keeps packed weights in RAM up to exactly 16 KB', () => {
    const rng = new Prng(7009);
    for (const [outC, inRam] of [[256, true], [257, false]] as const) {
      const b = new GraphBuilder();
      const qIn = { scale: 0.05, zeroPoint: 3 };
      const x = b.input([1, 2, 17, 1], qIn);
      const layer = qualifyingConv(rng, qIn, outC, 1, 16, 1);
      layer.weights = Int8Array.from({ length: layer.weights.length }, (_, k) => (k % 2 === 0 ? 127 : -127)); // two lanes: 128 or 129 groups x 16 slots x 8 bytes
      const def = b.build(b.conv2d(x, layer, { padding: 'VALID' }));
      const st = convState(def);
      expect(st.small?.lanes).toBe(2);
      expect(st.small?.pw !== null).toBe(inRam);
      checkAgainstReference(def, rng, `budget outC ${outC}`);
    }
  });
});

describe('CONV_2D small-K lanes', () => {
  it('packs three channels per double up to a lane half-width of 2^17 - 1, two beyond; exact at both', () => {
    // half-width of a centred lane: ceil(255 * sum|w| / 2): 1028 -> 131070 (3 lanes), 1029 -> 131198 (2)
    const rng = new Prng(7006);
    for (const [last, lanes] of [[12, 3], [13, 2], [-12, 3], [0, 3]] as const) {
      for (const outC of [1, 2, 3, 4, 5, 7]) {
        for (const zpIn of [-128, 0, 127]) {
          const b = new GraphBuilder();
          const qIn = { scale: 0.25, zeroPoint: zpIn };
          const x = b.input([1, 5, 6, 1], qIn);
          const weights = new Int8Array(outC * 9);
          for (let c = 0; c < outC; c++) {
            for (let t = 0; t < 8; t++) weights[c * 9 + t] = rng.bool() ? 127 : -127;
            // one channel carries the boundary, the others are lighter
            weights[c * 9 + 8] = c === outC - 1 ? last : 5;
          }
          const def = b.build(b.conv2d(x, {
            weights, weightShape: [outC, 3, 3, 1], weightScales: Array.from({ length: outC }, () => Math.fround(2 ** -12 * 1.37)),
            bias: rng.int32Array(outC, -3000000, 3000000), output: { scale: 0.25, zeroPoint: rng.int(-128, 127) },
            activation: rng.pick(['NONE', 'RELU'] as const),
          }, { padding: rng.pick(['SAME', 'VALID'] as const) }));
          const st = convState(def);
          expect(st.small?.lanes, `last ${last} outC ${outC}`).toBe(lanes);
          // inputs whose top-left 3x3 block (a whole window, SAME or VALID) drives a channel to an end of its range
          const extreme = (c: number, sign: number): Int8Array => {
            const input = rng.int8Array(30);
            for (let t = 0; t < 9; t++) input[Math.floor(t / 3) * 6 + (t % 3)] = weights[c * 9 + t] * sign > 0 ? 127 : -128;
            return input;
          };
          checkAgainstReference(def, rng, `lanes last ${last} outC ${outC} zp ${zpIn}`,
            [extreme(outC - 1, 1), extreme(outC - 1, -1), extreme(0, 1), extreme(0, -1)]);
        }
      }
    }
  });
});

describe('FULLY_CONNECTED unit groups, input chunks and packed pairs', () => {
  it('matches the reference at chunk (16), group (8, 4, 2, 1 units; 4..1 pairs) and packing boundaries', () => {
    const rng = new Prng(7101);
    let packed = 0, plain = 0;
    for (const K of [1, 15, 16, 17, 31, 33, 100, 256, 257, 1024, 2048, 2049]) {
      for (const units of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17]) {
        if (K > 1000 && units > 9 && units !== 16) continue; // keep the reference's work small
        const b = new GraphBuilder();
        const qIn = { scale: 0.05, zeroPoint: rng.pick([-128, 0, 127, rng.int(-128, 127)]) };
        const x = b.input([1, K], qIn);
        const wScale = Array.from({ length: units }, () => Math.fround(rng.logUniform(1e-3, 3e-2)));
        const weights = rng.bool(0.3) ? Int8Array.from({ length: units * K }, (_, k) => (k % 3 === 0 ? -127 : 127)) : rng.int8Array(units * K, -127, 127);
        const def = b.build(b.fullyConnected(x, {
          weights, weightShape: [units, K], weightScales: wScale,
          bias: rng.int32Array(units, -5000, 5000),
          output: { scale: Math.fround(0.05 * 0.01 * Math.sqrt(K) * 40), zeroPoint: rng.int(-128, 127) },
          activation: rng.pick(['NONE', 'RELU'] as const),
        }));
        const graph = parseGraphBody(encodeGraphBody(def));
        const st = fullyConnected.prepare(graph.ops[0], graph).state;
        const expectPacked = K <= 2048 && Math.ceil(units / 2) * K * 8 <= 16384;
        expect(st.packed !== null, `K ${K} units ${units}`).toBe(expectPacked);
        if (expectPacked) packed++; else plain++;
        // inputs that drive unit 0 and the last unit to the ends of their ranges
        const extreme = (u: number, sign: number): Int8Array => Int8Array.from({ length: K }, (_, i) => (weights[u * K + i] * sign > 0 ? 127 : -128));
        checkAgainstReference(def, rng, `dense ${K}->${units} ${expectPacked ? 'packed' : 'plain'}`,
          [extreme(0, 1), extreme(0, -1), extreme(units - 1, 1), extreme(units - 1, -1)]);
      }
    }
    expect(packed).toBeGreaterThan(40);
    expect(plain).toBeGreaterThan(15);
  });
});

/** A depthwise layer [1, kH, kW, C * mult] in the fast kernel's exact range (usually). */
function qualifyingDepthwise(rng: Prng, qIn: QuantParams, C: number, mult: number, kH: number, kW: number, opts: SmallOpts = {}): ConvLayer {
  const outC = C * mult;
  const l = qualifyingConv(rng, qIn, outC, kH, kW, 1, opts);
  return { ...l, weightShape: [1, kH, kW, outC] };
}

describe('DEPTHWISE_CONV_2D fast kernel (<= 25 taps)', () => {
  it('reads the weights from the package when a RAM copy would exceed its budget; exact', () => {
    const rng = new Prng(7203);
    for (const [kH, kW, C, mult] of [[3, 3, 300, 1], [5, 5, 90, 1], [1, 7, 150, 2], [2, 2, 600, 1]] as const) {
      const b = new GraphBuilder();
      const qIn = { scale: 0.05, zeroPoint: rng.int(-128, 127) };
      const x = b.input([1, kH + 2, kW + 1, C], qIn);
      const def = b.build(b.depthwiseConv2d(x, qualifyingDepthwise(rng, qIn, C, mult, kH, kW), mult, { padding: rng.pick(['SAME', 'VALID'] as const), stride: rng.pick([1, 2]) }));
      const st = depthwiseState(def);
      expect(st.fast).not.toBeNull();
      expect(st.fast?.w).toBeNull();
      checkAgainstReference(def, rng, `depthwise flash ${kH}x${kW}x${C}*${mult}`);
    }
  });

  it('matches the reference over random shapes, multipliers, paddings and strides, and is chosen', () => {
    const rng = new Prng(7201);
    let fast = 0;
    for (let i = 0; i < CASES; i++) {
      const oneD = rng.bool(0.25);
      const kH = oneD ? 1 : rng.int(1, 5);
      const kW = oneD ? rng.int(1, 25) : rng.int(1, 5);
      const H = oneD ? 1 : rng.int(1, 9);
      const W = rng.int(1, oneD ? 40 : 9);
      const sh = rng.int(1, 3), sw = rng.int(1, 3);
      const padding: PaddingName = rng.bool() ? 'SAME' : 'VALID';
      if (outSize(padding, H, kH, sh) < 1 || outSize(padding, W, kW, sw) < 1) continue;
      const C = rng.int(1, 6);
      const mult = rng.pick([1, 1, 1, 2, 3]);
      const qIn = { scale: Math.fround(rng.logUniform(1e-3, 0.1)), zeroPoint: rng.bool(0.3) ? rng.pick([-128, 127]) : rng.int(-128, 127) };
      const b = new GraphBuilder();
      const x = b.input([1, H, W, C], qIn);
      const def = b.build(b.depthwiseConv2d(x, qualifyingDepthwise(rng, qIn, C, mult, kH, kW, { extremeShift: rng.bool(0.2), bigBias: rng.bool(0.1) }), mult, { stride: [sh, sw], padding }));
      const st = depthwiseState(def);
      if (st.fast !== null) {
        fast++;
        expect(st.fast.slots).toBe(kH * kW <= 9 ? 9 : 25);
      }
      checkAgainstReference(def, rng, `depthwise case ${i} (${st.fast ? `slots ${st.fast.slots}` : 'general'})`);
    }
    expect(fast).toBeGreaterThan(CASES * 0.6);
  });

  it('is chosen up to 25 taps and not beyond', () => {
    const rng = new Prng(7202);
    for (const [kH, kW, expected] of [[3, 3, 9], [1, 9, 9], [1, 10, 25], [5, 5, 25], [1, 25, 25], [1, 26, 0], [2, 13, 0], [6, 5, 0], [1, 1, 9]] as const) {
      for (const padding of ['SAME', 'VALID'] as const) {
        const b = new GraphBuilder();
        const qIn = { scale: 0.05, zeroPoint: rng.int(-128, 127) };
        const x = b.input([1, kH + 2, kW + 3, 3], qIn);
        const def = b.build(b.depthwiseConv2d(x, qualifyingDepthwise(rng, qIn, 3, 2, kH, kW), 2, { padding }));
        expect(depthwiseState(def).fast?.slots ?? 0).toBe(expected);
        checkAgainstReference(def, rng, `depthwise ${kH}x${kW} ${padding}`);
      }
    }
  });
});

describe('CONV_2D general kernel: 16-tap chunks over position pairs', () => {
  it('matches the reference at chunk boundaries (16, 8, single taps) and odd position counts', () => {
    const rng = new Prng(7301);
    for (const [kH, kW, C] of [[1, 1, 33], [1, 1, 39], [1, 1, 40], [1, 1, 41], [1, 1, 47], [1, 1, 48], [1, 1, 49], [2, 2, 10], [3, 3, 8], [1, 5, 16], [3, 3, 4], [5, 5, 2]] as const) {
      for (const padding of ['SAME', 'VALID'] as const) {
        const b = new GraphBuilder();
        const qIn = { scale: 0.03, zeroPoint: rng.pick([-128, 127, rng.int(-128, 127)]) };
        const x = b.input([1, rng.int(kH, kH + 3), rng.int(kW, kW + 4), C], qIn);
        const outC = rng.int(1, 9);
        const layer = rng.bool() ? qualifyingConv(rng, qIn, outC, kH, kW, C) : randomLayer(rng, [outC, kH, kW, C], outC, 0, qIn.scale, kH * kW * C);
        const def = b.build(b.conv2d(x, layer, { padding, stride: rng.pick([1, 1, 2]) }));
        expect(convState(def).small).toBeNull();
        checkAgainstReference(def, rng, `general conv ${kH}x${kW}x${C} ${padding}`);
      }
    }
  });

  it('also serves short reductions the small-K kernel refuses (large left shifts with large accumulators), exactly', () => {
    const rng = new Prng(7302);
    for (const [kH, kW, C] of [[3, 3, 1], [1, 5, 3], [1, 1, 17], [3, 3, 2], [5, 5, 1], [1, 1, 32]] as const) {
      for (const padding of ['SAME', 'VALID'] as const) {
        const b = new GraphBuilder();
        const qIn = { scale: 1, zeroPoint: rng.pick([-128, 127, rng.int(-128, 127)]) };
        const x = b.input([1, rng.int(kH, kH + 3), rng.int(kW, kW + 4), C], qIn);
        const outC = rng.int(1, 7);
        const layer = qualifyingConv(rng, qIn, outC, kH, kW, C);
        layer.weightScales = Array.from({ length: outC }, () => Math.fround(2 ** 5 * (1 + rng.float())));
        layer.bias = rng.int32Array(outC, 1000000, 2000000).map((v) => (rng.bool() ? v : -v));
        layer.output = { scale: 1, zeroPoint: rng.int(-128, 127) };
        const def = b.build(b.conv2d(x, layer, { padding, stride: rng.pick([1, 1, 2]) }));
        expect(convState(def).small).toBeNull();
        checkAgainstReference(def, rng, `general conv ${kH}x${kW}x${C} ${padding}`);
      }
    }
  });
});

describe('pooling fast path (windows of <= 4 taps inside the input)', () => {
  it('matches the reference and is chosen for small VALID windows', () => {
    const rng = new Prng(7401);
    for (let i = 0; i < (FULL ? 600 : 120); i++) {
      const [kH, kW] = rng.pick([[1, 1], [1, 2], [2, 1], [2, 2], [1, 3], [3, 1], [1, 4], [3, 3]] as const);
      const sh = rng.pick([1, kH, 2]), sw = rng.pick([1, kW, 2]);
      const H = rng.int(kH, kH + 6), W = rng.int(kW, kW + 8), C = rng.int(1, 5);
      const kind = rng.bool() ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D';
      const b = new GraphBuilder();
      const x = b.input([1, H, W, C], { scale: 0.1, zeroPoint: rng.int(-128, 127) });
      const padding = rng.bool(0.8) ? 'VALID' : 'SAME';
      const def = b.build(b.pool(kind, x, [kH, kW], { stride: [sh, sw], padding, activation: rng.pick(['NONE', 'RELU', 'RELU6'] as const) }));
      checkAgainstReference(def, rng, `${kind} ${kH}x${kW} s${sh},${sw} ${padding}`);
    }
  });

  it('picks 2 or 4 slots for max pools of 1..4 taps and average pools of exactly 2 or 4', () => {
    for (const [kind, kH, kW, slots] of [['MAX_POOL_2D', 2, 2, 4], ['MAX_POOL_2D', 1, 2, 2], ['MAX_POOL_2D', 1, 1, 2],
      ['MAX_POOL_2D', 3, 1, 4], ['MAX_POOL_2D', 3, 3, 0], ['AVERAGE_POOL_2D', 2, 2, 4], ['AVERAGE_POOL_2D', 2, 1, 2],
      ['AVERAGE_POOL_2D', 1, 3, 0], ['AVERAGE_POOL_2D', 1, 1, 0]] as const) {
      const b = new GraphBuilder();
      const x = b.input([1, 6, 6, 3], { scale: 0.1, zeroPoint: 0 });
      const def = b.build(b.pool(kind, x, [kH, kW], { stride: [kH, kW] }));
      const graph = parseGraphBody(encodeGraphBody(def));
      const kernel = kind === 'MAX_POOL_2D' ? maxPool2d : averagePool2d;
      expect(kernel.prepare(graph.ops[0], graph).state.slots, `${kind} ${kH}x${kW}`).toBe(slots);
    }
  });
});
