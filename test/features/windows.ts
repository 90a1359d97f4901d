// Test windows for the feature pipeline: random int16 windows of many shapes, seeded.
import { Prng } from '../support/prng';

export type WindowKind = 'uniform' | 'small' | 'tone' | 'tones+noise' | 'constant' | 'extremes' | 'alternating' | 'spike' | 'step' | 'offset-tone';
export const WINDOW_KINDS: readonly WindowKind[] = ['uniform', 'small', 'tone', 'tones+noise', 'constant', 'extremes', 'alternating', 'spike', 'step', 'offset-tone'];

const clamp = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v)));

/** One channel of n samples of the given kind. */
export function randomChannel(rng: Prng, n: number, kind: WindowKind): Int16Array {
  const x = new Int16Array(n);
  const gauss = () => { let s = 0; for (let i = 0; i < 6; i++) s += rng.next(); return (s - 3) * Math.SQRT2; };
  switch (kind) {
    case 'uniform': for (let i = 0; i < n; i++) x[i] = rng.int(-32768, 32767); break;
    case 'small': { const a = rng.int(0, 3); for (let i = 0; i < n; i++) x[i] = rng.int(-a, a) + (a === 0 ? rng.int(-1, 0) : 0); break; }
    case 'tone': case 'offset-tone': {
      const amp = 2 ** (rng.next() * 15);
      const f = rng.next() * (n / 2);
      const ph = rng.next() * 2 * Math.PI;
      const dc = kind === 'offset-tone' ? rng.int(-20000, 20000) : 0;
      for (let i = 0; i < n; i++) x[i] = clamp(dc + amp * Math.sin((2 * Math.PI * f * i) / n + ph));
      break;
    }
    case 'tones+noise': {
      const tones = Array.from({ length: rng.int(1, 4) }, () => ({ a: 2 ** (rng.next() * 13), f: rng.next() * (n / 2), p: rng.next() * 6.3 }));
      const noise = 2 ** (rng.next() * 10);
      const dc = rng.int(-16384, 16384);
      for (let i = 0; i < n; i++) {
        let v = dc + noise * gauss();
        for (const t of tones) v += t.a * Math.sin((2 * Math.PI * t.f * i) / n + t.p);
        x[i] = clamp(v);
      }
      break;
    }
    case 'constant': x.fill(rng.pick([-32768, -1, 0, 1, 12345, 32767])); break;
    case 'extremes': for (let i = 0; i < n; i++) x[i] = rng.pick([-32768, 32767]); break;
    case 'alternating': for (let i = 0; i < n; i++) x[i] = i % 2 === 0 ? -32768 : 32767; break;
    case 'spike': { const base = rng.int(-100, 100); x.fill(base); x[rng.int(0, n - 1)] = rng.pick([-32768, 32767]); break; }
    case 'step': { const at = rng.int(1, n - 1); const a = rng.int(-32768, 32767); const b = rng.int(-32768, 32767); for (let i = 0; i < n; i++) x[i] = i < at ? a : b; break; }
  }
  return x;
}

/** A window of n frames × channels, each channel of a random kind (or the given one). */
export function randomWindow(rng: Prng, n: number, channels: number, kind?: WindowKind): Int16Array {
  const w = new Int16Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const x = randomChannel(rng, n, kind ?? rng.pick(WINDOW_KINDS));
    for (let i = 0; i < n; i++) w[i * channels + c] = x[i];
  }
  return w;
}
