// A float network in the engine's own terms (NHWC, batch 1, TFLite op semantics): what the
// trainers and the TF.js importer produce and what quantize.ts turns into an int8 GraphDef.
// Weights are in the engine's layouts: conv [O, kH, kW, C], depthwise [1, kH, kW, C * M],
// dense [U, K]. Batch normalization is folded before it gets here (foldBatchNorm).
//
// forward() is a plain float64 reference pass (TFLite semantics: SAME padding with the odd
// pixel at the bottom/right, pools over in-bounds taps only); calibration runs it.

export type Activation = 'NONE' | 'RELU' | 'RELU6';
export type Padding = 'SAME' | 'VALID';

interface OpBase {
  inputs: number[];
  output: number;
  /** The source layer's name, for messages. */
  name?: string;
}

export interface ConvOp extends OpBase {
  kind: 'conv2d';
  /** [O, kH, kW, C] */
  weightShape: [number, number, number, number];
  weights: Float64Array;
  bias: Float64Array;
  stride: [number, number];
  padding: Padding;
  activation: Activation;
}

export interface DepthwiseOp extends OpBase {
  kind: 'depthwiseConv2d';
  /** [1, kH, kW, C * M]; output channel c * M + m reads input channel c. */
  weightShape: [1, number, number, number];
  weights: Float64Array;
  bias: Float64Array;
  depthMultiplier: number;
  stride: [number, number];
  padding: Padding;
  activation: Activation;
}

export interface DenseOp extends OpBase {
  kind: 'dense';
  /** [U, K] */
  weightShape: [number, number];
  weights: Float64Array;
  bias: Float64Array;
  activation: Activation;
}

export interface PoolOp extends OpBase {
  kind: 'maxPool2d' | 'averagePool2d';
  filter: [number, number];
  stride: [number, number];
  padding: Padding;
  activation: Activation;
}

export interface ReshapeOp extends OpBase { kind: 'reshape' }
export interface SoftmaxOp extends OpBase { kind: 'softmax' }
export interface AddOp extends OpBase { kind: 'add'; activation: Activation }

export type FloatOp = ConvOp | DepthwiseOp | DenseOp | PoolOp | ReshapeOp | SoftmaxOp | AddOp;

export interface FloatGraph {
  /** Shape of every tensor (batch 1: [1, H, W, C] or [1, N]). */
  shapes: number[][];
  /** In execution order; each op writes a new tensor. */
  ops: FloatOp[];
  input: number;
  output: number;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** TFLite output size and leading padding (dilation 1). */
export function spatial(padding: Padding, inSize: number, k: number, stride: number): { out: number; before: number } {
  const out = padding === 'SAME' ? Math.ceil(inSize / stride) : Math.floor((inSize - k) / stride) + 1;
  if (out < 1) throw new RangeError(`a ${k}-tap window with stride ${stride} does not fit ${inSize} (${padding})`);
  const total = Math.max(0, (out - 1) * stride + k - inSize);
  return { out, before: Math.floor(total / 2) };
}

function image(shape: readonly number[], what: string): [number, number, number] {
  if (shape.length !== 4 || shape[0] !== 1) throw new RangeError(`${what}: needs a [1, H, W, C] input, got [${shape.join(', ')}]`);
  return [shape[1], shape[2], shape[3]];
}

/** Builds a FloatGraph op by op, computing shapes; each method returns the new tensor. */
export class FloatGraphBuilder {
  readonly shapes: number[][] = [];
  readonly ops: FloatOp[] = [];
  readonly input: number;

  constructor(inputShape: readonly number[]) {
    this.input = this.#tensor(inputShape);
  }

  #tensor(shape: readonly number[]): number {
    this.shapes.push([...shape]);
    return this.shapes.length - 1;
  }

  shapeOf(t: number): readonly number[] {
    return this.shapes[t];
  }

  conv2d(x: number, o: Omit<ConvOp, 'kind' | 'inputs' | 'output'>): number {
    const [h, w, c] = image(this.shapes[x], o.name ?? 'conv2d');
    const [O, kH, kW, C] = o.weightShape;
    if (C !== c) throw new RangeError(`${o.name ?? 'conv2d'}: filter has ${C} input channels, input has ${c}`);
    checkLengths(o.name, o.weights, O * kH * kW * C, o.bias, O);
    const y = this.#tensor([1, spatial(o.padding, h, kH, o.stride[0]).out, spatial(o.padding, w, kW, o.stride[1]).out, O]);
    this.ops.push({ ...o, kind: 'conv2d', inputs: [x], output: y });
    return y;
  }

  depthwiseConv2d(x: number, o: Omit<DepthwiseOp, 'kind' | 'inputs' | 'output'>): number {
    const [h, w, c] = image(this.shapes[x], o.name ?? 'depthwiseConv2d');
    const [, kH, kW, OC] = o.weightShape;
    if (OC !== c * o.depthMultiplier) throw new RangeError(`${o.name ?? 'depthwiseConv2d'}: ${OC} output channels for ${c} x ${o.depthMultiplier}`);
    checkLengths(o.name, o.weights, kH * kW * OC, o.bias, OC);
    const y = this.#tensor([1, spatial(o.padding, h, kH, o.stride[0]).out, spatial(o.padding, w, kW, o.stride[1]).out, OC]);
    this.ops.push({ ...o, kind: 'depthwiseConv2d', inputs: [x], output: y });
    return y;
  }

  dense(x: number, o: Omit<DenseOp, 'kind' | 'inputs' | 'output'>): number {
    const [U, K] = o.weightShape;
    if (sizeOf(this.shapes[x]) !== K) throw new RangeError(`${o.name ?? 'dense'}: ${K} inputs expected, the input has ${sizeOf(this.shapes[x])} elements`);
    checkLengths(o.name, o.weights, U * K, o.bias, U);
    const y = this.#tensor([1, U]);
    this.ops.push({ ...o, kind: 'dense', inputs: [x], output: y });
    return y;
  }

  pool(kind: PoolOp['kind'], x: number, o: Omit<PoolOp, 'kind' | 'inputs' | 'output'>): number {
    const [h, w, c] = image(this.shapes[x], o.name ?? kind);
    const y = this.#tensor([1, spatial(o.padding, h, o.filter[0], o.stride[0]).out, spatial(o.padding, w, o.filter[1], o.stride[1]).out, c]);
    this.ops.push({ ...o, kind, inputs: [x], output: y });
    return y;
  }

  reshape(x: number, shape: readonly number[], name?: string): number {
    if (sizeOf(shape) !== sizeOf(this.shapes[x])) throw new RangeError(`${name ?? 'reshape'}: [${shape.join(', ')}] does not hold ${sizeOf(this.shapes[x])} elements`);
    const y = this.#tensor(shape);
    this.ops.push({ kind: 'reshape', inputs: [x], output: y, name });
    return y;
  }

  flatten(x: number, name?: string): number {
    return this.reshape(x, [1, sizeOf(this.shapes[x])], name);
  }

  softmax(x: number, name?: string): number {
    const y = this.#tensor(this.shapes[x]);
    this.ops.push({ kind: 'softmax', inputs: [x], output: y, name });
    return y;
  }

  add(a: number, b: number, activation: Activation = 'NONE', name?: string): number {
    const sa = this.shapes[a], sb = this.shapes[b];
    if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
      throw new RangeError(`${name ?? 'add'}: shapes [${sa.join(', ')}] and [${sb.join(', ')}] differ (no broadcasting)`);
    }
    const y = this.#tensor(sa);
    this.ops.push({ kind: 'add', inputs: [a, b], output: y, activation, name });
    return y;
  }

  build(output: number): FloatGraph {
    return { shapes: this.shapes, ops: this.ops, input: this.input, output };
  }
}

function checkLengths(name: string | undefined, w: ArrayLike<number>, wn: number, b: ArrayLike<number>, bn: number): void {
  if (w.length !== wn) throw new RangeError(`${name ?? 'layer'}: ${w.length} weights, expected ${wn}`);
  if (b.length !== bn) throw new RangeError(`${name ?? 'layer'}: ${b.length} biases, expected ${bn}`);
}

/**
 * Folds an inference-mode batch normalization that follows a conv, depthwise or dense op
 * into its weights and bias: y = gamma (x - mean) / sqrt(var + eps) + beta, per output channel.
 */
export function foldBatchNorm(op: ConvOp | DepthwiseOp | DenseOp, bn: {
  gamma?: ArrayLike<number>; beta?: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number>; epsilon: number;
}): void {
  const channels = op.bias.length;
  const inner = op.kind === 'depthwiseConv2d' ? 1 : op.weights.length / channels;
  for (let c = 0; c < channels; c++) {
    const k = (bn.gamma ? bn.gamma[c] : 1) / Math.sqrt(bn.variance[c] + bn.epsilon);
    op.bias[c] = (op.bias[c] - bn.mean[c]) * k + (bn.beta ? bn.beta[c] : 0);
    if (op.kind === 'depthwiseConv2d') {
      for (let i = c; i < op.weights.length; i += channels) op.weights[i] *= k;
    } else {
      for (let i = c * inner; i < (c + 1) * inner; i++) op.weights[i] *= k;
    }
  }
}

/**
 * Makes the graph take inputs `factor` times larger: the ops reading the graph input (conv,
 * depthwise, dense) get their weights for input channel c multiplied by factor[c] (or by one
 * number). Used when a model was trained on scaled inputs (x / 16) but the device feeds raw
 * values: exact, padding included, because there is no offset.
 */
export function scaleGraphInput(g: FloatGraph, factor: number | ArrayLike<number>): void {
  normalizeGraphInput(g, factor);
}

/**
 * Makes a graph trained on normalized inputs (x - offset[c]) * scale[c] take raw inputs x: the
 * scale goes into the weights of the ops reading the input, the offset into their biases
 * (b -= sum over taps of w * scale * offset). The offset is exact only where every tap is
 * inside the input: dense layers and VALID convolutions (a RangeError otherwise).
 */
export function normalizeGraphInput(g: FloatGraph, scale: number | ArrayLike<number>, offset?: number | ArrayLike<number>): void {
  const shape = g.shapes[g.input];
  const channels = shape[shape.length - 1];
  const f = (c: number): number => (typeof scale === 'number' ? scale : scale[c]);
  const o = (c: number): number => (offset === undefined ? 0 : typeof offset === 'number' ? offset : offset[c]);
  if (typeof scale !== 'number' && scale.length !== channels) throw new RangeError(`${scale.length} scales for ${channels} input channels`);
  if (offset !== undefined && typeof offset !== 'number' && offset.length !== channels) throw new RangeError(`${offset.length} offsets for ${channels} input channels`);
  let hasOffset = false;
  for (let c = 0; c < channels; c++) if (o(c) !== 0) hasOffset = true;
  for (const op of g.ops) {
    if (!op.inputs.includes(g.input)) continue;
    if (op.kind !== 'conv2d' && op.kind !== 'depthwiseConv2d' && op.kind !== 'dense') {
      throw new RangeError(`cannot fold an input normalization into ${op.kind} ${op.name ?? ''}: only conv, depthwise and dense layers may read the input`);
    }
    if (hasOffset && op.kind !== 'dense' && op.padding !== 'VALID') {
      throw new RangeError(`cannot fold an input offset into ${op.kind} ${op.name ?? ''} with SAME padding (its padding taps would see -offset)`);
    }
    // channel of each weight, and the output channel it feeds
    const channelOf = (i: number): number => {
      if (op.kind === 'conv2d') return i % op.weightShape[3];
      if (op.kind === 'depthwiseConv2d') return Math.floor((i % op.weightShape[3]) / op.depthMultiplier);
      return (i % op.weightShape[1]) % channels;
    };
    const outputOf = (i: number): number => {
      if (op.kind === 'depthwiseConv2d') return i % op.weightShape[3];
      return Math.floor(i / (op.weights.length / op.bias.length));
    };
    for (let i = 0; i < op.weights.length; i++) {
      const c = channelOf(i);
      op.weights[i] *= f(c);
      if (hasOffset) op.bias[outputOf(i)] -= op.weights[i] * o(c);
    }
  }
}

const act = (a: Activation, v: number): number => (a === 'NONE' ? v : a === 'RELU' ? (v > 0 ? v : 0) : v > 0 ? (v < 6 ? v : 6) : 0);

/** Float64 forward pass; returns the value of every tensor (index = tensor). */
export function forwardAll(g: FloatGraph, x: ArrayLike<number>): Float64Array[] {
  const values: Float64Array[] = new Array(g.shapes.length);
  if (x.length !== sizeOf(g.shapes[g.input])) throw new RangeError(`input has ${x.length} values, expected ${sizeOf(g.shapes[g.input])}`);
  values[g.input] = Float64Array.from(x);
  for (const op of g.ops) values[op.output] = evalOp(g, op, values);
  return values;
}

/** Float64 forward pass: the graph output. */
export function forward(g: FloatGraph, x: ArrayLike<number>): Float64Array {
  return forwardAll(g, x)[g.output];
}

function evalOp(g: FloatGraph, op: FloatOp, values: Float64Array[]): Float64Array {
  const x = values[op.inputs[0]];
  const inShape = g.shapes[op.inputs[0]];
  const outShape = g.shapes[op.output];
  const y = new Float64Array(sizeOf(outShape));
  switch (op.kind) {
    case 'conv2d':
    case 'depthwiseConv2d': {
      const [, H, W, C] = inShape;
      const [, oH, oW, O] = outShape;
      const kH = op.weightShape[1], kW = op.weightShape[2];
      const pt = spatial(op.padding, H, kH, op.stride[0]).before;
      const pl = spatial(op.padding, W, kW, op.stride[1]).before;
      const M = op.kind === 'depthwiseConv2d' ? op.depthMultiplier : 0;
      for (let oy = 0; oy < oH; oy++) for (let ox = 0; ox < oW; ox++) for (let o = 0; o < O; o++) {
        let acc = op.bias[o];
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * op.stride[0] - pt + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * op.stride[1] - pl + kx;
            if (ix < 0 || ix >= W) continue;
            const xo = (iy * W + ix) * C;
            if (M) acc += op.weights[(ky * kW + kx) * O + o] * x[xo + Math.floor(o / M)];
            else {
              const wo = ((o * kH + ky) * kW + kx) * C;
              for (let c = 0; c < C; c++) acc += op.weights[wo + c] * x[xo + c];
            }
          }
        }
        y[(oy * oW + ox) * O + o] = act(op.activation, acc);
      }
      return y;
    }
    case 'dense': {
      const [U, K] = op.weightShape;
      for (let u = 0; u < U; u++) {
        let acc = op.bias[u];
        for (let k = 0; k < K; k++) acc += op.weights[u * K + k] * x[k];
        y[u] = act(op.activation, acc);
      }
      return y;
    }
    case 'maxPool2d':
    case 'averagePool2d': {
      const [, H, W, C] = inShape;
      const [, oH, oW] = outShape;
      const [fH, fW] = op.filter;
      const pt = spatial(op.padding, H, fH, op.stride[0]).before;
      const pl = spatial(op.padding, W, fW, op.stride[1]).before;
      for (let oy = 0; oy < oH; oy++) for (let ox = 0; ox < oW; ox++) for (let c = 0; c < C; c++) {
        let m = -Infinity, s = 0, n = 0;
        for (let ky = 0; ky < fH; ky++) {
          const iy = oy * op.stride[0] - pt + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < fW; kx++) {
            const ix = ox * op.stride[1] - pl + kx;
            if (ix < 0 || ix >= W) continue;
            const v = x[(iy * W + ix) * C + c];
            if (v > m) m = v;
            s += v;
            n++;
          }
        }
        y[(oy * oW + ox) * C + c] = act(op.activation, op.kind === 'maxPool2d' ? m : s / n);
      }
      return y;
    }
    case 'reshape':
      y.set(x);
      return y;
    case 'softmax': {
      const D = outShape[outShape.length - 1];
      for (let r = 0; r < y.length; r += D) {
        let m = -Infinity;
        for (let i = 0; i < D; i++) m = Math.max(m, x[r + i]);
        let s = 0;
        for (let i = 0; i < D; i++) s += (y[r + i] = Math.exp(x[r + i] - m));
        for (let i = 0; i < D; i++) y[r + i] /= s;
      }
      return y;
    }
    case 'add': {
      const b = values[op.inputs[1]];
      for (let i = 0; i < y.length; i++) y[i] = act(op.activation, x[i] + b[i]);
      return y;
    }
  }
}
