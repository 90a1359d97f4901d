// Deterministic stratified splits: a train/test hold-out and k folds, each keeping the class
// proportions of the whole dataset (as scikit-learn's StratifiedShuffleSplit and
// StratifiedKFold do), driven by a seeded generator so a seed always gives the same split.
import { DatasetError } from './dataset';
import { Random } from './random';

export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/** Indices of each class, in sample order. */
function byClass(y: ArrayLike<number>): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < y.length; i++) {
    const k = y[i];
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`class index ${k} at sample ${i}`);
    (groups[k] ??= []).push(i);
  }
  return groups.map((g) => g ?? []);
}

/**
 * Splits samples into train and test sets with the class proportions kept: the test set has
 * ceil(testSize * n) samples (testSize a fraction in (0, 1), or a count), shared among the
 * classes in proportion to their sizes (largest remainders, ties broken by the seed), and
 * every class keeps at least one training sample. Both index lists come shuffled.
 */
export function stratifiedSplit(y: ArrayLike<number>, options: { testSize?: number; seed?: number } = {}): Split {
  const { testSize = 0.25, seed = 0 } = options;
  const n = y.length;
  const nTest = testSize >= 1 ? testSize : Math.ceil(testSize * n);
  if (!(testSize > 0) || !Number.isInteger(nTest)) throw new RangeError(`test size ${testSize}`);
  const groups = byClass(y).filter((g) => g.length > 0);
  if (nTest < groups.length) throw new DatasetError('BAD_SHAPE', `a test set of ${nTest} samples cannot hold all ${groups.length} classes`);
  if (n - nTest < groups.length) throw new DatasetError('BAD_SHAPE', `a training set of ${n - nTest} samples cannot hold all ${groups.length} classes`);
  const rng = new Random(seed);

  // Per-class test counts: floor of the exact share, then the leftover to the largest
  // remainders (random order among equal remainders), never taking a class's last sample.
  const exact = groups.map((g) => (g.length * nTest) / n);
  const counts = exact.map((e, k) => Math.min(Math.floor(e), groups[k].length - 1));
  let left = nTest - counts.reduce((a, b) => a + b, 0);
  const order = rng.shuffle(groups.map((_, k) => k)).sort((a, b) => (exact[b] - counts[b]) - (exact[a] - counts[a]));
  for (let pass = 0; left > 0 && pass < 2; pass++) {
    for (const k of order) {
      if (left === 0) break;
      if (counts[k] < groups[k].length - 1 && (pass === 1 || exact[k] > counts[k])) { counts[k]++; left--; }
    }
  }
  if (left > 0) throw new DatasetError('BAD_SHAPE', `a test set of ${nTest} samples leaves a class with no training sample`);
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((g, k) => {
    const shuffled = rng.shuffle(g.slice());
    test.push(...shuffled.slice(0, counts[k]));
    train.push(...shuffled.slice(counts[k]));
  });
  return { train: rng.shuffle(Int32Array.from(train)), test: rng.shuffle(Int32Array.from(test)) };
}

/**
 * Stratified k-fold: every sample is in exactly one test fold; each class is dealt round the
 * folds so per-class and total fold sizes differ by at most one. The samples of each class
 * are shuffled with the seed first.
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, options: { seed?: number } = {}): Split[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`${k} folds`);
  if (k > y.length) throw new DatasetError('BAD_SHAPE', `${k} folds for ${y.length} samples`);
  const rng = new Random(options.seed ?? 0);
  const fold = new Int32Array(y.length);
  let deal = 0;
  for (const g of byClass(y)) {
    for (const i of rng.shuffle(g.slice())) fold[i] = deal++ % k;
  }
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < y.length; i++) (fold[i] === f ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}
