// The C tree walk (firmware/native/trees), compiled warning-free with -std=c99 -Wall -Wextra
// -Werror -pedantic and called directly on the host: the same int32 scores as the TypeScript
// engine on the whole tree corpus and the reference models; under ASan/UBSan in the full run.
import { describe, expect, it } from 'vitest';
import type { OutputSpec } from '../../firmware/core/engine';
import { ModelError } from '../../firmware/core/errors';
import { loadModel } from '../../firmware/core/model';
import { classOf } from '../../firmware/core/package/specs';
import type { TreeBody } from '../../firmware/core/trees/body';
import { TreeEngine } from '../../firmware/core/trees/engine';
import type { TreeKernel } from '../../firmware/core/trees/kernel';
import { alignedCopy } from '../../host/package/read';
import { TREE_DESCRIPTOR_LENGTH, treeDescriptor } from '../../firmware/platform/moddable/native-trees-descriptor';
import { referenceModels } from '../../tools/reference-models';
import { mutatePackage } from '../support/mutate';
import { Prng } from '../support/prng';
import { sampleTreePackages } from '../support/sample-packages';
import { TreeCase, referenceScores, treeCases } from './support/tree-cases';
import { driverInput, runDriver, treeDriver } from './support/trees';

const FULL = !!process.env.EDGEML_FULL;

/** The scores, and the classes the scores name (classOf: ties, one score, regression). */
function expectSameScores(exe: string, c: TreeCase): void {
  const model = loadModel(c.bytes);
  const engine = model.engine as TreeEngine;
  const run = runDriver(exe, driverInput(engine.body, c.inputs, model.outputSpec), engine.scores.length);
  expect(run.stderr, c.name).toBe('');
  expect(run.status, c.name).toBe(0);
  const expected = referenceScores(c);
  expect(run.scores.map((s) => Array.from(s)), c.name).toEqual(expected.map((s) => Array.from(s)));
  expect(run.classes, c.name).toEqual(expected.map((s) => classOf(s, model.outputSpec)));
}

describe('C tree walk, called directly', () => {
  const cases = treeCases(FULL ? 200 : 40);

  it('gives the TypeScript engine\'s scores for every kind, split, leaf encoding and layout', () => {
    const exe = treeDriver();
    for (const c of cases) expectSameScores(exe, c);
  });

  it('gives the TypeScript engine\'s scores for the reference forests on their test inputs', async () => {
    const exe = treeDriver();
    const trees = (await referenceModels()).filter((m) => !m.name.startsWith('cnn'));
    expect(trees.map((m) => m.name)).toEqual(['rf-10x8', 'gbdt-100x10']);
    for (const m of trees) expectSameScores(exe, { name: m.name, bytes: m.bytes, inputs: m.inputs });
  });

  it('refuses descriptors whose arrays leave the buffer or are misaligned', () => {
    const exe = treeDriver();
    const engine = loadModel(cases[2].bytes).engine as TreeEngine;
    const { descriptor } = treeDescriptor(engine.body);
    expect(descriptor.length).toBe(TREE_DESCRIPTOR_LENGTH);
    const length = engine.body.features.buffer.byteLength;
    const edits: [string, number, number][] = [
      ['thresholds past the end', 14, length - 2],
      ['misaligned base', 20, descriptor[20] + 1],
      ['negative offset', 13, -4],
      ['entry count past the buffer', 3, 0x7fffffff],
      ['unknown kind', 0, 4],
      ['feature width 4', 9, 4],
      ['classify 2', 21, 2],
    ];
    for (const [what, field, value] of edits) {
      const bad = descriptor.slice();
      bad[field] = value;
      const run = runDriver(exe, driverInput(engine.body, cases[2].inputs.slice(0, 1), undefined, bad), engine.scores.length);
      expect(run.status, what).toBe(3);
    }
  });

  it(`validates at load only: of ${FULL ? 2000 : 300} mutated packages, no refused tree body reaches the kernel; the accepted ones walk in C as in TypeScript`, () => {
    const exe = treeDriver(FULL);
    const rng = new Prng(909);
    const samples = sampleTreePackages().map((p) => p.bytes);
    let prepared: TreeBody | undefined;
    let output: OutputSpec | undefined;
    const spy: TreeKernel = { prepare: (body, _input, _scores, out) => { prepared = body; output = out; return () => -1; } };
    let walked = 0;
    for (let i = 0; i < (FULL ? 2000 : 300); i++) {
      const bytes = alignedCopy(mutatePackage(rng, samples[i % samples.length]));
      prepared = undefined;
      let loaded = true;
      try {
        loadModel(bytes, { treeKernel: spy });
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        loaded = false;
      }
      // A body the kernel got passed parseTreeBody (a later section may still fail the package).
      if (!prepared) continue;
      const body: TreeBody = prepared;
      const inputs = Array.from({ length: 4 }, () => Array.from({ length: body.featureCount }, () => rng.int(-32768, 32767)));
      const run = runDriver(exe, driverInput(body, inputs, output), body.base.length);
      expect(run.status, `case ${i}: ${run.stderr}`).toBe(0);
      walked++;
      if (!loaded) continue;
      const reference = loadModel(bytes);
      const classes: number[] = [];
      const expected = inputs.map((x) => { reference.input.set(x); classes.push(reference.predict()); return Array.from(reference.scores); });
      expect(run.scores.map((x) => Array.from(x)), `case ${i}`).toEqual(expected);
      expect(run.classes, `case ${i}`).toEqual(classes);
    }
    expect(walked).toBeGreaterThan(10);
  });

  it.runIf(FULL)('runs clean under AddressSanitizer and UBSan over the corpus', () => {
    const exe = treeDriver(true);
    for (const c of cases) expectSameScores(exe, c);
  });
});
