// TF.js layers-model import: the committed fixtures (test/fixtures/tfjs, made by
// make-fixtures.ts with TF.js itself) converted exactly, quantized with a calibration set and
// run by firmware/core's engine, which must reproduce TF.js's predictions; in-memory models for
// the other layer types; typed errors naming the layer for what edgeml cannot run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TfjsImportError, fileSaveHandler, importTfjs, loadTfjsModel, tfjsToFloatGraph,
} from '../../host/import/tfjs';
import { loadDigits } from '../../host/train/cnn/digits';
import { evaluatePackage, exportGraph } from '../../host/train/cnn/export';
import { forward, forwardAll } from '../../host/train/cnn/float-graph';
import { Prng } from '../../host/train/cnn/prng';
import { quantizeCnn, withoutFinalSoftmax } from '../../host/train/cnn/quantize';
import { tf, initTf } from '../../host/train/cnn/tf';
import { argmax, predictProbabilities } from '../../host/train/cnn/train';

const FIXTURES = path.join(__dirname, '../fixtures/tfjs');
const digits = loadDigits('datasets/digits.csv', 0);
let tmp = '';

beforeAll(async () => {
  await initTf();
  tmp = mkdtempSync(path.join(tmpdir(), 'edgeml-tfjs-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const opNames = (def: { ops: readonly { op: unknown; activation?: string }[] }): string[] =>
  def.ops.map((o) => `${String(o.op)}${o.activation && o.activation !== 'NONE' ? `+${o.activation}` : ''}`);

describe('TF.js fixtures reproduced by the int8 engine', () => {
  const cases = [
    {
      name: 'digits-bn',
      ops: ['CONV_2D+RELU', 'MAX_POOL_2D', 'CONV_2D+RELU', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'],
      maxLogitSteps: 4,
    },
    {
      name: 'functional',
      ops: ['CONV_2D+RELU6', 'DEPTHWISE_CONV_2D+RELU', 'ADD', 'AVERAGE_POOL_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D+RELU',
        'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'],
      maxLogitSteps: 8, // nine quantized tensors deep: the rounding errors add up
    },
  ];
  for (const c of cases) {
    it(`${c.name}: class agreement >= 99% with TF.js on the digits test set, scores within quantization error`, async () => {
      const imp = await importTfjs(path.join(FIXTURES, c.name, 'model.json'), digits.train.x);
      expect(opNames(imp.quantized.def)).toEqual(c.ops);
      // the float graph (batch norm folded, Rescaling folded, activations fused) is TF.js's network
      const tfjsProbs = predictProbabilities(imp.model, digits.test.x, [8, 8, 1]);
      let floatErr = 0;
      digits.test.x.forEach((x, i) => forward(imp.graph, x).forEach((v, k) => { floatErr = Math.max(floatErr, Math.abs(v - tfjsProbs[i][k])); }));
      expect(floatErr).toBeLessThan(1e-5);

      const bytes = exportGraph(imp.quantized, { name: c.name, selfTestInputs: digits.test.x.slice(0, 4) });
      const ev = evaluatePackage(bytes, digits.test.x, digits.test.y);
      let agree = 0, tfjsCorrect = 0, worst = 0, sum = 0;
      digits.test.x.forEach((_, i) => {
        const cls = argmax(tfjsProbs[i]);
        if (ev.predictions[i] === cls) agree++;
        if (cls === digits.test.y[i]) tfjsCorrect++;
        tfjsProbs[i].forEach((v, k) => {
          const e = Math.abs(v - ev.scores[i][k]);
          worst = Math.max(worst, e);
          sum += e;
        });
      });
      const n = digits.test.x.length;
      console.log(`${c.name}: TF.js ${(tfjsCorrect / n * 100).toFixed(2)}%, int8 ${(ev.accuracy * 100).toFixed(2)}%, agreement ${(agree / n * 100).toFixed(2)}%, |score error| mean ${(sum / (n * 10)).toFixed(5)} max ${worst.toFixed(4)}, package ${bytes.length} B`);
      expect(agree / n).toBeGreaterThanOrEqual(0.99);
      expect(sum / (n * 10)).toBeLessThan(1 / 256); // below one output step on average
      // near a decision boundary dp = p (1 - p) d(logit difference): a few logit steps move a
      // probability of 0.5 by up to ~0.2
      expect(worst).toBeLessThan(0.25);
      expect(Math.abs(ev.accuracy - tfjsCorrect / n)).toBeLessThanOrEqual(0.01);

      // the logits themselves, in steps of their int8 scale
      const ql = withoutFinalSoftmax(imp.quantized);
      const logits = evaluatePackage(exportGraph(ql, { name: 'logits' }), digits.test.x);
      const logitsTensor = imp.graph.ops[imp.graph.ops.length - 1].inputs[0];
      let worstSteps = 0, sumSteps = 0;
      digits.test.x.forEach((x, i) => forwardAll(imp.graph, x)[logitsTensor].forEach((v, k) => {
        const e = Math.abs(v - logits.scores[i][k]) / ql.output.scale;
        worstSteps = Math.max(worstSteps, e);
        sumSteps += e;
      }));
      console.log(`${c.name}: logits |error| mean ${(sumSteps / (n * 10)).toFixed(2)} max ${worstSteps.toFixed(2)} steps of ${ql.output.scale.toPrecision(3)}`);
      expect(sumSteps / (n * 10)).toBeLessThan(1);
      expect(worstSteps).toBeLessThan(c.maxLogitSteps);
    });
  }
});

/** Random inputs in [-2, 2] for a shape without the batch. */
function randomInputs(shape: number[], n: number, seed: number): Float64Array[] {
  const rng = new Prng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => Float64Array.from({ length: size }, () => rng.uniform(-2, 2)));
}

async function roundTrip(model: tf.LayersModel, name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await model.save(fileSaveHandler(dir));
  return path.join(dir, 'model.json');
}

/** Converts, checks the float graph against TF.js, quantizes and checks the engine's classes. */
async function checkModel(model: tf.LayersModel, inputShape: number[], seed: number, minAgreement = 0.95): Promise<string[]> {
  const xs = randomInputs(inputShape, 120, seed);
  const graph = tfjsToFloatGraph(model);
  const p = predictProbabilities(model, xs, inputShape);
  xs.forEach((x, i) => forward(graph, x).forEach((v, k) => expect(v).toBeCloseTo(p[i][k], 5)));
  const q = quantizeCnn(graph, xs.slice(0, 80));
  const ev = evaluatePackage(exportGraph(q, { name: 'm' }), xs.slice(80));
  let agree = 0;
  ev.predictions.forEach((c, i) => { if (c === argmax(p[80 + i])) agree++; });
  expect(agree / 40).toBeGreaterThanOrEqual(minAgreement);
  return opNames(q.def);
}

const seeded = (s: number) => tf.initializers.glorotUniform({ seed: s });

describe('layer coverage (in-memory models, saved and loaded through the file handlers)', () => {
  it('Conv1D, MaxPooling1D, GlobalMaxPooling1D, Dense relu6, a stand-alone ReLU after Flatten', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv1d({ inputShape: [32, 3], filters: 6, kernelSize: 5, strides: 2, padding: 'same', kernelInitializer: seeded(1), biasInitializer: 'ones' }));
    m.add(tf.layers.reLU());
    m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
    m.add(tf.layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(2) }));
    m.add(tf.layers.globalMaxPooling1d());
    m.add(tf.layers.dense({ units: 12, activation: 'relu6', kernelInitializer: seeded(3) }));
    m.add(tf.layers.dense({ units: 4, kernelInitializer: seeded(4) }));
    m.add(tf.layers.reshape({ targetShape: [2, 2] }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.activation({ activation: 'relu' })); // after a reshape: a 1x1 max pool with RELU
    m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(5) }));
    const loaded = await loadTfjsModel(await roundTrip(m, 'conv1d'));
    const ops = await checkModel(loaded, [32, 3], 1, 0.9);
    expect(ops).toEqual(['CONV_2D+RELU', 'MAX_POOL_2D', 'CONV_2D+RELU', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED+RELU6',
      'FULLY_CONNECTED', 'RESHAPE', 'RESHAPE', 'RESHAPE', 'MAX_POOL_2D+RELU', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
  });

  it('strides, VALID/SAME, depth multiplier, Reshape, a ReLU whose input is read twice, Add with ReLU', async () => {
    const input = tf.input({ shape: [9, 7, 2] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', kernelInitializer: seeded(6) }).apply(input) as tf.SymbolicTensor;
    const r = tf.layers.reLU().apply(a) as tf.SymbolicTensor; // a is also read by the Add: not fusible
    const d = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 1, padding: 'same', depthwiseInitializer: seeded(7) }).apply(r) as tf.SymbolicTensor;
    let s = tf.layers.add().apply([a, d]) as tf.SymbolicTensor;
    s = tf.layers.activation({ activation: 'relu' }).apply(s) as tf.SymbolicTensor;
    s = tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, strides: 2, depthwiseInitializer: seeded(8), biasInitializer: 'ones', useBias: true }).apply(s) as tf.SymbolicTensor;
    s = tf.layers.reshape({ targetShape: [6, 8] }).apply(s) as tf.SymbolicTensor;
    s = tf.layers.flatten().apply(s) as tf.SymbolicTensor;
    s = tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: seeded(9) }).apply(s) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: s });
    const ops = await checkModel(await loadTfjsModel(await roundTrip(m, 'functional2')), [9, 7, 2], 2);
    expect(ops).toEqual(['CONV_2D', 'MAX_POOL_2D+RELU', 'DEPTHWISE_CONV_2D', 'ADD+RELU', 'DEPTHWISE_CONV_2D', 'RESHAPE', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
  });

  it('SAME-padded pools with strides over odd sizes (TF.js and TFLite both skip the padding)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [7, 9, 2], filters: 3, kernelSize: 1, activation: 'relu', kernelInitializer: seeded(11), biasInitializer: 'ones' }));
    m.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
    m.add(tf.layers.maxPooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: seeded(12) }));
    const ops = await checkModel(m, [7, 9, 2], 4);
    expect(ops).toEqual(['CONV_2D+RELU', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
  });

  it('the save handler writes model.json and weights.bin that load back to the same predictions', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax', kernelInitializer: seeded(10) }));
    const file = await roundTrip(m, 'dense');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(readFileSync(path.join(path.dirname(file), 'weights.bin')).length).toBe((4 * 3 + 3) * 4);
    const back = await loadTfjsModel(file);
    const x = randomInputs([4], 5, 3);
    expect(predictProbabilities(back, x, [4])).toEqual(predictProbabilities(m, x, [4]));
  });
});

describe('unsupported models give a TfjsImportError naming the layer', () => {
  const expectError = (fn: () => unknown, code: string, layer?: string): void => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TfjsImportError);
    const e = error as TfjsImportError;
    expect(e.code).toBe(code);
    if (layer !== undefined) {
      expect(e.layer).toBe(layer);
      expect(e.message).toContain(layer);
    }
  };

  it('an LSTM layer', () => {
    const m = tf.sequential();
    m.add(tf.layers.lstm({ inputShape: [10, 3], units: 4, name: 'my_lstm' }));
    m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    expectError(() => tfjsToFloatGraph(m), 'UNSUPPORTED_LAYER', 'my_lstm');
  });

  it('a sigmoid activation, a LeakyReLU layer, a ReLU capped at 3', () => {
    const a = tf.sequential();
    a.add(tf.layers.dense({ inputShape: [4], units: 2, activation: 'sigmoid', name: 'gate' }));
    expectError(() => tfjsToFloatGraph(a), 'UNSUPPORTED_ACTIVATION', 'gate');
    const b = tf.sequential();
    b.add(tf.layers.dense({ inputShape: [4], units: 2, name: 'd' }));
    b.add(tf.layers.leakyReLU({ name: 'leaky' }));
    expectError(() => tfjsToFloatGraph(b), 'UNSUPPORTED_LAYER', 'leaky');
    const c = tf.sequential();
    c.add(tf.layers.dense({ inputShape: [4], units: 2 }));
    c.add(tf.layers.reLU({ maxValue: 3, name: 'relu3' }));
    expectError(() => tfjsToFloatGraph(c), 'UNSUPPORTED_ACTIVATION', 'relu3');
  });

  it('a batch normalization that cannot be folded, a dilated convolution, a Rescaling with an offset', () => {
    const a = tf.sequential();
    a.add(tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }));
    a.add(tf.layers.batchNormalization({ name: 'late_bn' }));
    expectError(() => tfjsToFloatGraph(a), 'UNSUPPORTED_CONFIG', 'late_bn');
    const b = tf.sequential();
    b.add(tf.layers.conv2d({ inputShape: [9, 9, 1], filters: 2, kernelSize: 3, dilationRate: 2, name: 'dilated' }));
    expectError(() => tfjsToFloatGraph(b), 'UNSUPPORTED_CONFIG', 'dilated');
    const c = tf.sequential();
    c.add(tf.layers.rescaling({ inputShape: [4], scale: 1 / 255, offset: -1, name: 'shift' }));
    c.add(tf.layers.dense({ units: 2 }));
    expectError(() => tfjsToFloatGraph(c), 'UNSUPPORTED_CONFIG', 'shift');
  });

  it('two inputs', () => {
    const x = tf.input({ shape: [4] });
    const y = tf.input({ shape: [4] });
    const m = tf.model({ inputs: [x, y], outputs: tf.layers.add().apply([x, y]) as tf.SymbolicTensor });
    expectError(() => tfjsToFloatGraph(m), 'BAD_MODEL');
  });

  it('files: a missing weight file, an unknown layer class in model.json', async () => {
    const dir = path.join(tmp, 'broken');
    mkdirSync(dir, { recursive: true });
    const json = JSON.parse(readFileSync(path.join(FIXTURES, 'digits-bn', 'model.json'), 'utf8'));
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadTfjsModel(path.join(dir, 'model.json'))).rejects.toMatchObject({ name: 'TfjsImportError', code: 'BAD_FILES' });
    await expect(loadTfjsModel(path.join(dir, 'nothing.json'))).rejects.toMatchObject({ code: 'BAD_FILES' });
    json.modelTopology.config.layers[1].class_name = 'FancyConv';
    json.weightsManifest = [];
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadTfjsModel(path.join(dir, 'model.json'))).rejects.toMatchObject({ code: 'UNSUPPORTED_LAYER', layerClass: 'FancyConv' });
  });
});
