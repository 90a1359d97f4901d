import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import { loadModel } from '../../firmware/core/model';
import {
  ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SINGLE, ENSEMBLE_SOFT_VOTE, LEAF_DENSE, LEAF_INLINE, LEAF_INT16, LEAF_INT32, LEAF_SPARSE,
  MAX_TREE_DEPTH, SPLIT_LE, SPLIT_LT, treeBodyLayout,
} from '../../firmware/core/trees/body';
import { TreeEngine } from '../../firmware/core/trees/engine';
import { MAX_EXACT_DEPTH } from '../../firmware/core/trees/walkers';
import { buildPackage } from '../../host/package/build';
import { encodePackage } from '../../host/package/encode';
import { TreeBodyOptions, TreeEnsembleDef, TreeNodeDef, encodeTreeBody } from '../../host/package/tree-body';
import { ENSEMBLES, ensembleThresholds, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from '../support/prng';
import { WALKERS_PATH, generateWalkers } from './gen-walkers';

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

function depthOf(n: TreeNodeDef): number {
  return 'leaf' in n ? 0 : 1 + Math.max(depthOf(n.left), depthOf(n.right));
}

function referenceClass(scores: number[], classes: number): number {
  if (classes === 0) return -1;
  if (scores.length === 1) return scores[0] > 0 ? 1 : 0;
  return scores.indexOf(Math.max(...scores));
}

/** Inputs that often sit exactly on a threshold (so `<` and `<=` differ), sometimes at the extremes. */
function inputFor(rng: Prng, features: number, thresholds: number[]): number[] {
  return Array.from({ length: features }, () => {
    const r = rng.next();
    if (r < 0.3 && thresholds.length > 0) return rng.pick(thresholds);
    return r < 0.4 ? rng.pick([-32768, 32767]) : rng.int(-3100, 3100);
  });
}

function packageOf(def: TreeEnsembleDef, classes: number, options?: TreeBodyOptions): Uint8Array {
  const pkg = treePackageDef(def, classes);
  return buildPackage(options ? { ...pkg, body: encodeTreeBody(def, options).body } : pkg);
}

function engineOf(model: ReturnType<typeof loadModel>): TreeEngine {
  return model.engine as TreeEngine;
}

function expectAgreement(def: TreeEnsembleDef, classes: number, model: ReturnType<typeof loadModel>, rng: Prng, count: number): void {
  const thresholds = ensembleThresholds(def);
  for (let i = 0; i < count; i++) {
    const x = inputFor(rng, def.featureCount, thresholds);
    model.input.set(x);
    const predicted = model.predict();
    const expected = referenceScores(def, x);
    expect(Array.from(model.scores)).toEqual(expected);
    expect(predicted).toBe(referenceClass(expected, classes));
  }
}

const shapes = [
  { name: 'decision tree', ensemble: ENSEMBLES.single, trees: 1, depth: 9, classes: 4 },
  { name: 'decision tree, mostly pure leaves', ensemble: ENSEMBLES.single, trees: 1, depth: 7, classes: 5, pureLeaves: 0.8 },
  { name: 'regression tree', ensemble: ENSEMBLES.single, trees: 1, depth: 6, classes: 0 },
  { name: 'full tree deeper than the exact walks', ensemble: ENSEMBLES.single, trees: 1, depth: 14, classes: 3, earlyLeaf: 0 },
  { name: 'soft-vote forest', ensemble: ENSEMBLES.soft, trees: 10, depth: 8, classes: 10 },
  { name: 'soft-vote forest, mostly pure leaves', ensemble: ENSEMBLES.soft, trees: 10, depth: 8, classes: 10, pureLeaves: 0.9 },
  { name: 'deep unbalanced forest', ensemble: ENSEMBLES.soft, trees: 4, depth: 14, classes: 3, earlyLeaf: 0.3, pureLeaves: 0.7 },
  { name: 'hard-vote forest', ensemble: ENSEMBLES.hard, trees: 15, depth: 6, classes: 3 },
  { name: 'forest regression', ensemble: ENSEMBLES.soft, trees: 7, depth: 5, classes: 0 },
  { name: 'binary boosting', ensemble: ENSEMBLES.boosting, trees: 30, depth: 3, classes: 2 },
  { name: 'multi-class boosting', ensemble: ENSEMBLES.boosting, trees: 20, depth: 3, classes: 5 },
  { name: 'boosting regression', ensemble: ENSEMBLES.boosting, trees: 25, depth: 4, classes: 0 },
  { name: 'deep boosting', ensemble: ENSEMBLES.boosting, trees: 6, depth: 10, classes: 3, earlyLeaf: 0.25 },
];

describe('tree ensembles agree with a direct walk of the trees', () => {
  for (const shape of shapes) {
    it(shape.name, () => {
      for (let seed = 1; seed <= 6; seed++) {
        const rng = new Prng(seed * 7919 + shape.trees);
        const features = rng.int(1, 40);
        const def = randomEnsemble(rng, { earlyLeaf: 0.15, ...shape, features });
        const wide = def.ensemble !== ENSEMBLE_HARD_VOTE && shape.classes > 1 && def.ensemble !== ENSEMBLE_BOOSTING;
        for (const leaves of wide ? (['dense', 'sparse'] as const) : [undefined]) {
          const model = loadModel(packageOf(def, shape.classes, leaves && { leaves }));
          expectAgreement(def, shape.classes, model, rng, 100);
        }
      }
    });
  }

  it('every walk: each exact length from the depth of the model up, and the chunked walk', () => {
    const rng = new Prng(4242);
    const kinds = [
      { ensemble: ENSEMBLES.boosting, classes: 3 },
      { ensemble: ENSEMBLES.soft, classes: 0 },
      { ensemble: ENSEMBLES.hard, classes: 4 },
      { ensemble: ENSEMBLES.soft, classes: 4, leaves: 'dense' as const },
      { ensemble: ENSEMBLES.soft, classes: 4, leaves: 'sparse' as const },
      { ensemble: ENSEMBLES.soft, classes: 4, leaves: 'sparse' as const, pureLeaves: 0.7 },
    ];
    for (const kind of kinds) {
      for (const split of [SPLIT_LT, SPLIT_LE]) {
        for (let depth = 1; depth <= MAX_EXACT_DEPTH; depth++) {
          const features = rng.int(1, 12);
          const def = { ...randomEnsemble(rng, { ensemble: kind.ensemble, trees: 6, depth, features, classes: kind.classes, earlyLeaf: 0.3, pureLeaves: kind.pureLeaves }), split };
          const model = loadModel(packageOf(def, kind.classes, kind.leaves && { leaves: kind.leaves }));
          const engine = engineOf(model);
          const deepest = Math.max(...def.trees.map((t) => depthOf(t.root)));
          expect(engine.body.maxDepth).toBe(deepest);
          for (let steps = Math.max(1, deepest); steps <= MAX_EXACT_DEPTH + 1; steps++) {
            engine.useSteps(steps > MAX_EXACT_DEPTH ? 0 : steps);
            expectAgreement(def, kind.classes, model, rng, 12);
          }
          expect(() => engine.useSteps(deepest - 1 || -1)).toThrow(RangeError);
          expect(() => engine.useSteps(MAX_EXACT_DEPTH + 1)).toThrow(RangeError);
        }
      }
    }
  });

  it('picks exact walks for full shallow trees and chunks for deep unbalanced ones', () => {
    const rng = new Prng(5);
    const full = randomEnsemble(rng, { ensemble: ENSEMBLES.boosting, trees: 10, depth: 3, features: 8, classes: 3 });
    expect(engineOf(loadModel(packageOf(full, 3))).steps).toBe(3);
    // A chain: one long path, every other leaf next to the root.
    let chain: TreeNodeDef = { leaf: [7] };
    for (let d = 0; d < 8; d++) chain = { feature: 0, threshold: d, left: { leaf: [d] }, right: chain };
    const deep: TreeEnsembleDef = { ensemble: ENSEMBLE_SOFT_VOTE, split: SPLIT_LT, leafType: LEAF_INT16, featureCount: 1, scoreCount: 1, trees: [{ root: chain }] };
    const model = loadModel(packageOf(deep, 0));
    expect(engineOf(model).steps).toBe(0);
    expectAgreement(deep, 0, model, rng, 50);
  });

  it('compares at the threshold exactly as the split semantics say', () => {
    for (const split of [SPLIT_LT, SPLIT_LE]) {
      for (const leaves of ['dense', 'sparse'] as const) {
        const def: TreeEnsembleDef = {
          ensemble: ENSEMBLES.single, split, leafType: LEAF_INT16, featureCount: 1, scoreCount: 2,
          trees: [{ root: { feature: 0, threshold: 100, left: { leaf: [32767, 0] }, right: { leaf: [0, 32767] } } }],
        };
        const model = loadModel(packageOf(def, 2, { leaves }));
        const at = (v: number) => { model.input[0] = v; return model.predict(); };
        expect([at(99), at(100), at(101)]).toEqual(split === SPLIT_LT ? [0, 1, 1] : [0, 0, 1]);
        expect([at(-32768), at(32767)]).toEqual([0, 1]);
      }
    }
    // Thresholds at the int16 extremes: `x < -32768` is never true, `x <= 32767` always is.
    for (const [split, threshold, expected] of [[SPLIT_LT, -32768, 1], [SPLIT_LE, 32767, 0]]) {
      const def: TreeEnsembleDef = {
        ensemble: ENSEMBLES.hard, split, leafType: LEAF_INT16, featureCount: 1, scoreCount: 2,
        trees: [{ root: { feature: 0, threshold, left: { leaf: [0] }, right: { leaf: [1] } } }],
      };
      const model = loadModel(packageOf(def, 2));
      for (const v of [-32768, 0, 32767]) { model.input[0] = v; expect(model.predict()).toBe(expected); }
    }
  });

  it('handles trees that are a single leaf and shares identical leaves', () => {
    for (const leaves of ['dense', 'sparse'] as const) {
      const def: TreeEnsembleDef = {
        ensemble: ENSEMBLES.soft, split: 0, leafType: LEAF_INT16, featureCount: 2, scoreCount: 2,
        trees: [
          { root: { leaf: [100, 200] } },
          { root: { feature: 1, threshold: 0, left: { leaf: [100, 200] }, right: { leaf: [300, 0] } } },
        ],
      };
      const encoded = encodeTreeBody(def, { leaves });
      expect(encoded.leafEncoding).toBe(leaves === 'dense' ? LEAF_DENSE : LEAF_SPARSE);
      // Two rows, or the entries of [100, 200] once ([300, 0] is a pure leaf of the unit value).
      expect(engineOf(loadModel(packageOf(def, 2, { leaves }))).values.length).toBe(leaves === 'dense' ? 4 : 2);
      const model = loadModel(packageOf(def, 2, { leaves }));
      model.input.set([0, -1]);
      expect(model.predict()).toBe(1);
      expect(Array.from(model.scores)).toEqual([200, 400]);
      model.input.set([0, 5]);
      expect(model.predict()).toBe(0);
      expect(Array.from(model.scores)).toEqual([400, 200]);
    }
  });

  it('gives pure leaves of the most common value no sparse entries', () => {
    const def = pureDef();
    const model = loadModel(packageOf(def, 3, { leaves: 'sparse' }));
    const e = engineOf(model);
    expect(e.unit).toBe(300);
    expect(Array.from(e.th.slice(3, 6))).toEqual([~0, ~1, ~2]); // leaves A, B, C
    expect(e.th[1]).toBe(0); // leaf D: the entry run at 0
    expect(Array.from(e.classes)).toEqual([1, ~2]);
    expectAgreement(def, 3, model, new Prng(3), 30);
    // With no single-value leaves there is no unit, and every leaf has entries.
    const mixed = smallDef();
    const m2 = engineOf(loadModel(packageOf(mixed, 3, { leaves: 'sparse' })));
    expect(m2.unit).toBe(100);
  });

  it('chooses sparse leaves for mostly pure forests and dense rows otherwise', () => {
    const rng = new Prng(77);
    const pure = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: 5, depth: 6, features: 8, classes: 10, pureLeaves: 0.9 });
    expect(encodeTreeBody(pure).leafEncoding).toBe(LEAF_SPARSE);
    const mixed = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: 5, depth: 6, features: 8, classes: 10 });
    expect(encodeTreeBody(mixed).leafEncoding).toBe(LEAF_DENSE);
  });

  it('runs models whose every tree is a single leaf', () => {
    const rng = new Prng(8);
    for (const ensemble of [ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SOFT_VOTE]) {
      const classes = 3;
      const def: TreeEnsembleDef = {
        ensemble, split: SPLIT_LE, leafType: ensemble === ENSEMBLE_BOOSTING ? LEAF_INT32 : LEAF_INT16, featureCount: 2,
        scoreCount: classes,
        trees: Array.from({ length: 5 }, (_, t) => ({
          root: { leaf: ensemble === ENSEMBLE_SOFT_VOTE ? [t, 0, 9000] : [ensemble === ENSEMBLE_HARD_VOTE ? t % 3 : 70000 * t] },
          output: ensemble === ENSEMBLE_BOOSTING ? t % 3 : 0,
        })),
      };
      const model = loadModel(packageOf(def, classes));
      expect(engineOf(model).body.maxDepth).toBe(0);
      expectAgreement(def, classes, model, rng, 5);
    }
  });

  it('adds boosting trees of any output order (the serializer groups them by output)', () => {
    const rng = new Prng(12);
    const def = randomEnsemble(rng, { ensemble: ENSEMBLES.boosting, trees: 7, depth: 3, features: 5, classes: 4 });
    def.trees.reverse();
    const model = loadModel(packageOf(def, 4));
    expect(Array.from(engineOf(model).runs)).toEqual([0, 1, 2, 3]);
    expectAgreement(def, 4, model, rng, 30);
  });

  it('chooses int16 or int32 thresholds, u8 or u16 features, u16 or u32 links by size', () => {
    const rng = new Prng(2);
    const small = randomEnsemble(rng, { ensemble: ENSEMBLES.hard, trees: 3, depth: 3, features: 255, classes: 3 });
    const e1 = engineOf(loadModel(packageOf(small, 3)));
    expect([e1.f.BYTES_PER_ELEMENT, e1.th.BYTES_PER_ELEMENT, e1.r.BYTES_PER_ELEMENT]).toEqual([1, 2, 2]);
    const big = randomEnsemble(rng, { ensemble: ENSEMBLES.boosting, trees: 3000, depth: 4, features: 256, classes: 3, earlyLeaf: 0 });
    const model = loadModel(packageOf(big, 3));
    const e2 = engineOf(model);
    expect([e2.f.BYTES_PER_ELEMENT, e2.th.BYTES_PER_ELEMENT, e2.r.BYTES_PER_ELEMENT]).toEqual([2, 4, 4]);
    expect(e2.body.entryCount).toBe(9000 * 31);
    expectAgreement(big, 3, model, rng, 5);
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
    expect(model.arenaBytes).toBe(8 * 2 + 3 * 4 + 3 * 2 + 4 * 4); // input, scores, runs of trees per class and their starts
  });

  it(`walkers.ts is what gen-walkers.ts writes`, () => {
    expect(readFileSync(WALKERS_PATH, 'utf8')).toBe(generateWalkers());
  });
});

// A hand-made body to damage field by field: tree 0 is f0 < 0 ? (f1 < 5 ? A : B) : C, tree 1 is
// the leaf D. Entries: 0 root 0, 1 leaf D (root 1), 2 node f1, 3 A, 4 B, 5 C.
const A = [100, 0, 0];
const B = [0, 200, 0];
const C = [0, 0, 300];
const D = [0, 50, 50];
function smallDef(ensemble = ENSEMBLE_SOFT_VOTE): TreeEnsembleDef {
  const leaf = (v: number[]) => ({ leaf: ensemble === ENSEMBLE_HARD_VOTE ? [v.findIndex((x) => x > 0)] : ensemble === ENSEMBLE_BOOSTING ? [v[0] + v[1] + v[2]] : v });
  return {
    ensemble, split: SPLIT_LT, leafType: ensemble === ENSEMBLE_BOOSTING ? LEAF_INT32 : LEAF_INT16, featureCount: 2, scoreCount: 3,
    trees: [
      { root: { feature: 0, threshold: 0, left: { feature: 1, threshold: 5, left: leaf(A), right: leaf(B) }, right: leaf(C) }, output: 0 },
      { root: leaf(D), output: ensemble === ENSEMBLE_BOOSTING ? 2 : 0 },
    ],
  };
}

/** As smallDef, with pure leaves A, B and C of one value: sparse bodies give them no entries. */
function pureDef(): TreeEnsembleDef {
  const def = smallDef();
  const leaves = [[300, 0, 0], [0, 300, 0], [0, 0, 300], [0, 50, 50]];
  let i = 0;
  const visit = (n: TreeNodeDef): void => { if ('leaf' in n) n.leaf = leaves[i++]; else { visit(n.left); visit(n.right); } };
  def.trees.forEach((t) => visit(t.root));
  return def;
}

function layoutOf(body: Uint8Array) {
  const v = new DataView(body.buffer, body.byteOffset, body.length);
  return treeBodyLayout(v.getUint16(2, true), v.getUint32(4, true), v.getUint16(14, true), body[12], body[13], v.getUint32(8, true), body[16], 3);
}

describe('tree body validation', () => {
  type Edit = (b: Uint8Array, v: DataView, at: ReturnType<typeof layoutOf>) => void;
  function rejects(def: TreeEnsembleDef, leaves: TreeBodyOptions['leaves'], edit: Edit, code: string): void {
    const pkg = treePackageDef(def, 3);
    const body = encodeTreeBody(def, { leaves }).body.slice();
    const at = layoutOf(body);
    const v = new DataView(body.buffer);
    // Sanity: the undamaged body loads.
    expect(() => loadModel(encodePackage({ ...pkg, body }))).not.toThrow();
    edit(body, v, at);
    expect(() => loadModel(encodePackage({ ...pkg, body }))).toThrowError(expect.objectContaining({ code }));
  }
  const u16 = (v: DataView, offset: number, x: number) => v.setUint16(offset, x, true);
  const i16 = (v: DataView, offset: number, x: number) => v.setInt16(offset, x, true);

  const dense: [string, string, Edit][] = [
    ['a feature index past the input', 'BAD_TREE', (b, _v, at) => (b[at.features + 2] = 3)],
    ['a root testing a feature past the input', 'BAD_TREE', (b, _v, at) => (b[at.features] = 7)],
    ['an internal node marked as a leaf (it does not link to itself)', 'BAD_TREE', (b, _v, at) => (b[at.features + 2] = 2)],
    ['a leaf turned into a node', 'BAD_TREE', (b, _v, at) => (b[at.features + 5] = 0)],
    ['a right link past the last entry', 'BAD_TREE', (_b, v, at) => u16(v, at.right, 60000)],
    ['a node linking to itself (a cycle)', 'BAD_TREE', (_b, v, at) => u16(v, at.right + 4, 2)],
    ['a node linking backwards (a cycle)', 'BAD_TREE', (_b, v, at) => u16(v, at.right + 4, 0)],
    ['a node skipping part of its left subtree', 'BAD_TREE', (_b, v, at) => u16(v, at.right + 4, 3)],
    ['a leaf linking on instead of to itself', 'BAD_TREE', (_b, v, at) => u16(v, at.right + 6, 4)],
    ['a leaf linking backwards', 'BAD_TREE', (_b, v, at) => u16(v, at.right + 8, 3)],
    ['a root whose left child is not its tree', 'BAD_TREE', (_b, v, at) => u16(v, at.rootLeft, 3)],
    ['a root whose left child is itself', 'BAD_TREE', (_b, v, at) => u16(v, at.rootLeft, 0)],
    ['a root whose left child is another root', 'BAD_TREE', (_b, v, at) => u16(v, at.rootLeft, 1)],
    ['a leaf root with a left link', 'BAD_TREE', (_b, v, at) => u16(v, at.rootLeft + 2, 2)],
    ['a leaf root linking on', 'BAD_TREE', (_b, v, at) => u16(v, at.right + 2, 2)],
    ['entries that belong to no tree', 'BAD_TREE', (b, v, at) => { b[at.features] = 2; u16(v, at.right, 0); u16(v, at.rootLeft, 0); i16(v, at.thresholds, 0); }],
    ['a leaf row past the leaf table', 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 6, 10)],
    ['a negative leaf row', 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 8, -1)],
    // Off a row's start, a leaf would add other columns' values: past the overflow bound.
    ['a leaf row that does not start a row', 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 8, 1)],
    ['an output index on a forest tree', 'BAD_TREE', (_b, v, at) => u16(v, at.outputs + 2, 1)],
    ['an unknown ensemble type', 'BAD_BODY', (b) => (b[0] = 9)],
    ['a single tree with two trees', 'BAD_BODY', (b) => (b[0] = ENSEMBLE_SINGLE)],
    ['an unknown split', 'BAD_BODY', (b) => (b[1] = 2)],
    ['zero trees', 'BAD_BODY', (_b, v) => u16(v, 2, 0)],
    ['fewer entries than trees', 'BAD_BODY', (_b, v) => v.setUint32(4, 1, true)],
    ['more entries than bytes', 'TRUNCATED', (_b, v) => v.setUint32(4, 0x7fffffff, true)],
    ['a longer leaf table than bytes', 'TRUNCATED', (_b, v) => v.setUint32(8, 0x100002, true)],
    ['a leaf table of part of a row', 'BAD_BODY', (_b, v, at) => v.setUint32(8, (at.base - at.values) / 2 - 1, true)],
    ['an unknown threshold type', 'BAD_BODY', (b) => (b[12] = 3)],
    ['an unknown leaf encoding', 'BAD_BODY', (b) => (b[13] = 3)],
    ['inline leaves with a leaf table', 'BAD_BODY', (b) => (b[13] = LEAF_INLINE)],
    ['a wrong feature count', 'BAD_BODY', (_b, v) => u16(v, 14, 7)],
    ['an unknown leaf value type', 'BAD_BODY', (b) => (b[16] = 3)],
    ['a leaf wider than the scores', 'BAD_BODY', (b) => (b[17] = 4)],
    ['a leaf of no values', 'BAD_BODY', (b) => (b[17] = 0)],
    ['a reserved field set', 'BAD_BODY', (b) => (b[18] = 1)],
  ];
  for (const [what, code, edit] of dense) it(`rejects ${what} with ${code}`, () => rejects(smallDef(), 'dense', edit, code));

  const others: [string, TreeEnsembleDef, TreeBodyOptions['leaves'], string, Edit][] = [
    ['a sparse entry run past the table', smallDef(), 'sparse', 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 8, 40)],
    ['a sparse entry for a missing score', smallDef(), 'sparse', 'BAD_TREE', (_b, v, at) => i16(v, at.classes, 3)],
    ['a sparse last entry for a missing score', smallDef(), 'sparse', 'BAD_TREE', (_b, v, at) => i16(v, at.classes, ~3)],
    ['a sparse table whose last run does not end', smallDef(), 'sparse', 'BAD_TREE', (_b, v, at) => i16(v, at.classes + 2 * (v.getUint32(8, true) - 1), 1)],
    ['sparse leaves with a width', smallDef(), 'sparse', 'BAD_BODY', (b) => (b[17] = 3)],
    ['a pure sparse leaf for a missing score', pureDef(), 'sparse', 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 6, ~3)],
    ['an int16 unit past int16', pureDef(), 'sparse', 'BAD_BODY', (_b, v) => v.setInt32(20, 40000, true)],
    ['a unit with dense leaves', smallDef(), 'dense', 'BAD_BODY', (_b, v) => v.setInt32(20, 1, true)],
    ['a sparse table ending inside a leaf', pureDef(), 'sparse', 'BAD_TREE', (_b, v, at) => i16(v, at.classes + 2 * (v.getUint32(8, true) - 1), 0)],
    ['a vote for a missing class', smallDef(ENSEMBLE_HARD_VOTE), undefined, 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 6, 3)],
    ['a vote for a negative class', smallDef(ENSEMBLE_HARD_VOTE), undefined, 'BAD_TREE', (_b, v, at) => i16(v, at.thresholds + 2, -1)],
    ['a hard vote with a leaf table', smallDef(ENSEMBLE_HARD_VOTE), undefined, 'BAD_BODY', (b, v) => { b[13] = LEAF_DENSE; b[16] = LEAF_INT16; v.setUint32(8, 1, true); }],
    ['inline leaves of two values', smallDef(ENSEMBLE_BOOSTING), undefined, 'BAD_BODY', (b) => (b[17] = 2)],
    ['a boosting tree adding to a missing score', smallDef(ENSEMBLE_BOOSTING), undefined, 'BAD_TREE', (_b, v, at) => u16(v, at.outputs + 2, 3)],
  ];
  for (const [what, def, leaves, code, edit] of others) it(`rejects ${what} with ${code}`, () => rejects(def, leaves, edit, code));

  it('rejects trees deeper than the limit with TOO_LARGE', () => {
    let chain: TreeNodeDef = { leaf: [1] };
    for (let d = 0; d < MAX_TREE_DEPTH + 1; d++) chain = { feature: 0, threshold: d, left: { leaf: [0] }, right: chain };
    const deep: TreeEnsembleDef = { ensemble: ENSEMBLE_BOOSTING, split: SPLIT_LT, leafType: LEAF_INT32, featureCount: 1, scoreCount: 1, trees: [{ root: chain }] };
    expect(() => loadModel(encodePackage(treePackageDef(deep, 0)))).toThrowError(expect.objectContaining({ code: 'TOO_LARGE' }));
    chain = (chain as { right: TreeNodeDef }).right;
    expect(engineOf(loadModel(encodePackage(treePackageDef({ ...deep, trees: [{ root: chain }] }, 0)))).body.maxDepth).toBe(MAX_TREE_DEPTH);
  });

  it('rejects ensembles whose scores could overflow int32', () => {
    const big: TreeEnsembleDef = {
      ensemble: ENSEMBLE_BOOSTING, split: 0, leafType: LEAF_INT32, featureCount: 1, scoreCount: 1,
      trees: Array.from({ length: 3 }, () => ({ root: { leaf: [0x30000000] } })),
    };
    expect(() => loadModel(encodePackage(treePackageDef(big, 2)))).toThrowError(expect.objectContaining({ code: 'OVERFLOW' }));
    // The bound is per tree: one large leaf in each of two trees is fine, as are negative sums.
    const split = (v: number): TreeNodeDef => ({ feature: 0, threshold: 0, left: { leaf: [v] }, right: { leaf: [1] } });
    const ok: TreeEnsembleDef = { ...big, trees: [{ root: split(0x3fffffff) }, { root: split(0x3fffffff) }] };
    const model = loadModel(encodePackage(treePackageDef(ok, 2)));
    model.input[0] = -1;
    model.predict();
    expect(model.scores[0]).toBe(0x7ffffffe);
    const negative: TreeEnsembleDef = { ...big, trees: [{ root: split(-0x40000000) }, { root: split(-0x3fffffff) }] };
    expect(() => loadModel(encodePackage(treePackageDef(negative, 2)))).not.toThrow();
    expect(() => loadModel(encodePackage(treePackageDef({ ...negative, base: [-2] }, 2)))).toThrowError(expect.objectContaining({ code: 'OVERFLOW' }));
    // Dense and sparse leaves: the largest value of each score, once per tree.
    for (const leaves of ['dense', 'sparse'] as const) {
      const wide: TreeEnsembleDef = {
        ensemble: ENSEMBLE_SOFT_VOTE, split: 0, leafType: LEAF_INT32, featureCount: 1, scoreCount: 2,
        trees: Array.from({ length: 2 }, () => ({ root: { feature: 0, threshold: 0, left: { leaf: [0x40000000, 0] }, right: { leaf: [0, 5] } } })),
      };
      const pkg = (def: TreeEnsembleDef) => encodePackage({ ...treePackageDef(def, 2), body: encodeTreeBody(def, { leaves }).body });
      expect(() => loadModel(pkg(wide))).toThrowError(expect.objectContaining({ code: 'OVERFLOW' }));
      expect(() => loadModel(pkg({ ...wide, trees: wide.trees.slice(1) }))).not.toThrow();
    }
  });

  it('accepts a damaged body only if it still walks as the format says', () => {
    // Damage the arrays of valid bodies at random. Whatever loads must give the scores of a
    // plain interpretation of the documented layout, walked with a leaf test at every step.
    const rng = new Prng(2024);
    let loaded = 0;
    for (let c = 0; c < 600; c++) {
      const shape = rng.pick([
        { ensemble: ENSEMBLES.soft, classes: 3, leaves: 'dense' as const },
        { ensemble: ENSEMBLES.soft, classes: 3, leaves: 'sparse' as const },
        { ensemble: ENSEMBLES.hard, classes: 3, leaves: undefined },
        { ensemble: ENSEMBLES.boosting, classes: 2, leaves: undefined },
      ]);
      const def = randomEnsemble(rng, { ensemble: shape.ensemble, trees: 3, depth: 4, features: 4, classes: shape.classes, earlyLeaf: 0.3 });
      const body = encodeTreeBody(def, { leaves: shape.leaves }).body.slice();
      for (let k = rng.int(1, 3); k > 0; k--) {
        const at = rng.int(16, body.length - 1);
        body[at] = rng.next() < 0.5 ? body[at] ^ (1 << rng.int(0, 7)) : rng.int(0, 255);
      }
      let model;
      try {
        model = loadModel(encodePackage({ ...treePackageDef(def, shape.classes), body }));
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        continue;
      }
      loaded++;
      for (let i = 0; i < 5; i++) {
        const x = Array.from({ length: 4 }, () => rng.int(-3100, 3100));
        model.input.set(x);
        model.predict();
        expect(Array.from(model.scores)).toEqual(flatScores(engineOf(model), x));
      }
    }
    expect(loaded).toBeGreaterThan(20);
  });
});

/** The documented layout, read plainly: walk with a leaf test and a step limit, then add. */
function flatScores(e: TreeEngine, x: number[]): number[] {
  const b = e.body;
  const scores = Array.from(b.base);
  const lt = b.split === SPLIT_LT;
  for (let t = 0; t < b.treeCount; t++) {
    let n = t;
    for (let steps = 0; b.features[n] !== b.featureCount; steps++) {
      if (steps > 1000) throw new Error('the walk does not end');
      const v = x[b.features[n]];
      const left = lt ? v < b.thresholds[n] : v <= b.thresholds[n];
      n = left ? (n === t ? b.rootLeft[t] : n + 1) : b.right[n];
    }
    const p = b.thresholds[n];
    if (b.ensemble === ENSEMBLE_HARD_VOTE) scores[p] += 1;
    else if (b.leafEncoding === LEAF_INLINE) scores[b.treeOutput[t]] += p;
    else if (b.leafEncoding === LEAF_DENSE) for (let k = 0; k < b.leafWidth; k++) scores[k] += b.leaves[p + k];
    else if (p < 0) scores[~p] += b.unit;
    else for (let i = p; ; i++) {
      const c = b.classes[i];
      scores[c < 0 ? ~c : c] += b.leaves[i];
      if (c < 0) break;
    }
  }
  return scores;
}
