// mulberry32: a 32-bit-state generator, small and fast, for streams that need no more (signal
// synthesis, CNN initialization and batch order). The same seed gives the same stream on every
// run and machine (32-bit integer arithmetic and one exact division). Not for cryptography;
// dataset splits and tree sampling use the longer-period `Random` (random.ts).

export class Mulberry32 {
  #state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed ${seed} is not a finite number`);
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1), 32 random bits. */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
}
