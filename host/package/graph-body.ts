// Serializer for the int8 graph body (model kind 2), see docs/graph-body.md, and a small
// builder for tests and exporters: layers from int8 weights, per-channel scales, int32 biases.

import { align4 } from '../../firmware/core/package/layout';
import { roundHalfAway } from '../../firmware/core/quantize';
import {
  ACT_NONE, ACT_RELU, ACT_RELU6, GRAPH_BODY_VERSION, HEADER_SIZE, NO_TENSOR, OP_ADD,
  OP_AVERAGE_POOL_2D, OP_CONV_2D, OP_DEPTHWISE_CONV_2D, OP_FULLY_CONNECTED, OP_MAX_POOL_2D,
  OP_RECORD_SIZE, OP_RESHAPE, OP_SOFTMAX, PADDING_NONE, PADDING_SAME, PADDING_VALID,
  QUANT_NONE, QUANT_PER_CHANNEL, QUANT_PER_TENSOR, TENSOR_FLAG_CONSTANT, TENSOR_INT32,
  TENSOR_INT8, TENSOR_RECORD_SIZE,
} from '../../firmware/core/graph/format';

export type ActivationName = 'NONE' | 'RELU' | 'RELU6';
export type PaddingName = 'SAME' | 'VALID';
export type OpName =
  | 'ADD' | 'AVERAGE_POOL_2D' | 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'FULLY_CONNECTED'
  | 'MAX_POOL_2D' | 'RESHAPE' | 'SOFTMAX';

export const OPCODES: Record<OpName, number> = {
  ADD: OP_ADD,
  AVERAGE_POOL_2D: OP_AVERAGE_POOL_2D,
  CONV_2D: OP_CONV_2D,
  DEPTHWISE_CONV_2D: OP_DEPTHWISE_CONV_2D,
  FULLY_CONNECTED: OP_FULLY_CONNECTED,
  MAX_POOL_2D: OP_MAX_POOL_2D,
  RESHAPE: OP_RESHAPE,
  SOFTMAX: OP_SOFTMAX,
};

const ACTIVATIONS: Record<ActivationName, number> = { NONE: ACT_NONE, RELU: ACT_RELU, RELU6: ACT_RELU6 };
const PADDINGS: Record<PaddingName, number> = { SAME: PADDING_SAME, VALID: PADDING_VALID };

export interface TensorDef {
  dtype: 'int8' | 'int32';
  shape: readonly number[];
  /** Per-tensor quantization (activations, per-tensor weights). */
  scale?: number;
  zeroPoint?: number;
  /** Per-channel quantization of int8 weights, along `axis`; zero points are 0. */
  scales?: ArrayLike<number>;
  axis?: number;
  /** Constant data (weights int8, biases int32); absent for activations. */
  data?: ArrayLike<number>;
}

export interface OpDef {
  op: OpName | number;
  inputs: readonly number[];
  output: number;
  activation?: ActivationName;
  padding?: PaddingName;
  /** [strideH, strideW] (or one number for both); CONV/DEPTHWISE/POOL only. */
  stride?: number | readonly [number, number];
  /** Pool filter [h, w]. */
  filter?: readonly [number, number];
  depthMultiplier?: number;
}

export interface GraphDef {
  tensors: readonly TensorDef[];
  ops: readonly OpDef[];
  input: number;
  output: number;
}


function isSpatial(opcode: number): boolean {
  return opcode === OP_CONV_2D || opcode === OP_DEPTHWISE_CONV_2D ||
    opcode === OP_MAX_POOL_2D || opcode === OP_AVERAGE_POOL_2D;
}

/** Encode a graph body. Throws RangeError for descriptions that cannot be encoded. */
export function encodeGraphBody(def: GraphDef): Uint8Array {
  const T = def.tensors.length;
  const N = def.ops.length;
  if (T > 0xffff || N > 0xffff) throw new RangeError('too many tensors or ops');

  // data section: per-channel scales and constant data, each 4-aligned
  let dataLength = 0;
  const scaleAt: number[] = [];
  const dataAt: number[] = [];
  for (const t of def.tensors) {
    if (t.scales !== undefined) {
      scaleAt.push(dataLength);
      dataLength += align4(t.scales.length * 4);
    } else scaleAt.push(0);
    if (t.data !== undefined) {
      dataAt.push(dataLength);
      dataLength += align4(t.data.length * (t.dtype === 'int32' ? 4 : 1));
    } else dataAt.push(0);
  }

  const tensorTable = HEADER_SIZE;
  const opTable = tensorTable + T * TENSOR_RECORD_SIZE;
  const dataStart = opTable + N * OP_RECORD_SIZE;
  const total = dataStart + dataLength;
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);

  dv.setUint8(0, GRAPH_BODY_VERSION);
  dv.setUint16(2, T, true);
  dv.setUint16(4, N, true);
  dv.setUint16(6, def.input, true);
  dv.setUint16(8, def.output, true);
  dv.setUint32(12, dataLength, true);

  def.tensors.forEach((t, i) => {
    const at = tensorTable + i * TENSOR_RECORD_SIZE;
    if (t.shape.length < 1 || t.shape.length > 4) throw new RangeError(`tensor ${i}: rank ${t.shape.length}`);
    for (const d of t.shape) {
      if (!Number.isInteger(d) || d < 1 || d > 0xffff) throw new RangeError(`tensor ${i}: dimension ${d}`);
    }
    if (t.data !== undefined) {
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== count) throw new RangeError(`tensor ${i}: ${t.data.length} values for ${count} elements`);
      const [lo, hi] = t.dtype === 'int32' ? [-2147483648, 2147483647] : [-128, 127];
      for (let k = 0; k < t.data.length; k++) {
        const v = t.data[k];
        if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`tensor ${i}: value ${v} at ${k} is not ${t.dtype}`);
      }
    }
    dv.setUint8(at, t.dtype === 'int32' ? TENSOR_INT32 : TENSOR_INT8);
    dv.setUint8(at + 1, t.shape.length);
    dv.setUint8(at + 2, t.data !== undefined ? TENSOR_FLAG_CONSTANT : 0);
    const quant = t.scales !== undefined ? QUANT_PER_CHANNEL : t.scale !== undefined ? QUANT_PER_TENSOR : QUANT_NONE;
    dv.setUint8(at + 3, quant);
    t.shape.forEach((d, k) => dv.setUint16(at + 4 + 2 * k, d, true));
    dv.setUint8(at + 12, quant === QUANT_PER_CHANNEL ? (t.axis ?? 0) : 0);
    if (quant === QUANT_PER_TENSOR) {
      dv.setFloat32(at + 16, t.scale as number, true);
      dv.setInt32(at + 20, t.zeroPoint ?? 0, true);
    }
    dv.setUint32(at + 24, dataAt[i], true);
    dv.setUint32(at + 28, scaleAt[i], true);
    if (t.scales !== undefined) {
      for (let c = 0; c < t.scales.length; c++) dv.setFloat32(dataStart + scaleAt[i] + 4 * c, t.scales[c], true);
    }
    if (t.data !== undefined) {
      const base = dataStart + dataAt[i];
      for (let k = 0; k < t.data.length; k++) {
        if (t.dtype === 'int32') dv.setInt32(base + 4 * k, t.data[k], true);
        else dv.setInt8(base + k, t.data[k]);
      }
    }
  });

  def.ops.forEach((op, i) => {
    const at = opTable + i * OP_RECORD_SIZE;
    const opcode = typeof op.op === 'number' ? op.op : OPCODES[op.op];
    if (opcode === undefined) throw new RangeError(`op ${i}: unknown op ${String(op.op)}`);
    if (op.inputs.length < 1 || op.inputs.length > 3) throw new RangeError(`op ${i}: ${op.inputs.length} inputs`);
    dv.setUint8(at, opcode);
    dv.setUint8(at + 1, ACTIVATIONS[op.activation ?? 'NONE']);
    const spatial = isSpatial(opcode);
    dv.setUint8(at + 2, spatial ? PADDINGS[op.padding ?? 'VALID'] : PADDING_NONE);
    dv.setUint8(at + 3, op.inputs.length);
    for (let k = 0; k < 3; k++) dv.setUint16(at + 4 + 2 * k, k < op.inputs.length ? op.inputs[k] : NO_TENSOR, true);
    dv.setUint16(at + 10, op.output, true);
    if (spatial) {
      const s = op.stride ?? 1;
      const [sh, sw] = typeof s === 'number' ? [s, s] : s;
      dv.setUint16(at + 12, sh, true);
      dv.setUint16(at + 14, sw, true);
    }
    if (op.filter !== undefined) {
      dv.setUint16(at + 16, op.filter[0], true);
      dv.setUint16(at + 18, op.filter[1], true);
    }
    if (opcode === OP_DEPTHWISE_CONV_2D) dv.setUint16(at + 20, op.depthMultiplier ?? 1, true);
  });
  return bytes;
}

// ---- builder -------------------------------------------------------------------------------

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export interface ConvLayer {
  /** int8 weights, -127..127, layout [outC, kH, kW, inC] (conv), [1, kH, kW, outC] (depthwise). */
  weights: ArrayLike<number>;
  /** Filter shape in that layout. */
  weightShape: readonly number[];
  /** One scale per output channel (per-channel) or a single number (per-tensor). */
  weightScales: ArrayLike<number> | number;
  /** int32 biases, one per output channel, in units of inScale * weightScale[c]; optional. */
  bias?: ArrayLike<number>;
  output: QuantParams;
  activation?: ActivationName;
}

export interface SpatialOptions {
  stride?: number | readonly [number, number];
  padding?: PaddingName;
}

/** Builds a GraphDef op by op; every method returns the index of the tensor it creates. */
export class GraphBuilder {
  readonly tensors: TensorDef[] = [];
  readonly ops: OpDef[] = [];
  private inputIndex = -1;

  /** Add a tensor; returns its index. */
  tensor(def: TensorDef): number {
    this.tensors.push(def);
    return this.tensors.length - 1;
  }

  input(shape: readonly number[], q: QuantParams): number {
    this.inputIndex = this.activation(shape, q);
    return this.inputIndex;
  }

  activation(shape: readonly number[], q: QuantParams): number {
    return this.tensor({ dtype: 'int8', shape: [...shape], scale: q.scale, zeroPoint: q.zeroPoint });
  }

  shapeOf(t: number): readonly number[] {
    return this.tensors[t].shape;
  }

  quantOf(t: number): QuantParams {
    const d = this.tensors[t];
    return { scale: d.scale as number, zeroPoint: d.zeroPoint ?? 0 };
  }

  private weightsTensor(layer: ConvLayer, axis: number): number {
    const s = layer.weightScales;
    return typeof s === 'number'
      ? this.tensor({ dtype: 'int8', shape: layer.weightShape, scale: s, zeroPoint: 0, data: layer.weights })
      : this.tensor({ dtype: 'int8', shape: layer.weightShape, scales: s, axis, data: layer.weights });
  }

  private biasTensor(layer: ConvLayer, channels: number): number[] {
    return layer.bias === undefined ? [] : [this.tensor({ dtype: 'int32', shape: [channels], data: layer.bias })];
  }

  conv2d(x: number, layer: ConvLayer, opts: SpatialOptions = {}): number {
    const [, inH, inW] = this.shapeOf(x);
    const [outC, kH, kW] = layer.weightShape;
    const [sh, sw] = strides(opts.stride);
    const padding = opts.padding ?? 'VALID';
    const outH = outSize(padding, inH, kH, sh);
    const outW = outSize(padding, inW, kW, sw);
    const w = this.weightsTensor(layer, 0);
    const b = this.biasTensor(layer, outC);
    const y = this.activation([1, outH, outW, outC], layer.output);
    this.ops.push({ op: 'CONV_2D', inputs: [x, w, ...b], output: y, activation: layer.activation, padding, stride: [sh, sw] });
    return y;
  }

  depthwiseConv2d(x: number, layer: ConvLayer, depthMultiplier: number, opts: SpatialOptions = {}): number {
    const [, inH, inW] = this.shapeOf(x);
    const [, kH, kW, outC] = layer.weightShape;
    const [sh, sw] = strides(opts.stride);
    const padding = opts.padding ?? 'VALID';
    const outH = outSize(padding, inH, kH, sh);
    const outW = outSize(padding, inW, kW, sw);
    const w = this.weightsTensor(layer, 3);
    const b = this.biasTensor(layer, outC);
    const y = this.activation([1, outH, outW, outC], layer.output);
    this.ops.push({
      op: 'DEPTHWISE_CONV_2D', inputs: [x, w, ...b], output: y, activation: layer.activation,
      padding, stride: [sh, sw], depthMultiplier,
    });
    return y;
  }

  fullyConnected(x: number, layer: ConvLayer): number {
    const [units] = layer.weightShape;
    const w = this.weightsTensor(layer, 0);
    const b = this.biasTensor(layer, units);
    const y = this.activation([1, units], layer.output);
    this.ops.push({ op: 'FULLY_CONNECTED', inputs: [x, w, ...b], output: y, activation: layer.activation });
    return y;
  }

  pool(kind: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D', x: number, filter: readonly [number, number],
    opts: SpatialOptions & { activation?: ActivationName } = {}): number {
    const [, inH, inW, C] = this.shapeOf(x);
    const [sh, sw] = strides(opts.stride);
    const padding = opts.padding ?? 'VALID';
    const y = this.activation(
      [1, outSize(padding, inH, filter[0], sh), outSize(padding, inW, filter[1], sw), C], this.quantOf(x));
    this.ops.push({ op: kind, inputs: [x], output: y, activation: opts.activation, padding, stride: [sh, sw], filter });
    return y;
  }

  reshape(x: number, shape: readonly number[]): number {
    const y = this.activation(shape, this.quantOf(x));
    this.ops.push({ op: 'RESHAPE', inputs: [x], output: y });
    return y;
  }

  flatten(x: number): number {
    const n = this.shapeOf(x).reduce((a, b) => a * b, 1);
    return this.reshape(x, [1, n]);
  }

  softmax(x: number): number {
    const y = this.activation(this.shapeOf(x), { scale: 1 / 256, zeroPoint: -128 });
    this.ops.push({ op: 'SOFTMAX', inputs: [x], output: y });
    return y;
  }

  add(a: number, b: number, output: QuantParams, activation?: ActivationName): number {
    const y = this.activation(this.shapeOf(a), output);
    this.ops.push({ op: 'ADD', inputs: [a, b], output: y, activation });
    return y;
  }

  build(output: number): GraphDef {
    if (this.inputIndex < 0) throw new RangeError('graph has no input');
    return { tensors: this.tensors, ops: this.ops, input: this.inputIndex, output };
  }
}

function strides(s: number | readonly [number, number] | undefined): [number, number] {
  if (s === undefined) return [1, 1];
  return typeof s === 'number' ? [s, s] : [s[0], s[1]];
}

/** TFLite ComputeOutSize (dilation 1). */
export function outSize(padding: PaddingName, inSize: number, filter: number, stride: number): number {
  return padding === 'SAME'
    ? Math.floor((inSize + stride - 1) / stride)
    : Math.max(0, Math.floor((inSize + stride - filter) / stride));
}

/**
 * Quantize real biases for a layer: round(b / (inScale * wScale[c])) (half away from zero),
 * clamped to int32.
 */
export function quantizeBias(realBias: ArrayLike<number>, inScale: number, weightScales: ArrayLike<number> | number): Int32Array {
  const out = new Int32Array(realBias.length);
  for (let c = 0; c < realBias.length; c++) {
    const ws = typeof weightScales === 'number' ? weightScales : weightScales[c];
    const q = roundHalfAway(realBias[c] / (Math.fround(inScale) * Math.fround(ws)));
    out[c] = Math.max(-2147483648, Math.min(2147483647, q));
  }
  return out;
}

/**
 * Symmetric per-channel quantization of real weights along `axis` (0 for conv and dense,
 * 3 for depthwise): scale = max|w| / 127 (f32), q = round(w / scale) (half away from zero).
 */
export function quantizeWeights(real: ArrayLike<number>, shape: readonly number[], axis: number): { weights: Int8Array; scales: Float32Array } {
  const channels = shape[axis];
  let inner = 1;
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k];
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < real.length; i++) {
    const c = Math.floor(i / inner) % channels;
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(real[i]));
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = maxAbs[c] > 0 ? maxAbs[c] / 127 : 1;
  const weights = new Int8Array(real.length);
  for (let i = 0; i < real.length; i++) {
    const c = Math.floor(i / inner) % channels;
    weights[i] = Math.max(-127, Math.min(127, roundHalfAway(real[i] / scales[c])));
  }
  return { weights, scales };
}

/**
 * Decode a graph body back into a GraphDef (for inspection and tests). It trusts the layout:
 * validate with the core's parseGraphBody first.
 */
export function decodeGraphBody(body: Uint8Array): GraphDef {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const T = dv.getUint16(2, true);
  const N = dv.getUint16(4, true);
  const dataStart = HEADER_SIZE + T * TENSOR_RECORD_SIZE + N * OP_RECORD_SIZE;
  const tensors: TensorDef[] = [];
  for (let i = 0; i < T; i++) {
    const at = HEADER_SIZE + i * TENSOR_RECORD_SIZE;
    const dtype = dv.getUint8(at) === TENSOR_INT32 ? 'int32' : 'int8';
    const rank = dv.getUint8(at + 1);
    const constant = (dv.getUint8(at + 2) & TENSOR_FLAG_CONSTANT) !== 0;
    const quant = dv.getUint8(at + 3);
    const shape: number[] = [];
    for (let k = 0; k < rank; k++) shape.push(dv.getUint16(at + 4 + 2 * k, true));
    const count = shape.reduce((a, b) => a * b, 1);
    const def: TensorDef = { dtype, shape };
    if (quant === QUANT_PER_TENSOR) {
      def.scale = dv.getFloat32(at + 16, true);
      def.zeroPoint = dv.getInt32(at + 20, true);
    } else if (quant === QUANT_PER_CHANNEL) {
      def.axis = dv.getUint8(at + 12);
      const off = dataStart + dv.getUint32(at + 28, true);
      const scales: number[] = [];
      for (let c = 0; c < shape[def.axis]; c++) scales.push(dv.getFloat32(off + 4 * c, true));
      def.scales = scales;
    }
    if (constant) {
      const off = dataStart + dv.getUint32(at + 24, true);
      const data: number[] = [];
      for (let k = 0; k < count; k++) data.push(dtype === 'int32' ? dv.getInt32(off + 4 * k, true) : dv.getInt8(off + k));
      def.data = data;
    }
    tensors.push(def);
  }
  const ops: OpDef[] = [];
  const actNames: Record<number, ActivationName> = { [ACT_NONE]: 'NONE', [ACT_RELU]: 'RELU', [ACT_RELU6]: 'RELU6' };
  for (let i = 0; i < N; i++) {
    const at = HEADER_SIZE + T * TENSOR_RECORD_SIZE + i * OP_RECORD_SIZE;
    const count = dv.getUint8(at + 3);
    const inputs: number[] = [];
    for (let k = 0; k < count; k++) inputs.push(dv.getUint16(at + 4 + 2 * k, true));
    const padding = dv.getUint8(at + 2);
    const op: OpDef = {
      op: dv.getUint8(at),
      inputs,
      output: dv.getUint16(at + 10, true),
      activation: actNames[dv.getUint8(at + 1)],
      stride: [dv.getUint16(at + 12, true), dv.getUint16(at + 14, true)],
      filter: [dv.getUint16(at + 16, true), dv.getUint16(at + 18, true)],
      depthMultiplier: dv.getUint16(at + 20, true),
    };
    if (padding === PADDING_SAME) op.padding = 'SAME';
    else if (padding === PADDING_VALID) op.padding = 'VALID';
    ops.push(op);
  }
  return { tensors, ops, input: dv.getUint16(6, true), output: dv.getUint16(8, true) };
}
