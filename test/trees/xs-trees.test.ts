// The tree engine in the real XS engine: the same scores as Node for every walk family and
// walk length, no allocation per inference, and the computrons per tree node visited that
// the layout was designed for (deterministic, so they are checked as budgets).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { TreeEngine } from '../../firmware/core/trees/engine';
import { buildPackage } from '../../host/package/build';
import { TreeEnsembleDef, TreeNodeDef, encodeTreeBody } from '../../host/package/tree-body';
import { XsEngine } from '../../sim/xs/engine-service';
import { ENSEMBLES, RandomEnsembleShape, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from '../support/prng';

let xs: XsEngine;
beforeAll(async () => { xs = await XsEngine.start(); });
afterAll(async () => { await xs?.close(); });

function nodesVisited(def: TreeEnsembleDef, x: number[]): number {
  let count = 0;
  for (const { root } of def.trees) {
    let node: TreeNodeDef = root;
    while (!('leaf' in node)) {
      count++;
      node = (def.split === 0 ? x[node.feature] < node.threshold : x[node.feature] <= node.threshold) ? node.left : node.right;
    }
  }
  return count;
}

interface Case { name: string; shape: RandomEnsembleShape; leaves?: 'dense' | 'sparse'; budget: number; steps?: number }

// Budgets in computrons per internal node visited, for one whole predict() (class included),
// a little above what the engine does today.
const cases: Case[] = [
  { name: 'gradient boosting, 100 rounds x 10 classes, depth 3', shape: { ensemble: ENSEMBLES.boosting, trees: 100, depth: 3, features: 64, classes: 10 }, budget: 25, steps: 3 },
  { name: 'random forest, 10 trees, depth 8, mostly pure leaves', shape: { ensemble: ENSEMBLES.soft, trees: 10, depth: 8, features: 64, classes: 10, pureLeaves: 0.9 }, budget: 31, steps: 8 },
  { name: 'random forest, 10 trees, depth 8, random proportions', shape: { ensemble: ENSEMBLES.soft, trees: 10, depth: 8, features: 64, classes: 10 }, budget: 46, steps: 8 },
  { name: 'hard-vote forest, 10 trees, depth 8', shape: { ensemble: ENSEMBLES.hard, trees: 10, depth: 8, features: 64, classes: 10 }, budget: 29, steps: 8 },
  { name: 'deep unbalanced forest (chunked walk)', shape: { ensemble: ENSEMBLES.soft, trees: 6, depth: 16, features: 20, classes: 4, earlyLeaf: 0.2, pureLeaves: 0.8 }, budget: 55, steps: 0 },
  { name: 'deep boosting (chunked walk)', shape: { ensemble: ENSEMBLES.boosting, trees: 8, depth: 12, features: 20, classes: 3, earlyLeaf: 0.15 }, budget: 40, steps: 0 },
  { name: 'decision tree, sparse leaves with entries', shape: { ensemble: ENSEMBLES.single, trees: 1, depth: 6, features: 10, classes: 5, earlyLeaf: 0.1, pureLeaves: 0.3 }, leaves: 'sparse', budget: 100 },
  { name: 'regression forest', shape: { ensemble: ENSEMBLES.soft, trees: 8, depth: 5, features: 10, classes: 0, earlyLeaf: 0.1 }, budget: 36 },
];

describe('tree ensembles in XS', () => {
  for (const c of cases) {
    it(`${c.name}: same scores as Node, no allocation, at most ${c.budget} computrons per node`, async () => {
      const rng = new Prng(1234);
      const def = randomEnsemble(rng, c.shape);
      const pkg = treePackageDef(def, c.shape.classes, 'xs-trees');
      const bytes = buildPackage({ ...pkg, body: encodeTreeBody(def, { leaves: c.leaves }).body });
      const model = loadModel(bytes);
      if (c.steps !== undefined) expect((model.engine as TreeEngine).steps).toBe(c.steps);
      await xs.load(bytes);
      const inputs = Array.from({ length: 12 }, () => Array.from({ length: c.shape.features }, () => rng.int(-3200, 3200)));
      const fromXs = await xs.predict(inputs);
      let computrons = 0;
      let nodes = 0;
      for (const [i, input] of inputs.entries()) {
        model.input.set(input);
        expect(fromXs[i].predictedClass).toBe(model.predict());
        expect(Array.from(fromXs[i].scores)).toEqual(Array.from(model.scores));
        if (i < 6) {
          computrons += await xs.computronsPerInference(input, 5);
          nodes += nodesVisited(def, input);
        }
      }
      expect(computrons / nodes).toBeLessThanOrEqual(c.budget);
      expect((await xs.allocationPerInference()).slots).toBe(0);
    });
  }

  it('the walk alone of trees with leaf rows: 20 to 24 computrons a step, below the whole inference; none for additive trees', async () => {
    const rng = new Prng(99);
    const shape: RandomEnsembleShape = { ensemble: ENSEMBLES.soft, trees: 10, depth: 8, features: 64, classes: 10, pureLeaves: 0.9 };
    const def = randomEnsemble(rng, shape);
    const bytes = buildPackage(treePackageDef(def, shape.classes, 'walk-alone'));
    expect((loadModel(bytes).engine as TreeEngine).steps).toBe(8);
    await xs.load(bytes);
    for (let i = 0; i < 3; i++) {
      const input = Array.from({ length: shape.features }, () => rng.int(-3200, 3200));
      const walk = await xs.walkComputronsPerInference(input, 8);
      // Four typed-array reads a step at 5 computrons each (README, benchmark), plus a little
      // per tree for the loop and the leaf's payload.
      const perStep = walk / (shape.trees * 8);
      expect(perStep).toBeGreaterThanOrEqual(20);
      expect(perStep).toBeLessThanOrEqual(24);
      expect(walk).toBeLessThan(await xs.computronsPerInference(input, 8));
    }
    const boosting: RandomEnsembleShape = { ensemble: ENSEMBLES.boosting, trees: 4, depth: 3, features: 8, classes: 3 };
    await xs.load(buildPackage(treePackageDef(randomEnsemble(rng, boosting), boosting.classes, 'additive')));
    await expect(xs.walkComputronsPerInference(new Array(8).fill(0))).rejects.toThrow(/leaf rows/);
  });
});
