// Host side of the FEATURES section (pipeline type 1): build a configuration from friendly
// options (feature names, band edges in hertz) and encode it byte for byte as the core parses it.
import {
  CONFIG_HEADER_BYTES, FEATURE_ALL, FEATURE_BANDS, FeatureConfig, PIPELINE_WINDOW_STATS_FFT,
  STAT_NAMES, WINDOW_HANN, WINDOW_RECTANGULAR, checkFeatureConfig, featureConfigBytes,
  featureCountOf, parseFeatureConfig,
} from '../../firmware/core/features/config';
import { ModelError } from '../../firmware/core/errors';

export type FeatureName = 'mean' | 'std' | 'rms' | 'min' | 'max' | 'p2p' | 'zc' | 'bands';

export const FEATURE_NAMES: readonly FeatureName[] = [...(STAT_NAMES as FeatureName[]), 'bands'];

export interface FeatureOptions {
  windowLength: number;
  /** Default windowLength / 2. */
  hop?: number;
  /** Values per frame (default 3). */
  channels?: number;
  /** Default every channel in order. */
  axes?: number[];
  /** Default 'hann'. */
  window?: 'hann' | 'rectangular';
  /** Default every statistic, and 'bands' when bands are given. */
  features?: FeatureName[];
  /** Bands as FFT bins [lo, hi). */
  bands?: [number, number][];
  /** Bands in hertz [lo, hi) (needs sampleRateHz): bin k covers k·fs/N; lo → ceil, hi → ceil. */
  bandsHz?: [number, number][];
  /** Default 0 (unknown); required with bandsHz. */
  sampleRateHz?: number;
}

/** Hertz edges → bins: a bin k belongs to [loHz, hiHz) when loHz <= k·fs/N < hiHz. */
export function binsOfHz(loHz: number, hiHz: number, sampleRateHz: number, windowLength: number): [number, number] {
  const perBin = sampleRateHz / windowLength;
  const lo = Math.max(0, Math.ceil(loHz / perBin - 1e-9));
  const hi = Math.min(windowLength / 2 + 1, Math.ceil(hiHz / perBin - 1e-9));
  if (!(hi > lo)) throw new RangeError(`band [${loHz}, ${hiHz}) Hz holds no FFT bin at ${sampleRateHz} Hz, ${windowLength} points`);
  return [lo, hi];
}

/** Builds and validates a FeatureConfig (throws RangeError with the reason). */
export function featureConfig(options: FeatureOptions): FeatureConfig {
  const channels = options.channels ?? 3;
  const anyBands = (options.bands?.length ?? 0) + (options.bandsHz?.length ?? 0) > 0;
  const names = options.features ?? FEATURE_NAMES.filter((name) => name !== 'bands' || anyBands);
  let features = 0;
  for (const name of names) {
    const bit = FEATURE_NAMES.indexOf(name);
    if (bit < 0) throw new RangeError(`unknown feature "${name}" (known: ${FEATURE_NAMES.join(', ')})`);
    features |= 1 << bit;
  }
  let bands: [number, number][] = options.bands ? options.bands.map(([lo, hi]) => [lo, hi]) : [];
  if (options.bandsHz) {
    if (!options.sampleRateHz) throw new RangeError('bandsHz needs sampleRateHz');
    bands = bands.concat(options.bandsHz.map(([lo, hi]) => binsOfHz(lo, hi, options.sampleRateHz!, options.windowLength)));
  }
  if ((features & FEATURE_BANDS) === 0) bands = [];
  const config: FeatureConfig = {
    windowLength: options.windowLength,
    hop: options.hop ?? options.windowLength / 2,
    channels,
    axes: options.axes ?? Array.from({ length: channels }, (_, i) => i),
    window: (options.window ?? 'hann') === 'hann' ? WINDOW_HANN : WINDOW_RECTANGULAR,
    features,
    bands,
    sampleRateMilliHz: Math.round((options.sampleRateHz ?? 0) * 1000),
  };
  try {
    checkFeatureConfig(config);
  } catch (e) {
    if (e instanceof ModelError) throw new RangeError(e.message);
    throw e;
  }
  return config;
}

/** The FEATURES section bytes of a configuration (validated; parses back to the same config). */
export function encodeFeatureConfig(config: FeatureConfig): Uint8Array {
  checkFeatureConfig(config);
  const out = new Uint8Array(featureConfigBytes(config.axes.length, config.bands.length));
  const v = new DataView(out.buffer);
  v.setUint16(0, PIPELINE_WINDOW_STATS_FFT, true);
  v.setUint16(2, 0, true);
  v.setUint16(4, config.windowLength, true);
  v.setUint16(6, config.hop, true);
  out[8] = config.channels;
  out[9] = config.axes.length;
  out[10] = config.window;
  out[11] = 0;
  v.setUint16(12, config.features & FEATURE_ALL, true);
  v.setUint16(14, config.bands.length, true);
  v.setUint32(16, config.sampleRateMilliHz, true);
  config.axes.forEach((axis, i) => { out[CONFIG_HEADER_BYTES + i] = axis; });
  const bandsAt = CONFIG_HEADER_BYTES + ((config.axes.length + 3) & ~3);
  config.bands.forEach(([lo, hi], b) => {
    v.setUint16(bandsAt + 4 * b, lo, true);
    v.setUint16(bandsAt + 4 * b + 2, hi, true);
  });
  parseFeatureConfig(out); // what the device will read
  return out;
}

/**
 * The INPUT quantization that goes with the pipeline: the features are the model's int16 input
 * as they are, so every scale is 1 and every zero point 0 (docs/signal-features.md).
 */
export function featureInputQuantization(config: FeatureConfig): { scales: number[]; zeroPoints: number[] } {
  const n = featureCountOf(config);
  return { scales: new Array<number>(n).fill(1), zeroPoints: new Array<number>(n).fill(0) };
}
