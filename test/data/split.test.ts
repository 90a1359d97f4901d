import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../host/data/csv';
import { Random } from '../../host/data/random';
import { stratifiedKFold, stratifiedSplit } from '../../host/data/split';

function classCounts(y: ArrayLike<number>, indices: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < indices.length; i++) counts[y[indices[i]]]++;
  return counts;
}

describe('seeded random numbers', () => {
  it('gives the same stream for a seed and different streams for different seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 50 }, () => a.uint32());
    expect(Array.from({ length: 50 }, () => b.uint32())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.uint32())).not.toEqual(sa);
  });

  it('is uniform enough for below() and next()', () => {
    const rng = new Random(7);
    const counts = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[rng.below(10)]++;
    for (const c of counts) expect(Math.abs(c - n / 10)).toBeLessThan(5 * Math.sqrt(n / 10));
    let sum = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sum += u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
  });

  it('shuffles into a permutation', () => {
    const p = new Random(1).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('stratified train/test split', () => {
  const digits = loadCsv('datasets/digits.csv');
  const iris = loadCsv('datasets/iris.csv');

  for (const [name, data] of [['digits', digits], ['iris', iris]] as const) {
    it(`${name}: sizes, a partition, class proportions kept`, () => {
      const n = data.y.length;
      const K = data.classes.length;
      const total = classCounts(data.y, Int32Array.from({ length: n }, (_, i) => i), K);
      for (const seed of [0, 1, 2, 3, 4]) {
        const { train, test } = stratifiedSplit(data.y, { testSize: 0.25, seed });
        expect(test.length).toBe(Math.ceil(0.25 * n));
        expect(train.length + test.length).toBe(n);
        const all = [...train, ...test].sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
        const counts = classCounts(data.y, test, K);
        // Each class gets floor or ceil of its exact share.
        counts.forEach((c, k) => {
          const share = (total[k] * test.length) / n;
          expect(c).toBeGreaterThanOrEqual(Math.floor(share));
          expect(c).toBeLessThanOrEqual(Math.ceil(share));
        });
      }
    });
  }

  it('is deterministic for a seed and differs between seeds', () => {
    const a = stratifiedSplit(digits.y, { seed: 3 });
    const b = stratifiedSplit(digits.y, { seed: 3 });
    const c = stratifiedSplit(digits.y, { seed: 4 });
    expect(a.test).toEqual(b.test);
    expect(a.train).toEqual(b.train);
    expect(new Set(a.test)).not.toEqual(new Set(c.test));
  });

  it('takes a count as the test size and keeps a training sample of every class', () => {
    const y = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2];
    const { train, test } = stratifiedSplit(y, { testSize: 5, seed: 0 });
    expect(test.length).toBe(5);
    expect(classCounts(y, train, 3).every((c) => c >= 1)).toBe(true);
    expect(() => stratifiedSplit(y, { testSize: 0 })).toThrow(RangeError);
    expect(() => stratifiedSplit(y, { testSize: 8 })).toThrow(/training set/);
  });
});

describe('stratified k-fold', () => {
  const iris = loadCsv('datasets/iris.csv');

  it('puts every sample in exactly one test fold with balanced classes', () => {
    const folds = stratifiedKFold(iris.y, 5, { seed: 1 });
    expect(folds).toHaveLength(5);
    const seen = new Int32Array(iris.y.length);
    for (const { train, test } of folds) {
      expect(train.length + test.length).toBe(150);
      expect(test.length).toBe(30);
      for (const i of test) seen[i]++;
      expect(classCounts(iris.y, test, 3)).toEqual([10, 10, 10]);
      const inTest = new Set(test);
      expect(Array.from(train).some((i) => inTest.has(i))).toBe(false);
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  });

  it('balances uneven classes to within one and is deterministic', () => {
    const y = Int32Array.from({ length: 23 }, (_, i) => (i < 13 ? 0 : i < 20 ? 1 : 2));
    const folds = stratifiedKFold(y, 4, { seed: 9 });
    const sizes = folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (let k = 0; k < 3; k++) {
      const per = folds.map((f) => classCounts(y, f.test, 3)[k]);
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    }
    expect(stratifiedKFold(y, 4, { seed: 9 })).toEqual(folds);
    expect(stratifiedKFold(y, 4, { seed: 10 })).not.toEqual(folds);
  });
});
