// Multinomial logistic regression with L2 regularization, trained by L-BFGS in plain
// TypeScript (deterministic, no TF.js), exported as a one-layer int8 network:
// FULLY_CONNECTED (per-channel int8 weights, int32 biases) then SOFTMAX.
//
// The objective is scikit-learn's LogisticRegression(C) with the lbfgs solver, divided by n:
//   (1/n) sum_i -log softmax(W x_i + b)[y_i] + ||W||^2 / (2 C n)   (the intercept is not penalized).
import { FloatGraph, FloatGraphBuilder } from './cnn/float-graph';
import { QuantizeOptions, QuantizedCnn, quantizeCnn } from './cnn/quantize';

export interface LinearOptions {
  /** Inverse regularization strength, as scikit-learn's C (default 1). */
  C?: number;
  /** L-BFGS iterations (default 100, as scikit-learn's max_iter). */
  maxIterations?: number;
  /** Stop when the largest gradient component falls below this (default 1e-6). */
  tolerance?: number;
  /** Number of classes (default: the largest label + 1). */
  classes?: number;
  /** L-BFGS memory (default 10). */
  memory?: number;
}

export interface LinearModel {
  classes: number;
  features: number;
  /** [classes, features], row-major. */
  weights: Float64Array;
  bias: Float64Array;
  /** Iterations run and the final objective. */
  iterations: number;
  loss: number;
  converged: boolean;
}

/** Objective and gradient at theta = [W (K x D), b (K)]. */
function objective(theta: Float64Array, X: ArrayLike<number>[], y: ArrayLike<number>, K: number, D: number, lambda: number, grad: Float64Array): number {
  const n = X.length;
  grad.fill(0);
  const z = new Float64Array(K);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const x = X[i];
    let m = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = theta[K * D + k];
      const o = k * D;
      for (let d = 0; d < D; d++) s += theta[o + d] * x[d];
      z[k] = s;
      if (s > m) m = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += (z[k] = Math.exp(z[k] - m));
    loss -= Math.log(z[y[i]] / sum);
    for (let k = 0; k < K; k++) {
      const g = z[k] / sum - (k === y[i] ? 1 : 0);
      if (g === 0) continue;
      const o = k * D;
      for (let d = 0; d < D; d++) grad[o + d] += g * x[d];
      grad[K * D + k] += g;
    }
  }
  let reg = 0;
  for (let j = 0; j < K * D; j++) {
    reg += theta[j] * theta[j];
    grad[j] = grad[j] / n + lambda * theta[j];
  }
  for (let k = 0; k < K; k++) grad[K * D + k] /= n;
  return loss / n + 0.5 * lambda * reg;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Trains a multinomial logistic regression (L-BFGS with a backtracking Armijo line search). */
export function trainLogistic(X: ArrayLike<number>[], y: ArrayLike<number>, options: LinearOptions = {}): LinearModel {
  const n = X.length;
  if (n === 0 || y.length !== n) throw new RangeError(`${n} samples and ${y.length} labels`);
  const D = X[0].length;
  X.forEach((x, i) => { if (x.length !== D) throw new RangeError(`sample ${i} has ${x.length} features, expected ${D}`); });
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0) throw new RangeError(`label ${y[i]} at ${i} is not a class index`);
    maxLabel = Math.max(maxLabel, y[i]);
  }
  const K = options.classes ?? maxLabel + 1;
  if (maxLabel >= K) throw new RangeError(`label ${maxLabel} with ${K} classes`);
  const { C = 1, maxIterations = 100, tolerance = 1e-6, memory = 10 } = options;
  if (!(C > 0)) throw new RangeError(`C ${C}`);
  const lambda = 1 / (C * n);
  const P = K * D + K;

  let theta = new Float64Array(P);
  let grad = new Float64Array(P);
  let f = objective(theta, X, y, K, D, lambda, grad);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const dir = new Float64Array(P);
  const alpha = new Float64Array(memory);
  let it = 0;
  let converged = false;
  const next = new Float64Array(P);
  const nextGrad = new Float64Array(P);
  for (; it < maxIterations; it++) {
    let gmax = 0;
    for (let j = 0; j < P; j++) gmax = Math.max(gmax, Math.abs(grad[j]));
    if (gmax < tolerance) { converged = true; break; }
    // two-loop recursion: dir = -H grad
    for (let j = 0; j < P; j++) dir[j] = -grad[j];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], dir);
      for (let j = 0; j < P; j++) dir[j] -= alpha[k] * Y[k][j];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.max(1, gmax);
    for (let j = 0; j < P; j++) dir[j] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const b = rho[k] * dot(Y[k], dir);
      for (let j = 0; j < P; j++) dir[j] += S[k][j] * (alpha[k] - b);
    }
    let slope = dot(grad, dir);
    if (!(slope < 0)) { // not a descent direction: restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let j = 0; j < P; j++) dir[j] = -grad[j] / Math.max(1, gmax);
      slope = dot(grad, dir);
    }
    let step = 1;
    let fNext = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < P; j++) next[j] = theta[j] + step * dir[j];
      fNext = objective(next, X, y, K, D, lambda, nextGrad);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext < f)) { converged = true; break; } // no progress possible at float precision
    const s = new Float64Array(P), yv = new Float64Array(P);
    for (let j = 0; j < P; j++) { s[j] = next[j] - theta[j]; yv[j] = nextGrad[j] - grad[j]; }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === memory) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(yv); rho.push(1 / sy);
    }
    [theta, grad] = [Float64Array.from(next), Float64Array.from(nextGrad)];
    f = fNext;
  }
  return {
    classes: K, features: D, weights: theta.slice(0, K * D), bias: theta.slice(K * D), iterations: it, loss: f, converged,
  };
}

/** Class probabilities. */
export function predictLogistic(m: LinearModel, x: ArrayLike<number>): Float64Array {
  const z = new Float64Array(m.classes);
  let max = -Infinity;
  for (let k = 0; k < m.classes; k++) {
    let s = m.bias[k];
    for (let d = 0; d < m.features; d++) s += m.weights[k * m.features + d] * x[d];
    z[k] = s;
    max = Math.max(max, s);
  }
  let sum = 0;
  for (let k = 0; k < m.classes; k++) sum += (z[k] = Math.exp(z[k] - max));
  for (let k = 0; k < m.classes; k++) z[k] /= sum;
  return z;
}

export function logisticAccuracy(m: LinearModel, X: ArrayLike<number>[], y: ArrayLike<number>): number {
  let ok = 0;
  X.forEach((x, i) => {
    const p = predictLogistic(m, x);
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    if (best === y[i]) ok++;
  });
  return X.length ? ok / X.length : NaN;
}

/** The model as a float graph: dense (features -> classes) then softmax; input [1, features]. */
export function linearToFloatGraph(m: LinearModel): FloatGraph {
  const b = new FloatGraphBuilder([1, m.features]);
  const logits = b.dense(b.input, {
    name: 'logistic', weightShape: [m.classes, m.features], weights: Float64Array.from(m.weights), bias: Float64Array.from(m.bias), activation: 'NONE',
  });
  return b.build(b.softmax(logits, 'softmax'));
}

/** Quantizes the classifier (calibration: real training inputs) into FULLY_CONNECTED + SOFTMAX. */
export function quantizeLinear(m: LinearModel, calibration: Iterable<ArrayLike<number>>, options: QuantizeOptions = {}): QuantizedCnn {
  return quantizeCnn(linearToFloatGraph(m), calibration, options);
}
