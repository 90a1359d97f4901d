// Multinomial logistic regression: digits accuracy against the scikit-learn reference (96.6%,
// held to within 1.5 points), the one-layer int8 export run by the device's own engine.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { evaluatePackage, exportGraph } from '../../host/train/cnn/export';
import { loadDigits } from '../../host/train/cnn/digits';
import { linearToFloatGraph, logisticAccuracy, predictLogistic, quantizeLinear, trainLogistic } from '../../host/train/linear';
import { forward } from '../../host/train/cnn/float-graph';

const FULL = process.env.EDGEML_FULL === '1';

describe('logistic regression', () => {
  it('separates a toy problem and gives probabilities', () => {
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 60; i++) {
      const k = i % 3;
      X.push([k === 0 ? 2 + (i % 5) * 0.1 : 0, k === 1 ? 2 - (i % 7) * 0.1 : 0, k === 2 ? 1.5 : 0.2]);
      y.push(k);
    }
    const m = trainLogistic(X, y);
    expect(logisticAccuracy(m, X, y)).toBe(1);
    const p = predictLogistic(m, X[0]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // the float graph computes the same probabilities
    const g = linearToFloatGraph(m);
    const q = forward(g, X[4]);
    predictLogistic(m, X[4]).forEach((v, k) => expect(q[k]).toBeCloseTo(v, 12));
  });

  it('refuses bad labels and ragged rows', () => {
    expect(() => trainLogistic([[1, 2], [3]], [0, 1])).toThrow(RangeError);
    expect(() => trainLogistic([[1], [2]], [0, 1.5])).toThrow(RangeError);
    expect(() => trainLogistic([], [])).toThrow(RangeError);
  });

  it('digits: near the 96.6% reference, int8 FULLY_CONNECTED + SOFTMAX within 1 point of float', () => {
    const d = loadDigits('datasets/digits.csv', 0);
    const t0 = Date.now();
    const m = trainLogistic(d.train.x, d.train.y); // scikit-learn defaults: C = 1, 100 iterations
    const ms = Date.now() - t0;
    const floatAcc = logisticAccuracy(m, d.test.x, d.test.y);
    const q = quantizeLinear(m, d.train.x, { inputRange: [0, 16] });
    expect(q.def.ops.map((o) => o.op)).toEqual(['FULLY_CONNECTED', 'SOFTMAX']);
    const bytes = exportGraph(q, { name: 'digits-logistic', labels: d.classes, selfTestInputs: d.test.x.slice(0, 8) });
    const model = loadModel(bytes);
    expect(model.selfTest()).toMatchObject({ passed: true, count: 8 });
    const ev = evaluatePackage(model, d.test.x, d.test.y);
    console.log(`logistic digits (split 0): float ${(floatAcc * 100).toFixed(2)}%, int8 ${(ev.accuracy * 100).toFixed(2)}%, ${m.iterations} iterations in ${ms} ms, package ${bytes.length} B`);
    expect(floatAcc).toBeGreaterThanOrEqual(0.951);
    expect(Math.abs(ev.accuracy - floatAcc)).toBeLessThanOrEqual(0.01);
    // int8 probabilities follow the float ones
    let worst = 0;
    d.test.x.forEach((x, i) => {
      const p = predictLogistic(m, x);
      p.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - ev.scores[i][k])); });
    });
    expect(worst).toBeLessThan(0.1);
  });

  it.runIf(FULL)('digits: mean over 5 stratified splits within 1.5 points of scikit-learn (96.6%)', () => {
    let sum = 0;
    for (let seed = 0; seed < 5; seed++) {
      const d = loadDigits('datasets/digits.csv', seed);
      sum += logisticAccuracy(trainLogistic(d.train.x, d.train.y), d.test.x, d.test.y);
    }
    console.log(`logistic digits, 5 splits: ${(sum / 5 * 100).toFixed(2)}%`);
    expect(sum / 5).toBeGreaterThanOrEqual(0.951);
  });
});
