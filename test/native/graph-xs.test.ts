// The C graph kernels through their xsmc bindings in the native XS host (sim/xs-host), as the
// device runs them: the golden vectors (test/graph/cases.ts) and the reference CNNs give the
// reference's outputs, the native kernels replace the bytecode loops (computrons) without
// allocating per inference, and hostile packages get the verdict of Node's reference engine.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST_NONE, TASK_REGRESSION } from '../../firmware/core/engine';
import { loadModel } from '../../firmware/core/model';
import { buildPackage } from '../../host/package/build';
import { graphPackageDef } from '../../host/package/graph-package';
import { alignedCopy } from '../../host/package/read';
import { XsEngine } from '../../sim/xs/engine-service';
import {
  caseInputs, convCases, convSpecialCases, denseCases, depthwiseCases, poolCases, requantEdgeCases, softmaxCases,
  softmaxEdgeCases,
} from '../graph/cases';
import type { GoldenCase } from '../graph/cases';
import { FULL, firstDifference } from '../graph/helpers';
import { Prng } from '../support/prng';
import { referenceOutput } from '../graph/reference';
import { mutatePackage } from '../support/mutate';
import { sampleCnnPackage } from '../support/sample-packages';
import { ROOT } from './support/cc';
import { nodeVerdict } from '../support/verdict';

/** As in test/graph/ops.test.ts, so that both see the same vectors. */
const CASES = FULL ? 2000 : 150;

let xs: XsEngine;
beforeAll(async () => { xs = await XsEngine.start({ native: true }); });
afterAll(async () => { await xs?.close(); });

/** A package around a golden case's graph (one output element: a regression, as classification needs two). */
function casePackage(c: GoldenCase): Uint8Array {
  const def = graphPackageDef(c.def, { name: 'case', createdAt: 0 });
  if (def.output.scoreCount > 1) return buildPackage(def);
  return buildPackage({ ...def, output: { ...def.output, task: TASK_REGRESSION, postprocess: POST_NONE, classCount: 0 } });
}

async function checkInXs(rng: Prng, cases: Iterable<GoldenCase>): Promise<void> {
  for (const c of cases) {
    const bytes = casePackage(c);
    const info = await xs.load(bytes);
    const inputs = caseInputs(rng, info.elementCount, c.inputs);
    const got = await xs.predict(inputs);
    inputs.forEach((x, k) => {
      const diff = firstDifference(got[k].scores, referenceOutput(c.def, x));
      if (diff !== null) throw new Error(`${c.label} input ${k} in XS: ${diff}`);
    });
  }
}

const CNNS = readdirSync(path.join(ROOT, 'models')).filter((f) => f.startsWith('cnn-') && f.endsWith('.edgm')).sort()
  .map((name) => ({ name, bytes: alignedCopy(readFileSync(path.join(ROOT, 'models', name))) }));

describe('C graph kernels through the xsmc bindings in the native XS host', () => {
  it('CONV_2D and DEPTHWISE_CONV_2D give the reference outputs (golden vectors)', async () => {
    let rng = new Prng(1001);
    await checkInXs(rng, convCases(rng, CASES, FULL));
    rng = new Prng(1002);
    await checkInXs(rng, convSpecialCases(rng));
    rng = new Prng(2001);
    await checkInXs(rng, depthwiseCases(rng, CASES, FULL));
  });

  it('FULLY_CONNECTED and pooling give the reference outputs (golden vectors, requantization edges)', async () => {
    let rng = new Prng(3001);
    await checkInXs(rng, denseCases(rng, CASES, FULL));
    rng = new Prng(3002);
    await checkInXs(rng, requantEdgeCases(rng));
    rng = new Prng(4001);
    await checkInXs(rng, poolCases(rng, CASES, FULL));
  });

  it('SOFTMAX gives the reference outputs (golden vectors, edge cases)', async () => {
    let rng = new Prng(5001);
    await checkInXs(rng, softmaxCases(rng, CASES));
    rng = new Prng(5004);
    await checkInXs(rng, softmaxEdgeCases());
  });

  it.each(CNNS)('reference model $name: the TypeScript engine\'s scores and a passing self-test', async ({ bytes }) => {
    const node = loadModel(bytes);
    await xs.load(bytes);
    const inputs = [...node.selfTestVectors.map((v) => Array.from(v.input)), ...caseInputs(new Prng(7401), node.input.length, 2).map((x) => Array.from(x))];
    const got = await xs.predict(inputs);
    inputs.forEach((x, k) => {
      node.input.set(x);
      expect(got[k].predictedClass).toBe(node.predict());
      expect(Array.from(got[k].scores)).toEqual(Array.from(node.scores));
    });
    expect((await xs.selfTest()).passed).toBe(true);
  });

  it('runs instead of the bytecode kernels, allocating nothing per inference', async () => {
    const { bytes } = CNNS.find((m) => m.name === 'cnn-digits.edgm')!;
    const input = Array.from(loadModel(bytes).selfTestVectors[0].input);
    await xs.load(bytes);
    const native = await xs.computronsPerInference(input);
    expect((await xs.allocationPerInference()).slots).toBe(0);
    await xs.useKernels('reference');
    try {
      await xs.load(bytes);
      const reference = await xs.computronsPerInference(input);
      expect(native * 200).toBeLessThan(reference);
    } finally {
      await xs.useKernels('native');
    }
  });
});

describe('hostile CNN packages never reach a C kernel unvalidated', () => {
  it(`${FULL ? 2000 : 300} mutated packages: the verdict of Node's reference engine, and the host keeps running`, async () => {
    const rng = new Prng(7501);
    const sample = sampleCnnPackage().bytes;
    let loaded = 0;
    const cases = FULL ? 2000 : 300;
    for (let c = 0; c < cases; c++) {
      const bytes = mutatePackage(rng, sample);
      const verdict = nodeVerdict(bytes);
      if (verdict.startsWith('OK')) loaded++;
      expect(await xs.tryRun(bytes), `case ${c}`).toBe(verdict);
    }
    expect(loaded).toBeGreaterThan(0);
  });
});
