// A small set of valid packages of every model kind, for fuzzing and cross-engine checks.
import { buildPackage } from '../../host/package/build';
import { GraphBuilder } from '../../host/package/graph-body';
import { graphPackageDef } from '../../host/package/graph-package';
import { randomLayer } from '../graph/helpers';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from './prng';

export interface SamplePackage { name: string; bytes: Uint8Array }

export function sampleTreePackages(): SamplePackage[] {
  const rng = new Prng(77);
  const out: SamplePackage[] = [];
  const shapes = [
    { name: 'tree', ensemble: ENSEMBLES.single, trees: 1, depth: 5, classes: 3 },
    { name: 'forest', ensemble: ENSEMBLES.soft, trees: 4, depth: 4, classes: 4 },
    { name: 'hard-vote', ensemble: ENSEMBLES.hard, trees: 5, depth: 3, classes: 3 },
    { name: 'boosting', ensemble: ENSEMBLES.boosting, trees: 4, depth: 3, classes: 3 },
    { name: 'regression', ensemble: ENSEMBLES.boosting, trees: 5, depth: 2, classes: 0 },
  ];
  for (const shape of shapes) {
    const features = 6;
    const def = randomEnsemble(rng, { ...shape, features, earlyLeaf: 0.2 });
    const inputs = Array.from({ length: 2 }, () => Array.from({ length: features }, () => rng.int(-3000, 3000)));
    out.push({ name: shape.name, bytes: buildPackage(treePackageDef(def, shape.classes), { selfTestInputs: inputs }) });
  }
  return out;
}

/** A small CNN package (conv, depthwise, pool, dense, softmax) with self-test vectors. */
export function sampleCnnPackage(seed = 9): SamplePackage {
  const rng = new Prng(seed);
  const b = new GraphBuilder();
  let x = b.input([1, 6, 6, 2], { scale: 0.02, zeroPoint: -3 });
  x = b.conv2d(x, randomLayer(rng, [4, 3, 3, 2], 4, 0, 0.02, 18), { padding: 'SAME' });
  x = b.depthwiseConv2d(x, randomLayer(rng, [1, 3, 3, 4], 4, 3, b.quantOf(x).scale, 9), 1, { padding: 'VALID' });
  x = b.pool('MAX_POOL_2D', x, [2, 2], { stride: 2 });
  x = b.flatten(x);
  x = b.fullyConnected(x, randomLayer(rng, [5, b.shapeOf(x)[1]], 5, 0, b.quantOf(x).scale, b.shapeOf(x)[1]));
  const def = b.build(b.softmax(x));
  const inputs = [Array.from(rng.int8Array(72)), Array.from(rng.int8Array(72))];
  return { name: 'cnn', bytes: buildPackage(graphPackageDef(def, { name: 'sample-cnn', createdAt: 0 }), { selfTestInputs: inputs }) };
}

export function samplePackages(): SamplePackage[] {
  return [...sampleTreePackages(), sampleCnnPackage()];
}
