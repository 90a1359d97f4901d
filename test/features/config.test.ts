// FEATURES section (pipeline type 1): the host encoder and the core parser agree byte for byte,
// and every field is validated with a typed ModelError.
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import {
  FEATURE_ALL, FeatureConfig, MAX_BANDS, featureCountOf, featureNamesOf, parseFeatureConfig,
} from '../../firmware/core/features/config';
import { createFeaturePipeline } from '../../firmware/core/features/pipeline';
import { binsOfHz, encodeFeatureConfig, featureConfig, featureInputQuantization } from '../../host/signals/encode';
import { Prng } from '../support/prng';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (e instanceof ModelError) return e.code;
    throw e;
  }
}

const base = (): FeatureConfig => featureConfig({ windowLength: 256, hop: 64, channels: 3, bands: [[1, 4], [4, 16], [16, 129]], sampleRateHz: 1000 });

describe('encodeFeatureConfig / parseFeatureConfig', () => {
  it('round-trips every field', () => {
    const config = featureConfig({
      windowLength: 512, hop: 100, channels: 6, axes: [5, 0, 2], window: 'rectangular',
      features: ['std', 'zc', 'bands'], bands: [[0, 1], [3, 7], [200, 257]], sampleRateHz: 1234.5,
    });
    const bytes = encodeFeatureConfig(config);
    expect(bytes.length).toBe(20 + 4 + 12);
    expect(parseFeatureConfig(bytes)).toEqual(config);
    expect(featureCountOf(config)).toBe(3 * 5);
    expect(featureNamesOf(config).slice(0, 5)).toEqual(['ch5.std', 'ch5.zc', 'ch5.band[0,1)', 'ch5.band[3,7)', 'ch5.band[200,257)']);
  });

  it('lays out the documented bytes', () => {
    const bytes = encodeFeatureConfig(base());
    expect(Array.from(bytes.subarray(0, 24))).toEqual([
      1, 0, 0, 0,          // type 1, reserved
      0, 1, 64, 0,         // window 256, hop 64
      3, 3, 1, 0,          // channels, axis count, Hann, flags
      0xff, 0, 3, 0,       // all features, 3 bands
      0x40, 0x42, 0x0f, 0, // 1,000,000 mHz
      0, 1, 2, 0,          // axes, padding
    ]);
    expect(Array.from(new Uint16Array(bytes.buffer, 24))).toEqual([1, 4, 4, 16, 16, 129]);
  });

  it('host helpers: bands in hertz, names, identity quantization', () => {
    expect(binsOfHz(25, 35, 1000, 256)).toEqual([7, 9]); // bins at 3.90625 Hz: 7 → 27.3, 8 → 31.3
    expect(binsOfHz(0, 500, 1000, 256)).toEqual([0, 128]);
    expect(binsOfHz(0, 1000, 1000, 256)).toEqual([0, 129]);
    expect(() => binsOfHz(10, 11, 1000, 256)).toThrow(RangeError);
    const c = featureConfig({ windowLength: 128, bandsHz: [[10, 50], [50, 200]], sampleRateHz: 1000 });
    expect(c.bands).toEqual([[2, 7], [7, 26]]);
    expect(featureInputQuantization(c)).toEqual({ scales: new Array(27).fill(1), zeroPoints: new Array(27).fill(0) });
    expect(() => featureConfig({ windowLength: 100 })).toThrow(RangeError);
    expect(() => featureConfig({ windowLength: 64, features: ['bogus' as 'mean'] })).toThrow(/unknown feature/);
  });

  it('refuses each bad field with its code', () => {
    const good = encodeFeatureConfig(base());
    const cases: [string, (b: Uint8Array, v: DataView) => void, string][] = [
      ['pipeline type', (_, v) => v.setUint16(0, 2, true), 'UNKNOWN_KIND'],
      ['reserved', (_, v) => v.setUint16(2, 1, true), 'BAD_SECTION'],
      ['window not a power of two', (_, v) => v.setUint16(4, 300, true), 'BAD_SECTION'],
      ['window too short', (_, v) => v.setUint16(4, 8, true), 'BAD_SECTION'],
      ['window too long', (_, v) => v.setUint16(4, 2048, true), 'TOO_LARGE'],
      ['hop 0', (_, v) => v.setUint16(6, 0, true), 'BAD_SECTION'],
      ['no channels', (b) => { b[8] = 0; }, 'BAD_SECTION'],
      ['too many channels', (b) => { b[8] = 17; }, 'TOO_LARGE'],
      ['more axes than channels', (b) => { b[8] = 2; }, 'BAD_SECTION'],
      ['axis out of range', (b) => { b[22] = 3; }, 'BAD_SECTION'],
      ['axis twice', (b) => { b[22] = 0; }, 'BAD_SECTION'],
      ['padding', (b) => { b[23] = 1; }, 'BAD_SECTION'],
      ['window function', (b) => { b[10] = 2; }, 'BAD_SECTION'],
      ['flags', (b) => { b[11] = 1; }, 'BAD_SECTION'],
      ['no features', (_, v) => v.setUint16(12, 0, true), 'BAD_SECTION'],
      ['unknown feature bit', (_, v) => v.setUint16(12, 0x1ff, true), 'BAD_SECTION'],
      ['bands without the band feature', (_, v) => v.setUint16(12, 0x7f, true), 'BAD_SECTION'],
      ['band empty', (_, v) => v.setUint16(26, 1, true), 'BAD_SECTION'],
      ['band reversed', (_, v) => v.setUint16(24, 5, true), 'BAD_SECTION'],
      ['band past Nyquist', (_, v) => v.setUint16(34, 130, true), 'BAD_SECTION'],
    ];
    for (const [name, damage, code] of cases) {
      const b = good.slice();
      damage(b, new DataView(b.buffer));
      expect(codeOf(() => parseFeatureConfig(b)), name).toBe(code);
    }
    expect(codeOf(() => parseFeatureConfig(good.subarray(0, 3)))).toBe('BAD_SECTION');
    expect(codeOf(() => parseFeatureConfig(good.subarray(0, 19)))).toBe('BAD_SECTION');
    expect(codeOf(() => parseFeatureConfig(good.subarray(0, good.length - 4)))).toBe('BAD_SECTION');
    expect(codeOf(() => parseFeatureConfig(new Uint8Array([...good, 0, 0, 0, 0])))).toBe('BAD_SECTION');
    const many = good.slice();
    new DataView(many.buffer).setUint16(14, MAX_BANDS + 1, true);
    expect(codeOf(() => parseFeatureConfig(many))).toBe('TOO_LARGE');
  });

  it('refuses bad configuration objects too (createFeaturePipeline, encodeFeatureConfig)', () => {
    const bad: Partial<FeatureConfig>[] = [
      { windowLength: 255 }, { hop: 0.5 }, { axes: [] }, { axes: [0, 0] }, { axes: [7] }, { features: 0 },
      { features: FEATURE_ALL + 1 }, { bands: [] }, { bands: [[3, 3]] }, { sampleRateMilliHz: -1 },
    ];
    for (const patch of bad) {
      const config = { ...base(), ...patch } as FeatureConfig;
      expect(codeOf(() => createFeaturePipeline(config)), JSON.stringify(patch)).not.toBe('OK');
      expect(() => encodeFeatureConfig(config)).toThrow(ModelError);
    }
  });

  it('random bytes and damaged sections: a ModelError or a valid config, nothing else', () => {
    const rng = new Prng(99);
    const good = encodeFeatureConfig(base());
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      let b: Uint8Array;
      if (i % 3 === 0) {
        b = new Uint8Array(rng.int(0, 60)).map(() => rng.int(0, 255));
        if (b.length >= 4 && rng.next() < 0.8) { b[0] = 1; b[1] = 0; b[2] = 0; b[3] = 0; }
      } else {
        b = good.slice();
        for (let k = rng.int(1, 3); k > 0; k--) b[rng.int(0, b.length - 1)] = rng.pick([0, 1, 2, 3, 8, 16, 64, 128, 255, rng.int(0, 255)]);
      }
      const code = codeOf(() => createFeaturePipeline(b));
      if (code === 'OK') {
        accepted++;
        expect(encodeFeatureConfig(parseFeatureConfig(b))).toEqual(b); // canonical
      }
    }
    expect(accepted).toBeGreaterThan(10);
  });
});
