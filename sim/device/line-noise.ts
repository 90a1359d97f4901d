// Serial line noise for fault-injection tests: drops, duplicates or corrupts bytes at a given
// rate, reproducibly from a seed.

export interface LineNoiseOptions {
  /** Probability that a byte is hit (0..1). */
  rate: number;
  seed?: number;
  /** Relative weights of the faults (default 1 each). */
  drop?: number;
  duplicate?: number;
  corrupt?: number;
}

export interface LineNoiseCounts {
  dropped: number;
  duplicated: number;
  corrupted: number;
}

export class LineNoise {
  readonly rate: number;
  readonly counts: LineNoiseCounts = { dropped: 0, duplicated: 0, corrupted: 0 };
  readonly #weights: [number, number, number];
  #state: number;

  constructor(options: LineNoiseOptions) {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError(`noise rate ${options.rate}: 0..1`);
    this.rate = options.rate;
    const w: [number, number, number] = [options.drop ?? 1, options.duplicate ?? 1, options.corrupt ?? 1];
    const total = w[0] + w[1] + w[2];
    if (!(total > 0) || w.some((x) => x < 0)) throw new RangeError('noise weights must be >= 0 and not all 0');
    this.#weights = [w[0] / total, (w[0] + w[1]) / total, 1];
    this.#state = (options.seed ?? 1) >>> 0;
  }

  /** mulberry32 */
  #random(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  apply(bytes: Uint8Array): Uint8Array {
    if (this.rate === 0) return bytes;
    const out: number[] = [];
    for (const b of bytes) {
      if (this.#random() >= this.rate) {
        out.push(b);
        continue;
      }
      const kind = this.#random();
      if (kind < this.#weights[0]) this.counts.dropped++;
      else if (kind < this.#weights[1]) {
        out.push(b, b);
        this.counts.duplicated++;
      } else {
        out.push(b ^ (1 << Math.floor(this.#random() * 8)));
        this.counts.corrupted++;
      }
    }
    return new Uint8Array(out);
  }
}
