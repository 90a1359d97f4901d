// The reference models the benchmark and the showcase run, with fixed seeds and a fixed
// creation time so the same bytes come out every time:
//   rf-10x8, gbdt-100x10  trained on the bundled digits (64 features), split seed 0
//   cnn-digits            the committed trained TF.js digits CNN, quantized on the same split
//   cnn-accel1d, cnn-keras-mnist  random weights (shapes only: no bundled data for them)
import { loadModel } from '../firmware/core/model';
import { loadCsv } from '../host/data/csv';
import { Dataset, subset } from '../host/data/dataset';
import { Random } from '../host/data/random';
import { stratifiedSplit } from '../host/data/split';
import { importTfjs } from '../host/import/tfjs';
import { buildPackage } from '../host/package/build';
import { graphPackageDef } from '../host/package/graph-package';
import { ReferenceCnnName, referenceCnn } from '../host/package/reference-cnns';
import { exportGraph } from '../host/train/cnn/export';
import { trainModel } from '../host/train/train';
import { TreeEngine } from '../firmware/core/trees/engine';

export interface ReferenceModel {
  name: string;
  description: string;
  bytes: Uint8Array;
  /** Quantized inputs to run (the bench and the showcase). */
  inputs: number[][];
  /** The true class of each input, when the inputs are real test data. */
  labels?: number[];
  /** What one inference does on `input`: tree nodes visited, or multiply-accumulates. */
  work(input: number[]): { unit: 'node' | 'MAC'; count: number };
}

export const CREATED_AT = 1_798_761_600; // 2027-01-01, fixed so packages are reproducible
const DIGITS = 'datasets/digits.csv';
const TEST_INPUTS = 16;
const DIGITS_CNN = 'test/fixtures/tfjs/digits-cnn/model.json';

function digitsSplit(): { train: Dataset; test: Dataset } {
  const data = loadCsv(DIGITS);
  const split = stratifiedSplit(data.y, { testSize: 0.25, seed: 0 });
  return { train: subset(data, split.train), test: subset(data, split.test) };
}

/** The first test rows, quantized by the package's own INPUT section, with their classes. */
function testInputs(bytes: Uint8Array, test: Dataset): { inputs: number[][]; labels: number[] } {
  const model = loadModel(bytes);
  const rows = test.X.slice(0, TEST_INPUTS);
  return {
    inputs: rows.map((x) => { model.setInput(x); return Array.from(model.input); }),
    labels: Array.from(test.y.slice(0, TEST_INPUTS)),
  };
}

async function trainedTrees(name: string, description: string, data: Dataset, test: Dataset, algorithm: 'rf' | 'gbdt', trees: number, maxDepth: number): Promise<ReferenceModel> {
  const { bytes } = await trainModel(data, { algorithm, trees, maxDepth, name, createdAt: CREATED_AT, seed: 0, sizeCurve: false });
  const engine = loadModel(bytes).engine as TreeEngine;
  return { name, description, bytes, ...testInputs(bytes, test), work: (input) => ({ unit: 'node', count: nodesVisited(engine, input) }) };
}

/** Internal nodes on the paths an inference walks, counted by an independent walk of the body. */
export function nodesVisited(engine: TreeEngine, x: ArrayLike<number>): number {
  const { treeCount, rootLeft, features, thresholds, right, featureCount, split } = engine.body;
  let count = 0;
  for (let t = 0; t < treeCount; t++) {
    let n = t;
    while (features[n] !== featureCount) {
      count++;
      const left = split === 0 ? x[features[n]] < thresholds[n] : x[features[n]] <= thresholds[n];
      n = left ? (n === t ? rootLeft[t] : n + 1) : right[n];
    }
  }
  return count;
}

async function digitsCnn(train: Dataset, test: Dataset): Promise<ReferenceModel> {
  const imported = await importTfjs(DIGITS_CNN, train.X);
  const bytes = exportGraph(imported.quantized, {
    name: 'cnn-digits', labels: train.classes, createdAt: CREATED_AT, selfTestInputs: train.X.slice(0, 4),
  });
  const macs = referenceCnn('digits').macs; // the same architecture
  return {
    name: 'cnn-digits',
    description: 'digits CNN, trained: 8x8x1, conv 3x3x8, max-pool 2, conv 3x3x16, dense 10, softmax',
    bytes,
    ...testInputs(bytes, test),
    work: () => ({ unit: 'MAC', count: macs }),
  };
}

function randomCnn(name: ReferenceCnnName, seed: number): ReferenceModel {
  const cnn = referenceCnn(name, seed);
  const rng = new Random(seed);
  const size = cnn.inputShape.reduce((a, b) => a * b, 1);
  const inputs = Array.from({ length: 4 }, () => Array.from({ length: size }, () => rng.below(256) - 128));
  const def = graphPackageDef(cnn.def, { name: `cnn-${name}`, createdAt: CREATED_AT, labels: Array.from({ length: cnn.classes }, (_, i) => `class ${i}`) });
  return {
    name: `cnn-${name}`,
    description: `${cnn.description} (random weights)`,
    bytes: buildPackage(def, { selfTestInputs: inputs.slice(0, 2) }),
    inputs,
    work: () => ({ unit: 'MAC', count: cnn.macs }),
  };
}

export async function referenceModels(): Promise<ReferenceModel[]> {
  const { train, test } = digitsSplit();
  return [
    await trainedTrees('rf-10x8', 'random forest on digits, 10 trees, depth 8, 64 features, soft vote', train, test, 'rf', 10, 8),
    await trainedTrees('gbdt-100x10', 'gradient boosting on digits, 100 rounds x 10 classes, depth 3', train, test, 'gbdt', 100, 3),
    await digitsCnn(train, test),
    randomCnn('accel1d', 1),
    randomCnn('keras-mnist', 1),
  ];
}
