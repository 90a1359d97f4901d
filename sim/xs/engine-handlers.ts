// XS side of the engine service: the very firmware/core code, bundled and run in XS, behind
// a few handlers that the Node side (engine-service.ts) calls with raw bytes. The entry
// (engine-entry.ts, or engine-native-entry.ts in the native XS host) registers them with the
// kernels it has; the `kernels` handler picks native or reference ones for later loads.
import { ModelError } from '../../firmware/core/errors';
import { multiplyByQuantizedMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../../firmware/core/graph/fixed-point';
import { LoadOptions, Model, loadModel } from '../../firmware/core/model';
import { KIND_DENSE, KIND_SPARSE } from '../../firmware/core/trees/body';
import { TreeEngine } from '../../firmware/core/trees/engine';
import { MAX_EXACT_DEPTH, WALKERS } from '../../firmware/core/trees/walkers';
import { registerHandlers } from './host-api';

let model: Model | undefined;
let options: LoadOptions = {};

function current(): Model {
  if (!model) throw new RangeError('no model loaded');
  return model;
}

/** The payload sits at an odd offset of the command buffer; the package format wants 4-byte alignment. */
function aligned(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

function int32s(values: ArrayLike<number>): Uint8Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return new Uint8Array(out.buffer);
}

/** Copies little-endian input elements into the model's input buffer. */
function writeInput(m: Model, bytes: Uint8Array, at: number): void {
  const input = m.input;
  if (input instanceof Int8Array) {
    for (let i = 0; i < input.length; i++) input[i] = (bytes[at + i] << 24) >> 24;
  } else {
    for (let i = 0; i < input.length; i++) input[i] = ((bytes[at + 2 * i] | (bytes[at + 2 * i + 1] << 8)) << 16) >> 16;
  }
}

/** Registers the engine handlers; `native` are the load options of the native kernels, if any. */
export function registerEngine(native?: LoadOptions): void {
  registerHandlers({
    /** "native" or "reference": the kernels of the next loads. */
    kernels(payload) {
      const which = String.fromCharCode(...payload);
      if (which === 'reference') options = {};
      else if (which === 'native' && native) options = native;
      else throw new RangeError(`no ${which} kernels in this engine`);
    },

    /** Package bytes → JSON summary. Errors: "ModelError: CODE: message". */
    load(payload) {
      model = undefined;
      model = loadModel(aligned(payload), options);
      const m = model;
      return ascii(JSON.stringify({ arenaBytes: m.arenaBytes, elementCount: m.input.length, elementBytes: m.input.BYTES_PER_ELEMENT, scoreCount: m.scores.length }));
    },

    /** Loads, predicts once on the given input (zeros if absent) and self-tests: the outcome as a code. */
    tryRun(payload) {
      try {
        const m = loadModel(aligned(payload), options);
        m.predict();
        const check = m.selfTest();
        return ascii(`OK ${check.passed ? 'pass' : 'fail'} ${Array.prototype.join.call(m.scores, ',')}`);
      } catch (e) {
        if (e instanceof ModelError) return ascii(e.code);
        throw e;
      }
    },

    /** Many inputs back to back → per input: scores (i32) then class (i32). */
    predict(payload) {
      const m = current();
      const stride = m.input.length * m.input.BYTES_PER_ELEMENT;
      const count = stride === 0 ? 0 : payload.length / stride;
      const out: number[] = [];
      for (let n = 0; n < count; n++) {
        writeInput(m, payload, n * stride);
        const cls = m.predict();
        for (let i = 0; i < m.scores.length; i++) out.push(m.scores[i]);
        out.push(cls);
      }
      return int32s(out);
    },

    /** Sets the input for `repeat`. */
    setInput(payload) {
      writeInput(current(), payload, 0);
    },

    /** predict() N times (u32 LE): compute per inference = (meter(N) − meter(0)) / N. Eight
     * calls a turn, so that the loop's own bytecodes (12 computrons a turn) add 1.5 per
     * inference, not 12, when N is a multiple of 8: the figure is of the predict() calls. */
    repeat(payload) {
      const m = current();
      let n = payload[0] | (payload[1] << 8) | (payload[2] << 16) | (payload[3] << 24);
      for (; n >= 8; n -= 8) {
        m.predict(); m.predict(); m.predict(); m.predict();
        m.predict(); m.predict(); m.predict(); m.predict();
      }
      for (; n > 0; n--) m.predict();
    },

    /** Trees with leaf rows (dense or sparse): the walk of every tree alone, N times (u32 LE),
     * as `repeat` does predict(): each tree's leaf found and its payload kept, nothing added, no
     * class picked; the walk the engine chose, in the `hits` family. (Additive and voting walks
     * take their leaf's value in the walk itself: there is no walk alone to measure.) */
    repeatWalk(payload) {
      const engine = current().engine;
      if (!(engine instanceof TreeEngine) || (engine.body.kind !== KIND_DENSE && engine.body.kind !== KIND_SPARSE)) {
        throw new RangeError('not a tree model with leaf rows');
      }
      const walker = WALKERS[KIND_DENSE][engine.body.split][engine.steps === 0 ? MAX_EXACT_DEPTH : engine.steps - 1];
      const walk = walker({ ...engine, hits: new Int32Array(engine.trees) });
      let n = payload[0] | (payload[1] << 8) | (payload[2] << 16) | (payload[3] << 24);
      for (; n >= 8; n -= 8) {
        walk(); walk(); walk(); walk();
        walk(); walk(); walk(); walk();
      }
      for (; n > 0; n--) walk();
    },

    /** One predict() and nothing else: the subject of allocation measurements. */
    predictOnce() {
      current().predict();
    },

    selfTest() {
      const r = current().selfTest();
      return int32s([r.passed ? 1 : 0, r.count, r.failedVector]);
    },

    /** Fixed-point primitives on (a, b, shift) int32 triples → three results each. */
    fixedPoint(payload) {
      const n = payload.length / 12;
      const v = new DataView(payload.buffer, payload.byteOffset, payload.length);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const a = v.getInt32(12 * i, true);
        const b = v.getInt32(12 * i + 4, true);
        const shift = v.getInt32(12 * i + 8, true);
        out.push(
          saturatingRoundingDoublingHighMul(a, b),
          roundingDivideByPOT(a, Math.min(31, Math.abs(shift))),
          multiplyByQuantizedMultiplier(a, b, shift),
        );
      }
      return int32s(out);
    },
  });
}
