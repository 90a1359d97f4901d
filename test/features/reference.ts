// Float64 reference of the signal features, written straight from the definitions in
// docs/signal-features.md: sums in doubles (exact below 2^53), Math.sqrt, a DFT by its
// definition, Math.log2. Independent of firmware/core/features except for the config type.
import type { FeatureConfig } from '../../firmware/core/features/config';

export const FEATURE_STATS = ['mean', 'std', 'rms', 'min', 'max', 'p2p', 'zc'] as const;
const BAND_FLOOR = -8192;

export interface ReferenceFeatures {
  /** The features rounded as the pipeline defines them (int16 values). */
  values: number[];
  /** Before rounding: for bands 256·log2(P) (or -Infinity), for the rest the value itself. */
  exact: number[];
  /** Kind of each feature: a statistic name or 'band'. */
  kinds: string[];
}

/** floor(sqrt(v)) for an exact double v >= 0 (corrects Math.sqrt's rounding). */
function floorSqrt(v: number): number {
  let r = Math.floor(Math.sqrt(v));
  while (r * r > v) r--;
  while ((r + 1) * (r + 1) <= v) r++;
  return r;
}

const trig = new Map<number, { cos: Float64Array; sin: Float64Array }>();
function table(n: number) {
  let t = trig.get(n);
  if (!t) {
    t = { cos: new Float64Array(n), sin: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      t.cos[i] = Math.cos((2 * Math.PI * i) / n);
      t.sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    trig.set(n, t);
  }
  return t;
}

/** |X[k]|² / n² for k in [0, n/2], X the DFT of the (windowed) sequence. */
export function referencePowerSpectrum(seq: ArrayLike<number>, hann: boolean): Float64Array {
  const n = seq.length;
  const { cos, sin } = table(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = hann ? seq[i] * 0.5 * (1 - cos[i]) : seq[i];
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const j = (k * i) % n;
      re += v[i] * cos[j];
      im -= v[i] * sin[j];
    }
    out[k] = (re * re + im * im) / (n * n);
  }
  return out;
}

export function referenceFeatures(config: FeatureConfig, samples: Int16Array, offset = 0): ReferenceFeatures {
  const n = config.windowLength;
  const values: number[] = [];
  const exact: number[] = [];
  const kinds: string[] = [];
  const push = (kind: string, value: number, e = value) => { kinds.push(kind); values.push(value); exact.push(e); };
  for (const axis of config.axes) {
    const x: number[] = [];
    for (let i = 0; i < n; i++) x.push(samples[offset + i * config.channels + axis]);
    let s = 0;
    let s2 = 0;
    for (const v of x) { s += v; s2 += v * v; }
    const mu = s / n;
    const mean = Math.round(mu) + 0; // no -0
    const min = Math.min(...x);
    const max = Math.max(...x);
    const variance = (n * s2 - s * s) / (n * n); // exact: both products < 2^53, n² a power of two
    // Mean, min and max stop at −32767 (−32768 is the missing value of the INPUT quantization).
    const int16 = (v: number) => Math.max(-32767, v);
    const stats: Record<string, [number, number]> = {
      mean: [int16(mean), mu],
      std: [floorSqrt(variance), Math.sqrt(variance)],
      rms: [Math.min(32767, floorSqrt(s2 / n)), Math.sqrt(s2 / n)],
      min: [int16(min), min],
      max: [int16(max), max],
      p2p: [Math.min(32767, max - min), max - min],
      zc: [0, 0],
    };
    let zc = 0;
    for (let i = 1; i < n; i++) if ((x[i] - mu >= 0) !== (x[i - 1] - mu >= 0)) zc++;
    stats.zc = [zc, zc];
    FEATURE_STATS.forEach((name, bit) => {
      if ((config.features & (1 << bit)) !== 0) push(name, stats[name][0], stats[name][1]);
    });
    if ((config.features & (1 << 7)) !== 0) {
      const power = referencePowerSpectrum(x.map((v) => v - mean), config.window === 1);
      for (const [lo, hi] of config.bands) {
        let p = 0;
        for (let k = lo; k < hi; k++) p += power[k];
        const e = p > 0 ? 256 * Math.log2(p) : -Infinity;
        push('band', p > 0 ? Math.max(BAND_FLOOR, Math.round(e)) : BAND_FLOOR, e);
      }
    }
  }
  return { values, exact, kinds };
}
