// Input quantization (TensorFlow Lite QUANTIZE): q = clamp(round(x / scale) + zeroPoint),
// rounding half away from zero, with the same IEEE double arithmetic in every engine.
//
// Missing values (NaN): int16 inputs (tree ensembles) reserve -32768 as the missing code and
// clamp real values to -32767..32767, so a tree can send missing values its own way (a split
// `x < t` or `x <= t` with t > -32768 sends them left); int8 inputs (graphs) read NaN as 0.
import { DTYPE_INT8, InputSpec } from './engine';

export const MISSING_INT16 = -32768;

export function roundHalfAway(x: number): number {
  // floor(|x| + 0.5) would be wrong for 0.49999999999999994; |x| - floor(|x|) is exact.
  const a = x < 0 ? -x : x;
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? -r : r;
}

export function quantizeInput(spec: InputSpec, values: ArrayLike<number>, into: Int8Array | Int16Array): void {
  const int8 = spec.dtype === DTYPE_INT8;
  const lo = int8 ? -128 : MISSING_INT16 + 1;
  const hi = int8 ? 127 : 32767;
  const perElement = spec.scales.length > 1;
  for (let i = 0; i < spec.elementCount; i++) {
    const p = perElement ? i : 0;
    const x = values[i];
    if (x !== x) {
      into[i] = int8 ? spec.zeroPoints[p] : MISSING_INT16;
      continue;
    }
    let q = roundHalfAway(x / spec.scales[p]) + spec.zeroPoints[p];
    if (q < lo) q = lo; else if (q > hi) q = hi;
    into[i] = q;
  }
}
