// Minimal UTF-8 decoder for names and labels: XS on a device has no TextDecoder
// in every configuration, and the core may not rely on host globals.
import { fail } from './errors';

export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const b = bytes[i++];
    let cp: number;
    let extra: number;
    if (b < 0x80) { cp = b; extra = 0; }
    else if (b >= 0xc2 && b < 0xe0) { cp = b & 0x1f; extra = 1; }
    else if (b >= 0xe0 && b < 0xf0) { cp = b & 0x0f; extra = 2; }
    else if (b >= 0xf0 && b < 0xf5) { cp = b & 0x07; extra = 3; }
    else fail('BAD_HEADER', `invalid UTF-8 byte 0x${b.toString(16)} at ${i - 1}`);
    if (i + extra > end) fail('BAD_HEADER', 'truncated UTF-8 sequence');
    for (let k = 0; k < extra; k++) {
      const c = bytes[i++];
      if ((c & 0xc0) !== 0x80) fail('BAD_HEADER', `invalid UTF-8 continuation at ${i - 1}`);
      cp = (cp << 6) | (c & 0x3f);
    }
    if ((extra === 2 && cp < 0x800) || (extra === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000)) {
      fail('BAD_HEADER', 'invalid UTF-8 code point');
    }
    out += String.fromCodePoint(cp);
  }
  return out;
}
