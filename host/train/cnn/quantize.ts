// Post-training int8 quantization of a FloatGraph, as TensorFlow Lite's converter does it:
// - weights: symmetric int8 per output channel (-127..127, zero point 0);
// - biases: int32 with scale in_scale * w_scale[c];
// - activations: asymmetric int8 per tensor, from the min/max a calibration set reaches
//   (widened to include 0, with TFLite's zero-point nudging so that 0 is exact);
// - pools and reshapes keep their input's quantization; softmax outputs 1/256, -128.
// The engine computes the multipliers and shifts itself when it loads the package.
import { roundHalfAway } from '../../../firmware/core/quantize';
import { GraphBuilder, quantizeBias, quantizeWeights } from '../../package/graph-body';
import type { ConvLayer, GraphDef, QuantParams } from '../../package/graph-body';
import { FloatGraph, forwardAll, sizeOf } from './float-graph';

export interface Range { min: number; max: number }

export const SOFTMAX_OUTPUT: QuantParams = { scale: 1 / 256, zeroPoint: -128 };

/** Min and max of every tensor of the graph over the calibration samples (float64 forward pass). */
export function calibrate(g: FloatGraph, samples: Iterable<ArrayLike<number>>): Range[] {
  const ranges: Range[] = g.shapes.map(() => ({ min: Infinity, max: -Infinity }));
  let n = 0;
  for (const x of samples) {
    const values = forwardAll(g, x);
    values.forEach((v, t) => {
      const r = ranges[t];
      for (let i = 0; i < v.length; i++) {
        if (v[i] < r.min) r.min = v[i];
        if (v[i] > r.max) r.max = v[i];
      }
    });
    n++;
  }
  if (n === 0) throw new RangeError('the calibration set is empty');
  return ranges;
}

/**
 * TFLite's GetAsymmetricQuantizationParams for int8: the range is widened to include 0,
 * scale = (max - min) / 255, and the zero point (from whichever end gives the smaller error)
 * is rounded and clamped to [-128, 127], so that real 0 is exactly representable.
 */
export function chooseQuantParams(min: number, max: number): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new RangeError(`bad calibration range [${min}, ${max}]`);
  min = Math.min(min, 0);
  max = Math.max(max, 0);
  if (max - min < 1e-9) max = min + 1; // a tensor that is always 0: any scale represents it
  const qmin = -128, qmax = 127;
  const scale = (max - min) / (qmax - qmin);
  const zpFromMin = qmin - min / scale;
  const zpFromMax = qmax - max / scale;
  const errMin = Math.abs(qmin) + Math.abs(min / scale);
  const errMax = Math.abs(qmax) + Math.abs(max / scale);
  const zp = errMin < errMax ? zpFromMin : zpFromMax;
  const zeroPoint = zp < qmin ? qmin : zp > qmax ? qmax : Math.round(zp);
  return { scale: Math.fround(scale), zeroPoint };
}

/** Real values to int8 with the package's INPUT rule (round half away from zero, clamp). */
export function quantizeValues(x: ArrayLike<number>, q: QuantParams): Int8Array {
  const out = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = roundHalfAway(x[i] / q.scale) + q.zeroPoint;
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return out;
}

export function dequantizeValues(q: ArrayLike<number>, p: QuantParams): Float64Array {
  return Float64Array.from(q, (v) => (v - p.zeroPoint) * p.scale);
}

export interface QuantizeOptions {
  /** Real input range to quantize for (default: the calibration set's); widened to include 0. */
  inputRange?: [number, number];
}

export interface QuantizedCnn {
  def: GraphDef;
  /** The graph input's quantization (the package INPUT section). */
  input: QuantParams;
  /** The graph output's quantization (softmax: 1/256, -128). */
  output: QuantParams;
  inputShape: number[];
  /** Output elements (classes). */
  outputSize: number;
  /** Quantization of every FloatGraph tensor. */
  tensorQuant: QuantParams[];
  /** Calibrated range of every FloatGraph tensor. */
  ranges: Range[];
}

/** Quantizes a float graph with a calibration set (real inputs, as the device will feed them). */
export function quantizeCnn(g: FloatGraph, calibration: Iterable<ArrayLike<number>>, options: QuantizeOptions = {}): QuantizedCnn {
  const ranges = calibrate(g, calibration);
  const quant: QuantParams[] = new Array(g.shapes.length);
  const index: number[] = new Array(g.shapes.length);
  const b = new GraphBuilder();
  const inRange = options.inputRange ?? [ranges[g.input].min, ranges[g.input].max];
  quant[g.input] = chooseQuantParams(inRange[0], inRange[1]);
  index[g.input] = b.input(g.shapes[g.input], quant[g.input]);

  for (const op of g.ops) {
    const x = index[op.inputs[0]];
    const inQ = quant[op.inputs[0]];
    const calibrated = (): QuantParams => chooseQuantParams(ranges[op.output].min, ranges[op.output].max);
    let q: QuantParams;
    let y: number;
    switch (op.kind) {
      case 'conv2d':
      case 'depthwiseConv2d':
      case 'dense': {
        q = calibrated();
        const axis = op.kind === 'depthwiseConv2d' ? 3 : 0;
        const w = quantizeWeights(op.weights, op.weightShape, axis);
        const layer: ConvLayer = {
          weights: w.weights, weightShape: op.weightShape, weightScales: w.scales,
          bias: quantizeBias(op.bias, inQ.scale, w.scales), output: q, activation: op.activation,
        };
        if (op.kind === 'conv2d') y = b.conv2d(x, layer, { stride: op.stride, padding: op.padding });
        else if (op.kind === 'depthwiseConv2d') y = b.depthwiseConv2d(x, layer, op.depthMultiplier, { stride: op.stride, padding: op.padding });
        else y = b.fullyConnected(x, layer);
        break;
      }
      case 'maxPool2d':
      case 'averagePool2d':
        q = inQ;
        y = b.pool(op.kind === 'maxPool2d' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', x, op.filter,
          { stride: op.stride, padding: op.padding, activation: op.activation });
        break;
      case 'reshape':
        q = inQ;
        y = b.reshape(x, g.shapes[op.output]);
        break;
      case 'softmax':
        q = SOFTMAX_OUTPUT;
        y = b.softmax(x);
        break;
      case 'add':
        q = calibrated();
        y = b.add(x, index[op.inputs[1]], q, op.activation);
        break;
    }
    const built = b.shapeOf(y);
    const expected = g.shapes[op.output];
    if (built.length !== expected.length || built.some((d, i) => d !== expected[i])) {
      throw new RangeError(`${op.name ?? op.kind}: engine shape [${built.join(', ')}] differs from [${expected.join(', ')}]`);
    }
    quant[op.output] = q;
    index[op.output] = y;
  }
  return {
    def: b.build(index[g.output]),
    input: quant[g.input],
    output: quant[g.output],
    inputShape: [...g.shapes[g.input]],
    outputSize: sizeOf(g.shapes[g.output]),
    tensorQuant: quant,
    ranges,
  };
}

/**
 * The same quantized graph without its final SOFTMAX: its output is the int8 logits (for
 * inspection, or a device that only needs the arg-max). Throws if the graph does not end in one.
 */
export function withoutFinalSoftmax<T extends { def: GraphDef; output: QuantParams }>(q: T): T {
  const { def } = q;
  const last = def.ops[def.ops.length - 1];
  if (last === undefined || last.op !== 'SOFTMAX' || last.output !== def.output || def.output !== def.tensors.length - 1) {
    throw new RangeError('the graph does not end in its own SOFTMAX');
  }
  const logits = last.inputs[0];
  const t = def.tensors[logits];
  return {
    ...q,
    def: { tensors: def.tensors.slice(0, -1), ops: def.ops.slice(0, -1), input: def.input, output: logits },
    output: { scale: t.scale as number, zeroPoint: t.zeroPoint ?? 0 },
  };
}
