// Streaming frame decoder: takes bytes in chunks of any size, unstuffs COBS as they arrive
// into one buffer allocated up front, and at each 0x00 delimiter checks the frame and hands
// it to onFrame, or reports a FrameError to onError. It never throws on input bytes and never
// buffers more than one maximum frame: a frame that outgrows the buffer is reported TOO_LARGE
// once and skipped up to the next delimiter, where decoding resynchronizes. Garbage between
// frames becomes a frame of its own at the next delimiter and fails its checks.
import { DEFAULT_MAX_PAYLOAD, FRAME_OVERHEAD, Frame, FrameError, FrameErrorKind, MAX_PAYLOAD_LIMIT, isFrameError, parseFrame } from './frame';
import { copy } from './cobs';
import { isKnownType } from './types';

export interface FrameDecoderOptions {
  /** Largest payload accepted (default DEFAULT_MAX_PAYLOAD, at most 65535). */
  readonly maxPayload?: number;
  /** Which message types to accept (default: every type of the protocol). Others are reported UNKNOWN_TYPE. */
  readonly acceptType?: (type: number) => boolean;
  /** Called for each valid frame; its payload is a view into the decoder's buffer, valid only during the call. */
  readonly onFrame: (frame: Frame) => void;
  /** Called for each rejected frame (optional: the counters in `stats` are kept either way). */
  readonly onError?: (error: FrameError) => void;
}

/** Counters, in the order STATS reports them (see PROTOCOL_COUNTERS in messages/admin). */
export interface FrameDecoderStats {
  frames: number;          // valid frames handed to onFrame
  badCobs: number;
  badLength: number;
  badCrc: number;
  tooLarge: number;
  badVersion: number;
  unknownType: number;
  discardedBytes: number;  // bytes of rejected frames (stuffed), delimiters not counted
  bytes: number;           // every byte pushed, delimiters included
}

export class FrameDecoder {
  readonly maxPayload: number;
  readonly stats: FrameDecoderStats = {
    frames: 0, badCobs: 0, badLength: 0, badCrc: 0, tooLarge: 0, badVersion: 0, unknownType: 0, discardedBytes: 0, bytes: 0,
  };
  readonly #buf: Uint8Array;
  readonly #acceptType: (type: number) => boolean;
  readonly #onFrame: (frame: Frame) => void;
  readonly #onError: ((error: FrameError) => void) | undefined;
  #len = 0;          // unstuffed bytes of the current frame
  #wire = 0;         // stuffed bytes of the current frame
  #remaining = 0;    // data bytes left in the current COBS run (0: the next byte is a code)
  #zeroPending = false;
  #discarding = false;

  constructor(options: FrameDecoderOptions) {
    const max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < 0 || max > MAX_PAYLOAD_LIMIT) throw new RangeError(`maxPayload must be an integer in [0, ${MAX_PAYLOAD_LIMIT}]`);
    this.maxPayload = max;
    this.#buf = new Uint8Array(max + FRAME_OVERHEAD);
    this.#acceptType = options.acceptType ?? isKnownType;
    this.#onFrame = options.onFrame;
    this.#onError = options.onError;
  }

  /** Stuffed bytes of a frame in progress (received since the last delimiter). */
  get pending(): number { return this.#wire; }

  /** Drops a frame in progress (after a line reset, for example). */
  reset(): void {
    if (this.#wire > 0 && !this.#discarding) this.stats.discardedBytes += this.#wire;
    this.#restart();
  }

  /** Feeds bytes[start, end). Callbacks run synchronously, in order; if one throws, the rest of this chunk is dropped. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (start < 0) start = 0;
    if (end > bytes.length) end = bytes.length;
    if (start >= end) return;
    const buf = this.#buf;
    const cap = buf.length;
    const stats = this.stats;
    stats.bytes += end - start;
    let len = this.#len;
    let wire = this.#wire;
    let remaining = this.#remaining;
    let zeroPending = this.#zeroPending;
    let discarding = this.#discarding;
    let zero = -1; // the next delimiter at or after i, or `end`
    let i = start;
    while (i < end) {
      if (zero < i) {
        zero = bytes.indexOf(0, i);
        if (zero < 0 || zero > end) zero = end;
      }
      if (zero === i) {
        this.#len = len; this.#wire = wire; this.#remaining = remaining; this.#discarding = discarding;
        this.#endFrame();
        len = 0; wire = 0; remaining = 0; zeroPending = false; discarding = false;
        i++;
        continue;
      }
      // bytes[i, zero) belong to the current frame
      if (discarding) {
        wire += zero - i;
        stats.discardedBytes += zero - i;
        i = zero;
        continue;
      }
      if (remaining === 0) {
        // A code byte: the previous run, if shorter than 254, stood for a zero.
        const b = bytes[i++];
        wire++;
        remaining = b - 1;
        if (zeroPending) {
          if (len === cap) { discarding = this.#overflow(wire); continue; }
          buf[len++] = 0;
        }
        zeroPending = b !== 0xff;
        continue;
      }
      // Data bytes of the current run, as many as are here and fit.
      let n = zero - i < remaining ? zero - i : remaining;
      if (n > cap - len) {
        n = cap - len;
        if (n === 0) { wire++; i++; discarding = this.#overflow(wire); continue; }
      }
      copy(bytes, i, i + n, buf, len);
      len += n;
      wire += n;
      remaining -= n;
      i += n;
    }
    this.#len = len;
    this.#wire = wire;
    this.#remaining = remaining;
    this.#zeroPending = zeroPending;
    this.#discarding = discarding;
  }

  #overflow(wire: number): true {
    this.stats.discardedBytes += wire;
    this.#report('TOO_LARGE', -1, -1, wire);
    return true;
  }

  #endFrame(): void {
    const wire = this.#wire;
    const len = this.#len;
    const discarding = this.#discarding;
    const remaining = this.#remaining;
    this.#restart();
    if (discarding || wire === 0) return; // a frame already reported, or an empty frame (back-to-back delimiters)
    if (remaining !== 0) {
      this.stats.discardedBytes += wire;
      this.#report('BAD_COBS', -1, -1, wire);
      return;
    }
    const result = parseFrame(this.#buf, 0, len, this.#acceptType, wire);
    if (isFrameError(result)) {
      this.stats.discardedBytes += wire;
      this.#report(result.kind, result.seq, result.type, wire, result);
      return;
    }
    this.stats.frames++;
    this.#onFrame(result);
  }

  #restart(): void {
    this.#len = 0;
    this.#wire = 0;
    this.#remaining = 0;
    this.#zeroPending = false;
    this.#discarding = false;
  }

  #report(kind: FrameErrorKind, seq: number, type: number, wireBytes: number, error?: FrameError): void {
    const s = this.stats;
    switch (kind) {
      case 'BAD_COBS': s.badCobs++; break;
      case 'BAD_LENGTH': s.badLength++; break;
      case 'BAD_CRC': s.badCrc++; break;
      case 'TOO_LARGE': s.tooLarge++; break;
      case 'BAD_VERSION': s.badVersion++; break;
      case 'UNKNOWN_TYPE': s.unknownType++; break;
    }
    if (this.#onError) this.#onError(error ?? { kind, seq, type, wireBytes });
  }
}
