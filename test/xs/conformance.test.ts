// The same firmware/core code in the real XS engine and in Node: byte-identical scores for
// tree ensembles and int8 graphs, identical fixed-point primitives, identical verdicts on
// hostile packages, and no allocation per inference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multiplyByQuantizedMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../../firmware/core/graph/fixed-point';
import { loadModel } from '../../firmware/core/model';
import { buildPackage } from '../../host/package/build';
import { GraphBuilder, GraphDef } from '../../host/package/graph-body';
import { graphPackageDef } from '../../host/package/graph-package';
import { XsEngine } from '../../sim/xs/engine-service';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { randomLayer } from '../graph/helpers';
import { mutatePackage } from '../support/mutate';
import { Prng } from '../support/prng';
import { samplePackages, sampleTreePackages } from '../support/sample-packages';
import { nodeVerdict } from '../support/verdict';

const FULL = !!process.env.EDGEML_FULL;
let xs: XsEngine;
beforeAll(async () => { xs = await XsEngine.start(); });
afterAll(async () => { await xs?.close(); });

async function compareOnInputs(bytes: Uint8Array, inputs: number[][]): Promise<void> {
  const model = loadModel(bytes);
  await xs.load(bytes);
  const fromXs = await xs.predict(inputs);
  inputs.forEach((input, i) => {
    model.input.set(input);
    const predicted = model.predict();
    expect(Array.from(fromXs[i].scores), `input ${i}`).toEqual(Array.from(model.scores));
    expect(fromXs[i].predictedClass).toBe(predicted);
  });
}

function randomCnn(rng: Prng): GraphDef {
  const b = new GraphBuilder();
  const c = rng.int(1, 3);
  let x = b.input([1, rng.int(5, 10), rng.int(5, 10), c], { scale: Math.fround(rng.logUniform(0.005, 0.1)), zeroPoint: rng.int(-128, 127) });
  const k = rng.int(3, 8);
  x = b.conv2d(x, randomLayer(rng, [k, 3, 3, c], k, 0, b.quantOf(x).scale, 9 * c), { padding: rng.pick(['SAME', 'VALID'] as const), stride: rng.int(1, 2) });
  x = b.depthwiseConv2d(x, randomLayer(rng, [1, 3, 3, k], k, 3, b.quantOf(x).scale, 9), 1, { padding: 'SAME' });
  x = b.pool(rng.pick(['MAX_POOL_2D', 'AVERAGE_POOL_2D'] as const), x, [2, 2], { stride: 2, padding: 'SAME' });
  x = b.flatten(x);
  const units = rng.int(2, 10);
  x = b.fullyConnected(x, randomLayer(rng, [units, b.shapeOf(x)[1]], units, 0, b.quantOf(x).scale, b.shapeOf(x)[1]));
  return b.build(b.softmax(x));
}

describe('firmware/core in XS is byte-identical with Node', () => {
  it('tree ensembles of every kind', async () => {
    const rng = new Prng(31);
    const kinds = [
      { ensemble: ENSEMBLES.single, trees: 1, depth: 10, classes: 5 },
      { ensemble: ENSEMBLES.soft, trees: 8, depth: 7, classes: 4 },
      { ensemble: ENSEMBLES.hard, trees: 9, depth: 6, classes: 3 },
      { ensemble: ENSEMBLES.boosting, trees: 12, depth: 3, classes: 2 },
      { ensemble: ENSEMBLES.boosting, trees: 10, depth: 4, classes: 6 },
      { ensemble: ENSEMBLES.boosting, trees: 10, depth: 4, classes: 0 },
    ];
    for (const shape of kinds) {
      const features = rng.int(2, 30);
      const def = randomEnsemble(rng, { ...shape, features, earlyLeaf: 0.2 });
      const inputs = Array.from({ length: FULL ? 200 : 40 }, () => Array.from({ length: features }, () => rng.int(-3200, 3200)));
      await compareOnInputs(buildPackage(treePackageDef(def, shape.classes)), inputs);
    }
  });

  it('int8 CNNs (conv, depthwise, pooling, dense, softmax)', async () => {
    const rng = new Prng(77);
    for (let m = 0; m < (FULL ? 12 : 4); m++) {
      const def = randomCnn(rng);
      const bytes = buildPackage(graphPackageDef(def, { name: `cnn-${m}`, createdAt: 0 }));
      const n = def.tensors[def.input].shape.reduce((a, b) => a * b, 1);
      const inputs = Array.from({ length: 6 }, () => Array.from(rng.int8Array(n)));
      await compareOnInputs(bytes, inputs);
    }
  });

  it('fixed-point primitives, extremes included', async () => {
    const rng = new Prng(5);
    const extremes = [-2147483648, -2147483647, -1073741824, -65536, -65535, -32768, -1, 0, 1, 32767, 65535, 65536, 1073741824, 2147483647];
    const triples: [number, number, number][] = [];
    for (const a of extremes) for (const b of extremes) triples.push([a, b, rng.int(-31, 30)]);
    for (let i = 0; i < 3000; i++) triples.push([rng.int(-2147483648, 2147483647), rng.int(0, 2147483647), rng.int(-31, 30)]);
    const fromXs = await xs.fixedPoint(triples);
    const fromNode = triples.flatMap(([a, b, s]) => [
      saturatingRoundingDoublingHighMul(a, b), roundingDivideByPOT(a, Math.min(31, Math.abs(s))), multiplyByQuantizedMultiplier(a, b, s),
    ]);
    expect(Array.from(fromXs)).toEqual(fromNode);
  });

  it('embedded self-tests pass in XS', async () => {
    for (const sample of sampleTreePackages()) {
      await xs.load(sample.bytes);
      expect(await xs.selfTest(), sample.name).toEqual({ passed: true, count: 2, failedVector: -1 });
    }
  });
});

describe('in XS, inference allocates nothing', () => {
  it('for a forest and for a CNN', async () => {
    const rng = new Prng(8);
    const forest = buildPackage(treePackageDef(randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: 5, depth: 6, features: 16, classes: 4 }), 4));
    const cnn = buildPackage(graphPackageDef(randomCnn(new Prng(3)), { name: 'cnn', createdAt: 0 }));
    for (const bytes of [forest, cnn]) {
      await xs.load(bytes);
      expect((await xs.allocationPerInference()).slots).toBe(0);
    }
  });
});

describe('hostile packages in XS', () => {
  it(`${FULL ? 2000 : 300} mutated packages: the same verdict as in Node, and XS keeps running`, async () => {
    const rng = new Prng(404);
    const samples = samplePackages().map((s) => s.bytes);
    const cases = FULL ? 2000 : 300;
    for (let c = 0; c < cases; c++) {
      const bytes = mutatePackage(rng, samples[c % samples.length]);
      expect(await xs.tryRun(bytes), `case ${c}`).toBe(nodeVerdict(bytes));
    }
  });
});
