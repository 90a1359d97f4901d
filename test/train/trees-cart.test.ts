import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../host/data/csv';
import { Random } from '../../host/data/random';
import { TrainingData, threshold } from '../../host/train/trees/builder';
import { DecisionTreeClassifier, DecisionTreeRegressor } from '../../host/train/trees/cart';
import { RandomForestClassifier, RandomForestRegressor } from '../../host/train/trees/forest';
import { Tree, leafCount, leafIndex, treeDepth } from '../../host/train/trees/tree';

const iris = loadCsv('datasets/iris.csv');
const digits = loadCsv('datasets/digits.csv');

/** Samples reaching each node, by walking the training data down the tree. */
function reach(tree: Tree, X: Float64Array[]): number[][] {
  const at: number[][] = Array.from({ length: tree.feature.length }, () => []);
  X.forEach((x, i) => {
    let n = 0;
    at[0].push(i);
    while (tree.feature[n] >= 0) {
      n = x[tree.feature[n]] <= tree.threshold[n] ? tree.left[n] : tree.right[n];
      at[n].push(i);
    }
  });
  return at;
}

describe('CART', () => {
  it('fits distinct training samples perfectly with no depth limit, leaves pure', () => {
    const model = DecisionTreeClassifier.fit(iris.X, iris.y);
    // iris has duplicated rows with different labels? then they must share a leaf.
    let wrong = 0;
    for (let i = 0; i < iris.X.length; i++) if (model.predict(iris.X[i]) !== iris.y[i]) wrong++;
    const clash = iris.X.filter((x, i) => iris.X.some((z, j) => iris.y[j] !== iris.y[i] && z.every((v, f) => v === x[f]))).length;
    expect(wrong).toBeLessThanOrEqual(clash);
  });

  it('places thresholds at midpoints between training values, x <= t going left', () => {
    const model = DecisionTreeClassifier.fit(digits.X, digits.y, { maxDepth: 6, seed: 3 });
    const { tree } = model;
    const at = reach(tree, digits.X);
    for (let n = 0; n < tree.feature.length; n++) {
      expect(at[n].length).toBe(tree.samples[n]);
      if (tree.feature[n] < 0) continue;
      const f = tree.feature[n];
      const leftMax = Math.max(...at[tree.left[n]].map((i) => digits.X[i][f]));
      const rightMin = Math.min(...at[tree.right[n]].map((i) => digits.X[i][f]));
      // digits are integers: the midpoint is exact (and already tidy)
      expect(tree.threshold[n]).toBe((leftMax + rightMin) / 2);
    }
    expect(treeDepth(tree)).toBeLessThanOrEqual(6);
  });

  it('tidies a midpoint to the shortest decimal within a few ulps, inside the gap', () => {
    expect(threshold(2.7, 2.9)).toBe(2.8);
    expect(threshold(0.1, 0.2)).toBe(0.15);
    expect(threshold(1, 2)).toBe(1.5);
    expect(threshold(-0.35, -0.25)).toBe(-0.3);
    expect(threshold(0.1 + 0.2, 0.5)).toBe(0.4);
    const a = 1 / 3;
    const b = 2 / 3;
    expect(threshold(a, b)).toBe(a / 2 + b / 2); // no short decimal nearby: the midpoint
    const next = 1 + 2 ** -52;
    expect(threshold(1, next)).toBe(1); // the midpoint would round up to b: a, as scikit-learn
    for (const [lo, hi] of [[5.1, 5.3], [1e-7, 3e-7], [123.45, 123.46], [-8, -7.9]]) {
      const t = threshold(lo, hi);
      expect(t).toBeGreaterThanOrEqual(lo);
      expect(t).toBeLessThan(hi);
      expect(Math.abs(t - (lo / 2 + hi / 2))).toBeLessThanOrEqual(Math.abs(t) * 1e-15);
    }
  });

  it('node values are the class proportions of the samples reaching them', () => {
    const model = DecisionTreeClassifier.fit(iris.X, iris.y, { maxDepth: 3 });
    const at = reach(model.tree, iris.X);
    for (let n = 0; n < model.tree.feature.length; n++) {
      for (let k = 0; k < 3; k++) {
        const share = at[n].filter((i) => iris.y[i] === k).length / at[n].length;
        expect(model.tree.value[n * 3 + k]).toBeCloseTo(share, 12);
      }
    }
  });

  it('respects minSamplesLeaf and minSamplesSplit', () => {
    const leafy = DecisionTreeClassifier.fit(digits.X, digits.y, { minSamplesLeaf: 7 });
    const split = DecisionTreeClassifier.fit(digits.X, digits.y, { minSamplesSplit: 40 });
    for (let n = 0; n < leafy.tree.feature.length; n++) expect(leafy.tree.samples[n]).toBeGreaterThanOrEqual(7);
    for (let n = 0; n < split.tree.feature.length; n++) {
      if (split.tree.feature[n] >= 0) expect(split.tree.samples[n]).toBeGreaterThanOrEqual(40);
    }
    expect(leafCount(leafy.tree)).toBeLessThan(leafCount(DecisionTreeClassifier.fit(digits.X, digits.y).tree));
  });

  it('is deterministic for a seed', () => {
    const a = DecisionTreeClassifier.fit(digits.X, digits.y, { seed: 5 });
    const b = DecisionTreeClassifier.fit(new TrainingData(digits.X), digits.y, { seed: 5 });
    expect(a.tree).toEqual(b.tree);
  });

  it('regression: leaves are means and the tree recovers a step function', () => {
    const rng = new Random(2);
    const X = Array.from({ length: 300 }, () => Float64Array.of(rng.next() * 10, rng.next()));
    const y = X.map((x) => (x[0] <= 3 ? 1 : x[0] <= 7 ? -2 : 5));
    const model = DecisionTreeRegressor.fit(X, y, { maxDepth: 2 });
    for (const x of [[1, 0.5], [5, 0.1], [9, 0.9]]) expect(model.predict(x)).toBe(x[0] <= 3 ? 1 : x[0] <= 7 ? -2 : 5);
    const forest = RandomForestRegressor.fit(X, y, { trees: 20, maxDepth: 3, seed: 1 });
    expect(Math.abs(forest.predict([5, 0.5]) + 2)).toBeLessThan(0.2);
  });
});

describe('random forest', () => {
  it('soft vote is the mean of the trees\' leaf proportions', () => {
    const model = RandomForestClassifier.fit(iris.X, iris.y, { trees: 7, seed: 1 });
    for (const x of iris.X.slice(0, 20)) {
      const p = model.predictProba(x);
      const mean = [0, 1, 2].map((k) => model.trees.reduce((s, t) => s + t.value[leafIndex(t, x) * 3 + k], 0) / 7);
      mean.forEach((v, k) => expect(p[k]).toBeCloseTo(v, 12));
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('grows each tree on a bootstrap sample with sqrt(features) per split', () => {
    const model = RandomForestClassifier.fit(digits.X, digits.y, { trees: 5, seed: 2 });
    for (const tree of model.trees) {
      // A bootstrap of n draws holds about 63% distinct samples, weighing n in total.
      expect(tree.weight[0]).toBe(digits.X.length);
      expect(tree.samples[0] / digits.X.length).toBeGreaterThan(0.58);
      expect(tree.samples[0] / digits.X.length).toBeLessThan(0.68);
    }
    // Different trees (different samples and features).
    expect(model.trees[0].feature).not.toEqual(model.trees[1].feature);
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = RandomForestClassifier.fit(iris.X, iris.y, { trees: 10, seed: 4 });
    const b = RandomForestClassifier.fit(iris.X, iris.y, { trees: 10, seed: 4 });
    const c = RandomForestClassifier.fit(iris.X, iris.y, { trees: 10, seed: 5 });
    expect(a.trees).toEqual(b.trees);
    expect(a.trees).not.toEqual(c.trees);
  });

  it('trains 100 trees on digits (1347 x 64) in a few seconds', () => {
    const X = digits.X.slice(0, 1347);
    const y = digits.y.slice(0, 1347);
    const t0 = performance.now();
    const model = RandomForestClassifier.fit(X, y, { trees: 100, seed: 0 });
    const ms = performance.now() - t0;
    console.log(`random forest, 100 trees on 1347 x 64: ${ms.toFixed(0)} ms, ${model.trees.reduce((s, t) => s + t.feature.length, 0)} nodes`);
    expect(ms).toBeLessThan(5000);
  });
});
