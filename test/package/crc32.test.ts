import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../firmware/core/crc32';
import { Prng } from '../support/prng';

// zlib's CRC-32 is the independent reference (node:zlib.crc32, Node >= 20.15), with a bitwise
// fallback written here for older runtimes.
function reference(bytes: Uint8Array): number {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(bytes) >>> 0;
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('gives the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('matches zlib for every length and alignment up to 64 bytes and random buffers', () => {
    const rng = new Prng(3);
    const data = Uint8Array.from({ length: 5000 }, () => rng.int(0, 255));
    for (let start = 0; start < 4; start++) {
      for (let len = 0; len <= 64; len++) expect(crc32(data, start, start + len)).toBe(reference(data.subarray(start, start + len)));
    }
    expect(crc32(data)).toBe(reference(data));
  });

  it('continues a running CRC', () => {
    const data = new TextEncoder().encode('the quick brown fox jumps over the lazy dog');
    expect(crc32(data, 17, data.length, crc32(data, 0, 17))).toBe(crc32(data));
  });
});
