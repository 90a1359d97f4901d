// FULLY_CONNECTED for small weight matrices (classifier heads): two units per multiply-add.
//
// When the weights fit the RAM budget as doubles (PACKED_WEIGHTS_MAX_BYTES, 4 bytes per int8
// weight) and K <= 2048, prepare packs the units in pairs (u, v), W[p, i] = w[u, i] + 2^26 w[v, i]
// (the last pair of an odd count is (u, u)). Each lane is centred: it starts at -delta_u, the
// middle of sum_i w[u, i] x[i] over all int8 inputs, so that every partial sum stays within the
// range's half-width h_u (each term's minimum is <= 0 <= its maximum), checked at prepare to be
// below 2^25. Then acc = l_u + 2^26 l_v is an integer below 2^52 (exact), l_u is the
// sign-extended low 26 bits of acc and l_v = (acc - l_u) * 2^-26. The sums of products
// l + delta go to the kernel's `sums`, requantized as in the unpacked path.
//
// Loop: up to four pairs per pass over 16-input chunks held in locals; packed weights read
// through 16 views shifted by 0..15.

import { PACKED_WEIGHTS_MAX_BYTES, accumulatorRange } from './common';

const LANE = 67108864; // 2^26
const INV_LANE = 1 / 67108864;
const HALF_MAX = 33554431; // 2^25 - 1

export interface PackedDense {
  readonly pairs: number;
  readonly K: number;
  readonly units: number;
  /** pw[p * K + i]: the pair's packed weights; pv: pw viewed from offsets 0..15. */
  readonly pw: Float64Array;
  readonly pv: readonly Float64Array[];
  /** Initial packed lanes (-delta_u - 2^26 delta_v) per pair; delta per unit. */
  readonly init: Float64Array;
  readonly delta: Float64Array;
}

/** The packed state, or null when the weights are too many or a lane could leave 2^25. */
export function preparePackedDense(w: Int8Array, units: number, K: number): PackedDense | null {
  const pairs = (units + 1) >> 1;
  if (K > 2048 || pairs * K * 8 > PACKED_WEIGHTS_MAX_BYTES) return null;
  const delta = new Float64Array(units);
  const r = new Float64Array(2);
  for (let u = 0; u < units; u++) {
    accumulatorRange(w, u * K, K, 1, 0, 0, r);
    const d = Math.floor((r[0] + r[1]) / 2);
    if (d - r[0] > HALF_MAX || r[1] - d > HALF_MAX) return null;
    delta[u] = d;
  }
  const pw = new Float64Array(pairs * K);
  const init = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const u = 2 * p, v = u + 1 < units ? u + 1 : u;
    for (let i = 0; i < K; i++) pw[p * K + i] = w[u * K + i] + LANE * w[v * K + i];
    init[p] = -delta[u] - LANE * delta[v];
  }
  const pv: Float64Array[] = [];
  for (let k = 0; k < 16; k++) pv.push(pw.subarray(k < pw.length ? k : pw.length));
  return { pairs, K, units, pw, pv, init, delta };
}

/** Fill sums[u] = sum_i w[u, i] x[i] (exact) for every unit. */
export function packedDenseSums(s: PackedDense, x: Int8Array, xv: readonly Int8Array[], sums: Float64Array): void {
  const K = s.K, K16 = K & ~15, pairs = s.pairs, units = s.units;
  const pw = s.pw, init = s.init, delta = s.delta, pv = s.pv;
  const W0 = pv[0], W1 = pv[1], W2 = pv[2], W3 = pv[3], W4 = pv[4], W5 = pv[5], W6 = pv[6], W7 = pv[7],
    W8 = pv[8], W9 = pv[9], W10 = pv[10], W11 = pv[11], W12 = pv[12], W13 = pv[13], W14 = pv[14], W15 = pv[15];
  const X0 = xv[0], X1 = xv[1], X2 = xv[2], X3 = xv[3], X4 = xv[4], X5 = xv[5], X6 = xv[6], X7 = xv[7],
    X8 = xv[8], X9 = xv[9], X10 = xv[10], X11 = xv[11], X12 = xv[12], X13 = xv[13], X14 = xv[14], X15 = xv[15];
  let x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, x6 = 0, x7 = 0,
    x8 = 0, x9 = 0, x10 = 0, x11 = 0, x12 = 0, x13 = 0, x14 = 0, x15 = 0;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, j0 = 0, j1 = 0, j2 = 0, j3 = 0, i = 0, p = 0, n = 0;
  while (p < pairs) {
    // up to four pairs per pass; missing ones repeat the last pair (computed, not stored twice)
    n = pairs - p < 4 ? pairs - p : 4;
    j0 = p * K;
    j1 = n > 1 ? j0 + K : j0;
    j2 = n > 2 ? j1 + K : j1;
    j3 = n > 3 ? j2 + K : j2;
    a0 = init[p];
    a1 = init[n > 1 ? p + 1 : p];
    a2 = init[n > 2 ? p + 2 : p];
    a3 = init[n > 3 ? p + 3 : p];
    for (i = 0; i < K16; i += 16) {
      x0 = X0[i]; x1 = X1[i]; x2 = X2[i]; x3 = X3[i]; x4 = X4[i]; x5 = X5[i]; x6 = X6[i]; x7 = X7[i];
      x8 = X8[i]; x9 = X9[i]; x10 = X10[i]; x11 = X11[i]; x12 = X12[i]; x13 = X13[i]; x14 = X14[i]; x15 = X15[i];
      a0 += W0[j0] * x0 + W1[j0] * x1 + W2[j0] * x2 + W3[j0] * x3 + W4[j0] * x4 + W5[j0] * x5 + W6[j0] * x6 +
        W7[j0] * x7 + W8[j0] * x8 + W9[j0] * x9 + W10[j0] * x10 + W11[j0] * x11 + W12[j0] * x12 +
        W13[j0] * x13 + W14[j0] * x14 + W15[j0] * x15;
      if (n > 1) {
        a1 += W0[j1] * x0 + W1[j1] * x1 + W2[j1] * x2 + W3[j1] * x3 + W4[j1] * x4 + W5[j1] * x5 + W6[j1] * x6 +
          W7[j1] * x7 + W8[j1] * x8 + W9[j1] * x9 + W10[j1] * x10 + W11[j1] * x11 + W12[j1] * x12 +
          W13[j1] * x13 + W14[j1] * x14 + W15[j1] * x15;
        a2 += W0[j2] * x0 + W1[j2] * x1 + W2[j2] * x2 + W3[j2] * x3 + W4[j2] * x4 + W5[j2] * x5 + W6[j2] * x6 +
          W7[j2] * x7 + W8[j2] * x8 + W9[j2] * x9 + W10[j2] * x10 + W11[j2] * x11 + W12[j2] * x12 +
          W13[j2] * x13 + W14[j2] * x14 + W15[j2] * x15;
        a3 += W0[j3] * x0 + W1[j3] * x1 + W2[j3] * x2 + W3[j3] * x3 + W4[j3] * x4 + W5[j3] * x5 + W6[j3] * x6 +
          W7[j3] * x7 + W8[j3] * x8 + W9[j3] * x9 + W10[j3] * x10 + W11[j3] * x11 + W12[j3] * x12 +
          W13[j3] * x13 + W14[j3] * x14 + W15[j3] * x15;
      }
      j0 += 16; j1 += 16; j2 += 16; j3 += 16;
    }
    for (; i < K; i++) {
      x0 = x[i];
      a0 += pw[j0] * x0;
      a1 += pw[j1] * x0;
      a2 += pw[j2] * x0;
      a3 += pw[j3] * x0;
      j0++; j1++; j2++; j3++;
    }
    unpack(a0, 2 * p, units, delta, sums);
    if (n > 1) unpack(a1, 2 * p + 2, units, delta, sums);
    if (n > 2) unpack(a2, 2 * p + 4, units, delta, sums);
    if (n > 3) unpack(a3, 2 * p + 6, units, delta, sums);
    p += n;
  }
}

/** Lanes of one pair (u, u + 1) back to sums of products. */
function unpack(acc: number, u: number, units: number, delta: Float64Array, sums: Float64Array): void {
  const lo = ((acc | 0) << 6) >> 6;
  sums[u] = lo + delta[u];
  if (u + 1 < units) sums[u + 1] = (acc - lo) * INV_LANE + delta[u + 1];
}
