// Seeded random numbers for the signal generators: mulberry32, and normal deviates by Box–Muller
// (both of each pair used).
import { Mulberry32 } from '../data/mulberry32';

export class SignalRandom extends Mulberry32 {
  #spare: number | undefined;

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal deviate. */
  gaussian(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A new independent generator derived from this one (for sub-streams). */
  fork(): SignalRandom {
    return new SignalRandom(Math.floor(this.next() * 4294967296));
  }
}
