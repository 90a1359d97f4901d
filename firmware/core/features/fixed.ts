// Integer helpers of the feature pipeline: square root, base-2 logarithm, cosine lookup.
// Every value stays an exact int32 (docs/signal-features.md, "Arithmetic").
import { COS_Q15, LOG2_Q16 } from './tables';

/** floor(sqrt(v)) for an integer 0 <= v < 2^31 (digit-by-digit, 16 rounds at most). */
export function isqrt(v: number): number {
  let op = v;
  let res = 0;
  let one = 1 << 30;
  while (one > op) one >>= 2;
  while (one !== 0) {
    if (op >= res + one) {
      op -= res + one;
      res = (res >> 1) + one;
    } else {
      res >>= 1;
    }
    one >>= 2;
  }
  return res;
}

/**
 * log2(hi * 2^16 + lo) in Q16 for hi >= 0, 0 <= lo < 2^31 with the value > 0 (hi < 2^31 - 2^15).
 * The value is normalized to a 16-bit mantissa (truncating the bits below it), whose log2 comes
 * from LOG2_Q16 interpolated over its low 7 bits. Result < 2^22 for every allowed input.
 */
export function log2Q16(hi: number, lo: number): number {
  hi += lo >>> 16;
  lo &= 0xffff;
  let e: number; // exponent: value = m * 2^(e - 15), m in [2^15, 2^16)
  let m: number;
  if (hi === 0) {
    e = 31 - Math.clz32(lo);
    m = e >= 15 ? lo >> (e - 15) : lo << (15 - e);
  } else {
    const b = 31 - Math.clz32(hi); // hi in [2^b, 2^(b+1))
    e = b + 16;
    m = b >= 15 ? hi >> (b - 15) : (hi << (15 - b)) | (lo >> (b + 1));
  }
  const f = m - 32768;
  const i = f >> 7;
  const t = LOG2_Q16[i];
  return (e << 16) + t + (((LOG2_Q16[i + 1] - t) * (f & 127) + 64) >> 7);
}

/** round(32768 * cos(2 * pi * i / 1024)) for any integer i (period 1024). */
export function cosQ15(i: number): number {
  i &= 1023;
  if (i <= 256) return COS_Q15[i];
  if (i <= 512) return -COS_Q15[512 - i];
  if (i <= 768) return -COS_Q15[i - 512];
  return COS_Q15[1024 - i];
}

/** round(32768 * sin(2 * pi * i / 1024)). */
export function sinQ15(i: number): number {
  return cosQ15(256 - i);
}
