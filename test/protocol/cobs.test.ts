// COBS against the vectors of the Wikipedia article and an independent reference written here
// from the definition (split at zeros, cut runs at 254), over random and edge-case data.
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsDecodeInto, cobsEncode, cobsEncodeInto, cobsMaxEncodedLength, ProtocolError } from '../../firmware/core/protocol';
import { Prng } from '../support/prng';

/** Reference encoder: the data plus a virtual trailing zero, split into zero-terminated pieces;
 * each piece becomes runs of at most 254 bytes. A piece whose data is exactly a multiple of 254
 * non-zero bytes and that ends the data needs no final empty run (Wikipedia's convention). */
function referenceEncode(data: number[]): number[] {
  const out: number[] = [];
  const pieces: number[][] = [[]];
  for (const b of data) {
    if (b === 0) pieces.push([]);
    else pieces[pieces.length - 1].push(b);
  }
  pieces.forEach((piece, p) => {
    const last = p === pieces.length - 1;
    let i = 0;
    do {
      const run = piece.slice(i, i + 254);
      i += run.length;
      if (run.length === 254) {
        out.push(0xff, ...run);
        if (i === piece.length && last) return; // data ends on a full run
        if (i === piece.length) { out.push(1); return; } // the zero after a full run: an empty run
      } else {
        out.push(run.length + 1, ...run);
      }
    } while (i < piece.length);
  });
  return out;
}

/** Reference decoder: read a code, copy code − 1 bytes, then a zero unless the code was 0xFF or the data ends. */
function referenceDecode(enc: number[]): number[] | null {
  const out: number[] = [];
  let i = 0;
  while (i < enc.length) {
    const code = enc[i++];
    if (code === 0 || i + code - 1 > enc.length) return null;
    for (let k = 1; k < code; k++) {
      if (enc[i] === 0) return null;
      out.push(enc[i++]);
    }
    if (code < 0xff && i < enc.length) out.push(0);
  }
  return out;
}

const hex = (s: string) => s.split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// https://en.wikipedia.org/wiki/Consistent_Overhead_Byte_Stuffing#Encoding_examples (delimiter removed)
const WIKIPEDIA: [number[], number[]][] = [
  [hex('00'), hex('01 01')],
  [hex('00 00'), hex('01 01 01')],
  [hex('00 11 00'), hex('01 02 11 01')],
  [hex('11 22 00 33'), hex('03 11 22 02 33')],
  [hex('11 22 33 44'), hex('05 11 22 33 44')],
  [hex('11 00 00 00'), hex('02 11 01 01 01')],
  [range(0x01, 0xfe), [0xff, ...range(0x01, 0xfe)]],
  [[0x00, ...range(0x01, 0xfe)], [0x01, 0xff, ...range(0x01, 0xfe)]],
  [range(0x01, 0xff), [0xff, ...range(0x01, 0xfe), 0x02, 0xff]],
  [[...range(0x02, 0xff), 0x00], [0xff, ...range(0x02, 0xff), 0x01, 0x01]],
  [[...range(0x03, 0xff), 0x00, 0x01], [0xfe, ...range(0x03, 0xff), 0x02, 0x01]],
];

function randomData(rng: Prng): Uint8Array {
  const n = rng.pick([0, 1, 2, 253, 254, 255, 256, 507, 508, 509, 762, rng.int(0, 3000)]);
  const zeroRate = rng.pick([0, 0.001, 0.01, 0.3, 1]);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() < zeroRate ? 0 : rng.int(1, 255);
  return out;
}

describe('COBS', () => {
  it.each(WIKIPEDIA.map(([d, e], i) => [i, d, e] as const))('Wikipedia example %i', (_i, data, encoded) => {
    expect(Array.from(cobsEncode(new Uint8Array(data)))).toEqual(encoded);
    expect(referenceEncode(data)).toEqual(encoded);
    expect(Array.from(cobsDecode(new Uint8Array(encoded)))).toEqual(data);
    expect(referenceDecode(encoded)).toEqual(data);
  });

  it('the empty input is one code byte', () => {
    expect(Array.from(cobsEncode(new Uint8Array(0)))).toEqual([1]);
    expect(cobsDecode(new Uint8Array([1]))).toHaveLength(0);
  });

  it('agrees with the reference on 3,000 random buffers (zero-free, sparse, dense, all zeros)', () => {
    const rng = new Prng(1);
    for (let c = 0; c < 3000; c++) {
      const data = randomData(rng);
      const enc = cobsEncode(data);
      expect(Array.from(enc), `case ${c}`).toEqual(referenceEncode(Array.from(data)));
      expect(enc.includes(0)).toBe(false);
      expect(enc.length).toBeLessThanOrEqual(cobsMaxEncodedLength(data.length));
      expect(Array.from(cobsDecode(enc))).toEqual(Array.from(data));
    }
  });

  it('the bound n + max(1, ⌈n/254⌉) is reached by zero-free data', () => {
    for (const n of [0, 1, 253, 254, 255, 508, 509, 1024, 4096, 4110]) {
      const data = new Uint8Array(n).fill(7);
      expect(cobsEncode(data).length, `n = ${n}`).toBe(cobsMaxEncodedLength(n));
    }
  });

  it('encodes into an offset of a larger buffer', () => {
    const data = new Uint8Array([9, 0, 0, 1, 2, 3, 0]);
    const out = new Uint8Array(20).fill(0xaa);
    const end = cobsEncodeInto(data, 1, 6, out, 3);
    expect(Array.from(out.subarray(3, end))).toEqual(referenceEncode([0, 0, 1, 2, 3]));
    expect(out[2]).toBe(0xaa);
    expect(out[end]).toBe(0xaa);
  });

  it('decodeInto reports malformed input and a short output buffer without throwing', () => {
    const out = new Uint8Array(10);
    expect(cobsDecodeInto(new Uint8Array([3, 1]), 0, 2, out, 0)).toBe(-1);     // run cut short
    expect(cobsDecodeInto(new Uint8Array([3, 0, 1]), 0, 3, out, 0)).toBe(-1);  // zero inside
    expect(cobsDecodeInto(new Uint8Array([0]), 0, 1, out, 0)).toBe(-1);        // zero code
    expect(cobsDecodeInto(new Uint8Array([12, ...range(1, 11)]), 0, 12, out, 0)).toBe(-2);
    expect(cobsDecodeInto(new Uint8Array([2, 5, 1]), 0, 3, new Uint8Array(1), 0)).toBe(-2); // no room for the zero
    expect(() => cobsDecode(new Uint8Array([5, 1]))).toThrow(ProtocolError);
  });

  it('the reference decoder and ours agree on random (mostly invalid) byte strings', () => {
    const rng = new Prng(2);
    for (let c = 0; c < 3000; c++) {
      const enc = Array.from({ length: rng.int(0, 40) }, () => (rng.next() < 0.05 ? 0 : rng.int(1, rng.pick([5, 30, 255]))));
      const out = new Uint8Array(64);
      const n = cobsDecodeInto(new Uint8Array(enc), 0, enc.length, out, 0);
      const ref = referenceDecode(enc);
      if (ref === null) expect(n, JSON.stringify(enc)).toBe(-1);
      else expect(Array.from(out.subarray(0, n)), JSON.stringify(enc)).toEqual(ref);
    }
  });
});
