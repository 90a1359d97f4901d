// The fixed-point feature pipeline against the float64 reference (test/features/reference.ts):
// statistics exactly, band energies within the documented bound, over many random windows.
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import { FeatureConfig } from '../../firmware/core/features/config';
import { BAND_FLOOR, createFeaturePipeline } from '../../firmware/core/features/pipeline';
import { featureConfig } from '../../host/signals/encode';
import { SCENARIOS, vibrationWindows } from '../../host/signals/synthetic';
import { Prng } from '../support/prng';
import { referenceFeatures } from './reference';
import { WINDOW_KINDS, randomWindow } from './windows';

const FULL = !!process.env.EDGEML_FULL;

/** 2^-shift: counts per LSB of the FFT input for a channel whose largest |x − mean| is `spread`. */
function lsbOf(spread: number): number {
  return 2 ** -(15 - (32 - Math.clz32(spread)));
}

/** Band amplitude error bound (docs/signal-features.md): Q8 rounding + 2 LSB · sqrt(bins). */
const AMPLITUDE_LSB_PER_SQRT_BIN = 2;
const Q8_HALF_AMPLITUDE = 2 ** (0.5 / 512) - 1;

interface Tally { bands: number; withinOneQ8: number; worstLsb: number }

function check(config: FeatureConfig, window: Int16Array, tally: Tally, offset = 0, label = ''): void {
  const pipeline = createFeaturePipeline(config);
  const out = new Int16Array(pipeline.featureCount);
  pipeline.compute(window, out, offset);
  const ref = referenceFeatures(config, window, offset);
  expect(ref.values.length).toBe(pipeline.featureCount);
  const perAxis = pipeline.featureCount / config.axes.length;
  ref.kinds.forEach((kind, i) => {
    const where = `${label} feature ${i} (${pipeline.featureNames()[i]})`;
    if (kind !== 'band') {
      expect(out[i], where).toBe(ref.values[i]);
      return;
    }
    const axis = config.axes[Math.floor(i / perAxis)];
    const x = Array.from({ length: config.windowLength }, (_, n) => window[offset + n * config.channels + axis]);
    const mean = Math.round(x.reduce((a, b) => a + b, 0) / x.length);
    const spread = Math.max(...x.map((v) => Math.abs(v - mean)));
    const band = config.bands[(i % perAxis) - (perAxis - config.bands.length)];
    tally.bands++;
    if (spread === 0) {
      expect(out[i], where).toBe(BAND_FLOOR);
      tally.withinOneQ8++;
      return;
    }
    const got = out[i] === BAND_FLOOR ? 0 : Math.sqrt(2 ** (out[i] / 256));
    const want = ref.exact[i] === -Infinity ? 0 : Math.sqrt(2 ** (ref.exact[i] / 256));
    const lsb = lsbOf(spread);
    const excess = (Math.abs(got - want) - want * Q8_HALF_AMPLITUDE) / (lsb * Math.sqrt(band[1] - band[0]));
    tally.worstLsb = Math.max(tally.worstLsb, excess);
    expect(excess, `${where}: ${out[i]} vs ${ref.exact[i]}`).toBeLessThanOrEqual(AMPLITUDE_LSB_PER_SQRT_BIN);
    if (Math.abs(out[i] - ref.exact[i]) <= 1) tally.withinOneQ8++;
    // Strong bands (amplitude >= 2^12 LSB per sqrt(bin)) are within one Q8 unit.
    if (want >= 4096 * lsb * Math.sqrt(band[1] - band[0])) expect(Math.abs(out[i] - ref.exact[i]), where).toBeLessThanOrEqual(1);
  });
}

function bandsFor(n: number, rng: Prng): [number, number][] {
  const bins = n / 2 + 1;
  const out: [number, number][] = [[0, 1], [0, bins], [bins - 1, bins]];
  let lo = 1;
  while (lo < bins) { const hi = Math.min(bins, lo + rng.int(1, Math.max(1, n / 8))); out.push([lo, hi]); lo = hi; }
  return out.slice(0, 64);
}

describe('fixed-point features match the float64 reference', () => {
  for (const n of [16, 32, 64, 128, 256, 512, 1024]) {
    it(`window ${n}: statistics exactly, bands within ${AMPLITUDE_LSB_PER_SQRT_BIN} LSB·sqrt(bins)`, () => {
      const rng = new Prng(1000 + n);
      const tally: Tally = { bands: 0, withinOneQ8: 0, worstLsb: 0 };
      const rounds = (FULL ? 4 : 1) * (n >= 512 ? 6 : 20);
      for (let r = 0; r < rounds; r++) {
        const channels = rng.int(1, 4);
        const config = featureConfig({
          windowLength: n, channels, window: r % 3 === 2 ? 'rectangular' : 'hann', bands: bandsFor(n, rng),
          axes: channels > 1 && r % 2 === 1 ? [channels - 1, 0] : undefined,
        });
        const kind = WINDOW_KINDS[r % WINDOW_KINDS.length];
        check(config, randomWindow(rng, n, channels, r < WINDOW_KINDS.length ? kind : undefined), tally, 0, `round ${r} (${kind})`);
      }
      expect(tally.worstLsb).toBeLessThanOrEqual(AMPLITUDE_LSB_PER_SQRT_BIN);
      if (process.env.EDGEML_FEATURE_STATS) console.log(`window ${n}: ${tally.bands} bands, ${(100 * tally.withinOneQ8 / tally.bands).toFixed(1)}% within 1 Q8 unit, worst ${tally.worstLsb.toFixed(2)} LSB·sqrt(bins)`);
    });
  }

  it('synthetic vibration windows of every scenario (256 and 1024 frames × 3 axes)', () => {
    const tally: Tally = { bands: 0, withinOneQ8: 0, worstLsb: 0 };
    for (const n of [256, 1024]) {
      const config = featureConfig({
        windowLength: n, channels: 3, sampleRateHz: 1000,
        bandsHz: [[0, 2], [2, 15], [15, 40], [40, 80], [80, 150], [150, 250], [250, 420], [420, 500]],
      });
      SCENARIOS.forEach((scenario, s) => {
        for (const w of vibrationWindows({ seed: 40 + s, scenario, count: FULL ? 8 : 2, windowLength: n })) check(config, w, tally, 0, scenario);
      });
    }
    if (process.env.EDGEML_FEATURE_STATS) console.log(`synthetic: ${tally.bands} bands, ${(100 * tally.withinOneQ8 / tally.bands).toFixed(1)}% within 1 Q8 unit, worst ${tally.worstLsb.toFixed(2)} LSB·sqrt(bins)`);
  });

  it('windows at an offset of a larger buffer, and subsets of features', () => {
    const rng = new Prng(7);
    const tally: Tally = { bands: 0, withinOneQ8: 0, worstLsb: 0 };
    const subsets = [['mean'], ['std', 'rms'], ['min', 'max', 'p2p'], ['zc'], ['bands'], ['mean', 'zc', 'bands']] as const;
    for (const features of subsets) {
      const config = featureConfig({ windowLength: 64, channels: 3, features: [...features], bands: [[1, 5], [5, 33]] });
      const buffer = randomWindow(rng, 200, 3);
      for (const frame of [0, 1, 57, 136]) check(config, buffer, tally, frame * 3, features.join('+'));
    }
  });

  it('extreme windows saturate as documented (rms, p2p; mean, min and max at -32767) and stay exact', () => {
    const config = featureConfig({ windowLength: 1024, channels: 1, features: ['mean', 'std', 'rms', 'min', 'max', 'p2p', 'zc'] });
    const p = createFeaturePipeline(config);
    const out = new Int16Array(p.featureCount);
    p.compute(new Int16Array(1024).fill(-32768), out);
    expect(Array.from(out)).toEqual([-32767, 0, 32767, -32767, -32767, 0, 0]);
    const alt = Int16Array.from({ length: 1024 }, (_, i) => (i % 2 ? 32767 : -32768));
    p.compute(alt, out);
    expect(Array.from(out)).toEqual([0, 32767, 32767, -32767, 32767, 32767, 1023]);
  });

  it('misuse is a BAD_ARGUMENT ModelError', () => {
    const p = createFeaturePipeline(featureConfig({ windowLength: 16, channels: 2 }));
    expect(() => p.compute(new Int16Array(31), new Int16Array(p.featureCount))).toThrow(ModelError);
    expect(() => p.compute(new Int16Array(32), new Int16Array(p.featureCount - 1))).toThrow(ModelError);
    expect(() => p.compute(new Int16Array(40), new Int16Array(p.featureCount), 9)).toThrow(ModelError);
    expect(() => p.compute(new Int16Array(40), new Int16Array(p.featureCount), 0.5)).toThrow(ModelError);
    p.compute(new Int16Array(40), new Int16Array(p.featureCount), 8);
  });
});
