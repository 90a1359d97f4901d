// MAX_POOL_2D and AVERAGE_POOL_2D, int8 (TFLite reference_integer_ops::MaxPool / AveragePool).
// Input and output share scale and zero point. Windows are clipped to the input: only
// in-bounds taps count (padding taps are skipped, never read).
//
// max:     out = clamp(max over in-bounds taps, actMin, actMax)
// average: s = sum over in-bounds taps, n = their count,
//          out = clamp(s > 0 ? trunc((s + trunc(n/2)) / n) : trunc((s - trunc(n/2)) / n), actMin, actMax)

import type { Graph, OpNode } from '../format';
import type { OpBinding, OpKernel, Prepared } from '../kernel';
import {
  activation, activationRange, checkWindows, inputCount, leadingPadding, nhwc, opName, outSize,
  sameQuant, unusedFields,
} from './common';
import { fail } from '../../errors';

export interface PoolState {
  readonly inH: number; readonly inW: number; readonly channels: number;
  readonly outH: number; readonly outW: number;
  readonly kH: number; readonly kW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padT: number; readonly padL: number;
  readonly actMin: number; readonly actMax: number;
  /**
   * Windows of 2 or 4 taps that all lie inside the input (no padding): the fast path reads the
   * taps through views of the input shifted by each tap's offset (made at bind), 0 otherwise.
   */
  readonly slots: number;
  readonly offsets: Int32Array;
  /** Origin skips: after a pixel's channels, after an output row. */
  readonly skipX: number; readonly skipRow: number;
  taps: Int8Array[];
}

/** Views of the input shifted by the window taps' offsets (the fast path). */
function bindPool(s: PoolState, b: OpBinding): void {
  if (s.slots === 0) return;
  const x = b.inputs[0] as Int8Array;
  const taps: Int8Array[] = [];
  for (let t = 0; t < s.slots; t++) {
    const off = s.offsets[t];
    taps.push(new Int8Array(x.buffer, x.byteOffset + off, x.length - off));
  }
  s.taps = taps;
}

function preparePool(op: OpNode, graph: Graph, name: string): Prepared<PoolState> {
  const what = opName(op, name);
  inputCount(op, 1, 1, what);
  unusedFields(op, what, true, true, false, true);
  const input = activation(graph, op.inputs[0], what);
  const output = activation(graph, op.output, what);
  sameQuant(input, output, what);
  const [inH, inW, channels] = nhwc(input, what);
  const kH = op.filterH, kW = op.filterW;
  const outH = outSize(op.padding, inH, kH, op.strideH);
  const outW = outSize(op.padding, inW, kW, op.strideW);
  const [oH, oW, oC] = nhwc(output, what);
  if (outH < 1 || outW < 1 || oH !== outH || oW !== outW || oC !== channels) {
    fail('BAD_SHAPE', `${what}: output must be [1, ${outH}, ${outW}, ${channels}], is [${output.dims.join(', ')}]`);
  }
  const padT = leadingPadding(op.strideH, inH, kH, outH);
  const padL = leadingPadding(op.strideW, inW, kW, outW);
  checkWindows(inH, kH, op.strideH, padT, outH, what);
  checkWindows(inW, kW, op.strideW, padL, outW, what);
  const range = activationRange(op.activation, output.scale, output.zeroPoint, what);
  // fast path: 1..4 taps (max; the unused slots repeat tap 0) or exactly 2 or 4 (average), inside the input
  const taps = kH * kW;
  const inside = padT === 0 && padL === 0 && (outH - 1) * op.strideH + kH <= inH && (outW - 1) * op.strideW + kW <= inW;
  const slots = !inside ? 0 : name === 'MAX_POOL_2D' ? (taps <= 2 ? 2 : taps <= 4 ? 4 : 0) : (taps === 2 || taps === 4 ? taps : 0);
  const offsets = new Int32Array(slots);
  for (let t = 0; t < taps && t < slots; t++) offsets[t] = ((((t / kW) | 0) * inW) + (t % kW)) * channels;
  return {
    state: {
      inH, inW, channels, outH, outW, kH, kW, strideH: op.strideH, strideW: op.strideW, padT, padL,
      actMin: range.min, actMax: range.max,
      slots, offsets, skipX: (op.strideW - 1) * channels, skipRow: (op.strideH * inW - outW * op.strideW) * channels, taps: [],
    },
    work: outH * outW * channels * (kH < inH ? kH : inH) * (kW < inW ? kW : inW),
    scratchBytes: 0,
  };
}

export const maxPool2d: OpKernel<PoolState> = {
  name: 'MAX_POOL_2D',
  prepare(op: OpNode, graph: Graph): Prepared<PoolState> {
    return preparePool(op, graph, 'MAX_POOL_2D');
  },
  bind: bindPool,
  eval(s: PoolState, b: OpBinding): void {
    if (s.slots !== 0) {
      maxFast(s, b.output);
      return;
    }
    const x = b.inputs[0];
    const out = b.output;
    const inH = s.inH, inW = s.inW, C = s.channels, outH = s.outH, outW = s.outW;
    const kH = s.kH, kW = s.kW, strideH = s.strideH, strideW = s.strideW, padT = s.padT, padL = s.padL;
    const actMin = s.actMin, actMax = s.actMax;
    const rowBytes = inW * C;
    let o = 0;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padT;
      const ky0 = iy0 < 0 ? -iy0 : 0;
      const ky1 = inH - iy0 < kH ? inH - iy0 : kH;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padL;
        const kx0 = ix0 < 0 ? -ix0 : 0;
        const kx1 = inW - ix0 < kW ? inW - ix0 : kW;
        const first = ((iy0 + ky0) * inW + ix0 + kx0) * C;
        const span = (kx1 - kx0) * C;
        const rowsEnd = first + (ky1 - ky0) * rowBytes;
        for (let c = 0; c < C; c++) {
          let m = -128;
          for (let row = first + c; row < rowsEnd; row += rowBytes) {
            const end = row + span;
            for (let i = row; i < end; i += C) {
              const v = x[i];
              if (v > m) m = v;
            }
          }
          out[o++] = m < actMin ? actMin : m > actMax ? actMax : m;
        }
      }
    }
  },
};

export const averagePool2d: OpKernel<PoolState> = {
  name: 'AVERAGE_POOL_2D',
  prepare(op: OpNode, graph: Graph): Prepared<PoolState> {
    return preparePool(op, graph, 'AVERAGE_POOL_2D');
  },
  bind: bindPool,
  eval(s: PoolState, b: OpBinding): void {
    if (s.slots !== 0) {
      averageFast(s, b.output);
      return;
    }
    const x = b.inputs[0];
    const out = b.output;
    const inH = s.inH, inW = s.inW, C = s.channels, outH = s.outH, outW = s.outW;
    const kH = s.kH, kW = s.kW, strideH = s.strideH, strideW = s.strideW, padT = s.padT, padL = s.padL;
    const actMin = s.actMin, actMax = s.actMax;
    const rowBytes = inW * C;
    let o = 0;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padT;
      const ky0 = iy0 < 0 ? -iy0 : 0;
      const ky1 = inH - iy0 < kH ? inH - iy0 : kH;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padL;
        const kx0 = ix0 < 0 ? -ix0 : 0;
        const kx1 = inW - ix0 < kW ? inW - ix0 : kW;
        const first = ((iy0 + ky0) * inW + ix0 + kx0) * C;
        const span = (kx1 - kx0) * C;
        const rowsEnd = first + (ky1 - ky0) * rowBytes;
        const count = (ky1 - ky0) * (kx1 - kx0);
        const half = count >> 1;
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let row = first + c; row < rowsEnd; row += rowBytes) {
            const end = row + span;
            for (let i = row; i < end; i += C) sum += x[i];
          }
          const v = sum > 0 ? ((sum + half) / count) | 0 : ((sum - half) / count) | 0;
          out[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
        }
      }
    }
  },
};

/** Max over 2 or 4 taps read through shifted views; `i` walks window origins + channel. */
function maxFast(s: PoolState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1];
  const x2 = s.slots === 4 ? v[2] : x0, x3 = s.slots === 4 ? v[3] : x0;
  const C = s.channels, outW = s.outW, skipX = s.skipX, skipRow = s.skipRow;
  const actMin = s.actMin, actMax = s.actMax;
  const four = s.slots === 4;
  let i = 0, o = 0, m = 0, t = 0, end = 0;
  for (let oy = s.outH; oy > 0; oy--) {
    for (let ox = outW; ox > 0; ox--) {
      end = i + C;
      if (four) {
        do {
          m = x0[i];
          t = x1[i];
          if (t > m) m = t;
          t = x2[i];
          if (t > m) m = t;
          t = x3[i];
          if (t > m) m = t;
          out[o] = m < actMin ? actMin : m > actMax ? actMax : m;
          o++;
          i++;
        } while (i < end);
      } else {
        do {
          m = x0[i];
          t = x1[i];
          if (t > m) m = t;
          out[o] = m < actMin ? actMin : m > actMax ? actMax : m;
          o++;
          i++;
        } while (i < end);
      }
      i += skipX;
    }
    i += skipRow;
  }
}

/** Average of exactly 2 or 4 taps, rounded half away from zero (as the general path). */
function averageFast(s: PoolState, out: Int8Array): void {
  const v = s.taps;
  const x0 = v[0], x1 = v[1];
  const x2 = s.slots === 4 ? v[2] : x0, x3 = s.slots === 4 ? v[3] : x0;
  const C = s.channels, outW = s.outW, skipX = s.skipX, skipRow = s.skipRow;
  const actMin = s.actMin, actMax = s.actMax;
  const four = s.slots === 4;
  let i = 0, o = 0, m = 0, end = 0;
  for (let oy = s.outH; oy > 0; oy--) {
    for (let ox = outW; ox > 0; ox--) {
      end = i + C;
      if (four) {
        do {
          // (sum +- 2) / 4 truncated = round half away from zero
          m = x0[i] + x1[i] + x2[i] + x3[i];
          m = m > 0 ? ((m + 2) / 4) | 0 : ((m - 2) / 4) | 0;
          out[o] = m < actMin ? actMin : m > actMax ? actMax : m;
          o++;
          i++;
        } while (i < end);
      } else {
        do {
          m = x0[i] + x1[i];
          m = m > 0 ? ((m + 1) / 2) | 0 : ((m - 1) / 2) | 0;
          out[o] = m < actMin ? actMin : m > actMax ? actMax : m;
          o++;
          i++;
        } while (i < end);
      }
      i += skipX;
    }
    i += skipRow;
  }
}
