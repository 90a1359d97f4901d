import { describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, SPLIT_LT, treeBodyLayout } from '../../firmware/core/trees/body';
import { buildPackage } from '../../host/package/build';
import { encodePackage } from '../../host/package/encode';
import { TreeEnsembleDef, TreeNodeDef } from '../../host/package/tree-body';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from '../support/prng';

// Independent reference: walks the nested definition recursively, straight from the
// documented semantics, with no knowledge of the flat layout.
function referenceScores(def: TreeEnsembleDef, x: ArrayLike<number>): number[] {
  const scores = def.base ? [...def.base] : new Array<number>(def.scoreCount).fill(0);
  const goLeft = (v: number, t: number) => (def.split === SPLIT_LT ? v < t : v <= t);
  for (const { root, output = 0 } of def.trees) {
    let node: TreeNodeDef = root;
    while (!('leaf' in node)) node = goLeft(x[node.feature], node.threshold) ? node.left : node.right;
    if (def.ensemble === ENSEMBLE_HARD_VOTE) scores[node.leaf[0]] += 1;
    else node.leaf.forEach((v, k) => (scores[output + k] += v));
  }
  return scores;
}

function collectThresholds(def: TreeEnsembleDef): number[] {
  const out: number[] = [];
  const visit = (n: TreeNodeDef): void => {
    if ('leaf' in n) return;
    out.push(n.threshold);
    visit(n.left);
    visit(n.right);
  };
  def.trees.forEach((t) => visit(t.root));
  return out;
}

function referenceClass(scores: number[], classes: number): number {
  if (classes === 0) return -1;
  if (scores.length === 1) return scores[0] > 0 ? 1 : 0;
  return scores.indexOf(Math.max(...scores));
}

const shapes = [
  { name: 'decision tree', ensemble: ENSEMBLES.single, trees: 1, depth: 9, classes: 4 },
  { name: 'regression tree', ensemble: ENSEMBLES.single, trees: 1, depth: 6, classes: 0 },
  { name: 'full tree deeper than the unrolled steps', ensemble: ENSEMBLES.single, trees: 1, depth: 11, classes: 3, earlyLeaf: 0 },
  { name: 'soft-vote forest', ensemble: ENSEMBLES.soft, trees: 10, depth: 8, classes: 10 },
  { name: 'hard-vote forest', ensemble: ENSEMBLES.hard, trees: 15, depth: 6, classes: 3 },
  { name: 'forest regression', ensemble: ENSEMBLES.soft, trees: 7, depth: 5, classes: 0 },
  { name: 'binary boosting', ensemble: ENSEMBLES.boosting, trees: 30, depth: 3, classes: 2 },
  { name: 'multi-class boosting', ensemble: ENSEMBLES.boosting, trees: 20, depth: 3, classes: 5 },
  { name: 'boosting regression', ensemble: ENSEMBLES.boosting, trees: 25, depth: 4, classes: 0 },
];

describe('tree ensembles agree with a direct walk of the trees', () => {
  for (const shape of shapes) {
    it(shape.name, () => {
      for (let seed = 1; seed <= 6; seed++) {
        const rng = new Prng(seed * 7919 + shape.trees);
        const features = rng.int(1, 40);
        const def = randomEnsemble(rng, { earlyLeaf: 0.15, ...shape, features });
        const model = loadModel(buildPackage(treePackageDef(def, shape.classes)));
        const thresholds = collectThresholds(def);
        for (let i = 0; i < 200; i++) {
          // Often exactly a threshold, so that `<` and `<=` are told apart; sometimes the extremes.
          const x = Array.from({ length: features }, () => {
            const r = rng.next();
            if (r < 0.3 && thresholds.length > 0) return rng.pick(thresholds);
            return r < 0.4 ? rng.pick([-32768, 32767]) : rng.int(-3100, 3100);
          });
          model.input.set(x);
          const predicted = model.predict();
          const expected = referenceScores(def, x);
          expect(Array.from(model.scores)).toEqual(expected);
          expect(predicted).toBe(referenceClass(expected, shape.classes));
        }
      }
    });
  }

  it('compares at the threshold exactly as the split semantics say', () => {
    for (const split of [0, 1]) {
      const def: TreeEnsembleDef = {
        ensemble: ENSEMBLES.single, split, leafType: 1, featureCount: 1, scoreCount: 2,
        trees: [{ root: { feature: 0, threshold: 100, left: { leaf: [32767, 0] }, right: { leaf: [0, 32767] } } }],
      };
      const model = loadModel(buildPackage(treePackageDef(def, 2)));
      const at = (v: number) => { model.input[0] = v; return model.predict(); };
      expect([at(99), at(100), at(101)]).toEqual(split === SPLIT_LT ? [0, 1, 1] : [0, 0, 1]);
    }
  });

  it('handles trees that are a single leaf and shares identical leaves', () => {
    const def: TreeEnsembleDef = {
      ensemble: ENSEMBLES.soft, split: 0, leafType: 1, featureCount: 2, scoreCount: 2,
      trees: [
        { root: { leaf: [100, 200] } },
        { root: { feature: 1, threshold: 0, left: { leaf: [100, 200] }, right: { leaf: [300, 0] } } },
      ],
    };
    const model = loadModel(buildPackage(treePackageDef(def, 2)));
    model.input.set([0, -1]);
    expect(model.predict()).toBe(1);
    expect(Array.from(model.scores)).toEqual([200, 400]);
    model.input.set([0, 5]);
    expect(Array.from(model.scores.map((_, i) => i))).toEqual([0, 1]);
    expect(model.predict()).toBe(0);
    expect(Array.from(model.scores)).toEqual([400, 200]);
  });

  it('predict() reuses its buffers', () => {
    const rng = new Prng(5);
    const def = randomEnsemble(rng, { ensemble: ENSEMBLE_BOOSTING, trees: 5, depth: 3, features: 8, classes: 3 });
    const model = loadModel(buildPackage(treePackageDef(def, 3)));
    const scores = model.scores;
    const input = model.input;
    model.predict();
    model.predict();
    expect(model.scores).toBe(scores);
    expect(model.input).toBe(input);
    expect(model.arenaBytes).toBe(8 * 2 + 3 * 4 + def.trees.length); // input, scores, per-tree shortest path
  });
});

describe('tree body validation', () => {
  const rng = new Prng(99);
  const def = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: 3, depth: 4, features: 6, classes: 3 });
  const base = treePackageDef(def, 3);

  function mutateBody(edit: (body: Uint8Array, view: DataView) => void): Uint8Array {
    const body = base.body.slice();
    edit(body, new DataView(body.buffer));
    return encodePackage({ ...base, body });
  }
  const header = new DataView(base.body.buffer);
  const at = treeBodyLayout(3, header.getUint32(4, true), header.getUint32(8, true), base.body[13], base.body[12], 3);

  const cases: [string, string, (b: Uint8Array, v: DataView) => void][] = [
    ['a feature index past the input', 'BAD_TREE', (_b, v) => v.setInt16(at.features, 6, true)],
    ['a negative feature index', 'BAD_TREE', (_b, v) => v.setInt16(at.features + 2, -1, true)],
    ['a link past the last node', 'BAD_TREE', (_b, v) => v.setInt16(at.left, 30000, true)],
    ['a link to a missing leaf', 'BAD_TREE', (_b, v) => v.setInt16(at.right + 2, -30000, true)],
    ['a link back to its own node (a cycle)', 'BAD_TREE', (_b, v) => v.setInt16(at.left + 2, 1, true)],
    ['a link back to an earlier node (a cycle)', 'BAD_TREE', (_b, v) => v.setInt16(at.right + 4, 1, true)],
    ['a root past the last node', 'BAD_TREE', (_b, v) => v.setInt32(16, 100000, true)],
    ['an unknown ensemble type', 'BAD_BODY', (b) => (b[0] = 9)],
    ['an unknown split', 'BAD_BODY', (b) => (b[1] = 2)],
    ['more nodes than bytes', 'TRUNCATED', (_b, v) => v.setUint32(4, 0x7fffffff, true)],
    ['a wrong feature count', 'BAD_BODY', (_b, v) => v.setUint16(14, 7, true)],
    ['zero trees', 'BAD_BODY', (_b, v) => v.setUint16(2, 0, true)],
    ['a leaf wider than the scores', 'BAD_BODY', (b) => (b[13] = 4)],
  ];
  for (const [what, code, edit] of cases) {
    it(`rejects ${what} with ${code}`, () => {
      expect(() => loadModel(mutateBody(edit))).toThrowError(expect.objectContaining({ code }));
    });
  }

  it('rejects ensembles whose scores could overflow int32', () => {
    const big: TreeEnsembleDef = {
      ensemble: ENSEMBLE_BOOSTING, split: 0, leafType: 2, featureCount: 1, scoreCount: 1,
      trees: Array.from({ length: 3 }, () => ({ root: { leaf: [0x30000000] } })),
    };
    expect(() => loadModel(encodePackage(treePackageDef(big, 2)))).toThrowError(expect.objectContaining({ code: 'OVERFLOW' }));
  });

  it('rejects hard votes for a class that does not exist', () => {
    const bad: TreeEnsembleDef = {
      ensemble: ENSEMBLE_HARD_VOTE, split: 0, leafType: 1, featureCount: 1, scoreCount: 2,
      trees: [{ root: { feature: 0, threshold: 0, left: { leaf: [0] }, right: { leaf: [2] } } }],
    };
    expect(() => loadModel(encodePackage(treePackageDef(bad, 2)))).toThrowError(expect.objectContaining({ code: 'BAD_TREE' }));
  });
});
