// A small set of valid packages of every model kind, for fuzzing and cross-engine checks.
import { buildPackage } from '../../host/package/build';
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
