// Sliding windows over a stream of frames (one frame = `channels` int16 values, e.g. ax, ay, az),
// for the device's sampling loop: push frames one at a time; every `hop` frames once the
// window is full, push() returns true and the latest `length` frames sit contiguously in
// `samples` from `offset`, ready for FeaturePipeline.compute(samples, out, offset).
//
// Each frame is written twice, at p and p + length in a buffer of 2 × length frames (a mirrored
// ring), so a window never wraps and nothing is copied or allocated per window.
import { fail } from '../errors';

export class WindowBuffer {
  /** Frames per window. */
  readonly length: number;
  readonly channels: number;
  readonly hop: number;
  /** The mirrored ring: 2 × length × channels values. */
  readonly samples: Int16Array;
  #next = 0;        // ring position (in frames) of the next frame
  #filled = 0;      // frames received, up to length
  #sinceReady = 0;  // frames since the last ready window
  #offset = 0;

  constructor(length: number, channels: number, hop: number) {
    const int = (v: number, lo: number, hi: number) => typeof v === 'number' && v === Math.floor(v) && v >= lo && v <= hi;
    if (!int(length, 1, 65535)) fail('BAD_ARGUMENT', `window length ${length}`);
    if (!int(channels, 1, 255)) fail('BAD_ARGUMENT', `${channels} channels`);
    if (!int(hop, 1, 65535)) fail('BAD_ARGUMENT', `hop ${hop}`);
    this.length = length;
    this.channels = channels;
    this.hop = hop;
    this.samples = new Int16Array(2 * length * channels);
  }

  /** Offset in `samples` of the oldest frame of the last ready window. */
  get offset(): number {
    return this.#offset;
  }

  /** Frames received so far, capped at the window length. */
  get filled(): number {
    return this.#filled;
  }

  /**
   * Appends one frame: frame[at .. at + channels) (values are stored as int16, wrapping like an
   * Int16Array). Returns true when a window is ready: the window is full and `hop` frames
   * arrived since the previous ready window (the first window is ready at the `length`-th frame).
   */
  push(frame: ArrayLike<number>, at = 0): boolean {
    const c = this.channels;
    const s = this.samples;
    const p = this.#next;
    const first = p * c;
    const second = (p + this.length) * c;
    for (let i = 0; i < c; i++) {
      const v = frame[at + i];
      s[first + i] = v;
      s[second + i] = v;
    }
    return this.#advance(p);
  }

  /** push() for a frame of three values, without an array. */
  push3(x: number, y: number, z: number): boolean {
    if (this.channels !== 3) fail('BAD_ARGUMENT', `push3 on a buffer of ${this.channels} channels`);
    const s = this.samples;
    const p = this.#next;
    const first = p * 3;
    const second = (p + this.length) * 3;
    s[first] = x; s[first + 1] = y; s[first + 2] = z;
    s[second] = x; s[second + 1] = y; s[second + 2] = z;
    return this.#advance(p);
  }

  /** Forgets every frame (for example after a gap in sampling). */
  reset(): void {
    this.#next = 0;
    this.#filled = 0;
    this.#sinceReady = 0;
    this.#offset = 0;
  }

  #advance(p: number): boolean {
    const next = p + 1 === this.length ? 0 : p + 1;
    this.#next = next;
    if (this.#filled < this.length) {
      this.#filled++;
      if (this.#filled < this.length) return false;
    } else if (++this.#sinceReady < this.hop) {
      return false;
    }
    // Ready: the oldest frame of the window is the one the next push overwrites.
    this.#sinceReady = 0;
    this.#offset = next * this.channels;
    return true;
  }
}
