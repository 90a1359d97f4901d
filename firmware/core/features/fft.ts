// Fixed-point FFT of a real window of N = 2M int16 samples, shaped for XS (an interpreter that
// meters every bytecode): the M-point complex FFT of z[i] = v[2i] + i·v[2i+1] in radix-4 stages
// (two radix-2 stages merged), then the split step that gives the bins 0..M of the real
// sequence. Loading the samples (mean removal, power-of-two normalization, window) is fused with
// the first stage, whose twiddles are trivial.
//
// Scaling: every stage divides by its radix (radix-4 by 4, the first stage by 2 when log2 M is
// odd, the split step by 2), rounding half up, so the output is X[k] / N. Twiddles are Q15 with
// 1.0 = 32768 (tables.ts); products round half up: (x·c + y·s + 2^14) >> 15.
//
// Bounds (docs/signal-features.md, "FFT"): loaded values |v| <= 32768 give complex magnitudes
// <= 46341; no stage grows the largest magnitude by more than its rounding, so each twiddle
// product (x·c + y·s, at most |z|·|w| <= 46400 · 32769) stays below 2^31, and the outputs
// |X[k] / N| <= 32768 + a few units: re² + im² < 2^31.
import { cosQ15, sinQ15 } from './fixed';

export class RealFft {
  /** Points of the real transform (a power of two in [16, 1024]). */
  readonly n: number;
  /** Points of the complex transform, n / 2. */
  readonly m: number;
  /** The complex transform's buffers (natural order after load + run). */
  readonly re: Int32Array;
  readonly im: Int32Array;
  readonly #rev: Uint16Array;
  /** log2 m is odd: the fused first stage is radix-2. */
  readonly #radix2First: boolean;
  /** cos and sin of 2πt/m in Q15, t < m (stage twiddles). */
  readonly #wc: Int32Array;
  readonly #ws: Int32Array;
  /** cos and sin of 2πk/n in Q15, k <= m (split-step twiddles). */
  readonly #sc: Int32Array;
  readonly #ss: Int32Array;

  constructor(n: number) {
    const m = n >> 1;
    this.n = n;
    this.m = m;
    this.re = new Int32Array(m);
    this.im = new Int32Array(m);
    let bits = 0;
    while ((1 << bits) < m) bits++;
    this.#radix2First = (bits & 1) === 1;
    this.#rev = new Uint16Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if ((i & (1 << b)) !== 0) r |= 1 << (bits - 1 - b);
      this.#rev[i] = r;
    }
    this.#wc = new Int32Array(m);
    this.#ws = new Int32Array(m);
    for (let t = 0; t < m; t++) {
      this.#wc[t] = cosQ15((t * 1024) / m);
      this.#ws[t] = sinQ15((t * 1024) / m);
    }
    this.#sc = new Int32Array(m + 1);
    this.#ss = new Int32Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.#sc[k] = cosQ15((k * 1024) / n);
      this.#ss[k] = sinQ15((k * 1024) / n);
    }
  }

  /**
   * Loads v[i] = (u[i] · window[i] + 2^14) >> 15, u[i] = (x[i] − mean) · 2^shift (for shift < 0:
   * (x[i] − mean + 2^(−shift−1)) >> −shift), x[i] = samples[first + i·stride], and runs the first
   * stage. |u| must stay <= 32768; window values are Q15 in [0, 32768].
   */
  load(samples: Int16Array, first: number, stride: number, mean: number, shift: number, window: Int32Array): void {
    const re = this.re;
    const im = this.im;
    const rev = this.#rev;
    const m = this.m;
    const up = shift > 0 ? shift : 0;
    const down = shift < 0 ? -shift : 0;
    const rnd = down > 0 ? 1 << (down - 1) : 0;
    const step = 2 * stride;
    let x = first, w = 0, i = 0, p = 0, end = 0;
    let ar = 0, ai = 0, br = 0, bi = 0, cr = 0, ci = 0, dr = 0, di = 0;
    let t0r = 0, t0i = 0, t1r = 0, t1i = 0, t2r = 0, t2i = 0, t3r = 0, t3i = 0;
    if (this.#radix2First) {
      // z[i] and z[i + m/2] → positions rev[i] and rev[i] + 1.
      const far = m * stride;
      for (end = m >> 1; i < end; i++, x += step, w += 2) {
        ar = (((((samples[x] - mean) << up) + rnd) >> down) * window[w] + 16384) >> 15;
        ai = (((((samples[x + stride] - mean) << up) + rnd) >> down) * window[w + 1] + 16384) >> 15;
        br = (((((samples[x + far] - mean) << up) + rnd) >> down) * window[w + m] + 16384) >> 15;
        bi = (((((samples[x + far + stride] - mean) << up) + rnd) >> down) * window[w + m + 1] + 16384) >> 15;
        p = rev[i];
        re[p] = (ar + br + 1) >> 1;
        im[p] = (ai + bi + 1) >> 1;
        re[p + 1] = (ar - br + 1) >> 1;
        im[p + 1] = (ai - bi + 1) >> 1;
      }
    } else {
      // z[i], z[i + m/2], z[i + m/4], z[i + 3m/4] → positions rev[i] .. rev[i] + 3.
      const q = m >> 1;       // window offset of z[i + m/4]: 2 · m/4
      const qx = q * stride;  // sample offset of z[i + m/4]
      for (end = m >> 2; i < end; i++, x += step, w += 2) {
        ar = (((((samples[x] - mean) << up) + rnd) >> down) * window[w] + 16384) >> 15;
        ai = (((((samples[x + stride] - mean) << up) + rnd) >> down) * window[w + 1] + 16384) >> 15;
        cr = (((((samples[x + qx] - mean) << up) + rnd) >> down) * window[w + q] + 16384) >> 15;
        ci = (((((samples[x + qx + stride] - mean) << up) + rnd) >> down) * window[w + q + 1] + 16384) >> 15;
        br = (((((samples[x + 2 * qx] - mean) << up) + rnd) >> down) * window[w + 2 * q] + 16384) >> 15;
        bi = (((((samples[x + 2 * qx + stride] - mean) << up) + rnd) >> down) * window[w + 2 * q + 1] + 16384) >> 15;
        dr = (((((samples[x + 3 * qx] - mean) << up) + rnd) >> down) * window[w + 3 * q] + 16384) >> 15;
        di = (((((samples[x + 3 * qx + stride] - mean) << up) + rnd) >> down) * window[w + 3 * q + 1] + 16384) >> 15;
        t0r = ar + br + 2; t0i = ai + bi + 2;
        t1r = ar - br + 2; t1i = ai - bi + 2;
        t2r = cr + dr; t2i = ci + di;
        t3r = cr - dr; t3i = ci - di;
        p = rev[i];
        re[p] = (t0r + t2r) >> 2; im[p] = (t0i + t2i) >> 2;
        re[p + 1] = (t1r + t3i) >> 2; im[p + 1] = (t1i - t3r) >> 2;
        re[p + 2] = (t0r - t2r) >> 2; im[p + 2] = (t0i - t2i) >> 2;
        re[p + 3] = (t1r - t3i) >> 2; im[p + 3] = (t1i + t3r) >> 2;
      }
    }
  }

  /**
   * The remaining radix-4 stages, in place. A stage over groups of g points combines, for
   * j < g/4, a = x[j], b = W^2j·x[j + g/4], c = W^j·x[j + g/2], d = W^3j·x[j + 3g/4] (W = e^(−2πi/g))
   * into ((a+b) + (c+d), (a−b) − i(c−d), (a+b) − (c+d), (a−b) + i(c−d)) / 4.
   */
  run(): void {
    const re = this.re;
    const im = this.im;
    const wc = this.#wc;
    const ws = this.#ws;
    const m = this.m;
    // Locals live at function level: XS makes a new scope per loop iteration for block-scoped
    // declarations, which costs more than the arithmetic.
    let g = this.#radix2First ? 8 : 16;
    let q = 0, step = 0, j = 0, t = 0, a = 0, b = 0, c = 0, d = 0;
    let c1 = 0, s1 = 0, c2 = 0, s2 = 0, c3 = 0, s3 = 0, xr = 0, xi = 0;
    let ar = 0, ai = 0, br = 0, bi = 0, cr = 0, ci = 0, dr = 0, di = 0;
    let t0r = 0, t0i = 0, t1r = 0, t1i = 0, t2r = 0, t2i = 0, t3r = 0, t3i = 0;
    for (; g <= m; g <<= 2) {
      q = g >> 2;
      step = m / g;
      for (a = 0; a < m; a += g) {
        // j = 0: every twiddle is 1.
        b = a + q;
        c = b + q;
        d = c + q;
        ar = re[a]; ai = im[a];
        br = re[b]; bi = im[b];
        cr = re[c]; ci = im[c];
        dr = re[d]; di = im[d];
        t0r = ar + br + 2; t0i = ai + bi + 2;
        t1r = ar - br + 2; t1i = ai - bi + 2;
        t2r = cr + dr; t2i = ci + di;
        t3r = cr - dr; t3i = ci - di;
        re[a] = (t0r + t2r) >> 2; im[a] = (t0i + t2i) >> 2;
        re[b] = (t1r + t3i) >> 2; im[b] = (t1i - t3r) >> 2;
        re[c] = (t0r - t2r) >> 2; im[c] = (t0i - t2i) >> 2;
        re[d] = (t1r - t3i) >> 2; im[d] = (t1i + t3r) >> 2;
      }
      for (j = 1; j < q; j++) {
        t = j * step;
        c1 = wc[2 * t]; s1 = ws[2 * t];
        c2 = wc[t]; s2 = ws[t];
        c3 = wc[3 * t]; s3 = ws[3 * t];
        for (a = j; a < m; a += g) {
          b = a + q;
          c = b + q;
          d = c + q;
          xr = re[b]; xi = im[b];
          br = (xr * c1 + xi * s1 + 16384) >> 15;
          bi = (xi * c1 - xr * s1 + 16384) >> 15;
          xr = re[c]; xi = im[c];
          cr = (xr * c2 + xi * s2 + 16384) >> 15;
          ci = (xi * c2 - xr * s2 + 16384) >> 15;
          xr = re[d]; xi = im[d];
          dr = (xr * c3 + xi * s3 + 16384) >> 15;
          di = (xi * c3 - xr * s3 + 16384) >> 15;
          ar = re[a]; ai = im[a];
          t0r = ar + br + 2; t0i = ai + bi + 2;
          t1r = ar - br + 2; t1i = ai - bi + 2;
          t2r = cr + dr; t2i = ci + di;
          t3r = cr - dr; t3i = ci - di;
          re[a] = (t0r + t2r) >> 2; im[a] = (t0i + t2i) >> 2;
          re[b] = (t1r + t3i) >> 2; im[b] = (t1i - t3r) >> 2;
          re[c] = (t0r - t2r) >> 2; im[c] = (t0i - t2i) >> 2;
          re[d] = (t1r - t3i) >> 2; im[d] = (t1i + t3r) >> 2;
        }
      }
    }
  }

  /**
   * After run(): power[k] = re² + im² of X[k] / N for the bins k in [from, to), to <= m + 1.
   * X = (E + W^k · O) / 2, E = (Z[k] + conj Z[m−k]) / 2, O = (Z[k] − conj Z[m−k]) / 2i, W = e^(−2πi/n).
   * Bins k and m − k read the same two values of Z, so they are computed together when both are
   * wanted (with exactly the arithmetic of a lone bin).
   */
  power(from: number, to: number, power: Int32Array): void {
    const m = this.m;
    // Pairs (k, m − k) with 0 < k < m − k, both in [from, to): k in [pa, pb].
    let pa = from > m - to + 1 ? from : m - to + 1;
    if (pa < 1) pa = 1;
    const pb = (m >> 1) - 1 < m - from ? (m >> 1) - 1 : m - from;
    if (pb < pa) {
      this.#bins(from, to, power);
      return;
    }
    this.#bins(from, pa, power);
    this.#bins(pb + 1, m - pb, power);
    this.#bins(m - pa + 1, to, power);
    const re = this.re;
    const im = this.im;
    const sc = this.#sc;
    const ss = this.#ss;
    let k = pa, q = 0, zr = 0, zi = 0, yr = 0, yi = 0, dr = 0, di = 0, c = 0, s = 0, xr = 0, xi = 0, er = 0;
    for (; k <= pb; k++) {
      q = m - k;
      zr = re[k]; zi = im[k];
      yr = re[q]; yi = im[q];
      er = zr + yr + 2;
      di = (zi + yi + 1) >> 1;
      // bin k
      dr = (zr - yr + 1) >> 1;
      c = sc[k]; s = ss[k];
      xr = (er + ((c * di - s * dr + 8192) >> 14)) >> 2;
      xi = (zi - yi + 2 + ((-c * dr - s * di + 8192) >> 14)) >> 2;
      power[k] = xr * xr + xi * xi;
      // bin m − k: the roles of Z[k] and Z[m − k] swap
      dr = (yr - zr + 1) >> 1;
      c = sc[q]; s = ss[q];
      xr = (er + ((c * di - s * dr + 8192) >> 14)) >> 2;
      xi = (yi - zi + 2 + ((-c * dr - s * di + 8192) >> 14)) >> 2;
      power[q] = xr * xr + xi * xi;
    }
  }

  /** power() of the bins [from, to) one at a time. */
  #bins(from: number, to: number, power: Int32Array): void {
    const re = this.re;
    const im = this.im;
    const sc = this.#sc;
    const ss = this.#ss;
    const m = this.m;
    const mask = m - 1;
    let k = from, p = 0, q = 0, zr = 0, zi = 0, yr = 0, yi = 0, dr = 0, di = 0, c = 0, s = 0, xr = 0, xi = 0;
    for (; k < to; k++) {
      p = k & mask;
      q = (m - k) & mask;
      zr = re[p]; zi = im[p];
      yr = re[q]; yi = im[q];
      dr = (zr - yr + 1) >> 1;
      di = (zi + yi + 1) >> 1;
      c = sc[k]; s = ss[k];
      // X / N = (2E + 2·W^k·O + 2) >> 2 with 2E = (zr + yr, zi − yi), O = d / i = (di, −dr), W^k = c − i·s.
      xr = (zr + yr + 2 + ((c * di - s * dr + 8192) >> 14)) >> 2;
      xi = (zi - yi + 2 + ((-c * dr - s * di + 8192) >> 14)) >> 2;
      power[k] = xr * xr + xi * xi;
    }
  }
}
