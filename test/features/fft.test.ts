// The fixed-point real FFT on its own: X[k] / N against a float64 DFT at full scale (where an
// overflow would show), and the paired split step equal to the bin-by-bin one.
import { describe, expect, it } from 'vitest';
import { RealFft } from '../../firmware/core/features/fft';
import { Prng } from '../support/prng';
import { referencePowerSpectrum } from './reference';

function transform(fft: RealFft, x: Int16Array, from = 0, to = fft.m + 1): Int32Array {
  const ones = new Int32Array(fft.n).fill(32768); // rectangular: v = x exactly
  fft.load(x, 0, 1, 0, 0, ones);
  fft.run();
  const power = new Int32Array(fft.m + 1).fill(-1);
  fft.power(from, to, power);
  return power;
}

describe('RealFft', () => {
  it('full-scale inputs: |X[k]/N| within 2 units of the float64 DFT (no overflow anywhere)', () => {
    const rng = new Prng(3);
    for (const n of [16, 32, 64, 128, 256, 512, 1024]) {
      const fft = new RealFft(n);
      const inputs: Int16Array[] = [
        new Int16Array(n).fill(-32768),
        new Int16Array(n).fill(32767),
        Int16Array.from({ length: n }, (_, i) => (i % 2 ? 32767 : -32768)),
        Int16Array.from({ length: n }, (_, i) => ((i >> 1) % 2 ? 32767 : -32768)),
        Int16Array.from({ length: n }, () => rng.pick([-32768, 32767])),
        Int16Array.from({ length: n }, (_, i) => Math.max(-32768, Math.round(32768 * Math.cos((2 * Math.PI * rng.int(0, n / 2) * i) / n)))),
        Int16Array.from({ length: n }, (_, i) => Math.max(-32768, Math.round(32768 * Math.cos((Math.PI * i * i) / n)))), // chirp
        Int16Array.from({ length: n }, () => rng.int(-32768, 32767)),
      ];
      for (const x of inputs) {
        const got = transform(fft, x);
        const want = referencePowerSpectrum(Array.from(x), false);
        for (let k = 0; k <= n / 2; k++) {
          expect(got[k]).toBeGreaterThanOrEqual(0);
          expect(Math.abs(Math.sqrt(got[k]) - Math.sqrt(want[k])), `n ${n} bin ${k}`).toBeLessThanOrEqual(2);
        }
      }
    }
  });

  it('power(from, to) computes exactly the bins asked, pairs or not', () => {
    const rng = new Prng(8);
    for (const n of [16, 32, 64]) {
      const fft = new RealFft(n);
      const m = n / 2;
      const x = Int16Array.from({ length: n }, () => rng.int(-20000, 20000));
      const all = transform(fft, x);
      for (let from = 0; from <= m; from++) {
        for (let to = from + 1; to <= m + 1; to++) {
          const part = transform(fft, x, from, to);
          for (let k = 0; k <= m; k++) expect(part[k], `[${from}, ${to}) bin ${k}`).toBe(k >= from && k < to ? all[k] : -1);
        }
      }
    }
  });
});
