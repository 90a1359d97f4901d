// DEPTHWISE_CONV_2D, int8 per-channel (TFLite reference_integer_ops::DepthwiseConvPerChannel),
// dilation 1. Filter [1, kH, kW, inC * mult]; output channel oc = ic * mult + m:
//
// out[oy, ox, oc] = clamp(zpOut + MBQM(bias[oc] + sum_{ky,kx} w[0,ky,kx,oc] *
//                   (in[oy*sh - padT + ky, ox*sw - padL + kx, ic] - zpIn)), actMin, actMax)
//
// Like CONV_2D, eval copies each receptive field into arena scratch (padding taps = zpIn, see
// im2col.ts) and folds the input offset into the bias at load. With mult = 1 the filter tap
// (t, c) and the scratch tap (t, c) have the same index t*C + c, so one index walks both; a 3x3
// window is one expression.

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import {
  activation, activationRange, bias, channelRequant, checkWindows, inputCount, leadingPadding,
  nhwc, opName, outSize, unusedFields, weights,
} from './common';
import type { Requant } from './common';
import { requantizeSlow } from '../fixed-point';
import { im2col } from './im2col';
import { fail } from '../../errors';
import { bindDepthwiseFast, evalDepthwiseFast, prepareDepthwiseFast } from './depthwise-fast';
import type { DepthwiseFastState, DepthwiseGeometry } from './depthwise-fast';

export interface DepthwiseState extends DepthwiseGeometry {
  readonly filter: Int8Array;
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
  /** The fast kernel's state when prepare chose it (depthwise-fast.ts), else null. */
  readonly fast: DepthwiseFastState | null;
}

/** A validated DEPTHWISE_CONV_2D op before any packing: what the native kernel needs too (native-params.ts). */
export interface DepthwiseLayer extends DepthwiseGeometry {
  /** The filter [1, kH, kW, outC] (a view into the package) and the bias. */
  readonly filter: Int8Array;
  readonly bias: Int32Array;
  readonly biasFolded: Int32Array;
  readonly rq: Requant;
  /** Multiply-accumulates per run. */
  readonly work: number;
}

/** Validates a DEPTHWISE_CONV_2D op (throws ModelError) and computes its folded bias and requantization. */
export function depthwiseLayer(op: OpNode, graph: Graph): DepthwiseLayer {
  const what = opName(op, 'DEPTHWISE_CONV_2D');
  inputCount(op, 2, 3, what);
  unusedFields(op, what, true, false, true, true);
  const input = activation(graph, op.inputs[0], what);
  const output = activation(graph, op.output, what);
  const filter = weights(graph, op.inputs[1], 3, what);
  const [inH, inW, inC] = nhwc(input, what);
  const fd = filter.dims;
  if (fd.length !== 4 || fd[0] !== 1) fail('BAD_SHAPE', `${what}: filter must be [1, kH, kW, inC * multiplier]`);
  const [, kH, kW, outC] = fd;
  const mult = op.depthMultiplier;
  if (mult < 1 || outC !== inC * mult) {
    fail('BAD_SHAPE', `${what}: filter has ${outC} channels, input ${inC} x multiplier ${mult}`);
  }
  const b = bias(graph, op, 2, outC, what);
  const outH = outSize(op.padding, inH, kH, op.strideH);
  const outW = outSize(op.padding, inW, kW, op.strideW);
  const [oH, oW, oC] = nhwc(output, what);
  if (outH < 1 || outW < 1 || oH !== outH || oW !== outW || oC !== outC) {
    fail('BAD_SHAPE', `${what}: output must be [1, ${outH}, ${outW}, ${outC}], is [${output.dims.join(', ')}]`);
  }
  const padT = leadingPadding(op.strideH, inH, kH, outH);
  const padL = leadingPadding(op.strideW, inW, kW, outW);
  checkWindows(inH, kH, op.strideH, padT, outH, what);
  checkWindows(inW, kW, op.strideW, padL, outW, what);

  const w = filter.data as Int8Array;
  const taps = kH * kW;
  const biasFolded = new Int32Array(outC);
  const zp = input.zeroPoint;
  for (let oc = 0; oc < outC; oc++) {
    let sum = 0;
    for (let t = 0; t < taps; t++) sum += w[t * outC + oc];
    biasFolded[oc] = (b[oc] - zp * sum) | 0;
  }
  const rq = channelRequant(input.scale, filter, output.scale, outC, what);
  const range = activationRange(op.activation, output.scale, output.zeroPoint, what);
  return {
    inH, inW, inC, outH, outW, outC, kH, kW, mult,
    strideH: op.strideH, strideW: op.strideW, padT, padL,
    inZp: zp, outZp: output.zeroPoint, actMin: range.min, actMax: range.max,
    filter: w, bias: b, biasFolded, rq, work: outH * outW * outC * taps,
  };
}

export const depthwiseConv2d: OpKernel<DepthwiseState> = {
  name: 'DEPTHWISE_CONV_2D',

  prepare(op: OpNode, graph: Graph): Prepared<DepthwiseState> {
    const layer = depthwiseLayer(op, graph);
    const { filter: w, bias: b, biasFolded, rq, work } = layer;
    const geometry: DepthwiseGeometry = {
      inH: layer.inH, inW: layer.inW, inC: layer.inC, outH: layer.outH, outW: layer.outW, outC: layer.outC,
      kH: layer.kH, kW: layer.kW, mult: layer.mult, strideH: layer.strideH, strideW: layer.strideW,
      padT: layer.padT, padL: layer.padL, inZp: layer.inZp, outZp: layer.outZp, actMin: layer.actMin, actMax: layer.actMax,
    };
    const fast = prepareDepthwiseFast(geometry, w, b, rq);
    return {
      state: { ...geometry, filter: w, biasFolded, rq, fast },
      work,
      scratchBytes: fast !== null ? fast.src.padBytes : layer.kH * layer.kW * layer.inC,
    };
  },

  bind(s: DepthwiseState, b: OpBinding): void {
    if (s.fast !== null) bindDepthwiseFast(s.fast, b);
  },

  eval(s: DepthwiseState, b: OpBinding): void {
    if (s.fast !== null) {
      evalDepthwiseFast(s.fast, b);
      return;
    }
    const arena = b.arena;
    const out = b.output;
    const col = b.scratch;
    const w = s.filter;
    const xBase = b.inputs[0].byteOffset - arena.byteOffset;
    const colBase = col.byteOffset - arena.byteOffset;
    const inC = s.inC, outH = s.outH, outW = s.outW, outC = s.outC, depthMult = s.mult;
    const outZp = s.outZp, actMin = s.actMin, actMax = s.actMax;
    const biasFolded = s.biasFolded;
    const rq = s.rq, mult = rq.mult, left = rq.left, inv = rq.inv, hasLeft = rq.hasLeft;
    const taps = s.kH * s.kW;
    const taps4 = taps & ~3;
    const C2 = inC * 2, C3 = inC * 3, C4 = inC * 4, C5 = inC * 5, C6 = inC * 6, C7 = inC * 7, C8 = inC * 8;
    const nine = taps === 9 && depthMult === 1;
    let o = 0;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        im2col(arena, s, xBase, colBase, oy, ox);
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          if (nine) {
            // 3x3, multiplier 1: the whole window in one expression
            acc = w[oc] * col[oc] + w[oc + inC] * col[oc + inC] + w[oc + C2] * col[oc + C2] +
              w[oc + C3] * col[oc + C3] + w[oc + C4] * col[oc + C4] + w[oc + C5] * col[oc + C5] +
              w[oc + C6] * col[oc + C6] + w[oc + C7] * col[oc + C7] + w[oc + C8] * col[oc + C8];
          } else if (depthMult === 1) {
            let i = oc;
            let t = 0;
            for (; t < taps4; t += 4) {
              acc += w[i] * col[i] + w[i + inC] * col[i + inC] + w[i + C2] * col[i + C2] + w[i + C3] * col[i + C3];
              i += C4;
            }
            for (; t < taps; t++) {
              acc += w[i] * col[i];
              i += inC;
            }
          } else {
            let wi = oc;
            let ci = (oc / depthMult) | 0;
            for (let t = 0; t < taps; t++) {
              acc += w[wi] * col[ci];
              wi += outC;
              ci += inC;
            }
          }
          // MultiplyByQuantizedMultiplier, inlined; exact fast path for |a| < 2^21 (fixed-point.ts)
          let a = (acc + biasFolded[oc]) | 0;
          if (hasLeft) a <<= left[oc];
          let v: number;
          if (a >= 0) {
            v = a < 2097152 ? ((((a * mult[oc] + 1073741824) / 2147483648) | 0) * inv[oc] + 0.5) | 0
              : requantizeSlow(a, mult[oc], inv[oc]);
          } else {
            v = a > -2097152 ? ((((a * mult[oc] - 1073741823) / 2147483648) | 0) * inv[oc] - 0.5) | 0
              : requantizeSlow(a, mult[oc], inv[oc]);
          }
          v += outZp;
          out[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
      }
    }
  },
};
