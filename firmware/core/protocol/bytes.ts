// Little-endian field writer and reader for message payloads. The writer checks every value
// against its field (ProtocolError BAD_VALUE); the reader checks every read against the
// payload's end and the values the layout allows (ProtocolError BAD_PAYLOAD).
import { ModelError } from '../errors';
import { decodeUtf8 } from '../utf8';
import { protocolFail } from './errors';
import { utf8Length, writeUtf8 } from './utf8-encoder';

const TWO_32 = 4294967296;

export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  constructor(capacity = 64) {
    this.#buf = new Uint8Array(capacity > 0 ? capacity : 16);
    this.#view = new DataView(this.#buf.buffer);
  }

  get length(): number { return this.#pos; }

  /** The bytes written so far (a view into the writer's buffer). */
  finish(): Uint8Array { return this.#buf.subarray(0, this.#pos); }

  #reserve(n: number): number {
    const at = this.#pos;
    if (at + n > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < at + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, at));
      this.#buf = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#pos = at + n;
    return at;
  }

  // Each writer checks the value, then reserves (which may replace the buffer), then writes.
  u8(v: number, what = 'u8'): void { checkInt(v, 0, 0xff, what); const at = this.#reserve(1); this.#buf[at] = v; }
  i8(v: number, what = 'i8'): void { checkInt(v, -0x80, 0x7f, what); const at = this.#reserve(1); this.#buf[at] = v & 0xff; }
  u16(v: number, what = 'u16'): void { checkInt(v, 0, 0xffff, what); const at = this.#reserve(2); this.#view.setUint16(at, v, true); }
  i16(v: number, what = 'i16'): void { checkInt(v, -0x8000, 0x7fff, what); const at = this.#reserve(2); this.#view.setInt16(at, v, true); }
  u32(v: number, what = 'u32'): void { checkInt(v, 0, 0xffffffff, what); const at = this.#reserve(4); this.#view.setUint32(at, v, true); }
  i32(v: number, what = 'i32'): void { checkInt(v, -0x80000000, 0x7fffffff, what); const at = this.#reserve(4); this.#view.setInt32(at, v, true); }
  /** An unsigned integer up to 2^53 − 1 in 8 bytes (low word first). */
  u64(v: number, what = 'u64'): void {
    checkInt(v, 0, Number.MAX_SAFE_INTEGER, what);
    const at = this.#reserve(8);
    this.#view.setUint32(at, v % TWO_32, true);
    this.#view.setUint32(at + 4, Math.floor(v / TWO_32), true);
  }
  f32(v: number, what = 'f32'): void {
    if (typeof v !== 'number') protocolFail('BAD_VALUE', `${what} is not a number`);
    const at = this.#reserve(4);
    this.#view.setFloat32(at, v, true);
  }
  f64(v: number, what = 'f64'): void {
    if (typeof v !== 'number') protocolFail('BAD_VALUE', `${what} is not a number`);
    const at = this.#reserve(8);
    this.#view.setFloat64(at, v, true);
  }
  bool(v: boolean, what = 'bool'): void {
    if (typeof v !== 'boolean') protocolFail('BAD_VALUE', `${what} is not a boolean`);
    const at = this.#reserve(1);
    this.#buf[at] = v ? 1 : 0;
  }
  bytes(v: Uint8Array): void { const at = this.#reserve(v.length); this.#buf.set(v, at); }
  /** Exactly `n` bytes (a fixed-size field such as a SHA-256). */
  fixed(v: Uint8Array, n: number, what = 'bytes'): void {
    if (!(v instanceof Uint8Array) || v.length !== n) protocolFail('BAD_VALUE', `${what} must be ${n} bytes`);
    this.bytes(v);
  }
  zeros(n: number): void { const at = this.#reserve(n); this.#buf.fill(0, at, at + n); }
  /** u8 byte length, then UTF-8 (at most 255 bytes). */
  str8(text: string, what = 'string'): void { this.#str(text, 0xff, 1, what); }
  /** u16 byte length, then UTF-8 (at most 65535 bytes). */
  str16(text: string, what = 'string'): void { this.#str(text, 0xffff, 2, what); }

  #str(text: string, max: number, lengthBytes: number, what: string): void {
    if (typeof text !== 'string') protocolFail('BAD_VALUE', `${what} is not a string`);
    const n = utf8Length(text);
    if (n > max) protocolFail('BAD_VALUE', `${what} is ${n} bytes of UTF-8, more than ${max}`);
    if (lengthBytes === 1) this.u8(n);
    else this.u16(n);
    const at = this.#reserve(n);
    writeUtf8(text, this.#buf, at);
  }
}

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  get position(): number { return this.#pos; }
  get remaining(): number { return this.#bytes.length - this.#pos; }

  #take(n: number, what: string): number {
    const at = this.#pos;
    if (n > this.#bytes.length - at) protocolFail('BAD_PAYLOAD', `${what}: needs ${n} bytes at ${at}, payload has ${this.#bytes.length}`);
    this.#pos = at + n;
    return at;
  }

  u8(what = 'u8'): number { return this.#bytes[this.#take(1, what)]; }
  i8(what = 'i8'): number { return (this.#bytes[this.#take(1, what)] << 24) >> 24; }
  u16(what = 'u16'): number { return this.#view.getUint16(this.#take(2, what), true); }
  i16(what = 'i16'): number { return this.#view.getInt16(this.#take(2, what), true); }
  u32(what = 'u32'): number { return this.#view.getUint32(this.#take(4, what), true); }
  i32(what = 'i32'): number { return this.#view.getInt32(this.#take(4, what), true); }
  u64(what = 'u64'): number {
    const at = this.#take(8, what);
    const hi = this.#view.getUint32(at + 4, true);
    if (hi >= 0x200000) protocolFail('BAD_PAYLOAD', `${what} exceeds 2^53 - 1`);
    return hi * TWO_32 + this.#view.getUint32(at, true);
  }
  f32(what = 'f32'): number { return this.#view.getFloat32(this.#take(4, what), true); }
  f64(what = 'f64'): number { return this.#view.getFloat64(this.#take(8, what), true); }
  bool(what = 'bool'): boolean {
    const v = this.u8(what);
    if (v > 1) protocolFail('BAD_PAYLOAD', `${what} must be 0 or 1, is ${v}`);
    return v === 1;
  }
  /** A view of the next `n` bytes (no copy). */
  view(n: number, what = 'bytes'): Uint8Array {
    const at = this.#take(n, what);
    return this.#bytes.subarray(at, at + n);
  }
  /** A copy of the next `n` bytes. */
  copy(n: number, what = 'bytes'): Uint8Array { return this.view(n, what).slice(); }
  /** `n` bytes that must be zero (reserved fields). */
  reserved(n: number, what = 'reserved'): void {
    const at = this.#take(n, what);
    for (let i = at; i < at + n; i++) if (this.#bytes[i] !== 0) protocolFail('BAD_PAYLOAD', `${what} must be 0`);
  }
  str8(what = 'string'): string { return this.#str(this.u8(what), what); }
  str16(what = 'string'): string { return this.#str(this.u16(what), what); }

  #str(n: number, what: string): string {
    const at = this.#take(n, what);
    try {
      return decodeUtf8(this.#bytes, at, at + n);
    } catch (e) {
      if (e instanceof ModelError) protocolFail('BAD_PAYLOAD', `${what}: ${e.message}`);
      throw e;
    }
  }

  /** A count of elements of `size` bytes each that must all be present. */
  count(n: number, size: number, what: string): number {
    if (n * size > this.remaining) protocolFail('BAD_PAYLOAD', `${what}: ${n} × ${size} bytes, ${this.remaining} left`);
    return n;
  }

  /** Requires that every byte was read (layouts have an exact size). */
  end(what = 'payload'): void {
    if (this.#pos !== this.#bytes.length) protocolFail('BAD_PAYLOAD', `${what}: ${this.#bytes.length - this.#pos} trailing bytes`);
  }
}

/** Checks an integer field value for encoding. */
export function checkInt(v: number, lo: number, hi: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) protocolFail('BAD_VALUE', `${what} must be an integer in [${lo}, ${hi}], is ${String(v)}`);
  return v;
}

/** Checks a decoded value against the set a layout allows. */
export function checkRange(v: number, lo: number, hi: number, what: string): number {
  if (v < lo || v > hi) protocolFail('BAD_PAYLOAD', `${what} must be in [${lo}, ${hi}], is ${v}`);
  return v;
}
