// A message layout: how one message body is written into and read from a payload.
import { ByteReader, ByteWriter, checkInt } from '../bytes';

export interface Layout<T> {
  /** Writes `body`; throws ProtocolError BAD_VALUE for a value the layout cannot carry. */
  write(w: ByteWriter, body: T): void;
  /** Reads a body; throws ProtocolError BAD_PAYLOAD. The reader's end() is checked by the caller. */
  read(r: ByteReader): T;
}

export const SHA256_BYTES = 32;
/** Slot index meaning "none" (no active slot) or "the slot MODEL_END verified" (ACTIVATE). */
export const NO_SLOT = 0xff;

/** A layout with an empty body. */
export const EMPTY: Layout<Record<string, never>> = {
  write() {},
  read() { return {}; },
};

/** An error code byte. Numbers outside the table pass both ways: a newer device may send them. */
export function checkCode(code: number, what: string): number {
  return checkInt(code, 0, 0xff, what);
}

export function readCode(r: ByteReader): number {
  return r.u8('code');
}
