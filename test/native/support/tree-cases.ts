// The tree conformance corpus the native paths are held to: every ensemble kind and leaf
// encoding, both split comparisons, every array layout, single-leaf trees, imported XGBoost
// and LightGBM models on their fixture inputs. Expected scores come from the TypeScript engine.
import { readFileSync } from 'node:fs';
import { loadModel } from '../../../firmware/core/model';
import { SPLIT_LE, SPLIT_LT } from '../../../firmware/core/trees/body';
import { parseLightgbm } from '../../../host/import/lightgbm';
import { importedPackageDef, quantizeEnsemble } from '../../../host/import/quantize';
import { parseXgboost } from '../../../host/import/xgboost';
import { buildPackage } from '../../../host/package/build';
import { TreeEnsembleDef, encodeTreeBody } from '../../../host/package/tree-body';
import { ENSEMBLES, RandomEnsembleShape, ensembleThresholds, randomEnsemble, treePackageDef } from '../../../tools/reference-trees';
import { Prng } from '../../support/prng';

export interface TreeCase {
  name: string;
  bytes: Uint8Array;
  /** Quantized int16 inputs. */
  inputs: number[][];
}

const SHAPES: (RandomEnsembleShape & { name: string })[] = [
  { name: 'decision tree', ensemble: ENSEMBLES.single, trees: 1, depth: 9, features: 12, classes: 4 },
  { name: 'regression tree', ensemble: ENSEMBLES.single, trees: 1, depth: 6, features: 5, classes: 0 },
  { name: 'soft-vote forest', ensemble: ENSEMBLES.soft, trees: 10, depth: 8, features: 30, classes: 10 },
  { name: 'soft-vote forest, pure leaves', ensemble: ENSEMBLES.soft, trees: 10, depth: 8, features: 30, classes: 10, pureLeaves: 0.9 },
  { name: 'deep unbalanced forest', ensemble: ENSEMBLES.soft, trees: 4, depth: 16, features: 8, classes: 3, earlyLeaf: 0.3 },
  { name: 'hard-vote forest', ensemble: ENSEMBLES.hard, trees: 15, depth: 6, features: 9, classes: 3 },
  { name: 'forest regression', ensemble: ENSEMBLES.soft, trees: 7, depth: 5, features: 6, classes: 0 },
  { name: 'binary boosting', ensemble: ENSEMBLES.boosting, trees: 30, depth: 3, features: 20, classes: 2 },
  { name: 'multi-class boosting', ensemble: ENSEMBLES.boosting, trees: 20, depth: 3, features: 20, classes: 5 },
  { name: 'boosting regression', ensemble: ENSEMBLES.boosting, trees: 25, depth: 4, features: 7, classes: 0 },
  { name: 'single-leaf trees', ensemble: ENSEMBLES.soft, trees: 5, depth: 0, features: 3, classes: 3 },
];

/** Inputs that often sit exactly on a threshold (so `<` and `<=` differ) or at the int16 extremes. */
function inputsFor(rng: Prng, def: TreeEnsembleDef, count: number): number[][] {
  const th = ensembleThresholds(def).filter((t) => t >= -32768 && t <= 32767);
  return Array.from({ length: count }, () => Array.from({ length: def.featureCount }, () => {
    const r = rng.next();
    if (r < 0.3 && th.length > 0) return th[rng.int(0, th.length - 1)];
    return r < 0.4 ? (rng.next() < 0.5 ? -32768 : 32767) : rng.int(-3100, 3100);
  }));
}

function randomCases(inputs: number): TreeCase[] {
  const out: TreeCase[] = [];
  const rng = new Prng(20261127);
  for (const shape of SHAPES) {
    for (const split of [SPLIT_LT, SPLIT_LE]) {
      const def = { ...randomEnsemble(rng, { earlyLeaf: 0.15, ...shape }), split };
      const wide = shape.ensemble === ENSEMBLES.single || shape.ensemble === ENSEMBLES.soft;
      for (const leaves of wide && shape.classes > 1 ? (['dense', 'sparse'] as const) : [undefined]) {
        const pkg = treePackageDef(def, shape.classes);
        const body = leaves ? encodeTreeBody(def, { leaves }).body : pkg.body;
        out.push({ name: `${shape.name}, ${split === SPLIT_LT ? '<' : '<='}${leaves ? `, ${leaves} leaves` : ''}`, bytes: buildPackage({ ...pkg, body }), inputs: inputsFor(rng, def, inputs) });
      }
    }
  }
  // u16 features, i32 thresholds, u32 links (more than 65536 entries)
  const big = randomEnsemble(rng, { ensemble: ENSEMBLES.boosting, trees: 3000, depth: 4, features: 256, classes: 3, earlyLeaf: 0 });
  out.push({ name: 'wide layout: u16 features, i32 thresholds, u32 links', bytes: buildPackage(treePackageDef(big, 3)), inputs: inputsFor(rng, big, 8) });
  return out;
}

const load = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

function importedCases(): TreeCase[] {
  return ['iris-softprob', 'digits-softprob', 'digits-binary', 'digits-regression'].flatMap((name) => {
    const fixture = load(`test/fixtures/xgboost/${name}.predictions.json`) as { inputs: (number | null)[][] };
    return [
      { source: 'xgboost', model: parseXgboost(load(`test/fixtures/xgboost/${name}.model.json`)) },
      { source: 'lightgbm', model: parseLightgbm(load(`test/fixtures/lightgbm/${name}.lightgbm.json`)) },
    ].map(({ source, model }) => {
      const bytes = buildPackage(importedPackageDef(model, quantizeEnsemble(model), { name }));
      const m = loadModel(bytes);
      const inputs = fixture.inputs.map((row) => { m.setInput(row.map((v) => (v === null ? NaN : v))); return Array.from(m.input); });
      return { name: `${source} ${name}`, bytes, inputs };
    });
  });
}

/** The corpus; `inputs` random inputs per random model. */
export function treeCases(inputs = 40): TreeCase[] {
  return [...randomCases(inputs), ...importedCases()];
}

/** The TypeScript engine's scores for each input of `c`. */
export function referenceScores(c: TreeCase): Int32Array[] {
  const model = loadModel(c.bytes);
  return c.inputs.map((x) => { model.input.set(x); model.predict(); return model.scores.slice(); });
}
