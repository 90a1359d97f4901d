// The C graph kernels (firmware/native/graph/), compiled on the host and called directly through
// test/native/graph-driver.c, against the TypeScript kernels and the independent BigInt
// reference: the golden vectors of test/graph/ops.test.ts (same generators, seeds and counts),
// the C fast paths, the reference CNN models end to end, and mutated packages (whatever loads
// must run in C without a fault). EDGEML_FULL=1 runs the long vectors and repeats everything
// under AddressSanitizer and UBSan.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import { nativeGraphKernels } from '../../firmware/core/graph/native-kernels';
import { loadModel } from '../../firmware/core/model';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { GraphBuilder } from '../../host/package/graph-body';
import type { PaddingName } from '../../host/package/graph-body';
import { alignedCopy } from '../../host/package/read';
import {
  caseInputs, convCases, convSpecialCases, denseCases, depthwiseCases, poolCases, requantEdgeCases, softmaxCases,
  softmaxEdgeCases,
} from '../graph/cases';
import type { GoldenCase } from '../graph/cases';
import { FULL, engineFor, firstDifference, randomLayer, randomQuant, runEngine } from '../graph/helpers';
import { Prng } from '../support/prng';
import { referenceOutput } from '../graph/reference';
import { mutatePackage } from '../support/mutate';
import { sampleCnnPackage } from '../support/sample-packages';
import { ROOT } from './support/cc';
import { BatchHosts, ImmediateHosts, buildGraphDriver } from './support/graph-driver';

/** As in test/graph/ops.test.ts, so that both see the same vectors. */
const CASES = FULL ? 2000 : 150;

/**
 * Runs every case through the TypeScript engine (checked against the reference first) and
 * through an engine with the native kernels whose calls are recorded, then all recorded calls in
 * one driver process; every C output must equal the reference.
 */
function checkNative(exe: string, rng: Prng, cases: Iterable<GoldenCase>): number {
  const batch = new BatchHosts();
  const kernels = nativeGraphKernels(batch.hosts);
  const expected: { want: Int8Array; label: string }[] = [];
  for (const c of cases) {
    const ts = engineFor(c.def);
    const native = engineFor(c.def, kernels);
    const inputs = caseInputs(rng, ts.input.length, c.inputs);
    inputs.forEach((x, k) => {
      const want = referenceOutput(c.def, x);
      const label = `${c.label} input ${k}`;
      const tsDiff = firstDifference(runEngine(ts, x), want);
      if (tsDiff !== null) throw new Error(`TypeScript kernel, ${label}: ${tsDiff}`);
      native.input.set(x);
      native.run();
      expected.push({ want, label });
    });
  }
  expect(batch.records.length).toBe(expected.length); // one C call per single-op run
  const got = batch.run(exe);
  for (let i = 0; i < got.length; i++) {
    const diff = firstDifference(got[i], expected[i].want);
    if (diff !== null) throw new Error(`C kernel, ${expected[i].label}: ${diff}`);
  }
  return got.length;
}

/** Layers that take the C fast paths (1x1, 3x3 on one channel, 3x3, depthwise 3x3) on images large enough to have inner windows. */
function* fastPathCases(rng: Prng, count: number): Generator<GoldenCase> {
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const b = new GraphBuilder();
    const qIn = randomQuant(rng);
    const [kH, kW] = kind === 0 ? [1, 1] : [3, 3];
    const C = kind === 1 ? 1 : rng.int(2, 9);
    const x = b.input([1, rng.int(3, 10), rng.int(3, 10), C], qIn);
    const padding: PaddingName = rng.bool() ? 'SAME' : 'VALID';
    const stride: [number, number] = [rng.int(1, 2), rng.int(1, 2)];
    let y: number;
    if (kind === 3) {
      const mult = rng.pick([1, 1, 2]);
      y = b.depthwiseConv2d(x, randomLayer(rng, [1, 3, 3, C * mult], C * mult, 3, qIn.scale, 9), mult, { stride, padding });
    } else {
      const outC = rng.int(1, 11);
      y = b.conv2d(x, randomLayer(rng, [outC, kH, kW, C], outC, 0, qIn.scale, kH * kW * C), { stride, padding });
    }
    yield { def: b.build(y), inputs: 3, label: `fast path ${['1x1', '3x3x1', '3x3', 'depthwise 3x3'][kind]} ${i}` };
  }
}

/** CONV_2D with reductions of 1032 and more taps and weights of one sign (largest accumulators), the bias at the int32 extremes. */
function* longReductionCases(rng: Prng): Generator<GoldenCase> {
  for (const [C, k] of [[1032, 1], [1033, 1], [115, 3], [8, 12]] as const) {
    for (const sign of [1, -1]) {
      const b = new GraphBuilder();
      const x = b.input([1, 3, 2, C], { scale: 0.5, zeroPoint: rng.pick([-128, 0, 127]) });
      const K = k * k * C;
      const weights = Int8Array.from({ length: 2 * K }, (_, i) => (i < K ? 127 * sign : rng.int(-127, 127)));
      const y = b.conv2d(x, {
        weights, weightShape: [2, k, k, C], weightScales: [1e-6, 3e-7], output: { scale: 0.01, zeroPoint: 5 },
        bias: Int32Array.of(sign > 0 ? 2 ** 31 - 1 : -(2 ** 31), -999),
      }, { padding: 'SAME' });
      yield { def: b.build(y), inputs: 3, label: `long reduction K=${K} sign ${sign}` };
    }
  }
}

const REFERENCE_MODELS = readdirSync(path.join(ROOT, 'models')).filter((f) => f.endsWith('.edgm')).sort()
  .map((f) => ({ name: f, bytes: alignedCopy(readFileSync(path.join(ROOT, 'models', f))) }))
  .filter((m) => loadModel(m.bytes).header.kind !== KIND_TREES);

const builds: { name: string; sanitize: boolean }[] = [
  { name: 'cc -O2', sanitize: false },
  ...(FULL ? [{ name: 'AddressSanitizer + UBSan', sanitize: true }] : []),
];

describe.each(builds)('C graph kernels ($name)', ({ sanitize }) => {
  let exe = '';
  beforeAll(() => {
    exe = buildGraphDriver({ sanitize });
  });

  it('CONV_2D matches the reference (golden vectors)', () => {
    let rng = new Prng(1001);
    checkNative(exe, rng, convCases(rng, CASES, FULL));
    rng = new Prng(1002);
    checkNative(exe, rng, convSpecialCases(rng));
  });

  it('CONV_2D is exact for long reductions with extreme accumulators', () => {
    const rng = new Prng(1003);
    checkNative(exe, rng, longReductionCases(rng));
  });

  it('DEPTHWISE_CONV_2D matches the reference (golden vectors)', () => {
    const rng = new Prng(2001);
    checkNative(exe, rng, depthwiseCases(rng, CASES, FULL));
  });

  it('FULLY_CONNECTED matches the reference (golden vectors, requantization edge cases)', () => {
    let rng = new Prng(3001);
    checkNative(exe, rng, denseCases(rng, CASES, FULL));
    rng = new Prng(3002);
    checkNative(exe, rng, requantEdgeCases(rng));
  });

  it('MAX_POOL_2D and AVERAGE_POOL_2D match the reference (golden vectors)', () => {
    const rng = new Prng(4001);
    checkNative(exe, rng, poolCases(rng, CASES, FULL));
  });

  it('SOFTMAX matches the reference (golden vectors, edge cases)', () => {
    let rng = new Prng(5001);
    checkNative(exe, rng, softmaxCases(rng, CASES));
    rng = new Prng(5004);
    checkNative(exe, rng, softmaxEdgeCases());
  });

  it('the 1x1, 3x3 and depthwise 3x3 fast paths match the reference', () => {
    const rng = new Prng(7101);
    expect(checkNative(exe, rng, fastPathCases(rng, FULL ? 800 : 80))).toBe(3 * (FULL ? 800 : 80));
  });

  it.each(REFERENCE_MODELS)('reference model $name: the same scores as the TypeScript engine', ({ bytes }) => {
    const ts = loadModel(bytes);
    const c = new ImmediateHosts(exe);
    const native = loadModel(bytes, { kernels: nativeGraphKernels(c.hosts) });
    expect(ts.selfTestVectors.length).toBeGreaterThan(0);
    const rng = new Prng(7201);
    const inputs = [...ts.selfTestVectors.map((v) => v.input as Int8Array), ...caseInputs(rng, ts.input.length, 2)];
    for (const x of inputs) {
      ts.input.set(x);
      native.input.set(x);
      expect(native.predict()).toBe(ts.predict());
      expect(Array.from(native.scores)).toEqual(Array.from(ts.scores));
    }
    expect(native.selfTest().passed).toBe(true);
    expect(c.calls).toBeGreaterThanOrEqual(2 * inputs.length); // every CNN has at least a conv and a dense layer
  });

  it('mutated CNN packages either fail to load or run in C without a fault', () => {
    const rng = new Prng(7301);
    const sample = sampleCnnPackage();
    const batch = new BatchHosts();
    const kernels = nativeGraphKernels(batch.hosts);
    let loaded = 0;
    const cases = FULL ? 3000 : 300;
    for (let c = 0; c < cases; c++) {
      let model;
      try {
        model = loadModel(alignedCopy(mutatePackage(rng, sample.bytes)), { kernels });
      } catch (e) {
        if (e instanceof ModelError) continue;
        throw e;
      }
      loaded++;
      for (let i = 0; i < model.input.length; i++) model.input[i] = rng.int(-128, 127);
      model.predict();
    }
    expect(loaded).toBeGreaterThan(0);
    expect(batch.records.length).toBeGreaterThan(0);
    expect(batch.run(exe).length).toBe(batch.records.length); // the driver ran every call and exited cleanly
  });
});
