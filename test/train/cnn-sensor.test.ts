// The 1-D sensor CNN: trains on easy synthetic windows (slow sine, fast sine, noise on three
// axes with gravity on z), exports an int8 height-1 network that takes raw sensor values.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { floatAccuracy } from '../../host/train/cnn/classifier';
import { evaluatePackage, exportGraph } from '../../host/train/cnn/export';
import { forward } from '../../host/train/cnn/float-graph';
import { Prng } from '../../host/train/cnn/prng';
import { quantizeCnn } from '../../host/train/cnn/quantize';
import { channelStats, trainSensorCnn } from '../../host/train/cnn/sensor1d';
import { predictProbabilities } from '../../host/train/cnn/train';
import { vibrationDataset } from '../../host/signals/synthetic';

const T = 128;
const FULL = process.env.EDGEML_FULL === '1';

function windows(n: number, seed: number): { x: Float64Array[]; y: Int32Array } {
  const rng = new Prng(seed);
  const x: Float64Array[] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    const phase = rng.uniform(0, 2 * Math.PI);
    const amp = rng.uniform(1.5, 2.5);
    const w = new Float64Array(T * 3);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < 3; c++) {
        const signal = k === 2 ? rng.normal() : Math.sin((2 * Math.PI * (k === 0 ? 2 : 7) * t) / T + phase + c);
        w[t * 3 + c] = amp * signal + 0.3 * rng.normal() + (c === 2 ? 9.81 : 0);
      }
    }
    x.push(w);
    y[i] = k;
  }
  return { x, y };
}

describe('1-D sensor CNN', () => {
  it('per-channel statistics: mean and 1 / standard deviation', () => {
    const s = channelStats([[1, 5, 0, 3, 5, 0], [1, 7, 0, 3, 7, 0]], 3);
    expect(Array.from(s.mean)).toEqual([2, 6, 0]);
    expect(s.scale[0]).toBeCloseTo(1, 12);
    expect(s.scale[1]).toBeCloseTo(1, 12);
    expect(s.scale[2]).toBe(1); // constant channel
  });

  it('refuses windows of the wrong length', async () => {
    await expect(trainSensorCnn([new Float64Array(10)], [0], { classes: 2 })).rejects.toThrow(RangeError);
  });

  it('trains on synthetic windows; the int8 package takes raw values and keeps the accuracy', async () => {
    const train = windows(150, 1);
    const test = windows(60, 2);
    const t = await trainSensorCnn(train.x, train.y, { classes: 3, epochs: 8, seed: 0 });
    expect(t.graph.shapes[t.graph.input]).toEqual([1, 1, T, 3]);
    // the exported graph reads raw values: same outputs as TF.js on scaled ones
    const p = predictProbabilities(t.model, test.x.slice(0, 10), t.inputShape, t.inputScale, t.inputOffset);
    test.x.slice(0, 10).forEach((x, i) => forward(t.graph, x).forEach((v, k) => expect(v).toBeCloseTo(p[i][k], 4)));

    const floatAcc = floatAccuracy(t, test);
    const q = quantizeCnn(t.graph, train.x);
    expect(q.def.ops.map((o) => o.op)).toEqual(['CONV_2D', 'MAX_POOL_2D', 'CONV_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
    const bytes = exportGraph(q, { name: 'sensor-cnn', labels: ['slow', 'fast', 'noise'], selfTestInputs: test.x.slice(0, 3) });
    const model = loadModel(bytes);
    expect(model.selfTest().passed).toBe(true);
    const ev = evaluatePackage(model, test.x, test.y);
    console.log(`sensor CNN: float ${(floatAcc * 100).toFixed(1)}%, int8 ${(ev.accuracy * 100).toFixed(1)}%, ${t.fit.epochs} epochs in ${t.fit.ms} ms, arena ${model.arenaBytes} B, package ${bytes.length} B`);
    expect(floatAcc).toBeGreaterThanOrEqual(0.95);
    expect(ev.accuracy).toBeGreaterThanOrEqual(floatAcc - 0.02);
  }, 120_000);

  it.runIf(FULL)('machine vibration (host/signals): raw int16 counts with gravity, held-out machines', async () => {
    const train = vibrationDataset({ seed: 1, machines: 4, windowsPerScenario: 12, windowLength: T });
    const test = vibrationDataset({ seed: 2, machines: 2, windowsPerScenario: 12, windowLength: T });
    const t = await trainSensorCnn(train.windows, train.labels, { classes: train.scenarios.length, epochs: 40, seed: 0 });
    const floatAcc = floatAccuracy(t, { x: test.windows, y: test.labels });
    const q = quantizeCnn(t.graph, train.windows);
    const bytes = exportGraph(q, { name: 'vibration-cnn', labels: [...train.scenarios], selfTestInputs: test.windows.slice(0, 4) });
    const ev = evaluatePackage(bytes, test.windows, test.labels);
    console.log(`vibration CNN (${train.windows.length} windows, 2 unseen machines): float ${(floatAcc * 100).toFixed(1)}%, int8 ${(ev.accuracy * 100).toFixed(1)}%, ${t.fit.epochs} epochs in ${t.fit.ms} ms`);
    expect(floatAcc).toBeGreaterThanOrEqual(0.8);
    expect(ev.accuracy).toBeGreaterThanOrEqual(floatAcc - 0.02);
  }, 600_000);
});
