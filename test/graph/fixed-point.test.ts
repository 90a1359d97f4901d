// The core's BigInt-free fixed-point arithmetic against the BigInt reference.

import { describe, expect, it } from 'vitest';
import {
  expOnNegativeValuesQ5, multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../../firmware/core/graph/fixed-point';
import { FULL } from './helpers';
import { Prng } from '../support/prng';
import {
  refExpOnNegativeValues, refMbqm, refQuantizeMultiplier, refRoundingDivideByPOT, refSrdhm,
} from './reference';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;
const N = FULL ? 2_000_000 : 100_000;

const SPECIAL = [
  I32_MIN, I32_MIN + 1, -1073741824, -1073741823, -65537, -65536, -65535, -32768, -3, -2, -1, 0, 1, 2,
  3, 32767, 65535, 65536, 65537, 1073741823, 1073741824, 1073741825, I32_MAX - 1, I32_MAX,
];

function randomInt32(rng: Prng): number {
  switch (rng.int(0, 3)) {
    case 0: return rng.int32();
    case 1: return rng.int(-70000, 70000);
    case 2: return rng.pick(SPECIAL) + rng.int(-2, 2) | 0;
    default: return (rng.int32() >> rng.int(0, 31));
  }
}

describe('saturatingRoundingDoublingHighMul', () => {
  it('equals the BigInt reference on special values', () => {
    for (const a of SPECIAL) for (const b of SPECIAL) expect(saturatingRoundingDoublingHighMul(a, b)).toBe(refSrdhm(a, b));
  });
  it('equals the BigInt reference on random operands', () => {
    const rng = new Prng(7);
    for (let i = 0; i < N; i++) {
      const a = randomInt32(rng), b = randomInt32(rng);
      const got = saturatingRoundingDoublingHighMul(a, b);
      if (got !== refSrdhm(a, b)) expect([a, b, got]).toEqual([a, b, refSrdhm(a, b)]);
    }
  });
  it('is exact at the rounding boundary (products that are odd multiples of 2^30)', () => {
    // a * b = k * 2^30 exactly: the nudge decides the rounding
    const cases: [number, number][] = [[1 << 15, 1 << 15], [-(1 << 15), 1 << 15], [3 << 14, 1 << 16], [-(3 << 14), 1 << 16], [1 << 30, 1], [-(1 << 30), 1], [3, 1 << 30], [-3, 1 << 30]];
    for (const [a, b] of cases) expect(saturatingRoundingDoublingHighMul(a, b)).toBe(refSrdhm(a, b));
  });
});

describe('roundingDivideByPOT', () => {
  it('rounds half away from zero for every exponent', () => {
    const rng = new Prng(8);
    for (let e = 0; e <= 31; e++) {
      for (const x of SPECIAL) expect(roundingDivideByPOT(x, e)).toBe(refRoundingDivideByPOT(x, e));
      for (let i = 0; i < 2000; i++) {
        const x = randomInt32(rng);
        expect(roundingDivideByPOT(x, e)).toBe(refRoundingDivideByPOT(x, e));
      }
      if (e > 0) {
        const h = 2 ** (e - 1);
        if (h <= I32_MAX) {
          expect(roundingDivideByPOT(h, e)).toBe(1);
          expect(roundingDivideByPOT(-h, e)).toBe(-1);
        }
      }
    }
  });
});

describe('quantizeMultiplier', () => {
  it('equals TFLite QuantizeMultiplier (frexp from the bit pattern) on random doubles', () => {
    const rng = new Prng(9);
    const qm = { multiplier: 0, shift: 0 };
    for (let i = 0; i < N / 10; i++) {
      const x = rng.logUniform(1e-12, 1e9);
      expect(quantizeMultiplier(x, qm)).toEqual(refQuantizeMultiplier(x));
    }
  });
  it('handles mantissas that round up to 2^31, powers of two, tiny and huge values', () => {
    const qm = { multiplier: 0, shift: 0 };
    const xs = [0, 1, 0.5, 0.25, 2, 1 - 2 ** -40, 0.5 - 2 ** -45, 1 - 2 ** -33, 1 - 2 ** -32, 2 ** -31, 2 ** -32,
      2 ** -33, 0.75 * 2 ** -31, 1.5 * 2 ** -32, 5e-324, 1e-310, 2 ** 30, 2 ** 31 - 1, 1e300, Math.fround(0.1),
      Math.fround(0.1) * Math.fround(0.3) / Math.fround(0.7)];
    for (const x of xs) expect([x, quantizeMultiplier(x, qm)]).toEqual([x, refQuantizeMultiplier(x)]);
    expect(quantizeMultiplier(1 - 2 ** -40, qm)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(2 ** -33, qm)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -32, qm)).toEqual({ multiplier: 2 ** 30, shift: -31 });
  });
});

describe('multiplyByQuantizedMultiplier', () => {
  it('equals the reference for shifts -31..30, with left-shift wrap-around', () => {
    const rng = new Prng(10);
    for (let i = 0; i < N; i++) {
      const x = randomInt32(rng);
      const m = rng.bool(0.1) ? rng.pick([0, 1 << 30, I32_MAX, (1 << 30) + 1]) : rng.int(1 << 30, I32_MAX);
      const shift = rng.int(-31, 30);
      const got = multiplyByQuantizedMultiplier(x, m, shift);
      if (got !== refMbqm(x, m, shift)) expect([x, m, shift, got]).toEqual([x, m, shift, refMbqm(x, m, shift)]);
    }
  });
});

describe('exp_on_negative_values (Q5.26)', () => {
  it('equals the BigInt reference and approximates exp', () => {
    const rng = new Prng(11);
    for (let i = 0; i < 20000; i++) {
      const a = i < 100 ? -i : -rng.int(0, 2 ** 31 - 1);
      const got = expOnNegativeValuesQ5(a);
      expect(got).toBe(refExpOnNegativeValues(a));
      expect(Math.abs(got / 2 ** 31 - Math.exp(a / 2 ** 26))).toBeLessThan(1e-6);
    }
    expect(expOnNegativeValuesQ5(0)).toBe(I32_MAX);
    expect(expOnNegativeValuesQ5(I32_MIN)).toBe(refExpOnNegativeValues(I32_MIN));
  });
});
