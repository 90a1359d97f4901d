// FEATURES section, pipeline type 1 ("window statistics + FFT bands"): the binary layout and
// its validating parser (docs/signal-features.md). The host encoder (host/signals/encode.ts)
// writes exactly what this reads.
import { fail } from '../errors';

export const PIPELINE_WINDOW_STATS_FFT = 1;

/** Bytes before the axis list. */
export const CONFIG_HEADER_BYTES = 20;

export const MIN_WINDOW = 16;
export const MAX_WINDOW = 1024;
export const MAX_CHANNELS = 16;
export const MAX_BANDS = 64;

export const WINDOW_RECTANGULAR = 0;
export const WINDOW_HANN = 1;

// Feature bits, in output order within an axis.
export const FEATURE_MEAN = 1 << 0;
export const FEATURE_STD = 1 << 1;
export const FEATURE_RMS = 1 << 2;
export const FEATURE_MIN = 1 << 3;
export const FEATURE_MAX = 1 << 4;
export const FEATURE_P2P = 1 << 5;
export const FEATURE_ZERO_CROSSINGS = 1 << 6;
export const FEATURE_BANDS = 1 << 7;
export const FEATURE_ALL = 0xff;

/** Names of the statistics, bit i of the mask. */
export const STAT_NAMES: readonly string[] = ['mean', 'std', 'rms', 'min', 'max', 'p2p', 'zc'];

export interface FeatureConfig {
  /** Samples (frames) per window: a power of two in [MIN_WINDOW, MAX_WINDOW]. */
  readonly windowLength: number;
  /** Frames between the starts of consecutive windows, >= 1. */
  readonly hop: number;
  /** Values per frame in the interleaved sample buffer (e.g. 3 for ax, ay, az). */
  readonly channels: number;
  /** Channels to compute features of, in output order (distinct, each < channels). */
  readonly axes: readonly number[];
  /** WINDOW_RECTANGULAR or WINDOW_HANN: the taper applied before the FFT. */
  readonly window: number;
  /** FEATURE_* bits; FEATURE_BANDS requires at least one band. */
  readonly features: number;
  /** Half-open FFT bin ranges [lo, hi), 0 <= lo < hi <= windowLength / 2 + 1. */
  readonly bands: readonly (readonly [number, number])[];
  /** Sample rate in millihertz (informational: for band edges in hertz; 0 = unknown). */
  readonly sampleRateMilliHz: number;
}

/** Byte length of the encoded configuration (section header included). */
export function featureConfigBytes(axisCount: number, bandCount: number): number {
  return CONFIG_HEADER_BYTES + ((axisCount + 3) & ~3) + 4 * bandCount;
}

function popcount(v: number): number {
  let n = 0;
  for (; v !== 0; v &= v - 1) n++;
  return n;
}

/** Features per axis: the statistics selected plus one per band if bands are selected. */
export function featuresPerAxis(config: FeatureConfig): number {
  const stats = popcount(config.features & (FEATURE_BANDS - 1));
  return stats + ((config.features & FEATURE_BANDS) !== 0 ? config.bands.length : 0);
}

export function featureCountOf(config: FeatureConfig): number {
  return config.axes.length * featuresPerAxis(config);
}

/** "ch<axis>.<feature>" for each output, in order; bands read "ch0.band[4,8)". */
export function featureNamesOf(config: FeatureConfig): string[] {
  const names: string[] = [];
  for (const axis of config.axes) {
    for (let f = 0; f < STAT_NAMES.length; f++) {
      if ((config.features & (1 << f)) !== 0) names.push(`ch${axis}.${STAT_NAMES[f]}`);
    }
    if ((config.features & FEATURE_BANDS) !== 0) {
      for (const [lo, hi] of config.bands) names.push(`ch${axis}.band[${lo},${hi})`);
    }
  }
  return names;
}

function bad(message: string): never {
  fail('BAD_SECTION', `FEATURES: ${message}`);
}

/**
 * Reads and validates a whole FEATURES section (the u16 pipeline type and u16 reserved words
 * included). Throws ModelError: UNKNOWN_KIND for a pipeline type other than 1, TOO_LARGE beyond
 * the limits, BAD_SECTION for anything else out of range or inconsistent.
 */
export function parseFeatureConfig(bytes: Uint8Array): FeatureConfig {
  if (bytes.length < 4) bad(`section of ${bytes.length} bytes`);
  const u16 = (at: number): number => bytes[at] | (bytes[at + 1] << 8);
  const type = u16(0);
  if (type !== PIPELINE_WINDOW_STATS_FFT) fail('UNKNOWN_KIND', `FEATURES: pipeline type ${type}`);
  if (u16(2) !== 0) bad('reserved word is not 0');
  if (bytes.length < CONFIG_HEADER_BYTES) bad(`section of ${bytes.length} bytes, the header takes ${CONFIG_HEADER_BYTES}`);
  const windowLength = u16(4);
  const hop = u16(6);
  const channels = bytes[8];
  const axisCount = bytes[9];
  const window = bytes[10];
  const flags = bytes[11];
  const features = u16(12);
  const bandCount = u16(14);
  const sampleRateMilliHz = (bytes[16] | (bytes[17] << 8) | (bytes[18] << 16) | (bytes[19] << 24)) >>> 0;

  if (axisCount < 1 || axisCount > MAX_CHANNELS) bad(`${axisCount} axes`);
  if (bandCount > MAX_BANDS) fail('TOO_LARGE', `FEATURES: ${bandCount} bands (at most ${MAX_BANDS})`);
  const expected = featureConfigBytes(axisCount, bandCount);
  if (bytes.length !== expected) bad(`section of ${bytes.length} bytes, expected ${expected}`);
  if (flags !== 0) bad(`flags ${flags}`);
  const axes: number[] = [];
  for (let i = 0; i < axisCount; i++) axes.push(bytes[CONFIG_HEADER_BYTES + i]);
  const bandsAt = CONFIG_HEADER_BYTES + ((axisCount + 3) & ~3);
  for (let at = CONFIG_HEADER_BYTES + axisCount; at < bandsAt; at++) if (bytes[at] !== 0) bad('padding is not 0');
  const bands: (readonly [number, number])[] = [];
  for (let b = 0; b < bandCount; b++) bands.push([u16(bandsAt + 4 * b), u16(bandsAt + 4 * b + 2)]);
  const config: FeatureConfig = { windowLength, hop, channels, axes, window, features, bands, sampleRateMilliHz };
  checkFeatureConfig(config);
  return config;
}

/** Throws ModelError (TOO_LARGE beyond the limits, BAD_SECTION otherwise) unless `config` is valid. */
export function checkFeatureConfig(config: FeatureConfig): void {
  const { windowLength, hop, channels, axes, window, features, bands, sampleRateMilliHz } = config;
  const int = (v: number, lo: number, hi: number): boolean => typeof v === 'number' && v === Math.floor(v) && v >= lo && v <= hi;
  if (int(windowLength, MAX_WINDOW + 1, Infinity)) fail('TOO_LARGE', `FEATURES: window of ${windowLength} samples (at most ${MAX_WINDOW})`);
  if (!int(windowLength, MIN_WINDOW, MAX_WINDOW) || (windowLength & (windowLength - 1)) !== 0) bad(`window length ${windowLength} is not a power of two in [${MIN_WINDOW}, ${MAX_WINDOW}]`);
  if (!int(hop, 1, 65535)) bad(`hop ${hop}`);
  if (int(channels, MAX_CHANNELS + 1, Infinity)) fail('TOO_LARGE', `FEATURES: ${channels} channels (at most ${MAX_CHANNELS})`);
  if (!int(channels, 1, MAX_CHANNELS)) bad(`${channels} channels`);
  if (axes.length < 1 || axes.length > channels) bad(`${axes.length} axes for ${channels} channels`);
  let seen = 0;
  for (const axis of axes) {
    if (!int(axis, 0, channels - 1)) bad(`axis ${axis} of ${channels} channels`);
    if ((seen & (1 << axis)) !== 0) bad(`axis ${axis} listed twice`);
    seen |= 1 << axis;
  }
  if (window !== WINDOW_RECTANGULAR && window !== WINDOW_HANN) bad(`window function ${window}`);
  if (!int(features, 1, FEATURE_ALL)) bad(`feature mask ${features}`);
  if (bands.length > MAX_BANDS) fail('TOO_LARGE', `FEATURES: ${bands.length} bands (at most ${MAX_BANDS})`);
  const withBands = (features & FEATURE_BANDS) !== 0;
  if (withBands ? bands.length === 0 : bands.length !== 0) bad(`${bands.length} bands with the band feature ${withBands ? 'on' : 'off'}`);
  const bins = windowLength / 2 + 1;
  for (let b = 0; b < bands.length; b++) {
    const [lo, hi] = bands[b];
    if (!int(lo, 0, bins - 1) || !int(hi, lo + 1, bins)) bad(`band ${b} is [${lo}, ${hi}), bins are [0, ${bins})`);
  }
  if (!int(sampleRateMilliHz, 0, 0xffffffff)) bad(`sample rate ${sampleRateMilliHz} mHz`);
}
