// CART, grown depth-first with the best split at each node, the way scikit-learn's
// BestSplitter does it: for each candidate feature the node's samples are scanned in value
// order, a split may fall only between two values more than 1e-7 apart, the threshold is the
// midpoint of those two values (the lower one if the midpoint rounds up to the upper one;
// tidied to the shortest nearby decimal, see threshold()), and `x <= threshold` goes left.
// Criteria: gini (classification), mse and friedman_mse (regression), with sample weights.
//
// Speed: every feature is sorted once (TrainingData); each tree keeps, per feature, the
// indices of its samples in value order, and each split partitions those lists stably, so a
// node's samples are always in order for every feature and nothing is sorted again.
import { Random } from '../../data/random';
import { Tree } from './tree';

/** Values closer than this are one value (scikit-learn's FEATURE_THRESHOLD). */
export const FEATURE_THRESHOLD = 1e-7;
/** A node at or below this impurity is pure (numpy's float64 eps, as scikit-learn). */
const EPSILON = 2.220446049250313e-16;

/** Feature columns of a training set, each sorted once. */
export class TrainingData {
  readonly n: number;
  readonly featureCount: number;
  /** cols[f][i]: feature f of sample i. */
  readonly cols: Float64Array[];
  /** order[f * n + p]: the sample with the p-th smallest value of feature f (ties by index). */
  readonly order: Int32Array;

  constructor(X: readonly ArrayLike<number>[]) {
    const n = X.length;
    if (n === 0) throw new RangeError('no training samples');
    const F = X[0].length;
    if (F === 0) throw new RangeError('no features');
    this.n = n;
    this.featureCount = F;
    this.cols = Array.from({ length: F }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const row = X[i];
      if (row.length !== F) throw new RangeError(`sample ${i} has ${row.length} features, expected ${F}`);
      for (let f = 0; f < F; f++) {
        const v = row[f];
        if (!Number.isFinite(v)) throw new RangeError(`sample ${i}, feature ${f} is ${v}; trees train on finite values`);
        this.cols[f][i] = v;
      }
    }
    this.order = new Int32Array(F * n);
    const ids = new Int32Array(n);
    for (let f = 0; f < F; f++) {
      const col = this.cols[f];
      for (let i = 0; i < n; i++) ids[i] = i;
      ids.sort((a, b) => col[a] - col[b] || a - b);
      this.order.set(ids, f * n);
    }
  }
}

export type Criterion = 'gini' | 'mse' | 'friedman_mse';

export type Target =
  | { criterion: 'gini'; y: Int32Array; classCount: number }
  | { criterion: 'mse' | 'friedman_mse'; y: Float64Array };

export interface TreeParams {
  /** Deepest a leaf may be (root = 0); Infinity for no limit. */
  maxDepth: number;
  /** A node with fewer samples is a leaf. */
  minSamplesSplit: number;
  /** Each child keeps at least this many samples. */
  minSamplesLeaf: number;
  /** Features drawn per split (all of them for a plain CART). As in scikit-learn, constant
   * features drawn count, but the search goes on until a non-constant one is examined. */
  maxFeatures: number;
}

export interface GrowOptions {
  /** Per-sample weights (bootstrap counts); samples of weight 0 are left out. Default 1. */
  weights?: Float64Array;
  /** Filled with the leaf each training sample lands in (samples left out are untouched). */
  leafOfSample?: Int32Array;
}

interface Pending {
  start: number;
  end: number;
  depth: number;
  parent: number;
  isLeft: boolean;
  /** The feature list in which the node's samples are contiguous, or -1 for every list. */
  only: number;
}

export function growTree(data: TrainingData, target: Target, params: TreeParams, rng: Random, options: GrowOptions = {}): Tree {
  const { n, featureCount: F, cols, order } = data;
  const classification = target.criterion === 'gini';
  const K = classification ? target.classCount : 1;
  const yClass = classification ? target.y : new Int32Array(0);
  const yReal = classification ? new Float64Array(0) : target.y;
  const friedman = target.criterion === 'friedman_mse';
  const weights = options.weights;
  const leafOfSample = options.leafOfSample;
  const { maxDepth, minSamplesSplit, minSamplesLeaf: minLeaf } = params;
  const maxFeatures = Math.max(1, Math.min(F, params.maxFeatures));

  // The tree's samples, in value order for every feature.
  let m = n;
  if (weights) {
    m = 0;
    for (let i = 0; i < n; i++) if (weights[i] > 0) m++;
  }
  if (m === 0) throw new RangeError('every sample has weight 0');
  const idx = new Int32Array(F * m);
  if (m === n) idx.set(order);
  else {
    for (let f = 0; f < F; f++) {
      let p = f * m;
      for (let q = f * n, end = q + n; q < end; q++) if (weights![order[q]] > 0) idx[p++] = order[q];
    }
  }
  const w = weights ?? new Float64Array(n).fill(1);

  const goLeft = new Uint8Array(n);
  const tmp = new Int32Array(m);
  const features = Int32Array.from({ length: F }, (_, f) => f);
  const countsNode = new Float64Array(K);
  const countsLeft = new Float64Array(K);
  const countsRight = new Float64Array(K);

  const nodeFeature: number[] = [];
  const nodeThreshold: number[] = [];
  const nodeLeft: number[] = [];
  const nodeRight: number[] = [];
  const nodeValue: number[] = [];
  const nodeSamples: number[] = [];
  const nodeWeight: number[] = [];

  const stack: Pending[] = [{ start: 0, end: m, depth: 0, parent: -1, isLeft: false, only: -1 }];
  while (stack.length > 0) {
    const { start, end, depth, parent, isLeft, only } = stack.pop()!;
    const id = nodeFeature.length;
    if (parent >= 0) (isLeft ? nodeLeft : nodeRight)[parent] = id;
    const list = (only < 0 ? 0 : only) * m;
    const count = end - start;

    // Node statistics.
    let W = 0;
    let sum = 0;
    let sumSq = 0;
    let impurity: number;
    if (classification) {
      countsNode.fill(0);
      for (let p = start; p < end; p++) {
        const i = idx[list + p];
        countsNode[yClass[i]] += w[i];
        W += w[i];
      }
      let sq = 0;
      for (let k = 0; k < K; k++) sq += countsNode[k] * countsNode[k];
      impurity = 1 - sq / (W * W);
      for (let k = 0; k < K; k++) nodeValue.push(countsNode[k] / W);
    } else {
      for (let p = start; p < end; p++) {
        const i = idx[list + p];
        const wi = w[i];
        const yi = yReal[i];
        W += wi;
        sum += wi * yi;
        sumSq += wi * yi * yi;
      }
      const mean = sum / W;
      impurity = sumSq / W - mean * mean;
      nodeValue.push(mean);
    }
    nodeSamples.push(count);
    nodeWeight.push(W);
    nodeFeature.push(-1);
    nodeThreshold.push(0);
    nodeLeft.push(-1);
    nodeRight.push(-1);

    let bestFeature = -1;
    let bestPos = -1;
    let bestBelow = 0;
    let bestAbove = 0;
    const splittable = only < 0 && depth < maxDepth && count >= minSamplesSplit && count >= 2 * minLeaf && impurity > EPSILON;
    if (splittable) {
      let bestProxy = -Infinity;
      let visited = 0;
      let constant = 0;
      // Features in random order (a partial Fisher-Yates shuffle, drawn as needed).
      for (let d = 0; d < F && (visited < maxFeatures || visited <= constant); d++) {
        const j = d + rng.below(F - d);
        const f = features[j];
        features[j] = features[d];
        features[d] = f;
        visited++;
        const base = f * m;
        const col = cols[f];
        if (col[idx[base + end - 1]] <= col[idx[base + start]] + FEATURE_THRESHOLD) { constant++; continue; }

        if (classification) {
          countsLeft.fill(0);
          countsRight.set(countsNode);
          let sqLeft = 0;
          let sqRight = 0;
          for (let k = 0; k < K; k++) sqRight += countsNode[k] * countsNode[k];
          let wLeft = 0;
          for (let p = start, last = end - 1; p < last; p++) {
            const i = idx[base + p];
            const c = yClass[i];
            const wi = w[i];
            sqLeft += wi * (2 * countsLeft[c] + wi);
            countsLeft[c] += wi;
            sqRight -= wi * (2 * countsRight[c] - wi);
            countsRight[c] -= wi;
            wLeft += wi;
            const v = col[i];
            const next = col[idx[base + p + 1]];
            if (next <= v + FEATURE_THRESHOLD) continue;
            const nLeft = p + 1 - start;
            if (nLeft < minLeaf) continue;
            if (end - p - 1 < minLeaf) break;
            // Gini proxy: the weighted impurity decrease up to constants.
            const proxy = sqLeft / wLeft + sqRight / (W - wLeft);
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestFeature = f;
              bestPos = p + 1;
              bestBelow = v;
              bestAbove = next;
            }
          }
        } else {
          let sumLeft = 0;
          let wLeft = 0;
          for (let p = start, last = end - 1; p < last; p++) {
            const i = idx[base + p];
            const wi = w[i];
            sumLeft += wi * yReal[i];
            wLeft += wi;
            const v = col[i];
            const next = col[idx[base + p + 1]];
            if (next <= v + FEATURE_THRESHOLD) continue;
            const nLeft = p + 1 - start;
            if (nLeft < minLeaf) continue;
            if (end - p - 1 < minLeaf) break;
            const sumRight = sum - sumLeft;
            const wRight = W - wLeft;
            let proxy: number;
            if (friedman) {
              const diff = wRight * sumLeft - wLeft * sumRight;
              proxy = (diff * diff) / (wLeft * wRight);
            } else {
              proxy = (sumLeft * sumLeft) / wLeft + (sumRight * sumRight) / wRight;
            }
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestFeature = f;
              bestPos = p + 1;
              bestBelow = v;
              bestAbove = next;
            }
          }
        }
      }
    }

    if (bestFeature < 0) {
      if (leafOfSample) for (let p = start; p < end; p++) leafOfSample[idx[list + p]] = id;
      continue;
    }

    nodeFeature[id] = bestFeature;
    nodeThreshold[id] = threshold(bestBelow, bestAbove);
    // The children's samples: contiguous in the split feature's list already; the other
    // lists are partitioned stably, unless neither child can split again.
    const nLeft = bestPos - start;
    const nRight = end - bestPos;
    const childDepth = depth + 1;
    const childrenAreLeaves = childDepth >= maxDepth
      || ((nLeft < minSamplesSplit || nLeft < 2 * minLeaf) && (nRight < minSamplesSplit || nRight < 2 * minLeaf));
    let childOnly = bestFeature;
    if (!childrenAreLeaves) {
      childOnly = -1;
      const sb = bestFeature * m;
      for (let p = start; p < bestPos; p++) goLeft[idx[sb + p]] = 1;
      for (let p = bestPos; p < end; p++) goLeft[idx[sb + p]] = 0;
      for (let f = 0; f < F; f++) {
        if (f === bestFeature) continue;
        const base = f * m;
        let l = base + start;
        let r = 0;
        for (let p = base + start, stop = base + end; p < stop; p++) {
          const i = idx[p];
          if (goLeft[i] === 1) idx[l++] = i;
          else tmp[r++] = i;
        }
        idx.set(tmp.subarray(0, r), l);
      }
    }
    // Right pushed first so the left subtree is grown (and numbered) first: pre-order.
    stack.push({ start: bestPos, end, depth: childDepth, parent: id, isLeft: false, only: childOnly });
    stack.push({ start, end: bestPos, depth: childDepth, parent: id, isLeft: true, only: childOnly });
  }

  return {
    feature: Int32Array.from(nodeFeature),
    threshold: Float64Array.from(nodeThreshold),
    left: Int32Array.from(nodeLeft),
    right: Int32Array.from(nodeRight),
    value: Float64Array.from(nodeValue),
    width: K,
    samples: Int32Array.from(nodeSamples),
    weight: Float64Array.from(nodeWeight),
  };
}

/**
 * The threshold between two consecutive distinct values a < b: scikit-learn's midpoint
 * (a when the midpoint rounds up to b), then tidied to the shortest decimal within 4 units
 * in the last place of it, if that still lies in [a, b). Between 2.7 and 2.9 the computed
 * midpoint may be 2.8 or a neighbouring double; tidying makes it the double 2.8, so a value
 * written as 2.8 goes left (`x <= t`) rather than by the luck of the rounding, and so the
 * quantized tree, which cannot see units in the last place, can make the same decision.
 */
export function threshold(a: number, b: number): number {
  let t = a / 2 + b / 2;
  if (t === b || t === Infinity || t === -Infinity) t = a;
  const tolerance = Math.abs(t) * 8.881784197001252e-16; // 4 ulp
  for (let digits = 1; digits <= 17; digits++) {
    const d = Number(t.toPrecision(digits));
    if (Math.abs(d - t) <= tolerance && d >= a && d < b) return d;
  }
  return t;
}
