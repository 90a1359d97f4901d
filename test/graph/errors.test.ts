// Hostile and inconsistent bodies: every rejection is a ModelError with a fitting code, and no
// mutation of a valid body makes load or run() throw anything else.

import { describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import type { ModelErrorCode } from '../../firmware/core/errors';
import { createGraphEngine } from '../../firmware/core/graph/engine';
import { HEADER_SIZE, OP_RECORD_SIZE, TENSOR_RECORD_SIZE, parseGraphBody } from '../../firmware/core/graph/format';
import { GraphBuilder, decodeGraphBody, encodeGraphBody } from '../../host/package/graph-body';
import type { GraphDef } from '../../host/package/graph-body';
import { FULL, inputSpecOf, outputSpecOf, placeBody, randomLayer } from './helpers';
import { Prng } from '../support/prng';
import { referenceOutput } from './reference';

/** input [1,6,6,2] -> conv 3x3 SAME (4) -> maxpool 2x2 -> flatten -> dense 5 -> softmax */
function smallModel(seed = 1): GraphDef {
  const rng = new Prng(seed);
  const b = new GraphBuilder();
  const x = b.input([1, 6, 6, 2], { scale: 0.05, zeroPoint: -3 });
  const c = b.conv2d(x, randomLayer(rng, [4, 3, 3, 2], 4, 0, 0.05, 18, { perTensor: false, withBias: true }), { padding: 'SAME' });
  const p = b.pool('MAX_POOL_2D', c, [2, 2], { stride: 2 });
  const f = b.flatten(p);
  const d = b.fullyConnected(f, randomLayer(rng, [5, 36], 5, 0, b.quantOf(f).scale, 36, { perTensor: false, withBias: true }));
  return b.build(b.softmax(d));
}

const DEF = smallModel();
const BODY = encodeGraphBody(DEF);
const T = DEF.tensors.length;
const N = DEF.ops.length;
const tensorAt = (i: number): number => HEADER_SIZE + i * TENSOR_RECORD_SIZE;
const opAt = (i: number): number => HEADER_SIZE + T * TENSOR_RECORD_SIZE + i * OP_RECORD_SIZE;
const DATA = HEADER_SIZE + T * TENSOR_RECORD_SIZE + N * OP_RECORD_SIZE;

function load(body: Uint8Array, def: GraphDef = DEF): void {
  const engine = createGraphEngine(placeBody(body), inputSpecOf(def), outputSpecOf(def));
  engine.run();
}

function patched(edit: (dv: DataView, bytes: Uint8Array) => void, body = BODY): Uint8Array {
  const copy = Uint8Array.from(body);
  edit(new DataView(copy.buffer), copy);
  return copy;
}

function expectCode(fn: () => void, code: ModelErrorCode): void {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ModelError ${code}`).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
}

const conv = DEF.ops.findIndex((op) => op.op === 'CONV_2D');
const dense = DEF.ops.findIndex((op) => op.op === 'FULLY_CONNECTED');
const convWeights = DEF.ops[conv].inputs[1];
const convBias = DEF.ops[conv].inputs[2];
const activationT = DEF.input;

describe('valid model', () => {
  it('loads and runs', () => {
    expect(() => load(BODY)).not.toThrow();
  });
});

describe('hostile bodies', () => {
  it('rejects bad opcodes with UNKNOWN_OP', () => {
    for (const code of [2, 5, 100, 255]) expectCode(() => load(patched((dv) => dv.setUint8(opAt(conv), code))), 'UNKNOWN_OP');
  });

  it('rejects out-of-range tensor indices with BAD_BODY', () => {
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 4, T, true))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 6, 0xfffe, true))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 10, T + 5, true))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint16(6, T, true))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint16(8, 0xffff, true))), 'BAD_BODY');
  });

  it('rejects offsets and lengths past the end with TRUNCATED', () => {
    expectCode(() => load(patched((dv) => dv.setUint32(tensorAt(convWeights) + 24, BODY.length, true))), 'TRUNCATED');
    expectCode(() => load(patched((dv) => dv.setUint32(tensorAt(convWeights) + 24, 0xfffffffc, true))), 'TRUNCATED');
    expectCode(() => load(patched((dv) => dv.setUint32(tensorAt(convWeights) + 28, 0xfffffffc, true))), 'TRUNCATED');
    expectCode(() => load(patched((dv) => dv.setUint32(12, 0xfffffffc, true))), 'TRUNCATED');
    expectCode(() => load(patched((dv) => dv.setUint16(2, 200, true))), 'TRUNCATED');
    expectCode(() => load(BODY.subarray(0, 10)), 'TRUNCATED');
    expectCode(() => load(BODY.subarray(0, DATA - 4)), 'TRUNCATED');
    // a constant that grows past the data section
    expectCode(() => load(patched((dv) => dv.setUint16(tensorAt(convWeights) + 4, 200, true))), 'TRUNCATED');
  });

  it('rejects every truncation of a valid body with a ModelError', () => {
    for (let n = 0; n < BODY.length; n++) {
      let error: unknown = null;
      try {
        load(BODY.subarray(0, n));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelError);
    }
  });

  it('rejects misaligned data with MISALIGNED', () => {
    expectCode(() => load(patched((dv) => dv.setUint32(tensorAt(convBias) + 24, dv.getUint32(tensorAt(convBias) + 24, true) + 2, true))), 'MISALIGNED');
    const buf = new Uint8Array(BODY.length + 2);
    buf.set(BODY, 2);
    expectCode(() => createGraphEngine(buf.subarray(2), inputSpecOf(DEF), outputSpecOf(DEF)), 'MISALIGNED');
  });

  it('rejects shapes that do not fit with BAD_SHAPE', () => {
    // conv filter input channels != input channels
    expectCode(() => load(patched((dv) => dv.setUint16(tensorAt(convWeights) + 10, 1, true))), 'BAD_SHAPE');
    // zero dimension
    expectCode(() => load(patched((dv) => dv.setUint16(tensorAt(activationT) + 6, 0, true))), 'BAD_SHAPE');
    // rank 0 and 5
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(activationT) + 1, 0))), 'BAD_SHAPE');
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(activationT) + 1, 5))), 'BAD_SHAPE');
    // conv output of the wrong size
    const convOut = DEF.ops[conv].output;
    expectCode(() => load(patched((dv) => dv.setUint16(tensorAt(convOut) + 4 + 2, 5, true))), 'BAD_SHAPE');
    // dense input count mismatch: make the filter wider than the flattened input
    const dw = DEF.ops[dense].inputs[1];
    expectCode(() => load(patched((dv) => dv.setUint16(tensorAt(dw) + 4 + 2, 35, true))), 'BAD_SHAPE');
    // zero stride
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 12, 0, true))), 'BAD_SHAPE');
    // bias with the wrong length
    expectCode(() => load(patched((dv) => dv.setUint16(tensorAt(convBias) + 4, 3, true))), 'BAD_SHAPE');
  });

  it('rejects tables longer than the implementation limits with TOO_LARGE', () => {
    expectCode(() => load(patched((dv) => dv.setUint16(2, 1025, true))), 'TOO_LARGE');
    expectCode(() => load(patched((dv) => dv.setUint16(4, 513, true))), 'TOO_LARGE');
  });

  it('rejects tensors larger than the implementation limit with TOO_LARGE', () => {
    expectCode(() => load(patched((dv) => {
      dv.setUint8(tensorAt(activationT) + 1, 4);
      for (let k = 0; k < 4; k++) dv.setUint16(tensorAt(activationT) + 4 + 2 * k, 0xffff, true);
    })), 'TOO_LARGE');
  });

  it('rejects zero, negative, NaN and infinite scales and bad zero points with BAD_QUANT', () => {
    for (const s of [0, -0.5, NaN, Infinity, -Infinity]) {
      expectCode(() => load(patched((dv) => dv.setFloat32(tensorAt(activationT) + 16, s, true))), 'BAD_QUANT');
      // per-channel weight scale
      const scalesAt = DATA + new DataView(BODY.buffer).getUint32(tensorAt(convWeights) + 28, true);
      expectCode(() => load(patched((dv) => dv.setFloat32(scalesAt + 4, s, true))), 'BAD_QUANT');
    }
    for (const zp of [-129, 128, 100000, -2147483648]) {
      expectCode(() => load(patched((dv) => dv.setInt32(tensorAt(activationT) + 20, zp, true))), 'BAD_QUANT');
    }
    // RELU6 on an output scale so small that 6 / scale overflows int32 (TFLite refuses it too)
    const convOut = DEF.ops[conv].output;
    expectCode(() => load(patched((dv) => {
      dv.setUint8(opAt(conv) + 1, 3);
      dv.setFloat32(tensorAt(convOut) + 16, 1e-9, true);
    })), 'BAD_QUANT');
    // unknown quantization kind, per-channel axis out of range
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(convWeights) + 3, 7))), 'BAD_QUANT');
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(convWeights) + 12, 4))), 'BAD_QUANT');
    // weights on the wrong axis for a conv
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(convWeights) + 12, 3))), 'BAD_QUANT');
    // a weight of -128
    const dataAt = DATA + new DataView(BODY.buffer).getUint32(tensorAt(convWeights) + 24, true);
    expectCode(() => load(patched((dv) => dv.setInt8(dataAt + 3, -128))), 'BAD_QUANT');
    // softmax output not 1/256, -128
    const sm = DEF.output;
    const zp0 = patched((dv) => dv.setInt32(tensorAt(sm) + 20, 0, true));
    expectCode(() => createGraphEngine(placeBody(zp0), inputSpecOf(DEF), { ...outputSpecOf(DEF), zeroPoint: 0 }), 'BAD_QUANT');
    const scale = patched((dv) => dv.setFloat32(tensorAt(sm) + 16, 1 / 255, true));
    expectCode(() => createGraphEngine(placeBody(scale), inputSpecOf(DEF), { ...outputSpecOf(DEF), scale: Math.fround(1 / 255) }), 'BAD_QUANT');
  });

  it('rejects inconsistent graphs with BAD_BODY', () => {
    // an op reads a tensor before any op writes it: swap conv's input with the dense output
    const denseOut = DEF.ops[dense].output;
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 4, denseOut, true))), 'BAD_BODY');
    // two ops write the same tensor
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv + 1) + 10, DEF.ops[conv].output, true))), 'BAD_BODY');
    // an op writes a constant
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 10, convWeights, true))), 'BAD_BODY');
    // an op writes the graph input
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 10, DEF.input, true))), 'BAD_BODY');
    // weights given as an activation
    expectCode(() => load(patched((dv) => dv.setUint16(opAt(conv) + 6, DEF.input, true))), 'BAD_BODY');
    // nonzero reserved bytes, unknown flags, element type, activation, padding, input count
    expectCode(() => load(patched((dv) => dv.setUint8(1, 1))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(activationT) + 2, 2))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint8(tensorAt(activationT), 2))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint8(opAt(conv) + 1, 2))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint8(opAt(conv) + 2, 3))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint8(opAt(conv) + 3, 0))), 'BAD_BODY');
    expectCode(() => load(patched((dv) => dv.setUint8(opAt(conv) + 3, 4))), 'BAD_BODY');
    // trailing bytes
    const longer = new Uint8Array(BODY.length + 4);
    longer.set(BODY);
    expectCode(() => load(longer), 'BAD_BODY');
  });

  it('rejects an unknown body version with UNSUPPORTED_VERSION', () => {
    expectCode(() => load(patched((dv) => dv.setUint8(0, 2))), 'UNSUPPORTED_VERSION');
  });

  it('checks INPUT and OUTPUT sections against the graph', () => {
    const body = placeBody(BODY);
    const inSpec = inputSpecOf(DEF);
    const outSpec = outputSpecOf(DEF);
    expectCode(() => createGraphEngine(body, { ...inSpec, dtype: 2 }, outSpec), 'BAD_INPUT_SPEC');
    expectCode(() => createGraphEngine(body, { ...inSpec, elementCount: 71 }, outSpec), 'BAD_INPUT_SPEC');
    expectCode(() => createGraphEngine(body, { ...inSpec, scales: Float32Array.of(0.06) }, outSpec), 'BAD_INPUT_SPEC');
    expectCode(() => createGraphEngine(body, { ...inSpec, zeroPoints: Int32Array.of(0) }, outSpec), 'BAD_INPUT_SPEC');
    expectCode(() => createGraphEngine(body, { ...inSpec, scales: new Float32Array(72).fill(0.05), zeroPoints: new Int32Array(72).fill(-3) }, outSpec), 'BAD_INPUT_SPEC');
    expectCode(() => createGraphEngine(body, inSpec, { ...outSpec, scoreCount: 4 }), 'BAD_OUTPUT_SPEC');
    expectCode(() => createGraphEngine(body, inSpec, { ...outSpec, scale: 1 / 255 }), 'BAD_OUTPUT_SPEC');
    expectCode(() => createGraphEngine(body, inSpec, { ...outSpec, zeroPoint: 0 }), 'BAD_OUTPUT_SPEC');
  });

  it('rejects an empty registry with UNKNOWN_OP', () => {
    expectCode(() => createGraphEngine(placeBody(BODY), inputSpecOf(DEF), outputSpecOf(DEF), {}), 'UNKNOWN_OP');
  });
});

describe('fuzzing', () => {
  it('random mutations either load and run, or throw ModelError', () => {
    const rng = new Prng(99);
    const rounds = FULL ? 100_000 : 3000;
    const inSpec = inputSpecOf(DEF);
    const outSpec = outputSpecOf(DEF);
    let loaded = 0;
    for (let r = 0; r < rounds; r++) {
      const body = Uint8Array.from(BODY);
      const edits = rng.int(1, 4);
      for (let k = 0; k < edits; k++) {
        // mostly the header and tables, sometimes data
        const at = rng.bool(0.8) ? rng.int(0, DATA - 1) : rng.int(0, body.length - 1);
        body[at] = rng.bool(0.5) ? rng.int(0, 255) : body[at] ^ (1 << rng.int(0, 7));
      }
      try {
        const engine = createGraphEngine(placeBody(body), inSpec, outSpec);
        const x = rng.int8Array(engine.input.length);
        engine.input.set(x);
        engine.run();
        // the engine read only what the reference (explicit bounds checks) reads
        const want = referenceOutput(decodeGraphBody(body), x);
        expect(Array.from(engine.scores)).toEqual(Array.from(want));
        loaded++;
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
      }
    }
    expect(loaded).toBeGreaterThan(0);
  });

  it('small edits of shape, stride, filter and index fields either load and match the reference, or throw ModelError', () => {
    const rng = new Prng(100);
    const rounds = FULL ? 50_000 : 3000;
    const defs = [DEF, smallModel(2), smallModel(3)];
    let loaded = 0;
    for (let r = 0; r < rounds; r++) {
      const def = rng.pick(defs);
      const base = encodeGraphBody(def);
      const body = Uint8Array.from(base);
      const dv = new DataView(body.buffer);
      const t = def.tensors.length, n = def.ops.length;
      const edits = rng.int(1, 3);
      for (let k = 0; k < edits; k++) {
        if (rng.bool(0.5)) {
          const at = HEADER_SIZE + rng.int(0, t - 1) * TENSOR_RECORD_SIZE;
          const field = rng.pick([4, 6, 8, 10]);
          dv.setUint16(at + field, rng.int(0, 12), true);
          if (rng.bool(0.2)) dv.setUint8(at + 1, rng.int(1, 4));
        } else {
          const at = HEADER_SIZE + t * TENSOR_RECORD_SIZE + rng.int(0, n - 1) * OP_RECORD_SIZE;
          const field = rng.pick([1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
          if (field <= 2) dv.setUint8(at + field, rng.int(0, 3));
          else dv.setUint16(at + field, rng.int(0, field >= 12 ? 5 : t - 1), true);
        }
      }
      try {
        parseGraphBody(placeBody(body)); // layout first, so that decoding is safe
        const spec = decodeGraphBody(body);
        const engine = createGraphEngine(placeBody(body), inputSpecOf(spec), outputSpecOf(spec));
        const x = rng.int8Array(engine.input.length);
        engine.input.set(x);
        engine.run();
        expect(Array.from(engine.scores)).toEqual(Array.from(referenceOutput(spec, x)));
        loaded++;
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
      }
    }
    expect(loaded).toBeGreaterThan(rounds / 50);
  });
});
