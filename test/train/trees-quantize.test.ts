import { describe, expect, it } from 'vitest';
import { POST_NORMALIZE, POST_SIGMOID, POST_SOFTMAX, TASK_REGRESSION } from '../../firmware/core/engine';
import { loadModel } from '../../firmware/core/model';
import { quantizeInput } from '../../firmware/core/quantize';
import { LEAF_INT16, LEAF_INT32 } from '../../firmware/core/trees/body';
import { loadCsv } from '../../host/data/csv';
import { Dataset, subset } from '../../host/data/dataset';
import { Random } from '../../host/data/random';
import { stratifiedSplit } from '../../host/data/split';
import { createSigner, generateSigningKeys, verifySignature } from '../../host/package/signing';
import { compareWithPackage, exportTrees } from '../../host/train/export-trees';
import {
  TreeModel, chooseFeatureQuantization, fitRange, inputSpecOf, quantizeRows, quantizeTrees, scoreBound, snapThreshold,
} from '../../host/train/quantize-trees';
import { GradientBoostingModel } from '../../host/train/trees/boosting';
import { threshold } from '../../host/train/trees/builder';
import { DecisionTreeClassifier, DecisionTreeRegressor } from '../../host/train/trees/cart';
import { RandomForestClassifier, RandomForestRegressor } from '../../host/train/trees/forest';

const datasets = { digits: loadCsv('datasets/digits.csv'), iris: loadCsv('datasets/iris.csv') };

function split(data: Dataset, seed = 0) {
  const { train, test } = stratifiedSplit(data.y, { testSize: 0.25, seed });
  return { train: subset(data, train), test: subset(data, test) };
}

describe('threshold snapping', () => {
  const grid = (q: number, s: number, z: number) => (q - z) * s;

  it('takes the float branch at every grid value, exhaustively over int16', () => {
    const rng = new Random(5);
    for (let c = 0; c < 40; c++) {
      // power-of-two scales and arbitrary f32 scales, zero points anywhere in int16
      const s = c % 2 === 0 ? 2 ** (rng.below(40) - 30) : Math.fround(rng.next() * 10 ** (rng.below(8) - 5) + 1e-9);
      const z = rng.below(65536) - 32768;
      const t = grid(rng.below(65536) - 32768, s, z) + (rng.next() - 0.5) * s * (c % 5 === 0 ? 0 : 3);
      const { threshold: T, exact } = snapThreshold(t, s, z);
      expect(Number.isInteger(T) && T >= -32768 && T <= 32767).toBe(true);
      let mismatches = 0;
      for (let q = -32768; q <= 32767; q++) if ((q <= T) !== (grid(q, s, z) <= t)) mismatches++;
      expect(mismatches).toBe(exact ? 0 : 1);
    }
  });

  it('handles thresholds on a grid value, beyond either end, and reports the one inexact case', () => {
    expect(snapThreshold(3, 1, 0)).toEqual({ threshold: 3, exact: true });
    expect(snapThreshold(2.999, 1, 0)).toEqual({ threshold: 2, exact: true });
    expect(snapThreshold(-0.5, 0.25, 10)).toEqual({ threshold: 8, exact: true });
    expect(snapThreshold(1e9, 1, 0)).toEqual({ threshold: 32767, exact: true });
    expect(snapThreshold(-1e9, 1, 0)).toEqual({ threshold: -32768, exact: false });
    expect(snapThreshold(-32768, 1, 0)).toEqual({ threshold: -32768, exact: true });
  });
});

describe('feature quantization', () => {
  it('covers the training range with a spare step: power-of-two grids for integers, decimal grids for decimals', () => {
    for (const data of Object.values(datasets)) {
      const q = chooseFeatureQuantization(data.X);
      const spec = inputSpecOf(q);
      for (let f = 0; f < data.featureNames.length; f++) {
        const s = q.scales[f];
        expect(Math.fround(s)).toBe(s);
        const values = data.X.map((x) => x[f]);
        const lo = Math.min(...values);
        const hi = Math.max(...values);
        const out = new Int16Array(data.featureNames.length);
        const probe = new Float64Array(data.featureNames.length);
        probe[f] = lo;
        quantizeInput(spec, probe, out);
        expect(out[f]).toBeGreaterThan(-32768);
        probe[f] = hi;
        quantizeInput(spec, probe, out);
        expect(out[f]).toBeLessThan(32767);
        if (data === datasets.digits) {
          expect(q.decimals![f]).toBe(0);
          expect(Number.isInteger(Math.log2(s))).toBe(true);
          // the finest such power of two: half of it would not fit (or the feature is constant)
          if (hi > lo) expect((hi - lo) / (s / 2) > 65533 - 2 || Math.max(-lo, hi) / (s / 2) > 65534).toBe(true);
        } else {
          // iris: centimetres with one decimal; s just below 0.1 / 2^j, using most of int16
          expect(q.decimals![f]).toBe(1);
          const j = Math.log2(0.1 / s);
          expect(j).toBeGreaterThan(1);
          expect(j - Math.floor(j)).toBeLessThan(1e-6);
          // the finest such grid: at half the scale, the range (or, the zero point being an
          // int16, the magnitude) would not fit
          expect((hi - lo) / (s / 2) > 65533 || Math.max(-lo, hi) / (s / 2) > 65534).toBe(true);
        }
      }
    }
  });

  it('sends a value equal to a threshold left on decimal data, as the float tree does', () => {
    const q = chooseFeatureQuantization(datasets.iris.X);
    for (let f = 0; f < 4; f++) {
      // every value the feature could take on its 0.1 cm lattice inside the training range,
      // and every threshold between two of them
      const values = datasets.iris.X.map((x) => x[f]);
      const lo = Math.round(Math.min(...values) * 10);
      const hi = Math.round(Math.max(...values) * 10);
      const lattice = Array.from({ length: hi - lo + 1 }, (_, i) => Number(((lo + i) / 10).toFixed(1)));
      const Q = (x: number) => quantizeRows(q, [[x, x, x, x]])[0][f];
      for (let i = 0; i < lattice.length; i++) {
        for (let k = i + 1; k < Math.min(lattice.length, i + 6); k++) {
          const t = threshold(lattice[i], lattice[k]);
          const { threshold: T, exact } = snapThreshold(t, q.scales[f], q.zeroPoints[f]);
          expect(exact).toBe(true);
          for (const x of lattice.slice(Math.max(0, i - 2), k + 3)) expect(Q(x) <= T).toBe(x <= t);
          if (Number((t * 10).toFixed(6)) % 1 === 0) expect(Q(t) <= T).toBe(true);
        }
      }
    }
  });

  it('uses decimal grids only for one-signed short decimals', () => {
    const rows = [[0.5, -1.25, -0.5, 1 / 3], [2.5, -0.75, 0.5, 2 / 3], [1.0, -0.5, 1.5, 1]];
    const q = chooseFeatureQuantization(rows);
    expect(q.decimals).toEqual([1, 2, 0, 0]);
    expect(q.scales[0]).toBeLessThan(0.1 / 2 ** Math.round(Math.log2(0.1 / q.scales[0])));
    expect(q.scales[1]).toBeGreaterThan(0.01 / 2 ** Math.round(Math.log2(0.01 / q.scales[1])));
    expect(Number.isInteger(Math.log2(q.scales[2]))).toBe(true);
    expect(Number.isInteger(Math.log2(q.scales[3]))).toBe(true);
  });

  it('puts integer features exactly on the grid (digits)', () => {
    const q = chooseFeatureQuantization(datasets.digits.X);
    const rows = quantizeRows(q, datasets.digits.X);
    rows.forEach((r, i) => r.forEach((v, f) => expect((v - q.zeroPoints[f]) * q.scales[f]).toBe(datasets.digits.X[i][f])));
  });

  it('fits ranges far from zero, tiny and huge ones', () => {
    for (const [lo, hi] of [[1000, 1001], [-5e-7, 3e-7], [0, 1e12], [-1e30, -1e29], [7, 7.000001]]) {
      const { scale, zeroPoint } = fitRange(lo, hi);
      const q = (x: number) => Math.round(x / scale) + zeroPoint;
      expect(q(lo)).toBeGreaterThanOrEqual(-32767);
      expect(q(hi)).toBeLessThanOrEqual(32766);
      expect(zeroPoint).toBeGreaterThanOrEqual(-32768);
      expect(zeroPoint).toBeLessThanOrEqual(32767);
    }
  });
});

// Every model type on both datasets; EDGEML_FULL=1 adds the depth-limited variants and
// runs the 5 splits of the accuracy protocol instead of one.
const FULL = !!process.env.EDGEML_FULL;
type Fit = (X: Float64Array[], y: Int32Array, k: number) => TreeModel;
const classifiers: [string, Fit, boolean][] = [
  ['decision tree', (X, y, k) => DecisionTreeClassifier.fit(X, y, { classCount: k }), true],
  ['decision tree depth 8', (X, y, k) => DecisionTreeClassifier.fit(X, y, { classCount: k, maxDepth: 8 }), FULL],
  ['random forest 100', (X, y, k) => RandomForestClassifier.fit(X, y, { classCount: k, trees: 100 }), true],
  ['random forest 10 depth 8', (X, y, k) => RandomForestClassifier.fit(X, y, { classCount: k, trees: 10, maxDepth: 8 }), FULL],
  ['gradient boosting 100', (X, y, k) => GradientBoostingModel.fitClassifier(X, y, { classCount: k, rounds: 100 }), true],
];
const SEEDS = FULL ? [0, 1, 2, 3, 4] : [1];

describe('float and quantized models agree, run by firmware/core on the exported package', () => {
  for (const [name, fit, run] of classifiers) {
    for (const set of ['digits', 'iris'] as const) {
      for (const seed of SEEDS) it.runIf(run)(`${name} on ${set}, split ${seed}`, () => {
        const data = datasets[set];
        const { train, test } = split(data, seed);
        const model = fit(train.X, train.y, data.classes.length);
        const exported = exportTrees(model, { name: `${set} ${name}`.slice(0, 32), labels: data.classes, trainingRows: train.X, selfTestRows: test.X.slice(0, 6), createdAt: 1_800_000_000 });
        expect(exported.report.inexactSplits).toBe(0);
        const onTest = compareWithPackage(model, exported.bytes, test.X);
        const onTrain = compareWithPackage(model, exported.bytes, train.X);
        console.log(`${set} ${name} (split ${seed}): agreement ${(onTest.rate * 100).toFixed(2)}% test, ${(onTrain.rate * 100).toFixed(2)}% train; max score error ${onTest.maxScoreError.toExponential(2)}; ${exported.bytes.length} bytes`);
        expect(onTest.rate).toBeGreaterThanOrEqual(0.995);
        expect(onTrain.rate).toBeGreaterThanOrEqual(0.995);
        if (set === 'digits') {
          // Integer pixels sit on the grid: every branch is the float one, so the scores
          // differ only by the leaf rounding.
          expect(onTest.rate).toBe(1);
          expect(onTest.maxScoreError).toBeLessThan(1e-4);
        }
      }, 60_000);
    }
  }
});

describe('exported packages', () => {
  it('carry INPUT quantization, OUTPUT labels and scale, self-test vectors and a valid signature', () => {
    const data = datasets.iris;
    const { train, test } = split(data);
    const model = RandomForestClassifier.fit(train.X, train.y, { trees: 12, maxDepth: 5 });
    const keys = generateSigningKeys();
    const exported = exportTrees(model, {
      name: 'iris-forest', labels: data.classes, trainingRows: train.X, selfTestRows: test.X.slice(0, 5),
      signer: createSigner(keys.privateKeyPem), modelVersion: 7, createdAt: 1_800_000_000,
    });
    const device = loadModel(exported.bytes);
    expect(device.header.name).toBe('iris-forest');
    expect(device.header.modelVersion).toBe(7);
    expect(Array.from(device.inputSpec.scales)).toEqual(exported.quantization.scales);
    expect(Array.from(device.inputSpec.zeroPoints)).toEqual(exported.quantization.zeroPoints);
    expect(device.outputSpec.labels).toEqual(data.classes);
    expect(device.outputSpec.postprocess).toBe(POST_NORMALIZE);
    expect(device.selfTestVectors).toHaveLength(5);
    expect(device.selfTest().passed).toBe(true);
    expect(verifySignature(keys.publicKeyPem, device.signedBytes(), device.signature!.signature)).toBe(true);
    // real scores are the forest's predict_proba
    device.setInput(test.X[0]);
    device.predict();
    const p = model.predictProba(test.X[0]);
    for (let k = 0; k < 3; k++) expect(device.realScore(k)).toBeCloseTo(p[k], 4);
  });

  it('boosting: int32 leaves, a base score, a scale that keeps every score inside int32', () => {
    const data = datasets.iris;
    const model = GradientBoostingModel.fitClassifier(data.X, data.y, { rounds: 60, learningRate: 0.5 });
    const q = quantizeTrees(model, chooseFeatureQuantization(data.X));
    expect(q.ensemble.leafType).toBe(LEAF_INT32);
    expect(q.ensemble.base).toHaveLength(3);
    expect(q.output.postprocess).toBe(POST_SOFTMAX);
    expect(scoreBound(q.ensemble)).toBe(q.report.scoreBound);
    expect(q.report.scoreBound).toBeLessThan(2 ** 30);
    expect(q.report.scoreBound).toBeGreaterThanOrEqual(2 ** 29); // the finest scale that fits
    expect(q.report.maxLeafError).toBeLessThanOrEqual(q.output.scale / 2);
  });

  it('binary boosting exports one margin score', () => {
    const data = datasets.iris;
    const keep = Array.from({ length: 150 }, (_, i) => i).filter((i) => data.y[i] !== 0);
    const d = subset(data, keep);
    const y = Int32Array.from(d.y, (c) => c - 1);
    const model = GradientBoostingModel.fitClassifier(d.X, y, { rounds: 40 });
    const exported = exportTrees(model, { name: 'binary', labels: ['versicolor', 'virginica'], trainingRows: d.X, selfTestRows: d.X.slice(0, 3) });
    const device = loadModel(exported.bytes);
    expect(device.outputSpec.scoreCount).toBe(1);
    expect(device.outputSpec.postprocess).toBe(POST_SIGMOID);
    expect(compareWithPackage(model, exported.bytes, d.X).rate).toBe(1);
  });

  it('regression trees, forests and boosting export their values', () => {
    const rng = new Random(3);
    const X = Array.from({ length: 300 }, () => Float64Array.of(rng.next() * 100, rng.next() * 2 - 1));
    const y = X.map((x) => 40 * Math.sin(x[0] / 15) + 8 * x[1]);
    const models: TreeModel[] = [
      DecisionTreeRegressor.fit(X, y, { maxDepth: 6 }),
      RandomForestRegressor.fit(X, y, { trees: 15, maxDepth: 6 }),
      GradientBoostingModel.fitRegressor(X, y, { rounds: 50 }),
    ];
    for (const model of models) {
      const exported = exportTrees(model, { name: 'regression', trainingRows: X, selfTestRows: X.slice(0, 3) });
      const device = loadModel(exported.bytes);
      expect(device.outputSpec.task).toBe(TASK_REGRESSION);
      expect(device.selfTest().passed).toBe(true);
      const leafType = model.type === 'gradient-boosting' ? LEAF_INT32 : LEAF_INT16;
      expect(quantizeTrees(model, exported.quantization).ensemble.leafType).toBe(leafType);
      const cmp = compareWithPackage(model, exported.bytes, X);
      // leaf rounding only: int16 leaves are within 1/65534 of the largest value per tree
      expect(cmp.maxScoreError).toBeLessThan(model.type === 'gradient-boosting' ? 1e-5 : 48 / 32767);
    }
  });

  it('embeds self-test vectors spread over the training rows by default', () => {
    const model = DecisionTreeClassifier.fit(datasets.iris.X, datasets.iris.y, { maxDepth: 3 });
    const withDefault = loadModel(exportTrees(model, { name: 'x', trainingRows: datasets.iris.X }).bytes);
    expect(withDefault.selfTestVectors).toHaveLength(8);
    expect(withDefault.selfTest()).toMatchObject({ passed: true, count: 8 });
    expect(loadModel(exportTrees(model, { name: 'x', trainingRows: datasets.iris.X, selfTestRows: [] }).bytes).selfTestVectors).toHaveLength(0);
  });

  it('refuses a quantization of the wrong width and a model with the wrong labels', () => {
    const model = DecisionTreeClassifier.fit(datasets.iris.X, datasets.iris.y, { maxDepth: 2 });
    expect(() => quantizeTrees(model, { scales: [1], zeroPoints: [0] })).toThrow(RangeError);
    expect(() => exportTrees(model, { name: 'x', labels: ['a'], trainingRows: datasets.iris.X })).toThrow(/labels/);
    expect(() => exportTrees(model, { name: 'x' })).toThrow(/quantization/);
  });
});
