// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib and PNG compute it.
// Slicing-by-4: four bytes per step through four tables, which halves the bytecodes per byte in
// XS (the protocol checks every frame, the loader every package).

const tables = new Int32Array(1024);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  tables[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 4; t++) tables[256 * t + n] = tables[(tables[256 * (t - 1) + n] & 0xff)] ^ (tables[256 * (t - 1) + n] >>> 8);
}

/** CRC of bytes[start, end); pass a previous result as `crc` to continue a running CRC. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const t = tables;
  let c = ~crc;
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
