// Frame layout (before COBS stuffing), all little-endian:
//
//   0   u8   version (high 4 bits, FRAME_VERSION) | flags (low 4 bits)
//   1   u8   message type
//   2   u16  sequence number
//   4   u16  payload length n
//   6   n    payload
//   6+n u32  CRC-32 (IEEE, as zlib) of bytes [0, 6 + n)
//
// On the wire: COBS(frame) then one 0x00 delimiter.
import { crc32 } from '../crc32';
import { checkInt } from './bytes';
import { cobsEncodeInto, cobsMaxEncodedLength } from './cobs';
import { protocolFail } from './errors';

export const FRAME_VERSION = 1;
export const HEADER_BYTES = 6;
export const CRC_BYTES = 4;
/** Header and CRC: the bytes a frame adds to its payload before stuffing. */
export const FRAME_OVERHEAD = HEADER_BYTES + CRC_BYTES;
/** The payload length field is a u16. */
export const MAX_PAYLOAD_LIMIT = 0xffff;
/** Default largest payload: a 4096-byte MODEL_CHUNK (4 + 4096 bytes) with room to spare. */
export const DEFAULT_MAX_PAYLOAD = 4096 + 64;
export const DELIMITER = 0;

/** Flag: this request repeats an earlier one with the same sequence number (a retry after a
 * timeout); a device that already executed it answers from its cache instead of running it twice. */
export const FLAG_RETRY = 0x1;

export interface Frame {
  readonly version: number;
  readonly flags: number;
  readonly type: number;
  readonly seq: number;
  /** The payload. From the stream decoder: a view into its buffer, valid only inside onFrame. */
  readonly payload: Uint8Array;
}

export type FrameErrorKind =
  | 'BAD_COBS'      // a COBS run cut short by the delimiter
  | 'BAD_LENGTH'    // shorter than header + CRC, or the length field disagrees with the frame
  | 'BAD_CRC'       // the CRC-32 does not match
  | 'TOO_LARGE'     // longer than the decoder's maximum frame: discarded up to the next delimiter
  | 'BAD_VERSION'   // a frame version this codec does not read
  | 'UNKNOWN_TYPE'; // a valid frame of a message type the receiver does not accept

export interface FrameError {
  readonly kind: FrameErrorKind;
  /** Sequence number and type when the CRC matched (the header can be trusted), else −1. */
  readonly seq: number;
  readonly type: number;
  /** Bytes of the frame as received (stuffed, without the delimiter). */
  readonly wireBytes: number;
}

/** Bytes on the wire for a payload of `n` bytes: the largest COBS encoding of the frame, and the delimiter. */
export function maxWireLength(payloadLength: number): number {
  return cobsMaxEncodedLength(FRAME_OVERHEAD + payloadLength) + 1;
}

/** Writes the unstuffed frame (header, payload, CRC) into `out` at `at`; returns the end offset. */
export function writeRawFrame(out: Uint8Array, at: number, type: number, seq: number, payload: Uint8Array, flags = 0): number {
  checkInt(type, 0, 0xff, 'type');
  checkInt(seq, 0, 0xffff, 'seq');
  checkInt(flags, 0, 0xf, 'flags');
  const n = payload.length;
  if (n > MAX_PAYLOAD_LIMIT) protocolFail('TOO_LARGE', `payload of ${n} bytes; at most ${MAX_PAYLOAD_LIMIT}`);
  out[at] = (FRAME_VERSION << 4) | flags;
  out[at + 1] = type;
  out[at + 2] = seq & 0xff;
  out[at + 3] = seq >>> 8;
  out[at + 4] = n & 0xff;
  out[at + 5] = n >>> 8;
  out.set(payload, at + HEADER_BYTES);
  const end = at + HEADER_BYTES + n;
  const crc = crc32(out, at, end);
  out[end] = crc & 0xff;
  out[end + 1] = (crc >>> 8) & 0xff;
  out[end + 2] = (crc >>> 16) & 0xff;
  out[end + 3] = crc >>> 24;
  return end + CRC_BYTES;
}

/** The frame ready for the wire: COBS-stuffed, followed by the 0x00 delimiter. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array, flags = 0): Uint8Array {
  const raw = new Uint8Array(FRAME_OVERHEAD + payload.length);
  writeRawFrame(raw, 0, type, seq, payload, flags);
  const out = new Uint8Array(maxWireLength(payload.length));
  const end = cobsEncodeInto(raw, 0, raw.length, out, 0);
  out[end] = DELIMITER;
  return out.subarray(0, end + 1);
}

/**
 * Checks an unstuffed frame bytes[start, end): length, CRC, version, length field, type.
 * Returns the frame (its payload a view into `bytes`) or the error. Never throws.
 */
export function parseFrame(
  bytes: Uint8Array,
  start: number,
  end: number,
  acceptType: (type: number) => boolean,
  wireBytes = end - start,
): Frame | FrameError {
  const n = end - start;
  if (n < FRAME_OVERHEAD) return frameError('BAD_LENGTH', -1, -1, wireBytes);
  const stored = (bytes[end - 4] | (bytes[end - 3] << 8) | (bytes[end - 2] << 16) | (bytes[end - 1] << 24)) >>> 0;
  if (crc32(bytes, start, end - CRC_BYTES) !== stored) return frameError('BAD_CRC', -1, -1, wireBytes);
  const type = bytes[start + 1];
  const seq = bytes[start + 2] | (bytes[start + 3] << 8);
  if (bytes[start] >>> 4 !== FRAME_VERSION) return frameError('BAD_VERSION', seq, type, wireBytes);
  const length = bytes[start + 4] | (bytes[start + 5] << 8);
  if (length !== n - FRAME_OVERHEAD) return frameError('BAD_LENGTH', seq, type, wireBytes);
  if (!acceptType(type)) return frameError('UNKNOWN_TYPE', seq, type, wireBytes);
  const payloadStart = start + HEADER_BYTES;
  return { version: FRAME_VERSION, flags: bytes[start] & 0xf, type, seq, payload: bytes.subarray(payloadStart, payloadStart + length) };
}

export function isFrameError(x: Frame | FrameError): x is FrameError {
  return (x as FrameError).kind !== undefined;
}

function frameError(kind: FrameErrorKind, seq: number, type: number, wireBytes: number): FrameError {
  return { kind, seq, type, wireBytes };
}
