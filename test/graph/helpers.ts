// Test helpers: engine construction from a GraphDef, random layers, specs.

import { DTYPE_INT8, POST_PROBABILITY, TASK_CLASSIFICATION } from '../../firmware/core/engine';
import type { InputSpec, OutputSpec } from '../../firmware/core/engine';
import { createGraphEngine } from '../../firmware/core/graph/engine';
import type { GraphEngine } from '../../firmware/core/graph/engine';
import type { OpRegistry } from '../../firmware/core/graph/kernel';
import { encodeGraphBody } from '../../host/package/graph-body';
import type { ConvLayer, GraphDef, QuantParams } from '../../host/package/graph-body';
import type { Prng } from '../support/prng';

export const FULL = process.env.EDGEML_FULL !== undefined && process.env.EDGEML_FULL !== '' && process.env.EDGEML_FULL !== '0';

export function inputSpecOf(def: GraphDef): InputSpec {
  const t = def.tensors[def.input];
  return {
    dtype: DTYPE_INT8,
    dims: t.shape.slice(),
    elementCount: t.shape.reduce((a, b) => a * b, 1),
    scales: Float32Array.of(t.scale as number),
    zeroPoints: Int32Array.of(t.zeroPoint ?? 0),
  };
}

export function outputSpecOf(def: GraphDef): OutputSpec {
  const t = def.tensors[def.output];
  const n = t.shape.reduce((a, b) => a * b, 1);
  return {
    task: TASK_CLASSIFICATION,
    postprocess: POST_PROBABILITY,
    classCount: n,
    scoreCount: n,
    scale: Math.fround(t.scale as number),
    zeroPoint: t.zeroPoint ?? 0,
    labels: [],
  };
}

/** Body bytes placed at a 4-aligned offset > 0 of a larger buffer (as inside a package). */
export function placeBody(body: Uint8Array, offset = 8): Uint8Array {
  const buf = new Uint8Array(offset + body.length + 4);
  buf.set(body, offset);
  return buf.subarray(offset, offset + body.length);
}

export function engineFor(def: GraphDef, registry?: OpRegistry): GraphEngine {
  return createGraphEngine(placeBody(encodeGraphBody(def)), inputSpecOf(def), outputSpecOf(def), registry);
}

export function runEngine(engine: GraphEngine, input: Int8Array): Int8Array {
  engine.input.set(input);
  engine.run();
  return Int8Array.from(engine.scores);
}

export function randomQuant(rng: Prng, scaleLo = 1e-3, scaleHi = 1): QuantParams {
  const zeroPoint = rng.bool(0.2) ? rng.pick([-128, 127, 0]) : rng.int(-128, 127);
  return { scale: Math.fround(rng.logUniform(scaleLo, scaleHi)), zeroPoint };
}

/**
 * A random conv/depthwise/dense layer. `taps` is the number of products per output; the output
 * scale is chosen so that outputs mostly spread over the int8 range, sometimes saturate, and
 * sometimes need a left shift (effective scale > 1).
 */
export function randomLayer(rng: Prng, weightShape: number[], channels: number, channelAxis: number,
  inScale: number, taps: number, opts: { perTensor?: boolean; noBias?: boolean; withBias?: boolean } = {}): ConvLayer {
  const n = weightShape.reduce((a, b) => a * b, 1);
  const wRange = rng.pick([127, 127, 127, 20, 1]);
  const weights = rng.int8Array(n, -wRange, wRange);
  const perTensor = opts.perTensor ?? rng.bool(0.15);
  const scales: number[] = [];
  for (let c = 0; c < channels; c++) scales.push(Math.fround(rng.logUniform(1e-4, 1e-1)));
  const meanScale = perTensor ? scales[0] : scales.reduce((a, b) => a + b, 0) / channels;
  const typical = inScale * meanScale * Math.sqrt(taps) * 70 * Math.max(1, wRange / 2);
  const mode = rng.int(0, 9);
  let outScale: number;
  if (mode === 0) outScale = typical * rng.logUniform(1e-3, 1e-1);         // saturating
  else if (mode === 1) outScale = inScale * meanScale * rng.logUniform(0.05, 0.9); // effective > 1
  else if (mode === 2) outScale = typical * rng.logUniform(10, 1e4);       // tiny outputs
  else outScale = typical / rng.logUniform(20, 200);
  const output = { scale: Math.fround(outScale), zeroPoint: rng.bool(0.2) ? rng.pick([-128, 127]) : rng.int(-128, 127) };
  const biasRange = rng.pick([0, 100, 10000, 1000000, 2 ** 31 - 1]);
  const bias = opts.noBias || (!opts.withBias && rng.bool(0.1)) ? undefined : rng.int32Array(channels, -biasRange, biasRange);
  let activation = rng.pick(['NONE', 'RELU', 'RELU6'] as const);
  if (activation === 'RELU6' && output.scale < 1e-8) activation = 'RELU'; // 6 / scale must fit an int32
  void channelAxis;
  return {
    weights,
    weightShape,
    weightScales: perTensor ? scales[0] : scales,
    bias,
    output,
    activation,
  };
}

/** Compare two int8 vectors; returns a message for the first difference or null. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: ${a[i]} != ${b[i]}`;
  return null;
}
