import { describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import { loadModel } from '../../firmware/core/model';
import { alignedCopy } from '../../host/package/read';
import { mutatePackage } from '../support/mutate';
import { Prng } from '../support/prng';
import { SamplePackage, sampleCnnPackage, sampleTreePackages } from '../support/sample-packages';

// EDGEML_FULL=1 runs the full 10,000+ cases; the default run keeps a representative slice.
const CASES = process.env.EDGEML_FULL ? 12_000 : 1_500;

/** Loads a package and, if it loads, runs it: the only acceptable failure is a ModelError. */
function exercise(bytes: Uint8Array, rng: Prng): 'rejected' | 'loaded' {
  let model;
  try {
    model = loadModel(alignedCopy(bytes));
  } catch (e) {
    if (e instanceof ModelError) return 'rejected';
    throw e;
  }
  for (let i = 0; i < model.input.length; i++) model.input[i] = rng.int(-40000, 40000);
  model.predict();
  for (const s of model.scores) expect(Number.isInteger(s) && s >= -0x80000000 && s <= 0x7fffffff).toBe(true);
  model.selfTest();
  return 'loaded';
}

function fuzz(packages: SamplePackage[], cases: number, seed: number) {
  const rng = new Prng(seed);
  const tally = { rejected: 0, loaded: 0 };
  for (let c = 0; c < cases; c++) {
    const sample = packages[c % packages.length];
    const bytes = mutatePackage(rng, sample.bytes);
    try {
      tally[exercise(bytes, rng)]++;
    } catch (e) {
      throw new Error(`case ${c} (${sample.name}, seed ${seed}): ${(e as Error).stack}`);
    }
  }
  return tally;
}

describe('fuzzing the package loader', () => {
  it(`tree packages: ${CASES} mutated packages give ModelError or a working model`, () => {
    const tally = fuzz(sampleTreePackages(), CASES, 1);
    expect(tally.rejected + tally.loaded).toBe(CASES);
    expect(tally.rejected).toBeGreaterThan(CASES / 2); // the mutations do reach the checks
  });

  it(`CNN packages: ${CASES} mutated packages give ModelError or a working model`, () => {
    const tally = fuzz([sampleCnnPackage()], CASES, 2);
    expect(tally.rejected + tally.loaded).toBe(CASES);
    expect(tally.rejected).toBeGreaterThan(CASES / 2);
    expect(tally.loaded).toBeGreaterThan(0); // some mutations (in weights, say) still load and run
  });
});
