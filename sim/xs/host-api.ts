// XS-side half of XsRunner: runs inside the XS engine (no Node APIs here).
//
// Command:  [u8 nameLength][name, UTF-8][payload]
// Reply:    [u8 status][body]   status 0 = ok, body = the handler's reply (may be empty)
//                               status 1 = error, body = UTF-8 "<Name>: <message>"
//
// Built-in handlers (names starting with "__" are reserved):
//   __noop       does nothing: the dispatch baseline for allocation measurements
//   __gc         collects garbage
//   __arm        arms the GC probe for the next command: a weakly held sentinel object is
//                made before that command's handler runs
//   __probe      [1] if a collection ran during the armed command (the sentinel's
//                FinalizationRegistry callback ran in that command's crank), [0] if not,
//                [2] if this engine has no FinalizationRegistry
//   __handlers   the registered names, comma-separated

export type Handler = (payload: Uint8Array) => Uint8Array | void;

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;

interface XsGlobals {
  handleCommand?: (message: ArrayBuffer) => ArrayBuffer;
  gc?: () => void;
  TextDecoder?: new () => { decode(bytes: Uint8Array): string };
  TextEncoder?: new () => { encode(text: string): Uint8Array };
}

const host = globalThis as unknown as XsGlobals;

export function registerHandlers(handlers: Record<string, Handler>): void {
  const table: Record<string, Handler> = Object.create(null) as Record<string, Handler>;
  for (const name of Object.keys(handlers)) {
    if (name.startsWith('__')) throw new RangeError(`handler names starting with "__" are reserved: ${name}`);
    table[name] = handlers[name]!;
  }
  table.__noop = () => {};
  table.__gc = () => {
    if (host.gc) host.gc();
  };
  // GC probe: see the header.
  let seq = 0; // number of the command being dispatched
  let armed = false;
  let armedSeq = -1;
  let collectedDuringArmed = false;
  const registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<number>((held) => {
          // Cleanup jobs run at the end of the crank in which the collection happened.
          if (held === armedSeq && seq === armedSeq) collectedDuringArmed = true;
        })
      : undefined;
  table.__arm = () => {
    armed = true;
    collectedDuringArmed = false;
  };
  table.__probe = () => new Uint8Array([registry ? (collectedDuringArmed ? 1 : 0) : 2]);
  const names = Object.keys(handlers).join(',');
  table.__handlers = () => encodeUtf8(names);

  host.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
    seq++;
    if (armed) {
      armed = false;
      armedSeq = seq;
      registry?.register({}, seq);
    }
    let body: Uint8Array | void;
    try {
      const bytes = new Uint8Array(message);
      const nameLength = bytes.length > 0 ? bytes[0]! : 0;
      if (bytes.length < 1 + nameLength) throw new RangeError('malformed command: truncated handler name');
      const name = decodeUtf8(bytes.subarray(1, 1 + nameLength));
      const handler = table[name];
      if (!handler) throw new RangeError(`unknown handler "${name}"`);
      body = handler(bytes.subarray(1 + nameLength));
    } catch (err) {
      return reply(STATUS_ERROR, encodeUtf8(describeError(err)));
    }
    return reply(STATUS_OK, body);
  };
}

function reply(status: number, body: Uint8Array | void): ArrayBuffer {
  // Always exactly one allocation, whatever the body: keeps __noop a fair allocation baseline.
  const out = new Uint8Array(1 + (body ? body.length : 0));
  out[0] = status;
  if (body) out.set(body, 1);
  return out.buffer;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.name ? `${err.name}: ${err.message}` : err.message;
  try {
    return String(err);
  } catch {
    return 'unprintable exception';
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  if (host.TextDecoder) return new host.TextDecoder().decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!); // fallback: Latin-1
  return s;
}

function encodeUtf8(text: string): Uint8Array {
  if (host.TextEncoder) return new host.TextEncoder().encode(text);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff; // fallback: Latin-1
  return out;
}
