import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../host/data/csv';
import { subset } from '../../host/data/dataset';
import { Random } from '../../host/data/random';
import { stratifiedSplit } from '../../host/data/split';
import { GradientBoostingModel, expit, softmax } from '../../host/train/trees/boosting';
import { accuracy } from '../../host/train/trees/evaluate';
import { leafIndex } from '../../host/train/trees/tree';

const iris = loadCsv('datasets/iris.csv');
const digits = loadCsv('datasets/digits.csv');

describe('gradient boosting', () => {
  it('multinomial: starts at the log priors and takes one Newton step per leaf', () => {
    // Uneven classes, so the priors differ.
    const keep = Array.from({ length: 150 }, (_, i) => i).filter((i) => iris.y[i] !== 2 || i % 3 === 0);
    const data = subset(iris, keep);
    const n = data.X.length;
    const model = GradientBoostingModel.fitClassifier(data.X, data.y, { rounds: 1, learningRate: 1, maxDepth: 2 });
    expect(model.scoreCount).toBe(3);
    expect(model.trees).toHaveLength(3);
    const counts = [0, 1, 2].map((k) => Array.from(data.y).filter((c) => c === k).length);
    counts.forEach((c, k) => expect(model.init[k]).toBeCloseTo(Math.log(c / n), 12));
    // Recompute every leaf value from its definition, independently of the trainer.
    const p0 = softmax(model.init);
    for (let k = 0; k < 3; k++) {
      const tree = model.trees[k];
      expect(model.outputs[k]).toBe(k);
      const num = new Map<number, number>();
      const den = new Map<number, number>();
      data.X.forEach((x, i) => {
        const leaf = leafIndex(tree, x);
        const yk = data.y[i] === k ? 1 : 0;
        num.set(leaf, (num.get(leaf) ?? 0) + yk - p0[k]);
        den.set(leaf, (den.get(leaf) ?? 0) + p0[k] * (1 - p0[k]));
      });
      for (const [leaf, s] of num) expect(tree.value[leaf]).toBeCloseTo(((2 / 3) * s) / den.get(leaf)!, 9);
    }
    // predictProba is the softmax of init + the leaves.
    const x = data.X[0];
    const raw = [0, 1, 2].map((k) => model.init[k] + model.trees[k].value[leafIndex(model.trees[k], x)]);
    Array.from(model.predictProba(x)).forEach((p, k) => expect(p).toBeCloseTo(softmax(raw)[k], 12));
  });

  it('binary: one tree per round on the log-odds margin', () => {
    const keep = Array.from({ length: 150 }, (_, i) => i).filter((i) => iris.y[i] !== 0 && i % 4 !== 0);
    const data = subset(iris, keep);
    const y = Int32Array.from(data.y, (c) => c - 1);
    const model = GradientBoostingModel.fitClassifier(data.X, y, { rounds: 30 });
    expect(model.scoreCount).toBe(1);
    expect(model.trees).toHaveLength(30);
    const p1 = Array.from(y).filter((c) => c === 1).length / y.length;
    expect(model.init[0]).toBeCloseTo(Math.log(p1 / (1 - p1)), 12);
    const x = data.X[3];
    const proba = model.predictProba(x);
    expect(proba[1]).toBeCloseTo(expit(model.decision(x)[0]), 12);
    expect(model.predict(x)).toBe(model.decision(x)[0] > 0 ? 1 : 0);
    expect(accuracy(model, data.X, y)).toBeGreaterThan(0.97);
  });

  it('regression: squared error, starts at the mean and fits the training data better each round', () => {
    const rng = new Random(11);
    const X = Array.from({ length: 400 }, () => Float64Array.of(rng.next() * 6, rng.next() * 6, rng.next()));
    const y = X.map((x) => Math.sin(x[0]) * 3 + x[1] * x[1] * 0.5 + (rng.next() - 0.5) * 0.1);
    const mse = (m: GradientBoostingModel) => X.reduce((s, x, i) => s + (m.predict(x) - y[i]) ** 2, 0) / X.length;
    const m10 = GradientBoostingModel.fitRegressor(X, y, { rounds: 10, seed: 1 });
    const m100 = GradientBoostingModel.fitRegressor(X, y, { rounds: 100, seed: 1 });
    expect(m100.init[0]).toBeCloseTo(y.reduce((a, b) => a + b, 0) / y.length, 12);
    const variance = y.reduce((s, v) => s + (v - m100.init[0]) ** 2, 0) / y.length;
    expect(mse(m10)).toBeLessThan(variance * 0.5);
    expect(mse(m100)).toBeLessThan(mse(m10) * 0.2);
    expect(m100.task).toBe('regression');
    // mse and friedman_mse both work
    expect(mse(GradientBoostingModel.fitRegressor(X, y, { rounds: 50, criterion: 'mse' }))).toBeLessThan(variance * 0.1);
  });

  it('is deterministic for a seed', () => {
    const a = GradientBoostingModel.fitClassifier(iris.X, iris.y, { rounds: 10, seed: 3 });
    const b = GradientBoostingModel.fitClassifier(iris.X, iris.y, { rounds: 10, seed: 3 });
    expect(a.trees).toEqual(b.trees);
    expect(a.init).toEqual(b.init);
  });

  it('trains 100 rounds x 10 classes on digits (1347 x 64) well under a minute', () => {
    const { train, test } = stratifiedSplit(digits.y, { seed: 0 });
    const tr = subset(digits, train);
    const te = subset(digits, test);
    const t0 = performance.now();
    const model = GradientBoostingModel.fitClassifier(tr.X, tr.y, { rounds: 100 });
    const ms = performance.now() - t0;
    const acc = accuracy(model, te.X, te.y);
    console.log(`gradient boosting, 100 rounds x 10 classes on ${tr.X.length} x 64: ${ms.toFixed(0)} ms, test accuracy ${(acc * 100).toFixed(1)}%`);
    expect(model.trees).toHaveLength(1000);
    expect(ms).toBeLessThan(30_000);
    expect(acc).toBeGreaterThan(0.94);
  }, 60_000);
});
