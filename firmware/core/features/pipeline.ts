// Feature pipeline type 1: per-axis window statistics and FFT band energies of int16 samples,
// in exact int32 arithmetic, so Node, XS and the device give the same int16 features.
// createFeaturePipeline() plans every buffer; compute() allocates nothing.
// Definitions, scales and bounds: docs/signal-features.md.
import { fail } from '../errors';
import {
  FEATURE_BANDS, FEATURE_MAX, FEATURE_MEAN, FEATURE_MIN, FEATURE_P2P, FEATURE_RMS, FEATURE_STD,
  FEATURE_ZERO_CROSSINGS, FeatureConfig, WINDOW_HANN, checkFeatureConfig, featureCountOf,
  featureNamesOf, parseFeatureConfig,
} from './config';
import { RealFft } from './fft';
import { cosQ15, isqrt, log2Q16 } from './fixed';

/** Band feature of a band with no energy at all (and the lower clamp): log2 = -32 in Q8. */
export const BAND_FLOOR = -8192;
/** Fractional bits of the band features (log2 of the band power). */
export const BAND_FRACTION_BITS = 8;

export interface FeaturePipeline {
  readonly config: FeatureConfig;
  /** Length of the feature vector. */
  readonly featureCount: number;
  /** Values one window takes from the sample buffer: windowLength × channels. */
  readonly windowValues: number;
  /** Names of the features, in order (allocates: not for the hot path). */
  featureNames(): string[];
  /**
   * Features of the window that starts at `offset` in `samples` (frames of `channels`
   * interleaved values), written to out[0 .. featureCount). Allocates nothing.
   */
  compute(samples: Int16Array, out: Int16Array, offset?: number): void;
}

/** Builds the pipeline of a configuration (validated again here) or of a FEATURES section. */
export function createFeaturePipeline(config: FeatureConfig | Uint8Array): FeaturePipeline {
  if (config instanceof Uint8Array) return new WindowStatsFft(parseFeatureConfig(config));
  checkFeatureConfig(config);
  return new WindowStatsFft(config);
}

class WindowStatsFft implements FeaturePipeline {
  readonly config: FeatureConfig;
  readonly featureCount: number;
  readonly windowValues: number;
  readonly #n: number;
  readonly #log2n: number;
  readonly #channels: number;
  readonly #axes: Int32Array;
  readonly #mask: number;
  readonly #fft: RealFft | undefined;
  readonly #window: Int32Array;
  readonly #bandLo: Int32Array;
  readonly #bandHi: Int32Array;
  readonly #binFrom: number;
  readonly #binTo: number;
  readonly #power: Int32Array;

  constructor(config: FeatureConfig) {
    this.config = config;
    this.featureCount = featureCountOf(config);
    const n = config.windowLength;
    this.#n = n;
    let log2n = 0;
    while ((1 << log2n) < n) log2n++;
    this.#log2n = log2n;
    this.#channels = config.channels;
    this.windowValues = n * config.channels;
    this.#axes = Int32Array.from(config.axes);
    this.#mask = config.features;
    const bandCount = (config.features & FEATURE_BANDS) !== 0 ? config.bands.length : 0;
    this.#bandLo = new Int32Array(bandCount);
    this.#bandHi = new Int32Array(bandCount);
    let from = n;
    let to = 0;
    for (let b = 0; b < bandCount; b++) {
      const [lo, hi] = config.bands[b];
      this.#bandLo[b] = lo;
      this.#bandHi[b] = hi;
      if (lo < from) from = lo;
      if (hi > to) to = hi;
    }
    this.#binFrom = from;
    this.#binTo = to;
    this.#power = new Int32Array(bandCount > 0 ? n / 2 + 1 : 0);
    this.#fft = bandCount > 0 ? new RealFft(n) : undefined;
    // Q15 window, 1.0 = 32768: periodic Hann (1 − cos(2πi/n)) / 2 rounded down, or all ones.
    this.#window = new Int32Array(bandCount > 0 ? n : 0);
    for (let i = 0; i < this.#window.length; i++) {
      this.#window[i] = config.window === WINDOW_HANN ? (32768 - cosQ15((i * 1024) / n)) >> 1 : 32768;
    }
  }

  featureNames(): string[] {
    return featureNamesOf(this.config);
  }

  compute(samples: Int16Array, out: Int16Array, offset = 0): void {
    if (!(offset >= 0 && offset === Math.floor(offset) && offset + this.windowValues <= samples.length)) {
      fail('BAD_ARGUMENT', `a window of ${this.windowValues} values at ${offset} does not fit ${samples.length} samples`);
    }
    if (out.length < this.featureCount) fail('BAD_ARGUMENT', `feature buffer of ${out.length}, need ${this.featureCount}`);
    const axes = this.#axes;
    let o = 0;
    for (let i = 0; i < axes.length; i++) o = this.#axis(samples, offset + axes[i], out, o);
  }

  /** Features of the axis whose first value is samples[first]; returns the next output index. */
  #axis(samples: Int16Array, first: number, out: Int16Array, o: number): number {
    const c = this.#channels;
    const k = this.#log2n;
    const n = this.#n;
    const end = first + n * c;
    const mask = this.#mask;
    // Pass 1: sum, sum of squares as hi·2^16 + lo (x² <= 2^30; hi, lo < 2^26), min, max.
    let sum = 0;
    let hi = 0;
    let lo = 0;
    let min = 32767;
    let max = -32768;
    let i = first, x = 0, p = 0;
    for (; i < end; i += c) {
      x = samples[i];
      p = x * x;
      sum += x;
      hi += p >>> 16;
      lo += p & 0xffff;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = (sum + (n >> 1)) >> k; // round(sum / n), half up
    // Mean, min and max stop at −32767: −32768 is the INPUT quantization's missing value.
    if ((mask & FEATURE_MEAN) !== 0) out[o++] = mean < -32767 ? -32767 : mean;
    if ((mask & FEATURE_STD) !== 0) {
      // floor(variance) = hi·2^(16−k) − q² + floor((lo − 2qr − ceil(r²/n)) / n), sum = q·n + r.
      const q = sum >> k;
      const r = sum & (n - 1);
      const variance = (hi << (16 - k)) - q * q + ((lo - 2 * q * r - ((r * r + n - 1) >> k)) >> k);
      out[o++] = isqrt(variance);
    }
    if ((mask & FEATURE_RMS) !== 0) {
      const rms = isqrt((hi << (16 - k)) + (lo >> k)); // floor(sqrt(floor(sum x² / n)))
      out[o++] = rms > 32767 ? 32767 : rms;
    }
    if ((mask & FEATURE_MIN) !== 0) out[o++] = min < -32767 ? -32767 : min;
    if ((mask & FEATURE_MAX) !== 0) out[o++] = max < -32767 ? -32767 : max;
    if ((mask & FEATURE_P2P) !== 0) out[o++] = max - min > 32767 ? 32767 : max - min;
    if ((mask & FEATURE_ZERO_CROSSINGS) !== 0) {
      // Sign changes of x − sum/n, x >= sum/n counting as positive: x >= ceil(sum / n).
      const level = -((-sum) >> k);
      let above = samples[first] >= level;
      let crossings = 0, now = false;
      for (i = first + c; i < end; i += c) {
        now = samples[i] >= level;
        if (now !== above) {
          crossings++;
          above = now;
        }
      }
      out[o++] = crossings;
    }
    if ((mask & FEATURE_BANDS) !== 0) o = this.#bands(samples, first, mean, max - mean > mean - min ? max - mean : mean - min, out, o);
    return o;
  }

  /** Band features of one axis; `spread` = max |x − mean| over the window. */
  #bands(samples: Int16Array, first: number, mean: number, spread: number, out: Int16Array, o: number): number {
    const bandLo = this.#bandLo;
    const bandHi = this.#bandHi;
    const bands = bandLo.length;
    if (spread === 0) {
      for (let b = 0; b < bands; b++) out[o++] = BAND_FLOOR;
      return o;
    }
    const fft = this.#fft as RealFft;
    // Scale so that the largest |x − mean| takes 15 bits: u = (x − mean) · 2^shift, |u| <= 32768.
    const shift = 15 - (32 - Math.clz32(spread)); // in [-1, 14]: spread <= 65535
    fft.load(samples, first, this.#channels, mean, shift, this.#window);
    fft.run();
    const power = this.#power;
    fft.power(this.#binFrom, this.#binTo, power);
    // Band power P = sum |X[k]|² / n² = (sum of power[k]) · 2^(−2·shift): log2 in Q8.
    const offset = (2 * shift) << 16;
    let eh = 0, el = 0, e = 0, j = 0, stop = 0;
    for (let b = 0; b < bands; b++) {
      eh = 0;
      el = 0;
      for (j = bandLo[b], stop = bandHi[b]; j < stop; j++) {
        e = power[j];
        eh += e >>> 16;
        el += e & 0xffff;
      }
      if (eh === 0 && el === 0) {
        out[o++] = BAND_FLOOR;
      } else {
        const v = (log2Q16(eh, el) - offset + 128) >> 8;
        out[o++] = v < BAND_FLOOR ? BAND_FLOOR : v;
      }
    }
    return o;
  }
}
