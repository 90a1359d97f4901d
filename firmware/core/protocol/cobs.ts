// Consistent Overhead Byte Stuffing (Cheshire and Baker, 1997). The encoding has no zero
// byte, so 0x00 delimits frames on the wire. Overhead: one code byte per started run of
// 254 non-zero bytes, at least one; a zero in the data costs nothing (it becomes a code).
// These are the whole-buffer functions; stream.ts decodes incrementally.
import { protocolFail } from './errors';

/** Largest COBS encoding of `n` bytes (no delimiter): n + max(1, ⌈n / 254⌉). */
export function cobsMaxEncodedLength(n: number): number {
  return n + (n === 0 ? 1 : Math.ceil(n / 254));
}

/**
 * Encodes src[start, end) into out at `at` (no delimiter); returns the end offset in `out`.
 * `out` must have room for cobsMaxEncodedLength(end − start) bytes, and must not overlap src.
 * A run of 254 non-zero bytes that ends the data gets no extra code byte after it (as in the
 * reference C encoder), so the encoding of n ≤ 254 non-zero bytes is n + 1 bytes.
 * Runs are found with indexOf and copied with set (native in XS: no per-byte loop in script).
 */
export function cobsEncodeInto(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let p = at;
  let i = start;
  let zero = -1; // the next zero at or after i, or `end`
  for (;;) {
    if (zero < i) {
      zero = src.indexOf(0, i);
      if (zero < 0 || zero > end) zero = end;
    }
    const runEnd = zero - i > 254 ? i + 254 : zero;
    const n = runEnd - i;
    out[p] = n + 1;
    copy(src, i, runEnd, out, p + 1);
    p += n + 1;
    if (n === 254) {
      // A full run stands for no zero; the data goes on at runEnd (a zero there becomes an empty run).
      if (runEnd === end) return p;
      i = runEnd;
    } else {
      if (runEnd === end) return p; // the virtual zero that ends the data is not encoded
      i = runEnd + 1;               // the zero this run stands for
    }
  }
}

/** Copies src[from, to) to out at `at`: a loop for a few bytes, a native copy for more. */
export function copy(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): void {
  if (to - from < 16) {
    for (let i = from; i < to; i++) out[at++] = src[i];
  } else {
    out.set(src.subarray(from, to), at);
  }
}

/** COBS encoding of `src` (no delimiter). */
export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(src.length));
  return out.subarray(0, cobsEncodeInto(src, 0, src.length, out, 0));
}

/**
 * Decodes src[start, end) (no delimiter; no zero byte allowed) into out at `at`. Returns the
 * end offset in `out`, −1 if the data is not a COBS encoding (a zero byte, or a run cut short),
 * −2 if `out` is too small. Never throws.
 */
export function cobsDecodeInto(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let p = at;
  let i = start;
  while (i < end) {
    const code = src[i++];
    if (code === 0) return -1;
    const runEnd = i + code - 1;
    if (runEnd > end) return -1;
    if (p + (runEnd - i) > out.length) return -2;
    while (i < runEnd) {
      const b = src[i++];
      if (b === 0) return -1;
      out[p++] = b;
    }
    // A run shorter than 254 stands for its bytes and a zero, except at the end of the data.
    if (code !== 0xff && i < end) {
      if (p >= out.length) return -2;
      out[p++] = 0;
    }
  }
  return p;
}

/** Decodes a COBS encoding (no delimiter); throws ProtocolError BAD_COBS if it is not one. */
export function cobsDecode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  const n = cobsDecodeInto(src, 0, src.length, out, 0);
  if (n < 0) protocolFail('BAD_COBS', 'not a COBS encoding');
  return out.subarray(0, n);
}
