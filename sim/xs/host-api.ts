// XS-side half of XsRunner: runs inside the XS engine (no Node APIs here).
//
// Command:  [u8 nameLength][name, UTF-8][payload]
// Reply:    [u8 status][body]   status 0 = ok, body = the handler's reply (may be empty)
//                               status 1 = error, body = UTF-8 "<Name>: <message>"
//
// Built-in handlers: `__noop` (does nothing: the dispatch baseline), `__gc` (collects garbage),
// `__handlers` (the registered names, comma-separated).

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
  const names = Object.keys(handlers).join(',');
  table.__handlers = () => encodeUtf8(names);

  host.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
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
