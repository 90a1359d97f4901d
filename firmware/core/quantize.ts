// Input quantization (TensorFlow Lite QUANTIZE): q = clamp(round(x / scale) + zeroPoint),
// rounding half away from zero, with the same IEEE double arithmetic in every engine.
import { DTYPE_INT8, InputSpec } from './engine';

export function roundHalfAway(x: number): number {
  // floor(|x| + 0.5) would be wrong for 0.49999999999999994; |x| - floor(|x|) is exact.
  const a = x < 0 ? -x : x;
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? -r : r;
}

export function quantizeInput(spec: InputSpec, values: ArrayLike<number>, into: Int8Array | Int16Array): void {
  const lo = spec.dtype === DTYPE_INT8 ? -128 : -32768;
  const hi = spec.dtype === DTYPE_INT8 ? 127 : 32767;
  const perElement = spec.scales.length > 1;
  for (let i = 0; i < spec.elementCount; i++) {
    const p = perElement ? i : 0;
    const x = values[i];
    let q = x !== x ? spec.zeroPoints[p] : roundHalfAway(x / spec.scales[p]) + spec.zeroPoints[p];
    if (q < lo) q = lo; else if (q > hi) q = hi;
    into[i] = q;
  }
}
