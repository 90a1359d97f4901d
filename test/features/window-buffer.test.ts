// WindowBuffer: windows of the latest `length` frames every `hop` frames, contiguous, no copies.
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../firmware/core/errors';
import { WindowBuffer } from '../../firmware/core/features/window-buffer';
import { Prng } from '../support/prng';

describe('WindowBuffer', () => {
  for (const [length, channels, hop] of [[16, 3, 8], [16, 3, 16], [8, 1, 1], [8, 2, 3], [8, 3, 20], [64, 6, 64]]) {
    it(`length ${length}, ${channels} channels, hop ${hop}`, () => {
      const rng = new Prng(length * 100 + hop);
      const ring = new WindowBuffer(length, channels, hop);
      const frames: number[][] = [];
      const readyAt: number[] = [];
      for (let f = 0; f < 10 * length + 7; f++) {
        const frame = Array.from({ length: channels }, () => rng.int(-32768, 32767));
        frames.push(frame);
        const ready = channels === 3 && f % 2 === 0 ? ring.push3(frame[0], frame[1], frame[2]) : ring.push(frame);
        if (!ready) continue;
        readyAt.push(f);
        const window = ring.samples.subarray(ring.offset, ring.offset + length * channels);
        expect(Array.from(window)).toEqual(frames.slice(f + 1 - length, f + 1).flat());
      }
      const expected: number[] = [];
      for (let f = length - 1; f < 10 * length + 7; f += hop) expected.push(f);
      expect(readyAt).toEqual(expected);
      expect(ring.filled).toBe(length);
    });
  }

  it('push takes a frame at an offset; reset forgets everything', () => {
    const ring = new WindowBuffer(4, 2, 2);
    const data = Int16Array.from([9, 9, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ring.push(data, 2)).toBe(false);
    expect(ring.push(data, 4)).toBe(false);
    expect(ring.push(data, 6)).toBe(false);
    expect(ring.push(data, 8)).toBe(true);
    expect(Array.from(ring.samples.subarray(ring.offset, ring.offset + 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    ring.reset();
    expect(ring.filled).toBe(0);
    for (let i = 0; i < 3; i++) expect(ring.push([i, i])).toBe(false);
    expect(ring.push([3, 3])).toBe(true);
    expect(Array.from(ring.samples.subarray(ring.offset, ring.offset + 8))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('refuses bad arguments', () => {
    expect(() => new WindowBuffer(0, 3, 1)).toThrow(ModelError);
    expect(() => new WindowBuffer(16, 0, 1)).toThrow(ModelError);
    expect(() => new WindowBuffer(16, 3, 0)).toThrow(ModelError);
    expect(() => new WindowBuffer(16, 2, 1).push3(1, 2, 3)).toThrow(ModelError);
  });
});
