// The reference models the benchmark and the showcase run: fixed seeds, fixed creation time,
// so the same bytes come out every time. Weights are random until trained models exist.
import { SPLIT_LT } from '../firmware/core/trees/body';
import { buildPackage } from '../host/package/build';
import { graphPackageDef } from '../host/package/graph-package';
import { ReferenceCnnName, referenceCnn } from '../host/package/reference-cnns';
import { TreeEnsembleDef, TreeNodeDef } from '../host/package/tree-body';
import { Prng } from '../test/support/prng';
import { ENSEMBLES, randomEnsemble, treePackageDef } from './reference-trees';

export interface ReferenceModel {
  name: string;
  description: string;
  bytes: Uint8Array;
  /** Quantized inputs to run (the first ones are embedded as self-test vectors). */
  inputs: number[][];
  /** What one inference does on `input`: tree nodes visited, or multiply-accumulates. */
  work(input: number[]): { unit: 'node' | 'MAC'; count: number };
}

export const CREATED_AT = 1_798_761_600; // 2027-01-01, fixed so packages are reproducible

function treeModel(name: string, description: string, seed: number, shape: Parameters<typeof randomEnsemble>[1]): ReferenceModel {
  const rng = new Prng(seed);
  const def = randomEnsemble(rng, shape);
  const inputs = Array.from({ length: 16 }, () => Array.from({ length: shape.features }, () => rng.int(-3200, 3200)));
  const bytes = buildPackage({ ...treePackageDef(def, shape.classes, name), createdAt: CREATED_AT }, { selfTestInputs: inputs.slice(0, 4) });
  return { name, description, bytes, inputs, work: (input) => ({ unit: 'node', count: nodesVisited(def, input) }) };
}

function cnnModel(name: ReferenceCnnName, seed: number): ReferenceModel {
  const cnn = referenceCnn(name, seed);
  const rng = new Prng(seed);
  const size = cnn.inputShape.reduce((a, b) => a * b, 1);
  const inputs = Array.from({ length: 4 }, () => Array.from({ length: size }, () => rng.int(-128, 127)));
  const def = graphPackageDef(cnn.def, { name: `cnn-${name}`, createdAt: CREATED_AT, labels: Array.from({ length: cnn.classes }, (_, i) => `class ${i}`) });
  return {
    name: `cnn-${name}`,
    description: cnn.description,
    bytes: buildPackage(def, { selfTestInputs: inputs.slice(0, 2) }),
    inputs,
    work: () => ({ unit: 'MAC', count: cnn.macs }),
  };
}

/** Internal nodes on the paths an inference walks, counted on the nested definition. */
export function nodesVisited(def: TreeEnsembleDef, x: number[]): number {
  let count = 0;
  for (const { root } of def.trees) {
    let node: TreeNodeDef = root;
    while (!('leaf' in node)) {
      count++;
      const left = def.split === SPLIT_LT ? x[node.feature] < node.threshold : x[node.feature] <= node.threshold;
      node = left ? node.left : node.right;
    }
  }
  return count;
}

export function referenceModels(): ReferenceModel[] {
  return [
    treeModel('rf-10x8', 'random forest, 10 trees, depth 8, 64 features, 10 classes, soft vote', 10, {
      ensemble: ENSEMBLES.soft, trees: 10, depth: 8, features: 64, classes: 10, earlyLeaf: 0.05,
    }),
    treeModel('gbdt-100x10', 'gradient boosting, 100 rounds x 10 classes, depth 3, 64 features', 11, {
      ensemble: ENSEMBLES.boosting, trees: 100, depth: 3, features: 64, classes: 10,
    }),
    cnnModel('digits', 1),
    cnnModel('accel1d', 1),
    cnnModel('keras-mnist', 1),
  ];
}
