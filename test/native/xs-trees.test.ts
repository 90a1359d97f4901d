// The C tree walk through its xsmc binding in the native XS host (sim/xs-host), as the device
// runs it: the TypeScript engine's scores on the whole tree corpus and the reference forests,
// nothing allocated per inference, and the same verdicts on hostile packages as Node (they are
// refused at load, before any C runs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { classOf } from '../../firmware/core/package/specs';
import { XsEngine } from '../../sim/xs/engine-service';
import { referenceModels } from '../../tools/reference-models';
import { mutatePackage } from '../support/mutate';
import { Prng } from '../support/prng';
import { sampleTreePackages } from '../support/sample-packages';
import { TreeCase, referenceScores, treeCases } from './support/tree-cases';
import { nodeVerdict } from '../support/verdict';

const FULL = !!process.env.EDGEML_FULL;
let xs: XsEngine;
beforeAll(async () => { xs = await XsEngine.start({ native: true }); });
afterAll(async () => { await xs?.close(); });

/** The scores, and the class predict() returns (the binding's, classOf's in Node). */
async function expectSameScores(c: TreeCase): Promise<void> {
  await xs.load(c.bytes);
  const fromXs = await xs.predict(c.inputs);
  const expected = referenceScores(c);
  const output = loadModel(c.bytes).outputSpec;
  expect(fromXs.map((p) => Array.from(p.scores)), c.name).toEqual(expected.map((s) => Array.from(s)));
  expect(fromXs.map((p) => p.predictedClass), c.name).toEqual(expected.map((s) => classOf(s, output)));
}

describe('C tree walk through the xsmc binding in the native XS host', () => {
  it('gives the TypeScript engine\'s scores for every kind, split, leaf encoding and layout', async () => {
    for (const c of treeCases(FULL ? 200 : 40)) await expectSameScores(c);
  });

  it('gives the TypeScript engine\'s scores for the reference forests', async () => {
    for (const m of (await referenceModels()).filter((r) => !r.name.startsWith('cnn'))) await expectSameScores(m);
  });

  it('runs instead of the reference walk, allocating nothing per inference', async () => {
    const { bytes, inputs } = (await referenceModels())[1]; // gbdt-100x10
    await xs.load(bytes);
    const native = await xs.computronsPerInference(inputs[0]);
    expect((await xs.allocationPerInference()).slots).toBe(0);
    await xs.useKernels('reference');
    try {
      await xs.load(bytes);
      const reference = await xs.computronsPerInference(inputs[0]);
      // one host call against ~300 nodes walked in bytecode
      expect(native * 20).toBeLessThan(reference);
    } finally {
      await xs.useKernels('native');
    }
  });

  it('passes the embedded self-tests', async () => {
    for (const sample of sampleTreePackages()) {
      await xs.load(sample.bytes);
      expect(await xs.selfTest(), sample.name).toEqual({ passed: true, count: 2, failedVector: -1 });
    }
  });
});

describe('hostile tree packages never reach the C walk', () => {
  it(`${FULL ? 2000 : 400} mutated packages: the verdict of Node's reference engine, and the host keeps running`, async () => {
    const rng = new Prng(707);
    const samples = sampleTreePackages().map((s) => s.bytes);
    let refused = 0;
    const cases = FULL ? 2000 : 400;
    for (let c = 0; c < cases; c++) {
      const bytes = mutatePackage(rng, samples[c % samples.length]);
      const verdict = nodeVerdict(bytes);
      if (!verdict.startsWith('OK')) refused++;
      expect(await xs.tryRun(bytes), `case ${c}`).toBe(verdict);
    }
    expect(refused).toBeGreaterThan(cases / 10);
  });
});
