// Int8 graph body (model kind 2): parse and validate the binary layout, make views.
// Layout (docs/graph-body.md): 16-byte header, tensor table (32 bytes each), op table (24 bytes
// each), data section. Little-endian; every offset in the data section is 4-aligned.
// Nothing is copied: constant tensors and per-channel scales are typed-array views into `body`.

import { fail } from '../errors';

export const GRAPH_BODY_VERSION = 1;
export const HEADER_SIZE = 16;
export const TENSOR_RECORD_SIZE = 32;
export const OP_RECORD_SIZE = 24;

/** Tensor element types (1 and 2 shared with the INPUT section's element types). */
export const TENSOR_INT8 = 1;
export const TENSOR_INT32 = 3;

/** Quantization kinds of a tensor record. */
export const QUANT_NONE = 0;       // int32 constants (biases): scale implied by the op
export const QUANT_PER_TENSOR = 1;
export const QUANT_PER_CHANNEL = 2;

export const TENSOR_FLAG_CONSTANT = 1;

/** Opcodes: TensorFlow Lite builtin operator codes. */
export const OP_ADD = 0;
export const OP_AVERAGE_POOL_2D = 1;
export const OP_CONV_2D = 3;
export const OP_DEPTHWISE_CONV_2D = 4;
export const OP_FULLY_CONNECTED = 9;
export const OP_MAX_POOL_2D = 17;
export const OP_RESHAPE = 22;
export const OP_SOFTMAX = 25;

/** Fused activations: TensorFlow Lite codes. */
export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_RELU6 = 3;

/** Padding (0 for ops without one). */
export const PADDING_NONE = 0;
export const PADDING_SAME = 1;
export const PADDING_VALID = 2;

export const NO_TENSOR = 0xffff;

/** Implementation limits (TOO_LARGE beyond them). */
export const MAX_TENSOR_ELEMENTS = 1 << 24;
export const MAX_TENSORS = 1024;
export const MAX_OPS = 512;
export const MAX_RANK = 4;

export interface Tensor {
  readonly index: number;
  readonly dtype: number;                 // TENSOR_INT8 | TENSOR_INT32
  readonly dims: readonly number[];       // `rank` entries, each >= 1
  readonly elementCount: number;
  readonly constant: boolean;
  readonly quant: number;                 // QUANT_*
  readonly axis: number;                  // quantized dimension (per-channel only)
  readonly scale: number;                 // per-tensor scale (f32 value), 0 otherwise
  readonly zeroPoint: number;             // per-tensor zero point, 0 otherwise
  readonly scales: Float32Array | null;   // per-channel scales (view into the body)
  readonly data: Int8Array | Int32Array | null; // constant data (view into the body)
}

export interface OpNode {
  readonly index: number;
  readonly opcode: number;
  readonly activation: number;  // ACT_*
  readonly padding: number;     // PADDING_*
  readonly inputs: readonly number[];
  readonly output: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly filterH: number;
  readonly filterW: number;
  readonly depthMultiplier: number;
}

export interface Graph {
  readonly tensors: readonly Tensor[];
  readonly ops: readonly OpNode[];
  readonly input: number;
  readonly output: number;
}

function validScale(s: number): boolean {
  return s > 0 && s < Infinity; // false for NaN, 0, negatives, infinities
}

/** Typed-array views read the body in the host's byte order, which must be little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Parse a graph body. `body.byteOffset` must be a multiple of 4. */
export function parseGraphBody(body: Uint8Array): Graph {
  if (!LITTLE_ENDIAN) fail('BAD_BODY', 'graph bodies need a little-endian host');
  if ((body.byteOffset & 3) !== 0) fail('MISALIGNED', 'graph body must start on a 4-byte boundary');
  const length = body.byteLength;
  if (length < HEADER_SIZE) fail('TRUNCATED', `graph body of ${length} bytes is shorter than its header`);
  const dv = new DataView(body.buffer, body.byteOffset, length);

  const version = dv.getUint8(0);
  if (version !== GRAPH_BODY_VERSION) fail('UNSUPPORTED_VERSION', `graph body version ${version}`);
  if (dv.getUint8(1) !== 0) fail('BAD_BODY', 'graph body flags must be 0');
  const tensorCount = dv.getUint16(2, true);
  const opCount = dv.getUint16(4, true);
  const input = dv.getUint16(6, true);
  const output = dv.getUint16(8, true);
  if (dv.getUint16(10, true) !== 0) fail('BAD_BODY', 'graph body reserved field must be 0');
  const dataLength = dv.getUint32(12, true);
  if (tensorCount === 0) fail('BAD_BODY', 'graph has no tensors');
  if (opCount === 0) fail('BAD_BODY', 'graph has no ops');
  if (tensorCount > MAX_TENSORS) fail('TOO_LARGE', `${tensorCount} tensors (at most ${MAX_TENSORS})`);
  if (opCount > MAX_OPS) fail('TOO_LARGE', `${opCount} ops (at most ${MAX_OPS})`);
  if (input >= tensorCount) fail('BAD_BODY', `graph input tensor ${input} out of range`);
  if (output >= tensorCount) fail('BAD_BODY', `graph output tensor ${output} out of range`);

  const tensorTable = HEADER_SIZE;
  const opTable = tensorTable + tensorCount * TENSOR_RECORD_SIZE;
  const dataStart = opTable + opCount * OP_RECORD_SIZE;
  if (dataStart > length) fail('TRUNCATED', 'graph body shorter than its tensor and op tables');
  if (dataLength > length - dataStart) fail('TRUNCATED', 'graph data section runs past the end of the body');
  if ((dataLength & 3) !== 0) fail('MISALIGNED', 'graph data section length must be a multiple of 4');
  if (dataStart + dataLength !== length) fail('BAD_BODY', 'graph body has trailing bytes');
  const base = body.byteOffset + dataStart; // absolute, 4-aligned

  /** Check a region of the data section; returns its absolute byte offset. */
  const region = (offset: number, bytes: number, what: string): number => {
    if ((offset & 3) !== 0) fail('MISALIGNED', `${what} at data offset ${offset} is not 4-aligned`);
    if (offset > dataLength || bytes > dataLength - offset) {
      fail('TRUNCATED', `${what} (${bytes} bytes at data offset ${offset}) runs past the data section`);
    }
    return base + offset;
  };

  const tensors: Tensor[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const at = tensorTable + i * TENSOR_RECORD_SIZE;
    const what = `tensor ${i}`;
    const dtype = dv.getUint8(at);
    const rank = dv.getUint8(at + 1);
    const flags = dv.getUint8(at + 2);
    const quant = dv.getUint8(at + 3);
    if (dtype !== TENSOR_INT8 && dtype !== TENSOR_INT32) fail('BAD_BODY', `${what}: element type ${dtype}`);
    if (rank < 1 || rank > MAX_RANK) fail('BAD_SHAPE', `${what}: rank ${rank}`);
    if ((flags & ~TENSOR_FLAG_CONSTANT) !== 0) fail('BAD_BODY', `${what}: flags ${flags}`);
    const constant = (flags & TENSOR_FLAG_CONSTANT) !== 0;
    const dims: number[] = [];
    let elementCount = 1;
    for (let d = 0; d < MAX_RANK; d++) {
      const v = dv.getUint16(at + 4 + 2 * d, true);
      if (d < rank) {
        if (v === 0) fail('BAD_SHAPE', `${what}: dimension ${d} is 0`);
        dims.push(v);
        elementCount *= v;
      } else if (v !== 0) {
        fail('BAD_SHAPE', `${what}: unused dimension ${d} must be 0`);
      }
    }
    if (elementCount > MAX_TENSOR_ELEMENTS) fail('TOO_LARGE', `${what}: ${elementCount} elements`);
    const axis = dv.getUint8(at + 12);
    if (dv.getUint8(at + 13) !== 0 || dv.getUint16(at + 14, true) !== 0) {
      fail('BAD_BODY', `${what}: reserved bytes must be 0`);
    }
    const scale = dv.getFloat32(at + 16, true);
    const zeroPoint = dv.getInt32(at + 20, true);
    const dataOffset = dv.getUint32(at + 24, true);
    const scalesOffset = dv.getUint32(at + 28, true);

    let scales: Float32Array | null = null;
    if (quant === QUANT_NONE) {
      if (dtype !== TENSOR_INT32) fail('BAD_QUANT', `${what}: int8 tensors must be quantized`);
      if (scale !== 0 || zeroPoint !== 0 || axis !== 0 || scalesOffset !== 0) {
        fail('BAD_QUANT', `${what}: unquantized tensor with quantization fields`);
      }
    } else if (quant === QUANT_PER_TENSOR) {
      if (dtype !== TENSOR_INT8) fail('BAD_QUANT', `${what}: only int8 tensors carry a scale`);
      if (!validScale(scale)) fail('BAD_QUANT', `${what}: scale ${scale}`);
      if (zeroPoint < -128 || zeroPoint > 127) fail('BAD_QUANT', `${what}: zero point ${zeroPoint}`);
      if (constant && zeroPoint !== 0) fail('BAD_QUANT', `${what}: int8 weights must have zero point 0`);
      if (axis !== 0 || scalesOffset !== 0) fail('BAD_QUANT', `${what}: per-tensor tensor with per-channel fields`);
    } else if (quant === QUANT_PER_CHANNEL) {
      if (dtype !== TENSOR_INT8 || !constant) fail('BAD_QUANT', `${what}: per-channel quantization is for int8 weights`);
      if (axis >= rank) fail('BAD_QUANT', `${what}: quantized dimension ${axis} of a rank-${rank} tensor`);
      if (scale !== 0 || zeroPoint !== 0) fail('BAD_QUANT', `${what}: per-channel tensor with a per-tensor scale`);
      const count = dims[axis];
      const abs = region(scalesOffset, count * 4, `${what} scales`);
      scales = new Float32Array(body.buffer, abs, count);
      for (let c = 0; c < count; c++) {
        if (!validScale(scales[c])) fail('BAD_QUANT', `${what}: channel ${c} scale ${scales[c]}`);
      }
    } else {
      fail('BAD_QUANT', `${what}: quantization kind ${quant}`);
    }

    let data: Int8Array | Int32Array | null = null;
    if (constant) {
      if (dtype === TENSOR_INT8) {
        const abs = region(dataOffset, elementCount, `${what} data`);
        const view = new Int8Array(body.buffer, abs, elementCount);
        for (let k = 0; k < elementCount; k++) {
          if (view[k] === -128) fail('BAD_QUANT', `${what}: weight -128 (weights are symmetric, -127..127)`);
        }
        data = view;
      } else {
        const abs = region(dataOffset, elementCount * 4, `${what} data`);
        data = new Int32Array(body.buffer, abs, elementCount);
      }
    } else {
      if (dtype !== TENSOR_INT8) fail('BAD_BODY', `${what}: activations must be int8`);
      if (quant !== QUANT_PER_TENSOR) fail('BAD_QUANT', `${what}: activations need a per-tensor scale`);
      if (dataOffset !== 0) fail('BAD_BODY', `${what}: activation with a data offset`);
    }

    tensors.push({ index: i, dtype, dims, elementCount, constant, quant, axis, scale, zeroPoint, scales, data });
  }

  const ops: OpNode[] = [];
  for (let i = 0; i < opCount; i++) {
    const at = opTable + i * OP_RECORD_SIZE;
    const what = `op ${i}`;
    const opcode = dv.getUint8(at);
    const activation = dv.getUint8(at + 1);
    const padding = dv.getUint8(at + 2);
    const inputCount = dv.getUint8(at + 3);
    if (activation !== ACT_NONE && activation !== ACT_RELU && activation !== ACT_RELU6) {
      fail('BAD_BODY', `${what}: fused activation ${activation}`);
    }
    if (padding > PADDING_VALID) fail('BAD_BODY', `${what}: padding ${padding}`);
    if (inputCount < 1 || inputCount > 3) fail('BAD_BODY', `${what}: ${inputCount} inputs`);
    const inputs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t = dv.getUint16(at + 4 + 2 * k, true);
      if (k < inputCount) {
        if (t >= tensorCount) fail('BAD_BODY', `${what}: input tensor ${t} out of range`);
        inputs.push(t);
      } else if (t !== NO_TENSOR) {
        fail('BAD_BODY', `${what}: unused input slot ${k} must be 0xFFFF`);
      }
    }
    const out = dv.getUint16(at + 10, true);
    if (out >= tensorCount) fail('BAD_BODY', `${what}: output tensor ${out} out of range`);
    if (dv.getUint16(at + 22, true) !== 0) fail('BAD_BODY', `${what}: reserved field must be 0`);
    ops.push({
      index: i,
      opcode,
      activation,
      padding,
      inputs,
      output: out,
      strideH: dv.getUint16(at + 12, true),
      strideW: dv.getUint16(at + 14, true),
      filterH: dv.getUint16(at + 16, true),
      filterW: dv.getUint16(at + 18, true),
      depthMultiplier: dv.getUint16(at + 20, true),
    });
  }

  return { tensors, ops, input, output };
}
