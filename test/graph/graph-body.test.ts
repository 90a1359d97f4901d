// The host serializer: layout, round trip through the decoder, builder helpers.

import { describe, expect, it } from 'vitest';
import { parseGraphBody } from '../../firmware/core/graph/format';
import {
  GraphBuilder, decodeGraphBody, encodeGraphBody, quantizeBias, quantizeWeights,
} from '../../host/package/graph-body';
import type { GraphDef, TensorDef } from '../../host/package/graph-body';
import { randomLayer } from './helpers';
import { Prng } from '../support/prng';

function model(): GraphDef {
  const rng = new Prng(2);
  const b = new GraphBuilder();
  const x = b.input([1, 5, 5, 3], { scale: 0.1, zeroPoint: 4 });
  const c = b.conv2d(x, randomLayer(rng, [4, 3, 3, 3], 4, 0, 0.1, 27, { withBias: true }), { padding: 'SAME', stride: 2 });
  const d = b.depthwiseConv2d(c, randomLayer(rng, [1, 2, 2, 8], 8, 3, b.quantOf(c).scale, 4, { perTensor: true }), 2);
  const p = b.pool('AVERAGE_POOL_2D', d, [2, 2], { padding: 'SAME' });
  return b.build(b.softmax(b.flatten(p)));
}

describe('encodeGraphBody', () => {
  it('writes a canonical, 4-aligned body that the core parses', () => {
    const def = model();
    const body = encodeGraphBody(def);
    expect(body.length % 4).toBe(0);
    const g = parseGraphBody(body);
    expect(g.tensors.length).toBe(def.tensors.length);
    expect(g.ops.map((op) => op.opcode)).toEqual([3, 4, 1, 22, 25]);
    expect(g.ops[0].strideH).toBe(2);
    expect(g.ops[0].padding).toBe(1);
    expect(g.ops[1].depthMultiplier).toBe(2);
    expect(g.ops[2].filterH).toBe(2);
    // same description, same bytes
    expect(encodeGraphBody(model())).toEqual(body);
  });

  it('round-trips through decodeGraphBody', () => {
    const def = model();
    const body = encodeGraphBody(def);
    expect(encodeGraphBody(decodeGraphBody(body))).toEqual(body);
  });

  it('refuses values that do not fit the element type and bad dimensions', () => {
    const def = model();
    const w = def.ops[0].inputs[1];
    const bad = (edit: (tensors: TensorDef[]) => void): (() => Uint8Array) => () => {
      const tensors = def.tensors.map((t) => ({ ...t }));
      edit(tensors);
      return encodeGraphBody({ ...def, tensors });
    };
    expect(bad((t) => { t[w].data = new Array(108).fill(200); })).toThrow(RangeError);
    expect(bad((t) => { t[w].data = [1, 2]; })).toThrow(RangeError);
    expect(bad((t) => { t[0].shape = [1, 0, 5, 3]; })).toThrow(RangeError);
  });
});

describe('quantization helpers', () => {
  it('quantizeWeights is symmetric per channel, -127..127', () => {
    const real = [0.5, -1, 0.25, 2, -0.1, 0, 0, 0];
    const { weights, scales } = quantizeWeights(real, [2, 4], 0);
    expect(Array.from(scales)).toEqual([Math.fround(2 / 127), Math.fround(0.1 / 127)]);
    expect(Array.from(weights)).toEqual([32, -64, 16, 127, -127, 0, 0, 0]);
    const dw = quantizeWeights([1, -4, 2, 2], [1, 2, 1, 2], 3);
    expect(Array.from(dw.weights)).toEqual([64, -127, 127, 64]);
  });

  it('quantizeBias divides by in_scale * w_scale and rounds', () => {
    expect(Array.from(quantizeBias([1, -1, 0.5], 0.5, [0.01, 0.02, 0.25]))).toEqual([200, -100, 4]);
    expect(Array.from(quantizeBias([1e30], 1e-3, 1e-3))).toEqual([2147483647]);
  });
});
