// The synthetic vibration generator: seeded, in MPU6050 counts, with the physics of each
// scenario where vibration analysis looks for it, and features that tell the scenarios apart.
import { describe, expect, it } from 'vitest';
import { createFeaturePipeline } from '../../firmware/core/features/pipeline';
import { WindowBuffer } from '../../firmware/core/features/window-buffer';
import { featureConfig } from '../../host/signals/encode';
import { extractFeatures, extractStreamFeatures } from '../../host/signals/features';
import {
  SCENARIOS, Scenario, VibrationSimulator, vibrationDataset, vibrationStream, vibrationWindows,
} from '../../host/signals/synthetic';
import { referencePowerSpectrum } from './reference';

const N = 1024; // 0.98 Hz per bin at 1 kHz

function channel(window: Int16Array, axis: number): number[] {
  const out: number[] = [];
  for (let i = axis; i < window.length; i += 3) out.push(window[i]);
  return out;
}

/** Power spectrum (float64 reference DFT, Hann) of one axis, mean removed. */
function spectrum(window: Int16Array, axis: number): Float64Array {
  const x = channel(window, axis);
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return referencePowerSpectrum(x.map((v) => v - mean), true);
}

/** Bin of the largest value in [fromHz, toHz). */
function peakHz(power: Float64Array, fromHz: number, toHz: number, fs = 1000): number {
  let best = -1;
  let at = 0;
  for (let k = Math.ceil((fromHz * N) / fs); k < (toHz * N) / fs; k++) if (power[k] > best) { best = power[k]; at = k; }
  return (at * fs) / N;
}

function bandPower(power: Float64Array, fromHz: number, toHz: number, fs = 1000): number {
  let p = 0;
  for (let k = Math.ceil((fromHz * N) / fs); k < (toHz * N) / fs; k++) p += power[k];
  return p;
}

function one(scenario: Scenario, seed: number): { w: Int16Array; sim: VibrationSimulator } {
  const sim = new VibrationSimulator({ seed, scenario });
  const [w] = vibrationWindows({ seed, scenario, count: 1, windowLength: N });
  return { w, sim };
}

describe('synthetic machine vibration', () => {
  it('is seeded: same seed, same samples; another seed, another machine', () => {
    const a = vibrationWindows({ seed: 1, scenario: 'bearing', count: 2 });
    const b = vibrationWindows({ seed: 1, scenario: 'bearing', count: 2 });
    const c = vibrationWindows({ seed: 2, scenario: 'bearing', count: 2 });
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
    expect(a[0].length).toBe(256 * 3);
    expect(new VibrationSimulator({ seed: 3 }).profile.shaftHz).not.toBe(new VibrationSimulator({ seed: 4 }).profile.shaftHz);
  });

  it('reads like an MPU6050 at ±2 g: gravity on z, small offsets on x and y', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { w } = one('normal', seed);
      const mean = (axis: number) => channel(w, axis).reduce((s, v) => s + v, 0) / N;
      expect(Math.abs(mean(2) - 16384)).toBeLessThan(0.1 * 16384);
      expect(Math.abs(mean(0))).toBeLessThan(0.12 * 16384);
      expect(Math.abs(mean(1))).toBeLessThan(0.12 * 16384);
      for (const axis of [0, 1, 2]) {
        const x = channel(w, axis);
        const m = mean(axis);
        const rmsG = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / N) / 16384;
        expect(rmsG).toBeGreaterThan(0.003); // sensor + machine noise
        expect(rmsG).toBeLessThan(0.03);
      }
    }
  });

  it('imbalance: a strong 1x (shaft speed) peak on the radial axes', () => {
    for (let seed = 11; seed <= 14; seed++) {
      const { w, sim } = one('imbalance', seed);
      const f = sim.profile.shaftHz;
      for (const axis of [0, 2]) expect(Math.abs(peakHz(spectrum(w, axis), 5, 500) - f)).toBeLessThan(2);
      const healthy = one('normal', seed).w;
      expect(bandPower(spectrum(w, 0), f - 3, f + 3)).toBeGreaterThan(50 * bandPower(spectrum(healthy, 0), f - 3, f + 3));
    }
  });

  it('misalignment: 2x dominates the axial axis, and axial 2x beats radial 2x', () => {
    for (let seed = 21; seed <= 24; seed++) {
      const { w, sim } = one('misalignment', seed);
      const f2 = 2 * sim.profile.shaftHz;
      const axial = spectrum(w, 1);
      expect(Math.abs(peakHz(axial, 5, 500) - f2)).toBeLessThan(2);
      expect(bandPower(axial, f2 - 3, f2 + 3)).toBeGreaterThan(bandPower(spectrum(w, 2), f2 - 3, f2 + 3));
      expect(bandPower(axial, f2 - 3, f2 + 3)).toBeGreaterThan(2 * bandPower(axial, f2 / 2 - 3, f2 / 2 + 3));
    }
  });

  it('bearing fault: resonance energy up, and the envelope spectrum peaks at BPFO', () => {
    for (let seed = 31; seed <= 34; seed++) {
      const { w, sim } = one('bearing', seed);
      const { resonanceHz, bpfoHz } = sim.profile;
      const healthy = one('normal', seed).w;
      expect(bandPower(spectrum(w, 2), resonanceHz - 60, resonanceHz + 60)).toBeGreaterThan(30 * bandPower(spectrum(healthy, 2), resonanceHz - 60, resonanceHz + 60));
      // Envelope analysis: high-pass (second difference), square, spectrum of the envelope.
      const x = channel(w, 2);
      const env = x.slice(2).map((v, i) => (v - 2 * x[i + 1] + x[i]) ** 2);
      const mean = env.reduce((a, b) => a + b, 0) / env.length;
      const padded = [...env.map((v) => v - mean), 0, 0];
      const found = peakHz(referencePowerSpectrum(padded, true), 0.5 * sim.profile.shaftHz, 1.6 * bpfoHz);
      expect(Math.abs(found - bpfoHz), `seed ${seed}: envelope peak ${found} Hz, BPFO ${bpfoHz.toFixed(1)} Hz`).toBeLessThan(2.5);
    }
  });

  it('a stream switches scenario on the fly, smoothly, with a label per frame', () => {
    const s = vibrationStream({ seed: 5, segments: [{ scenario: 'normal', seconds: 2 }, { scenario: 'imbalance', seconds: 1.5 }, { scenario: 'normal', seconds: 1 }] });
    expect(s.samples.length).toBe(4500 * 3);
    expect(Array.from(s.labels.subarray(1995, 2005))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(s.labels[4499]).toBe(0);
    const rms = (from: number, to: number) => {
      const x = channel(s.samples.subarray(from * 3, to * 3), 0);
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0) / x.length);
    };
    expect(rms(2500, 3500)).toBeGreaterThan(8 * rms(1000, 2000));
    expect(rms(4000, 4500)).toBeLessThan(2 * rms(1000, 2000));
    // no step at the switch: the first frames after it differ from the last before by noise only
    const before = channel(s.samples.subarray(1990 * 3, 2000 * 3), 0);
    const after = channel(s.samples.subarray(2000 * 3, 2010 * 3), 0);
    expect(Math.abs(after[0] - before[9])).toBeLessThan(6 * rms(1000, 2000));
    expect(() => vibrationStream({ seed: 1, segments: [{ scenario: 'broken' as Scenario, seconds: 1 }] })).toThrow(RangeError);
  });
});

describe('features separate the four scenarios', () => {
  const bandsHz: [number, number][] = [[2, 15], [15, 40], [40, 80], [80, 150], [150, 250], [250, 420], [420, 500]];
  const config = featureConfig({ windowLength: 256, channels: 3, sampleRateHz: 1000, bandsHz, features: ['std', 'rms', 'p2p', 'zc', 'bands'] });
  const pipeline = createFeaturePipeline(config);
  const data = vibrationDataset({ seed: 2024, machines: 8, windowsPerScenario: 10, windowLength: 256 });
  const features = data.windows.map((w) => { const out = new Int16Array(pipeline.featureCount); pipeline.compute(w, out); return Array.from(out); });

  it('band energies move as physics says (per machine, fault vs normal)', () => {
    const names = pipeline.featureNames();
    const col = (name: string) => names.indexOf(name);
    const avg = (machine: number, label: number, name: string) => {
      const rows = features.filter((_, i) => data.machines[i] === machine && data.labels[i] === label);
      return rows.reduce((s, r) => s + r[col(name)], 0) / rows.length;
    };
    const [normal, imbalance, misalignment, bearing] = [0, 1, 2, 3];
    const band = (axis: number, hz: [number, number]) => `ch${axis}.band[${config.bands[bandsHz.findIndex((b) => b[0] === hz[0])].join(',')})`;
    const Q8_10DB = Math.round(256 * Math.log2(10)); // 10 dB in the log2 Q8 scale
    for (let m = 0; m < 8; m++) {
      expect(avg(m, imbalance, band(0, [15, 40])) - avg(m, normal, band(0, [15, 40]))).toBeGreaterThan(Q8_10DB);
      expect(avg(m, misalignment, band(1, [40, 80])) - avg(m, normal, band(1, [40, 80]))).toBeGreaterThan(Q8_10DB);
      expect(avg(m, bearing, band(2, [250, 420])) - avg(m, normal, band(2, [250, 420]))).toBeGreaterThan(Q8_10DB);
      expect(avg(m, bearing, 'ch2.zc')).toBeGreaterThan(avg(m, imbalance, 'ch2.zc'));
    }
  });

  it('a nearest-centroid classifier trained on 5 machines recognizes 3 others', () => {
    const train = features.map((_, i) => i).filter((i) => data.machines[i] < 5);
    const test = features.map((_, i) => i).filter((i) => data.machines[i] >= 5);
    const dims = pipeline.featureCount;
    const mu = new Array(dims).fill(0);
    const sd = new Array(dims).fill(0);
    for (const i of train) features[i].forEach((v, d) => { mu[d] += v / train.length; });
    for (const i of train) features[i].forEach((v, d) => { sd[d] += (v - mu[d]) ** 2 / train.length; });
    const z = (row: number[]) => row.map((v, d) => (v - mu[d]) / (Math.sqrt(sd[d]) || 1));
    const centroids = SCENARIOS.map((_, label) => {
      const rows = train.filter((i) => data.labels[i] === label).map((i) => z(features[i]));
      return rows[0].map((_, d) => rows.reduce((s, r) => s + r[d], 0) / rows.length);
    });
    let correct = 0;
    for (const i of test) {
      const x = z(features[i]);
      const dist = centroids.map((c) => c.reduce((s, v, d) => s + (v - x[d]) ** 2, 0));
      if (dist.indexOf(Math.min(...dist)) === data.labels[i]) correct++;
    }
    if (process.env.EDGEML_FEATURE_STATS) console.log(`nearest centroid: ${correct} / ${test.length} windows of unseen machines`);
    expect(correct / test.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe('host feature extraction', () => {
  it('extractFeatures and extractStreamFeatures run the device pipeline as the WindowBuffer does', () => {
    const config = featureConfig({ windowLength: 64, hop: 40, channels: 3, bands: [[1, 9], [9, 33]] });
    const stream = vibrationStream({ seed: 3, segments: [{ scenario: 'normal', seconds: 0.5 }, { scenario: 'bearing', seconds: 0.5 }] });
    const table = extractStreamFeatures(config, stream.samples);
    const ring = new WindowBuffer(64, 3, 40);
    const pipeline = createFeaturePipeline(config);
    const expected: number[][] = [];
    const frames: number[] = [];
    for (let f = 0; f < 1000; f++) {
      if (ring.push(stream.samples, 3 * f)) {
        const out = new Int16Array(pipeline.featureCount);
        pipeline.compute(ring.samples, out, ring.offset);
        expected.push(Array.from(out));
        frames.push(f);
      }
    }
    expect(table.rows.map((r) => Array.from(r))).toEqual(expected);
    expect(table.lastFrame).toEqual(frames);
    const windows = vibrationWindows({ seed: 3, scenario: 'imbalance', count: 3, windowLength: 64 });
    expect(extractFeatures(config, windows).rows[2]).toEqual(extractStreamFeatures(config, windows[2]).rows[0]);
    expect(() => extractFeatures(config, [new Int16Array(5)])).toThrow(RangeError);
  });
});
