// Float tree models to the integer form the device runs (docs/model-format.md, kind 1):
// int16 features through a per-feature affine map, int16 thresholds snapped so every
// quantized comparison takes the float tree's branch, integer leaves.
//
// Input quantization (INPUT section, per feature, the device's own quantizeInput):
//     q = clamp(roundHalfAway(x / s) + z, -32767, 32767), -32768 for a missing (NaN) value
// Its grid: the values g(q) = (q - z) * s, q in [-32768, 32767]. Every grid value quantizes
// back to its own q (g(q) / s = q - z exactly, see snapThreshold).
//
// Scale choice, per feature, from its training values [min, max]:
// - by default s = 2^k, the smallest power of two whose grid covers [min, max] with a spare
//   step at each end, z centring the range. x / s is then exact, integer features (pixels,
//   counts) lie exactly on the grid, and s is exact in the f32 the package stores.
// - when every value is a short decimal (a multiple of 10^-d, d = 1..6: readings such as
//   5.1 or 0.25) and the feature keeps one sign, s is just below (above, for non-positive
//   features) 10^-d / 2^j, j >= 1. Every multiple of half the step (each such value, and
//   each threshold between two of them) then quantizes to a grid value on the same side as
//   itself as seen from the threshold rule below, so a value equal to a threshold takes the
//   float tree's branch too. A power-of-two grid cannot promise that: 2.8 lies between two
//   grid values and may round to the one above it. See decimalScale().
// Values outside the training range clamp to the grid's ends, which is harmless: every
// threshold lies strictly inside the range, so a clamped value takes the float branch.
import { DTYPE_INT16, InputSpec, POST_NONE, POST_NORMALIZE, POST_SIGMOID, POST_SOFTMAX, TASK_CLASSIFICATION, TASK_REGRESSION } from '../../firmware/core/engine';
import { quantizeInput, roundHalfAway } from '../../firmware/core/quantize';
import {
  ENSEMBLE_BOOSTING, ENSEMBLE_SINGLE, ENSEMBLE_SOFT_VOTE, LEAF_INT16, LEAF_INT32, SPLIT_LE,
} from '../../firmware/core/trees/body';
import type { OutputSpecDef } from '../package/encode';
import type { TreeEnsembleDef, TreeNodeDef } from '../package/tree-body';
import { GradientBoostingModel } from './trees/boosting';
import { DecisionTreeClassifier, DecisionTreeRegressor } from './trees/cart';
import { RandomForestClassifier, RandomForestRegressor } from './trees/forest';
import { threshold } from './trees/builder';
import { Tree } from './trees/tree';

export type TreeModel =
  | DecisionTreeClassifier | DecisionTreeRegressor
  | RandomForestClassifier | RandomForestRegressor
  | GradientBoostingModel;

const Q_MIN = -32768;
const Q_MAX = 32767;
const INT32_MAX = 0x7fffffff;
/** Q15 as the format defines it: a proportion p is round(p * 32767). */
export const Q15_ONE = 32767;

/** Per-feature affine quantization: scales (f32-exact, > 0) and int16 zero points. */
export interface FeatureQuantization {
  scales: number[];
  zeroPoints: number[];
  /** How each scale was chosen: 0 a power of two, d >= 1 a decimal grid for multiples of
   * 10^-d (informative only). */
  decimals?: number[];
}

/** Chooses each feature's scale and zero point from the training rows (see the header). */
export function chooseFeatureQuantization(X: readonly ArrayLike<number>[]): FeatureQuantization {
  if (X.length === 0) throw new RangeError('no rows to choose a quantization from');
  const F = X[0].length;
  const scales: number[] = [];
  const zeroPoints: number[] = [];
  const decimals: number[] = [];
  const values = new Float64Array(X.length);
  for (let f = 0; f < F; f++) {
    X.forEach((row, i) => {
      if (row.length !== F) throw new RangeError(`row ${i} has ${row.length} features, expected ${F}`);
      if (!Number.isFinite(row[f])) throw new RangeError(`row ${i}, feature ${f} is ${row[f]}`);
      values[i] = row[f];
    });
    const distinct = Float64Array.from(new Set(values)).sort();
    let lo = distinct[0];
    let hi = distinct[distinct.length - 1];
    const fit = decimalScale(distinct);
    if (fit) {
      scales.push(fit.scale);
      zeroPoints.push(fit.zeroPoint);
      decimals.push(fit.decimals);
      continue;
    }
    if (lo === hi) { lo -= 1; hi += 1; } // a constant feature: any grid around it will do
    const { scale, zeroPoint } = fitRange(lo, hi);
    scales.push(scale);
    zeroPoints.push(zeroPoint);
    decimals.push(0);
  }
  return { scales, zeroPoints, decimals };
}

/** The finest power-of-two scale, and its zero point, whose grid covers [lo, hi] with a
 * spare step at each end. */
export function fitRange(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const magnitude = Math.max(hi - lo, Math.abs(lo), Math.abs(hi), 1e-300);
  for (let k = Math.max(-126, Math.floor(Math.log2(magnitude / 65535)) - 2); k <= 127; k++) {
    const zeroPoint = zeroPointFor(lo, hi, 2 ** k);
    if (zeroPoint !== undefined) return { scale: 2 ** k, zeroPoint };
  }
  throw new RangeError(`no int16 grid covers [${lo}, ${hi}]`);
}

/** A zero point centring [lo, hi] on the grid of scale s with a spare step at each end. */
function zeroPointFor(lo: number, hi: number, s: number): number | undefined {
  const a = roundHalfAway(lo / s);
  const b = roundHalfAway(hi / s);
  // Need a + z - 1 >= -32768, b + z + 1 <= 32767, z itself an int16.
  const zLo = Math.max(Q_MIN + 1 - a, Q_MIN);
  const zHi = Math.min(Q_MAX - 1 - b, Q_MAX);
  if (zLo > zHi) return undefined;
  return Math.min(Math.max(Math.round(-(a + b) / 2), zLo), zHi);
}

/**
 * A decimal grid for a feature whose values are all multiples of 10^-d (d = 1..6) of one
 * sign: s = the f32 just below 10^-d / 2^j (just above, for non-positive values), for the
 * smallest j >= 1 that covers the range. Sorted distinct values in; undefined if none fits.
 *
 * Why it works: a multiple v of 10^-d / 2 (a value or a threshold between two values, as
 * the trainer writes them, tidied to the decimal) has v / s = J (1 + e) with J an integer,
 * |J| < 2^17, and e between 2^-41 and 2^-22 in the direction away from zero; so it rounds
 * to J and its grid value J s lies at or below v, never above. By the threshold rule (the
 * largest q with g(q) <= t), a value equal to a threshold t then quantizes to q <= T: it
 * goes left, as the float tree sends it. Each value and each midpoint is also checked.
 */
export function decimalScale(distinct: Float64Array): { scale: number; zeroPoint: number; decimals: number } | undefined {
  const lo = distinct[0];
  const hi = distinct[distinct.length - 1];
  if (lo === hi || (lo < 0 && hi > 0)) return undefined;
  let decimals = 0;
  for (let d = 1; d <= 6 && decimals === 0; d++) {
    const m = 10 ** d;
    if (distinct.every((v) => Math.abs(v * m) < 2 ** 31 && Math.abs(v * m - Math.round(v * m)) <= 1e-9 * Math.max(1, Math.abs(v * m)))) decimals = d;
  }
  // Integers already sit on a power-of-two grid; other values are not short decimals.
  if (decimals === 0 || distinct.every((v) => Number.isInteger(v))) return undefined;
  const step = 10 ** -decimals;
  const positive = hi > 0;
  for (let j = Math.max(1, Math.floor(Math.log2((65533 * step) / (hi - lo)))); j >= 1; j--) {
    const target = (step / 2 ** j) * (positive ? 1 - 2 ** -40 : 1 + 2 ** -40);
    const scale = positive ? f32Below(target) : f32Above(target);
    const zeroPoint = zeroPointFor(lo, hi, scale);
    if (zeroPoint === undefined) continue;
    // Values and the thresholds between neighbours must not round past themselves.
    const ok = (v: number) => roundHalfAway(v / scale) * scale <= v;
    let good = true;
    for (let i = 0; i < distinct.length && good; i++) {
      good = ok(distinct[i]) && (i === 0 || ok(threshold(distinct[i - 1], distinct[i])));
    }
    return good ? { scale, zeroPoint, decimals } : undefined;
  }
  return undefined;
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);

/** The largest f32 <= x (x > 0). */
function f32Below(x: number): number {
  f32[0] = x;
  if (f32[0] > x) f32Bits[0]--;
  return f32[0];
}

/** The smallest f32 >= x (x > 0). */
function f32Above(x: number): number {
  f32[0] = x;
  if (f32[0] < x) f32Bits[0]++;
  return f32[0];
}

/** The INPUT specification the device reads for this quantization. */
export function inputSpecOf(quant: FeatureQuantization): InputSpec {
  const F = quant.scales.length;
  return {
    dtype: DTYPE_INT16, dims: [F], elementCount: F,
    scales: Float32Array.from(quant.scales), zeroPoints: Int32Array.from(quant.zeroPoints),
  };
}

/** Quantizes real rows exactly as the device does (firmware/core/quantize.ts). */
export function quantizeRows(quant: FeatureQuantization, X: readonly ArrayLike<number>[]): Int16Array[] {
  const spec = inputSpecOf(quant);
  return X.map((x) => {
    if (x.length !== spec.elementCount) throw new RangeError(`a row of ${x.length} features, expected ${spec.elementCount}`);
    const q = new Int16Array(spec.elementCount);
    quantizeInput(spec, x, q);
    return q;
  });
}

/**
 * The int16 threshold T for a float split `x <= t` on a feature quantized with scale s and
 * zero point z, for the engine's `q <= T` (SPLIT_LE).
 *
 * The grid value of q is g(q) = (q - z) * s. That product is exact in a double (|q - z| <
 * 2^17 and s has 24 significant bits), and g(q) / s = q - z exactly, so each grid value
 * quantizes back to its own q. g is strictly increasing, hence {q : g(q) <= t} is all the
 * integers up to T* = max{q : g(q) <= t}; choosing T = T* makes `q <= T` and `g(q) <= t`
 * agree for every q, i.e. the quantized tree takes the float tree's branch at every grid
 * value. T* is found from floor(t / s) + z and corrected by exact comparisons with g.
 * At the ends: T* >= 32767 means every grid value goes left, and T = 32767 says the same;
 * T* < -32768 means none does, which `q <= T` cannot say for any int16 T, so T = -32768 and
 * the split is reported as inexact (only the grid's lowest value differs). Thresholds of a
 * tree trained on the same rows the quantization was fitted to are never inexact: they lie
 * inside the training range, which the grid covers with a spare step.
 */
export function snapThreshold(t: number, scale: number, zeroPoint: number): { threshold: number; exact: boolean } {
  const g = (q: number) => (q - zeroPoint) * scale;
  if (g(Q_MAX) <= t) return { threshold: Q_MAX, exact: true };
  if (g(Q_MIN) > t) return { threshold: Q_MIN, exact: false };
  let T = Math.min(Math.max(Math.floor(t / scale) + zeroPoint, Q_MIN), Q_MAX);
  while (T < Q_MAX && g(T + 1) <= t) T++;
  while (g(T) > t) T--;
  return { threshold: T, exact: true };
}

export interface QuantizedTrees {
  /** The ensemble for encodeTreeBody. */
  ensemble: TreeEnsembleDef;
  /** The OUTPUT section (without labels). */
  output: Omit<OutputSpecDef, 'labels'>;
  quantization: FeatureQuantization;
  report: QuantizationReport;
}

export interface QuantizationReport {
  splits: number;
  /** Splits whose snapped threshold differs from the float one at some grid value (see snapThreshold). */
  inexactSplits: number;
  leaves: number;
  /** Largest |real leaf - quantized leaf * leaf scale| over all leaves, in real units. */
  maxLeafError: number;
  /** Largest bound on any score, |base| + trees x largest leaf, as the loader checks it. */
  scoreBound: number;
}

/** Converts a trained float model to its integer ensemble, for features quantized by `quant`. */
export function quantizeTrees(model: TreeModel, quant: FeatureQuantization): QuantizedTrees {
  if (quant.scales.length !== model.featureCount || quant.zeroPoints.length !== model.featureCount) {
    throw new RangeError(`a quantization of ${quant.scales.length} features for a model of ${model.featureCount}`);
  }
  const scales = quant.scales.map((s) => Math.fround(s));
  scales.forEach((s, f) => {
    if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`feature ${f} has scale ${quant.scales[f]}`);
    if (!Number.isInteger(quant.zeroPoints[f]) || quant.zeroPoints[f] < Q_MIN || quant.zeroPoints[f] > Q_MAX) {
      throw new RangeError(`feature ${f} has zero point ${quant.zeroPoints[f]}`);
    }
  });
  const report: QuantizationReport = { splits: 0, inexactSplits: 0, leaves: 0, maxLeafError: 0, scoreBound: 0 };
  const convert = (tree: Tree, leaf: (node: number) => number[]): TreeNodeDef => {
    const walk = (n: number): TreeNodeDef => {
      const f = tree.feature[n];
      if (f < 0) {
        report.leaves++;
        return { leaf: leaf(n) };
      }
      report.splits++;
      const { threshold, exact } = snapThreshold(tree.threshold[n], scales[f], quant.zeroPoints[f]);
      if (!exact) report.inexactSplits++;
      return { feature: f, threshold, left: walk(tree.left[n]), right: walk(tree.right[n]) };
    };
    return walk(0);
  };
  const leafError = (real: number, q: number, unit: number) => {
    report.maxLeafError = Math.max(report.maxLeafError, Math.abs(real - q * unit));
  };

  const F = model.featureCount;
  let ensemble: TreeEnsembleDef;
  let output: Omit<OutputSpecDef, 'labels'>;

  if (model.type !== 'gradient-boosting' && model.task === 'classification') {
    // Class proportions in Q15; the scores are the sum over trees (a soft vote).
    const K = model.classCount;
    const trees = model.trees.map((tree) => ({
      root: convert(tree, (n) => Array.from({ length: K }, (_, k) => {
        const p = tree.value[n * K + k];
        const q = roundHalfAway(p * Q15_ONE);
        leafError(p, q, 1 / Q15_ONE);
        return q;
      })),
    }));
    ensemble = {
      ensemble: model.type === 'decision-tree' ? ENSEMBLE_SINGLE : ENSEMBLE_SOFT_VOTE,
      split: SPLIT_LE, leafType: LEAF_INT16, featureCount: F, scoreCount: K, trees,
    };
    output = {
      task: TASK_CLASSIFICATION, postprocess: POST_NORMALIZE, classCount: K, scoreCount: K,
      // real score = the mean proportion over the trees, as predict_proba
      scale: Math.fround(1 / (Q15_ONE * trees.length)), zeroPoint: 0,
    };
  } else if (model.type !== 'gradient-boosting') {
    // Regression tree or forest: int16 per-tree values v ~ q * unit, unit = scale * trees, so
    // that the score (sum over trees) times the scale is the mean over trees.
    let largest = 0;
    for (const tree of model.trees) {
      for (let n = 0; n < tree.feature.length; n++) if (tree.feature[n] < 0) largest = Math.max(largest, Math.abs(tree.value[n]));
    }
    const count = model.trees.length;
    const scale = 2 ** Math.max(-126, Math.ceil(Math.log2(Math.max(largest, 1e-30) / (Q15_ONE * count))));
    const unit = scale * count;
    const trees = model.trees.map((tree) => ({
      root: convert(tree, (n) => {
        const q = roundHalfAway(tree.value[n] / unit);
        leafError(tree.value[n], q, unit);
        return [q];
      }),
    }));
    ensemble = {
      ensemble: count === 1 && model.type === 'decision-tree' ? ENSEMBLE_SINGLE : ENSEMBLE_SOFT_VOTE,
      split: SPLIT_LE, leafType: LEAF_INT16, featureCount: F, scoreCount: 1, trees,
    };
    output = { task: TASK_REGRESSION, postprocess: POST_NONE, classCount: 0, scoreCount: 1, scale, zeroPoint: 0 };
  } else {
    // Gradient boosting: int32 leaves lr * v / S and base init / S, with S the finest power of
    // two for which the loader's overflow bound holds with room to spare (< 2^30):
    // |base| + (trees adding to the score) x (largest leaf of the ensemble).
    const S = model.scoreCount;
    const lr = model.learningRate;
    let largest = 0;
    for (const tree of model.trees) {
      for (let n = 0; n < tree.feature.length; n++) if (tree.feature[n] < 0) largest = Math.max(largest, Math.abs(lr * tree.value[n]));
    }
    const perScore = new Array<number>(S).fill(0);
    for (const o of model.outputs) perScore[o]++;
    const realBound = Math.max(...Array.from({ length: S }, (_, i) => Math.abs(model.init[i]) + perScore[i] * largest), 1e-30);
    let k = Math.max(-126, Math.ceil(Math.log2(realBound / 2 ** 30)));
    const boundAt = (unit: number) => {
      const maxLeaf = roundHalfAway(largest / unit);
      return Math.max(...Array.from({ length: S }, (_, i) => Math.abs(roundHalfAway(model.init[i] / unit)) + perScore[i] * maxLeaf));
    };
    while (boundAt(2 ** k) >= 2 ** 30) k++;
    const unit = 2 ** k;
    const trees = model.trees.map((tree, t) => ({
      output: model.outputs[t],
      root: convert(tree, (n) => {
        const real = lr * tree.value[n];
        const q = roundHalfAway(real / unit);
        leafError(real, q, unit);
        return [q];
      }),
    }));
    const base = Array.from(model.init, (v) => roundHalfAway(v / unit));
    ensemble = { ensemble: ENSEMBLE_BOOSTING, split: SPLIT_LE, leafType: LEAF_INT32, featureCount: F, scoreCount: S, trees, base };
    output = model.task === 'classification'
      ? { task: TASK_CLASSIFICATION, postprocess: S === 1 ? POST_SIGMOID : POST_SOFTMAX, classCount: model.classCount, scoreCount: S, scale: unit, zeroPoint: 0 }
      : { task: TASK_REGRESSION, postprocess: POST_NONE, classCount: 0, scoreCount: 1, scale: unit, zeroPoint: 0 };
    for (let i = 0; i < S; i++) leafError(model.init[i], base[i], unit);
  }
  report.scoreBound = scoreBound(ensemble);
  if (report.scoreBound > INT32_MAX) throw new RangeError(`scores could reach ${report.scoreBound}, beyond int32`);
  return { ensemble, output, quantization: { ...quant, scales, zeroPoints: [...quant.zeroPoints] }, report };
}

/** The loader's overflow bound (firmware/core/trees/body.ts): per score, |base| plus, for
 * every tree adding to it, the largest magnitude in the leaf table's column. */
export function scoreBound(def: TreeEnsembleDef): number {
  const leaves: number[][] = [];
  const visit = (n: TreeNodeDef): void => {
    if ('leaf' in n) leaves.push(n.leaf);
    else { visit(n.left); visit(n.right); }
  };
  def.trees.forEach((t) => visit(t.root));
  const width = leaves[0].length;
  const largest = new Array<number>(width).fill(0);
  for (const leaf of leaves) leaf.forEach((v, k) => (largest[k] = Math.max(largest[k], Math.abs(v))));
  const bound = Array.from({ length: def.scoreCount }, (_, i) => Math.abs(def.base?.[i] ?? 0));
  for (const { output = 0 } of def.trees) for (let k = 0; k < width; k++) bound[output + k] += largest[k];
  return Math.max(...bound);
}
