// Netstrings (https://cr.yp.to/proto/netstring.txt): `<decimal length>:<bytes>,`.
// The framing used on fds 3/4 between Node and the xsnap-worker binary.

const COLON = 0x3a;
const COMMA = 0x2c;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Largest message the decoder accepts by default (64 MiB). */
export const DEFAULT_MAX_NETSTRING_LENGTH = 64 * 1024 * 1024;

/** Encodes one netstring made of the concatenation of `parts`. */
export function encodeNetstring(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const header = new TextEncoder().encode(`${length}:`);
  const out = new Uint8Array(header.byteLength + length + 1);
  out.set(header, 0);
  let offset = header.byteLength;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  out[offset] = COMMA;
  return out;
}

export class NetstringError extends Error {
  override name = 'NetstringError';
}

/**
 * Incremental decoder: feed it chunks as they arrive (split or merged in any way);
 * `push()` returns the messages completed by that chunk. Malformed input throws a
 * NetstringError and leaves the decoder failed (every later push throws too).
 */
export class NetstringDecoder {
  readonly #maxLength: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #need = 0; // bytes needed before the first message can be complete (0: unknown)
  #failure: NetstringError | undefined;

  constructor(opts: { maxLength?: number } = {}) {
    this.#maxLength = opts.maxLength ?? DEFAULT_MAX_NETSTRING_LENGTH;
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.#size;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failure) throw this.#failure;
    if (chunk.byteLength === 0) return [];
    this.#chunks.push(chunk.slice());
    this.#size += chunk.byteLength;
    // A long message arrives in many chunks: join them once, when it can be complete.
    if (this.#size < this.#need) return [];
    const buf = this.#chunks.length === 1 ? this.#chunks[0]! : concat(this.#chunks, this.#size);
    const messages: Uint8Array[] = [];
    let start = 0;
    this.#need = 0;
    for (;;) {
      // Parse the length prefix.
      let i = start;
      let length = 0;
      while (i < buf.byteLength && buf[i] !== COLON) {
        const c = buf[i]!;
        if (c < DIGIT_0 || c > DIGIT_9) return this.#fail(`invalid length prefix byte 0x${c.toString(16)}`);
        if (i - start === 1 && buf[start] === DIGIT_0) return this.#fail('length prefix has a leading zero');
        length = length * 10 + (c - DIGIT_0);
        if (length > this.#maxLength) return this.#fail(`message longer than the limit of ${this.#maxLength} bytes`);
        i++;
      }
      if (i >= buf.byteLength) break; // prefix incomplete
      if (i === start) return this.#fail('empty length prefix');
      const bodyStart = i + 1;
      const end = bodyStart + length; // index of the expected comma
      if (end >= buf.byteLength) {
        this.#need = end + 1 - start; // body or trailer incomplete
        break;
      }
      if (buf[end] !== COMMA) return this.#fail(`missing ',' after a ${length}-byte message`);
      messages.push(buf.slice(bodyStart, end));
      start = end + 1;
    }
    const rest = start === 0 ? buf : buf.slice(start);
    this.#chunks = rest.byteLength > 0 ? [rest] : [];
    this.#size = rest.byteLength;
    return messages;
  }

  #fail(reason: string): never {
    this.#failure = new NetstringError(`malformed netstring: ${reason}`);
    this.#chunks = [];
    this.#size = 0;
    throw this.#failure;
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
