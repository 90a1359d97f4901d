// Package mutations for fuzzing: byte and field damage, cuts and splices, with the CRC and
// length repaired most of the time so that damage reaches the checks behind them.
import { crc32 } from '../../firmware/core/crc32';
import { Prng } from './prng';

const EXTREMES = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

export function mutatePackage(rng: Prng, original: Uint8Array): Uint8Array {
  let b: Uint8Array = original.slice();
  const rounds = rng.int(1, 4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(0, Math.max(0, b.length - 1));
    switch (rng.int(0, 7)) {
      case 0: b[at] ^= 1 << rng.int(0, 7); break;
      case 1: b[at] = rng.int(0, 255); break;
      case 2: { // an extreme value in a (probably) aligned field
        const v = rng.pick(EXTREMES);
        const field = at & ~3;
        if (field + 4 <= b.length) new DataView(b.buffer).setUint32(field, v >>> 0, true);
        break;
      }
      case 3: { // u16 extreme
        const field = at & ~1;
        if (field + 2 <= b.length) new DataView(b.buffer).setUint16(field, rng.pick(EXTREMES) & 0xffff, true);
        break;
      }
      case 4: b = b.slice(0, at); break;                                   // truncate
      case 5: { const n = rng.int(1, 16); b = concat(b.subarray(0, at), new Uint8Array(n).map(() => rng.int(0, 255)), b.subarray(at)); break; }
      case 6: { const n = rng.int(1, 16); b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n))); break; }
      case 7: { const from = rng.int(0, Math.max(0, b.length - 8)); b.copyWithin(at, from, from + rng.int(1, 8)); break; }
    }
  }
  if (rng.next() < 0.85 && b.length >= 24) {
    if (rng.next() < 0.7) new DataView(b.buffer).setUint32(16, b.length, true);
    if (b.length >= 8 && (b.length & 3) === 0) new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
