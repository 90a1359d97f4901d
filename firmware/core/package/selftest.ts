// SELFTEST section: quantized inputs with the exact scores and class the engine must give.
import { DTYPE_INT8, Engine, InputSpec, OutputSpec } from '../engine';
import { fail } from '../errors';
import { align4 } from './layout';
import { classOf } from './specs';

export interface SelfTestVector {
  readonly input: Int8Array | Int16Array;
  readonly scores: Int32Array;
  readonly expectedClass: number;
}

export function selfTestVectorBytes(input: InputSpec, output: OutputSpec): number {
  return align4(input.elementCount * (input.dtype === DTYPE_INT8 ? 1 : 2)) + 4 * output.scoreCount + 4;
}

export function parseSelfTest(s: Uint8Array, input: InputSpec, output: OutputSpec): SelfTestVector[] {
  if (s.length < 4) fail('BAD_SELFTEST', 'SELFTEST section too short');
  const count = s[0] | (s[1] << 8);
  if (s[2] !== 0 || s[3] !== 0) fail('BAD_SELFTEST', 'reserved field is not 0');
  const stride = selfTestVectorBytes(input, output);
  if (s.length !== 4 + count * stride) fail('BAD_SELFTEST', `${count} vectors need ${4 + count * stride} bytes, section has ${s.length}`);
  const vectors: SelfTestVector[] = [];
  const usedBytes = input.elementCount * (input.dtype === DTYPE_INT8 ? 1 : 2);
  const inputBytes = align4(usedBytes);
  for (let v = 0, at = 4; v < count; v++, at += stride) {
    for (let i = at + usedBytes; i < at + inputBytes; i++) if (s[i] !== 0) fail('BAD_SELFTEST', `vector ${v}: input padding is not 0`);
    const vectorInput = input.dtype === DTYPE_INT8
      ? new Int8Array(s.buffer, s.byteOffset + at, input.elementCount)
      : new Int16Array(s.buffer, s.byteOffset + at, input.elementCount);
    const scores = new Int32Array(s.buffer, s.byteOffset + at + inputBytes, output.scoreCount + 1);
    vectors.push({ input: vectorInput, scores: scores.subarray(0, output.scoreCount), expectedClass: scores[output.scoreCount] });
  }
  return vectors;
}

export interface SelfTestResult {
  readonly passed: boolean;
  readonly count: number;
  /** Index of the first vector that differs, or -1. */
  readonly failedVector: number;
}

export function runSelfTest(engine: Engine, output: OutputSpec, vectors: readonly SelfTestVector[]): SelfTestResult {
  for (let v = 0; v < vectors.length; v++) {
    const vector = vectors[v];
    engine.input.set(vector.input);
    engine.run();
    let same = classOf(engine.scores, output) === vector.expectedClass;
    for (let i = 0; same && i < output.scoreCount; i++) same = engine.scores[i] === vector.scores[i];
    if (!same) return { passed: false, count: vectors.length, failedVector: v };
  }
  return { passed: true, count: vectors.length, failedVector: -1 };
}
