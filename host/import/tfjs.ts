// Import a TensorFlow.js layers model (model.json + weight files) into edgeml: read it from
// disk (no network), turn its layers into a FloatGraph (batch normalization folded, ReLU and
// ReLU6 fused, dropout dropped), then quantize it with a calibration set (../train/cnn/quantize).
//
// Supported layers: InputLayer, Conv2D, Conv1D, DepthwiseConv2D, SeparableConv2D, Dense,
// MaxPooling1D/2D, AveragePooling1D/2D, GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D,
// Flatten, Reshape, Rescaling of the input (scale only, folded into the next layers), Add
// (two inputs), BatchNormalization (folded into the conv, depthwise or
// dense layer before it), ReLU (max 6 or none), Activation and Softmax, Dropout and the other
// noise layers (ignored at inference). Activations: linear, relu, relu6, softmax. Data format
// channels-last, dilation 1. Anything else is a TfjsImportError naming the layer.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tf, initTf } from '../train/cnn/tf';
import { FloatGraph, FloatGraphBuilder, Activation, Padding, foldBatchNorm, scaleGraphInput, sizeOf } from '../train/cnn/float-graph';
import type { ConvOp, DenseOp, DepthwiseOp } from '../train/cnn/float-graph';
import { QuantizeOptions, QuantizedCnn, quantizeCnn } from '../train/cnn/quantize';

export type TfjsImportErrorCode =
  | 'BAD_FILES'              // model.json or a weight file missing, unreadable or inconsistent
  | 'BAD_MODEL'              // not a single-input, single-output layers model
  | 'UNSUPPORTED_LAYER'      // a layer class edgeml has no op for
  | 'UNSUPPORTED_ACTIVATION' // an activation other than linear, relu, relu6, softmax
  | 'UNSUPPORTED_CONFIG'     // a supported layer with an option edgeml cannot run (dilation, channels-first, ...)
  | 'BAD_CALIBRATION';       // calibration rows that are not the model's input (wrong width, none)

export class TfjsImportError extends Error {
  readonly code: TfjsImportErrorCode;
  /** Name of the offending layer, when there is one. */
  readonly layer: string | undefined;
  /** Its class (Conv2D, LSTM, ...). */
  readonly layerClass: string | undefined;

  constructor(code: TfjsImportErrorCode, message: string, layer?: { name: string; className: string }) {
    super(layer ? `layer "${layer.name}" (${layer.className}): ${message}` : message);
    this.name = 'TfjsImportError';
    this.code = code;
    this.layer = layer?.name;
    this.layerClass = layer?.className;
  }
}

// ---- files -----------------------------------------------------------------------------------

/** Why a file could not be read, in words (not an errno code). */
function readFailure(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a directory, a file was expected';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return e instanceof SyntaxError ? `not JSON (${e.message})` : (e as Error).message;
  }
}

/** An IOHandler that loads `model.json` and the weight files it lists from the local disk. */
export function fileLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new TfjsImportError('BAD_FILES', `cannot read ${modelJsonPath}: ${readFailure(e)}`);
      }
      if (json === null || typeof json !== 'object' || json.modelTopology === undefined) {
        throw new TfjsImportError('BAD_FILES', `${modelJsonPath} has no modelTopology: not a TF.js layers model`);
      }
      const dir = path.dirname(modelJsonPath);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            let bytes: Buffer;
            try {
              bytes = readFileSync(path.join(dir, p));
            } catch (e) {
              throw new TfjsImportError('BAD_FILES', `cannot read weight file ${p}: ${readFailure(e)}`);
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** An IOHandler that saves a model as `dir/model.json` + `dir/<weightsFile>` (model.save(handler)). */
export function fileSaveHandler(dir: string, weightsFile = 'weights.bin'): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData;
      const weights = data === undefined ? new ArrayBuffer(0)
        : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      writeFileSync(path.join(dir, weightsFile), new Uint8Array(weights));
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(), modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length, weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

/** Loads a TF.js layers model from `model.json` on disk. */
export async function loadTfjsModel(modelJsonPath: string): Promise<tf.LayersModel> {
  await initTf();
  try {
    return await tf.loadLayersModel(fileLoadHandler(modelJsonPath));
  } catch (e) {
    if (e instanceof TfjsImportError) throw e;
    const message = (e as Error).message;
    const unknown = /Unknown layer: (\w+)/.exec(message);
    if (unknown) throw new TfjsImportError('UNSUPPORTED_LAYER', `TF.js does not know layer class ${unknown[1]}`, { name: '?', className: unknown[1] });
    throw new TfjsImportError('BAD_FILES', `cannot load ${modelJsonPath}: ${message}`);
  }
}

// ---- layers -> FloatGraph ---------------------------------------------------------------------

type Raw =
  | { kind: 'op'; build: (b: FloatGraphBuilder, x: number[]) => number; linear?: ConvOp | DepthwiseOp | DenseOp }
  | { kind: 'batchNorm'; gamma?: Float64Array; beta?: Float64Array; mean: Float64Array; variance: Float64Array; epsilon: number }
  | { kind: 'activation'; activation: 'RELU' | 'RELU6' | 'SOFTMAX' }
  | { kind: 'identity' }
  | { kind: 'rescale'; scale: number };

interface RawNode {
  layer: { name: string; className: string };
  raw: Raw;
  inputs: number[];
  /** Engine shape of the output ([1, ...] with rank-3 Keras tensors as [1, 1, S, C]). */
  shape: number[];
}

const IGNORED = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

type Config = Record<string, unknown>;

function engineShape(kerasShape: readonly (number | null)[], who: { name: string; className: string }): number[] {
  const dims = kerasShape.slice(1);
  if (dims.some((d) => d === null || !Number.isInteger(d) || (d as number) < 1)) {
    throw new TfjsImportError('UNSUPPORTED_CONFIG', `shape [${kerasShape.join(', ')}] is not fully known`, who);
  }
  const d = dims as number[];
  if (d.length === 1) return [1, d[0]];
  if (d.length === 2) return [1, 1, d[0], d[1]];
  if (d.length === 3) return [1, d[0], d[1], d[2]];
  throw new TfjsImportError('UNSUPPORTED_CONFIG', `rank ${kerasShape.length} tensors are not supported`, who);
}

function pair(v: unknown, fallback: [number, number], oneD: boolean): [number, number] {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return oneD ? [1, v] : [v, v];
  const a = v as number[];
  if (oneD) return [1, a[0]];
  return a.length === 1 ? [a[0], a[0]] : [a[0], a[1]];
}

/**
 * Converts a TF.js layers model into a FloatGraph in the engine's terms. Throws
 * TfjsImportError for anything it cannot represent exactly.
 */
export function tfjsToFloatGraph(model: tf.LayersModel): FloatGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TfjsImportError('BAD_MODEL', `${model.inputs.length} inputs and ${model.outputs.length} outputs: edgeml runs single-input, single-output models`);
  }
  const nodes: RawNode[] = [];
  const bySymbolic = new Map<number, number>();
  const modelInput = model.inputs[0];

  const visit = (st: tf.SymbolicTensor): number => {
    const known = bySymbolic.get(st.id);
    if (known !== undefined) return known;
    const layer = st.sourceLayer;
    const who = { name: layer.name, className: layer.getClassName() };
    let index: number;
    if (st.id === modelInput.id || who.className === 'InputLayer') {
      if (st.id !== modelInput.id) throw new TfjsImportError('BAD_MODEL', 'a second input layer', who);
      index = nodes.push({ layer: who, raw: { kind: 'identity' }, inputs: [], shape: engineShape(st.shape, who) }) - 1;
    } else {
      const node = layer.inboundNodes[st.nodeIndex];
      if (node === undefined) throw new TfjsImportError('BAD_MODEL', 'a layer output without its node', who);
      const inputs = node.inputTensors.map(visit);
      const raw = convertLayer(layer, who, inputs.map((i) => nodes[i].shape));
      index = nodes.push({ layer: who, raw, inputs, shape: engineShape(st.shape, who) }) - 1;
    }
    bySymbolic.set(st.id, index);
    return index;
  };
  const out = visit(model.outputs[0]);
  return lower(nodes, out);
}

function weightsOf(layer: tf.layers.Layer): Map<string, Float64Array> {
  const m = new Map<string, Float64Array>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const name = w.originalName.split('/').pop() as string;
    m.set(name, Float64Array.from(values[i].dataSync()));
  });
  return m;
}

function activationOf(name: unknown, who: { name: string; className: string }): Activation | 'SOFTMAX' {
  const a = name === undefined || name === null ? 'linear' : String(name);
  switch (a) {
    case 'linear': return 'NONE';
    case 'relu': return 'RELU';
    case 'relu6': return 'RELU6';
    case 'softmax': return 'SOFTMAX';
    default: throw new TfjsImportError('UNSUPPORTED_ACTIVATION', `activation "${a}" (edgeml runs linear, relu, relu6, softmax)`, who);
  }
}

function checkChannelsLast(c: Config, who: { name: string; className: string }): void {
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') {
    throw new TfjsImportError('UNSUPPORTED_CONFIG', `data format ${String(c.dataFormat)} (only channelsLast)`, who);
  }
  const d = c.dilationRate;
  if (d !== undefined && d !== null && (Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1)) {
    throw new TfjsImportError('UNSUPPORTED_CONFIG', `dilation ${JSON.stringify(d)} (only 1)`, who);
  }
}

function paddingOf(c: Config, who: { name: string; className: string }): Padding {
  if (c.padding === 'same') return 'SAME';
  if (c.padding === 'valid' || c.padding === undefined) return 'VALID';
  throw new TfjsImportError('UNSUPPORTED_CONFIG', `padding "${String(c.padding)}"`, who);
}

/** A linear op with an optional fused activation that may be softmax (split into two ops). */
function linearRaw(make: (act: Activation) => ConvOp | DepthwiseOp | DenseOp, activation: Activation | 'SOFTMAX',
  add: (b: FloatGraphBuilder, x: number, op: ConvOp | DepthwiseOp | DenseOp) => number): Raw {
  const op = make(activation === 'SOFTMAX' ? 'NONE' : activation);
  return {
    kind: 'op',
    linear: op,
    build: (b, [x]) => {
      const y = add(b, x, op);
      return activation === 'SOFTMAX' ? b.softmax(y, op.name) : y;
    },
  };
}

function convertLayer(layer: tf.layers.Layer, who: { name: string; className: string }, inShapes: number[][]): Raw {
  const c = layer.getConfig() as Config;
  const name = layer.name;
  const single = (): void => {
    if (inShapes.length !== 1) throw new TfjsImportError('BAD_MODEL', `${inShapes.length} inputs`, who);
  };
  if (IGNORED.has(who.className)) return { kind: 'identity' };
  switch (who.className) {
    case 'Conv2D':
    case 'Conv1D': {
      single();
      checkChannelsLast(c, who);
      const oneD = who.className === 'Conv1D';
      const w = weightsOf(layer);
      const kernel = w.get('kernel') as Float64Array;
      const [kH, kW] = pair(c.kernelSize, [1, 1], oneD);
      const C = inShapes[0][inShapes[0].length - 1];
      const O = c.filters as number;
      // TF.js kernel [kH, kW, C, O] (Conv1D: [kW, C, O]) -> engine [O, kH, kW, C]
      const weights = new Float64Array(O * kH * kW * C);
      for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) for (let ci = 0; ci < C; ci++) for (let o = 0; o < O; o++) {
        weights[((o * kH + ky) * kW + kx) * C + ci] = kernel[((ky * kW + kx) * C + ci) * O + o];
      }
      const bias = w.get('bias') ?? new Float64Array(O);
      const stride = pair(c.strides, [1, 1], oneD);
      const padding = paddingOf(c, who);
      return linearRaw((activation) => ({
        kind: 'conv2d', inputs: [], output: -1, name, weightShape: [O, kH, kW, C], weights, bias, stride, padding, activation,
      }), activationOf(c.activation, who), (b, x, op) => b.conv2d(x, op as ConvOp));
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      single();
      checkChannelsLast(c, who);
      const w = weightsOf(layer);
      const [kH, kW] = pair(c.kernelSize, [1, 1], false);
      const C = inShapes[0][3];
      const M = (c.depthMultiplier as number | undefined) ?? 1;
      // TF.js [kH, kW, C, M] is already the engine's [1, kH, kW, C * M] element order
      const dwKernel = w.get('depthwise_kernel') as Float64Array;
      const stride = pair(c.strides, [1, 1], false);
      const padding = paddingOf(c, who);
      const act = activationOf(c.activation, who);
      if (who.className === 'DepthwiseConv2D') {
        const bias = w.get('bias') ?? new Float64Array(C * M);
        return linearRaw((activation) => ({
          kind: 'depthwiseConv2d', inputs: [], output: -1, name, weightShape: [1, kH, kW, C * M], weights: dwKernel,
          bias, depthMultiplier: M, stride, padding, activation,
        }), act, (b, x, op) => b.depthwiseConv2d(x, op as DepthwiseOp));
      }
      // separable: depthwise (no bias, linear), then a 1x1 conv with the bias and activation
      const pw = w.get('pointwise_kernel') as Float64Array; // [1, 1, C * M, O]
      const O = c.filters as number;
      const K = C * M;
      const pwWeights = new Float64Array(O * K);
      for (let k = 0; k < K; k++) for (let o = 0; o < O; o++) pwWeights[o * K + k] = pw[k * O + o];
      const bias = w.get('bias') ?? new Float64Array(O);
      const dw: DepthwiseOp = {
        kind: 'depthwiseConv2d', inputs: [], output: -1, name: `${name}/depthwise`, weightShape: [1, kH, kW, K], weights: dwKernel,
        bias: new Float64Array(K), depthMultiplier: M, stride, padding, activation: 'NONE',
      };
      return linearRaw((activation) => ({
        kind: 'conv2d', inputs: [], output: -1, name, weightShape: [O, 1, 1, K], weights: pwWeights, bias,
        stride: [1, 1], padding: 'VALID', activation,
      }), act, (b, x, op) => b.conv2d(b.depthwiseConv2d(x, dw), op as ConvOp));
    }
    case 'Dense': {
      single();
      if (inShapes[0].length !== 2) {
        throw new TfjsImportError('UNSUPPORTED_CONFIG', 'a Dense layer on an input of rank > 2 (add a Flatten before it)', who);
      }
      const w = weightsOf(layer);
      const kernel = w.get('kernel') as Float64Array; // [K, U]
      const U = c.units as number;
      const K = inShapes[0][1];
      const weights = new Float64Array(U * K);
      for (let k = 0; k < K; k++) for (let u = 0; u < U; u++) weights[u * K + k] = kernel[k * U + u];
      const bias = w.get('bias') ?? new Float64Array(U);
      return linearRaw((activation) => ({
        kind: 'dense', inputs: [], output: -1, name, weightShape: [U, K], weights, bias, activation,
      }), activationOf(c.activation, who), (b, x, op) => b.dense(x, op as DenseOp));
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
    case 'MaxPooling1D':
    case 'AveragePooling1D': {
      single();
      checkChannelsLast(c, who);
      const oneD = who.className.endsWith('1D');
      const filter = pair(c.poolSize, oneD ? [1, 2] : [2, 2], oneD);
      const stride = pair(c.strides, filter, oneD);
      const padding = paddingOf(c, who);
      const kind = who.className.startsWith('Max') ? 'maxPool2d' : 'averagePool2d';
      return { kind: 'op', build: (b, [x]) => b.pool(kind, x, { name, filter, stride, padding, activation: 'NONE' }) };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D': {
      single();
      checkChannelsLast(c, who);
      if (c.keepDims === true) throw new TfjsImportError('UNSUPPORTED_CONFIG', 'keepDims', who);
      const [, H, W, C] = inShapes[0];
      const kind = who.className.startsWith('GlobalMax') ? 'maxPool2d' : 'averagePool2d';
      return {
        kind: 'op',
        build: (b, [x]) => b.reshape(b.pool(kind, x, { name, filter: [H, W], stride: [H, W], padding: 'VALID', activation: 'NONE' }), [1, C], name),
      };
    }
    case 'Flatten':
      single();
      return { kind: 'op', build: (b, [x]) => b.flatten(x, name) };
    case 'Reshape': {
      single();
      const target = c.targetShape as number[];
      if (target.some((d) => d === -1 || d === null)) {
        // resolve the one unknown dimension
        const known = target.filter((d) => d !== -1 && d !== null).reduce((a, v) => a * v, 1);
        const resolved = target.map((d) => (d === -1 || d === null ? sizeOf(inShapes[0]) / known : d));
        return { kind: 'op', build: (b, [x]) => b.reshape(x, engineShape([null, ...resolved], who), name) };
      }
      return { kind: 'op', build: (b, [x]) => b.reshape(x, engineShape([null, ...target], who), name) };
    }
    case 'Add':
      if (inShapes.length !== 2) throw new TfjsImportError('UNSUPPORTED_CONFIG', `an Add of ${inShapes.length} inputs (edgeml adds two)`, who);
      return { kind: 'op', build: (b, [x, y]) => b.add(x, y, 'NONE', name) };
    case 'BatchNormalization': {
      single();
      const rank = inShapes[0].length;
      const axis = c.axis as number;
      if (axis !== -1 && axis !== (rank === 2 ? 1 : 3) && !(rank === 4 && inShapes[0][1] === 1 && axis === 2)) {
        throw new TfjsImportError('UNSUPPORTED_CONFIG', `normalization over axis ${axis} (only the channel axis)`, who);
      }
      const w = weightsOf(layer);
      return {
        kind: 'batchNorm', gamma: w.get('gamma'), beta: w.get('beta'),
        mean: w.get('moving_mean') as Float64Array, variance: w.get('moving_variance') as Float64Array,
        epsilon: (c.epsilon as number | undefined) ?? 1e-3,
      };
    }
    case 'Rescaling': {
      single();
      const offset = (c.offset as number | undefined) ?? 0;
      if (offset !== 0) throw new TfjsImportError('UNSUPPORTED_CONFIG', `Rescaling with offset ${offset} (only a scale can be folded)`, who);
      return { kind: 'rescale', scale: c.scale as number };
    }
    case 'Activation': {
      single();
      const a = activationOf(c.activation, who);
      return a === 'NONE' ? { kind: 'identity' } : { kind: 'activation', activation: a };
    }
    case 'ReLU': {
      single();
      const max = c.maxValue as number | null | undefined;
      if (max !== null && max !== undefined && max !== 6) {
        throw new TfjsImportError('UNSUPPORTED_ACTIVATION', `ReLU with maxValue ${max} (only none or 6)`, who);
      }
      return { kind: 'activation', activation: max === 6 ? 'RELU6' : 'RELU' };
    }
    case 'Softmax': {
      single();
      const axis = c.axis as number | number[] | undefined;
      const a = Array.isArray(axis) ? axis : [axis ?? -1];
      if (a.length !== 1 || (a[0] !== -1 && a[0] !== inShapes[0].length - 1)) {
        throw new TfjsImportError('UNSUPPORTED_CONFIG', `softmax over axis ${JSON.stringify(axis)} (only the last)`, who);
      }
      return { kind: 'activation', activation: 'SOFTMAX' };
    }
    default:
      throw new TfjsImportError('UNSUPPORTED_LAYER', `edgeml has no op for ${who.className}`, who);
  }
}

/**
 * Builds the FloatGraph: identities removed, each batch normalization folded into the linear
 * op that produces its input, each ReLU/ReLU6 fused into the op that produces its input (when
 * nothing else reads the pre-activation values), or else run as a 1x1 max pool with the fused
 * activation (the engine has no stand-alone ReLU).
 */
function lower(nodes: RawNode[], out: number): FloatGraph {
  // resolve identities (and the input Rescaling, folded at the end), count readers
  const alias = nodes.map((_, i) => i);
  const rescaled = nodes.map(() => false);
  const input = nodes.findIndex((n) => n.inputs.length === 0);
  let inputScale = 1;
  nodes.forEach((n, i) => {
    if (n.raw.kind === 'identity' && n.inputs.length === 1) {
      alias[i] = alias[n.inputs[0]];
      rescaled[i] = rescaled[n.inputs[0]];
    } else if (n.raw.kind === 'rescale') {
      if (alias[n.inputs[0]] !== input || rescaled[n.inputs[0]] || inputScale !== 1) {
        throw new TfjsImportError('UNSUPPORTED_CONFIG', 'a Rescaling is only supported on the model input (it is folded into the next layers)', n.layer);
      }
      alias[i] = input;
      rescaled[i] = true;
      inputScale = n.raw.scale;
    }
  });
  const readers = new Int32Array(nodes.length);
  nodes.forEach((n, i) => {
    if (alias[i] !== i) return;
    n.inputs.forEach((j) => {
      readers[alias[j]]++;
      if (alias[j] === input && rescaled[j] !== (inputScale !== 1)) {
        throw new TfjsImportError('UNSUPPORTED_CONFIG', 'the model input is read both through and around its Rescaling', n.layer);
      }
    });
  });
  readers[alias[out]]++;
  if (alias[out] === input) throw new TfjsImportError('BAD_MODEL', 'the model computes nothing');

  const b = new FloatGraphBuilder(nodes[input].shape);
  const tensor = new Int32Array(nodes.length).fill(-1);
  /** The builder op that wrote each node's tensor (to fuse into), or -1. */
  const producer = new Int32Array(nodes.length).fill(-1);
  tensor[input] = b.input;
  nodes.forEach((n, i) => {
    if (i === input) return;
    if (alias[i] !== i) return;
    const src = alias[n.inputs[0]];
    const x = tensor[src];
    const prev = producer[src] >= 0 && readers[src] === 1 && alias[out] !== src ? b.ops[producer[src]] : undefined;
    switch (n.raw.kind) {
      case 'op': {
        const before = b.ops.length;
        tensor[i] = n.raw.build(b, n.inputs.map((j) => tensor[alias[j]]));
        if (b.ops.length > before) producer[i] = b.ops.length - 1;
        break;
      }
      case 'batchNorm': {
        if (prev === undefined || !(prev.kind === 'conv2d' || prev.kind === 'depthwiseConv2d' || prev.kind === 'dense') || prev.activation !== 'NONE') {
          throw new TfjsImportError('UNSUPPORTED_CONFIG',
            'a BatchNormalization must directly follow a Conv2D, DepthwiseConv2D or Dense layer with a linear activation (to be folded into it)', n.layer);
        }
        foldBatchNorm(prev, n.raw);
        tensor[i] = x;
        producer[i] = producer[src];
        break;
      }
      case 'activation': {
        const a = n.raw.activation;
        if (a === 'SOFTMAX') {
          tensor[i] = b.softmax(x, n.layer.name);
          producer[i] = b.ops.length - 1;
        } else if (prev !== undefined && prev.kind !== 'reshape' && prev.kind !== 'softmax' && prev.activation === 'NONE') {
          prev.activation = a;
          tensor[i] = x;
          producer[i] = producer[src];
        } else {
          // stand-alone: a 1x1 max pool whose fused activation clamps (same quantization in and out)
          const shape = b.shapeOf(x);
          const image = shape.length === 4;
          const x4 = image ? x : b.reshape(x, [1, 1, 1, sizeOf(shape)], n.layer.name);
          let y = b.pool('maxPool2d', x4, { name: n.layer.name, filter: [1, 1], stride: [1, 1], padding: 'VALID', activation: a });
          if (!image) y = b.reshape(y, shape, n.layer.name);
          tensor[i] = y;
          producer[i] = -1;
        }
        break;
      }
      case 'identity':
      case 'rescale':
        tensor[i] = x;
        producer[i] = producer[src];
        break;
    }
    const built = b.shapeOf(tensor[i]);
    if (built.length !== n.shape.length || built.some((d, k) => d !== n.shape[k])) {
      throw new TfjsImportError('UNSUPPORTED_CONFIG', `edgeml computes shape [${built.join(', ')}], TF.js [${n.shape.join(', ')}]`, n.layer);
    }
  });
  const graph = b.build(tensor[alias[out]]);
  if (inputScale !== 1) {
    try {
      scaleGraphInput(graph, inputScale);
    } catch (e) {
      throw new TfjsImportError('UNSUPPORTED_CONFIG', `the input Rescaling cannot be folded: ${(e as Error).message}`);
    }
  }
  return graph;
}

// ---- all in one ------------------------------------------------------------------------------

export interface ImportedModel {
  /** The TF.js model as loaded (for comparisons). */
  model: tf.LayersModel;
  graph: FloatGraph;
  quantized: QuantizedCnn;
}

/**
 * Loads `model.json` (+ weights) from disk, converts it and quantizes it with the calibration
 * set (real inputs, flat NHWC, as the device will feed them).
 */
export async function importTfjs(modelJsonPath: string, calibration: Iterable<ArrayLike<number>>, options: QuantizeOptions = {}): Promise<ImportedModel> {
  const model = await loadTfjsModel(modelJsonPath);
  const graph = tfjsToFloatGraph(model);
  const inputs = sizeOf(graph.shapes[graph.input]);
  const rows = Array.from(calibration);
  if (rows.length === 0) throw new TfjsImportError('BAD_CALIBRATION', 'no calibration rows');
  const wrong = rows.findIndex((x) => x.length !== inputs);
  if (wrong >= 0) throw new TfjsImportError('BAD_CALIBRATION', `row ${wrong + 1} has ${rows[wrong].length} values, the model takes ${inputs} inputs`);
  return { model, graph, quantized: quantizeCnn(graph, rows, options) };
}
