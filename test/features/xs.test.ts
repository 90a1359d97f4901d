// The feature pipeline in the real XS engine: byte-identical features with Node for every
// configuration shape, the same verdicts on damaged configurations, the WindowBuffer stream,
// no allocation per window, and the cost per window in computrons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import { createFeaturePipeline } from '../../firmware/core/features/pipeline';
import { WindowBuffer } from '../../firmware/core/features/window-buffer';
import { encodeFeatureConfig, featureConfig } from '../../host/signals/encode';
import { SCENARIOS, vibrationWindows } from '../../host/signals/synthetic';
import { Prng } from '../support/prng';
import { randomWindow } from './windows';
import { XsFeatures } from './xs-features';

const FULL = !!process.env.EDGEML_FULL;
let xs: XsFeatures;
beforeAll(async () => { xs = await XsFeatures.start(); });
afterAll(async () => { await xs?.close(); });

function nodeFeatures(section: Uint8Array, windows: Int16Array[]): Int16Array[] {
  const p = createFeaturePipeline(section);
  return windows.map((w) => { const out = new Int16Array(p.featureCount); p.compute(w, out); return out; });
}

describe('features in XS are byte-identical with Node', () => {
  it('every window length, both windows, feature subsets, 1..6 channels', async () => {
    const rng = new Prng(2024);
    for (const n of [16, 32, 64, 128, 256, 512, 1024]) {
      for (let variant = 0; variant < (FULL ? 6 : 2); variant++) {
        const channels = rng.int(1, 6);
        const bins = n / 2 + 1;
        const bands: [number, number][] = [[0, 1], [1, bins], [bins - 1, bins]];
        for (let k = 0; k < 5; k++) { const lo = rng.int(0, bins - 2); bands.push([lo, rng.int(lo + 1, bins)]); }
        const features = variant % 2 === 0 ? undefined : (['mean', 'zc', 'bands'] as const).slice();
        const section = encodeFeatureConfig(featureConfig({
          windowLength: n, channels, bands, window: variant % 3 === 1 ? 'rectangular' : 'hann', features: features ? [...features] : undefined,
          axes: Array.from({ length: channels }, (_, i) => channels - 1 - i),
        }));
        await xs.configure(section);
        const windows = Array.from({ length: n >= 512 ? 4 : 12 }, () => randomWindow(rng, n, channels));
        const fromXs = await xs.compute(windows);
        const fromNode = nodeFeatures(section, windows);
        fromXs.forEach((f, i) => expect(Array.from(f), `n ${n} variant ${variant} window ${i}`).toEqual(Array.from(fromNode[i])));
      }
    }
  });

  it('synthetic vibration of every scenario', async () => {
    const section = encodeFeatureConfig(featureConfig({ windowLength: 256, channels: 3, sampleRateHz: 1000, bandsHz: [[2, 15], [15, 40], [40, 80], [80, 150], [150, 250], [250, 420], [420, 500]] }));
    await xs.configure(section);
    const windows = SCENARIOS.flatMap((scenario, s) => vibrationWindows({ seed: 90 + s, scenario, count: 5 }));
    const fromXs = await xs.compute(windows);
    const fromNode = nodeFeatures(section, windows);
    expect(fromXs.map((f) => Array.from(f))).toEqual(fromNode.map((f) => Array.from(f)));
  });

  it('a stream through WindowBuffer in XS gives the features of each hop', async () => {
    const rng = new Prng(12);
    for (const channels of [3, 2]) {
      const config = featureConfig({ windowLength: 64, hop: 24, channels, bands: [[1, 8], [8, 33]] });
      const section = encodeFeatureConfig(config);
      await xs.configure(section);
      const frames = randomWindow(rng, 300, channels);
      const fromXs = await xs.stream(frames);
      const p = createFeaturePipeline(section);
      const ring = new WindowBuffer(64, channels, 24);
      const expected: Int16Array[] = [];
      for (let f = 0; f < 300; f++) {
        if (ring.push(frames, f * channels)) {
          const out = new Int16Array(p.featureCount);
          p.compute(frames.subarray((f - 63) * channels, (f + 1) * channels), out);
          expected.push(out);
        }
      }
      expect(expected.length).toBe(Math.floor((300 - 64) / 24) + 1);
      expect(fromXs.map((f) => Array.from(f))).toEqual(expected.map((f) => Array.from(f)));
    }
  });

  it('damaged configurations: the same verdict in XS as in Node', async () => {
    const rng = new Prng(77);
    const good = encodeFeatureConfig(featureConfig({ windowLength: 128, channels: 3, bands: [[1, 4], [4, 65]] }));
    for (let c = 0; c < (FULL ? 1000 : 200); c++) {
      const b = good.slice();
      for (let k = rng.int(1, 3); k > 0; k--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      const cut = rng.next() < 0.1 ? b.subarray(0, rng.int(0, b.length)) : b;
      let verdict: string;
      try {
        verdict = `OK ${createFeaturePipeline(cut).featureCount}`;
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        verdict = e.code;
      }
      expect(await xs.tryConfigure(cut), `case ${c}`).toBe(verdict);
    }
  });
});

describe('cost in XS', () => {
  it('compute() allocates nothing', async () => {
    const rng = new Prng(5);
    for (const n of [64, 256]) {
      await xs.configure(encodeFeatureConfig(featureConfig({ windowLength: n, channels: 3, bands: [[1, 4], [4, n / 2 + 1]] })));
      expect((await xs.allocationPerWindow(randomWindow(rng, n, 3))).slots).toBe(0);
    }
  });

  it('computrons per window (256 × 3, every feature, 8 bands)', async () => {
    const rng = new Prng(6);
    const bands: [number, number][] = [[1, 3], [3, 6], [6, 10], [10, 16], [16, 26], [26, 42], [42, 68], [68, 129]];
    const rows: Record<string, number> = {};
    for (const [name, features] of [['all', undefined], ['statistics', ['mean', 'std', 'rms', 'min', 'max', 'p2p', 'zc']], ['bands', ['bands']]] as const) {
      await xs.configure(encodeFeatureConfig(featureConfig({ windowLength: 256, channels: 3, bands, features: features ? [...features] : undefined })));
      rows[name] = await xs.computronsPerWindow(randomWindow(rng, 256, 3, 'tones+noise'));
    }
    for (const n of [64, 128, 512, 1024]) {
      await xs.configure(encodeFeatureConfig(featureConfig({ windowLength: n, channels: 3, bands: [[1, n / 8], [n / 8, n / 2 + 1]] })));
      rows[`all, ${n} × 3, 2 bands`] = await xs.computronsPerWindow(randomWindow(rng, n, 3, 'tones+noise'), 3);
    }
    if (process.env.EDGEML_FEATURE_STATS) console.log('XS computrons per window', rows);
    expect(rows.all).toBeLessThan(300_000);
  });
});
