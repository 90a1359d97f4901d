// The constant tables of firmware/core/features/tables.ts are what their comments say, and the
// integer helpers (isqrt, log2Q16, cosQ15) are exact or within their stated error.
import { describe, expect, it } from 'vitest';
import { cosQ15, isqrt, log2Q16, sinQ15 } from '../../firmware/core/features/fixed';
import { COS_Q15, LOG2_Q16 } from '../../firmware/core/features/tables';
import { Prng } from '../support/prng';

describe('feature tables', () => {
  it('regenerate from float64', () => {
    expect(COS_Q15).toEqual(Array.from({ length: 257 }, (_, i) => Math.round(32768 * Math.cos((2 * Math.PI * i) / 1024))));
    expect(LOG2_Q16).toEqual(Array.from({ length: 257 }, (_, i) => Math.round(65536 * Math.log2(1 + i / 256))));
  });

  it('cosQ15 / sinQ15 over the whole period', () => {
    for (let i = -1024; i < 2048; i++) {
      expect(Math.abs(cosQ15(i) - 32768 * Math.cos((2 * Math.PI * i) / 1024))).toBeLessThanOrEqual(0.5);
      expect(Math.abs(sinQ15(i) - 32768 * Math.sin((2 * Math.PI * i) / 1024))).toBeLessThanOrEqual(0.5);
    }
  });
});

describe('integer helpers', () => {
  it('isqrt is floor(sqrt) on [0, 2^31)', () => {
    const rng = new Prng(4);
    const values = [0, 1, 2, 3, 4, 8, 15, 16, 17, 1073741823, 1073741824, 2147483647];
    for (let r = 1; r < 46341; r += 97) values.push(r * r - 1, r * r, r * r + 1);
    for (let i = 0; i < 20000; i++) values.push(rng.int(0, 2147483647));
    for (const v of values) {
      const r = isqrt(v);
      expect(r * r <= v && (r + 1) * (r + 1) > v, `isqrt(${v}) = ${r}`).toBe(true);
    }
  });

  it('log2Q16 is within 4 Q16 units of log2 (mantissa truncation, table and interpolation rounding)', () => {
    const rng = new Prng(5);
    const cases: [number, number][] = [[0, 1], [0, 2], [0, 3], [0, 65535], [1, 0], [0, 65536], [0x7fff0000 >>> 16, 0], [(2 ** 30) - 1, 65535]];
    for (let i = 0; i < 20000; i++) {
      const hi = rng.next() < 0.3 ? 0 : Math.floor(2 ** (rng.next() * 30));
      cases.push([hi, rng.int(hi === 0 ? 1 : 0, 1 << 26)]);
    }
    for (const [hi, lo] of cases) {
      const exact = 65536 * Math.log2(hi * 65536 + lo);
      const got = log2Q16(hi, lo);
      // truncating to a 16-bit mantissa costs up to 2.9 Q16 units (below); table and interpolation rounding ±1
      expect(got - exact, `log2Q16(${hi}, ${lo})`).toBeLessThanOrEqual(1.1);
      expect(got - exact, `log2Q16(${hi}, ${lo})`).toBeGreaterThanOrEqual(-4);
    }
  });
});
