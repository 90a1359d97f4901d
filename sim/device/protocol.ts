// The simulator's bridge protocol between the firmware in XS and its Node host. Pure ES2022:
// bundled into XS (xs-platform.ts, xs-entry.ts) and imported by Node (simulated-device.ts).
//
// XS → Node, through XS's issueCommand(ArrayBuffer) → ArrayBuffer (answered by XsWorker.onQuery):
//   request  [u8 op][payload]
//   reply    [u8 status][body]   status OK: body is the result
//                                status ERROR: body is a UTF-8 "Name: message"; XS throws it
//                                status POWER_OFF: the flash power was cut; XS throws a PowerCut
//   ops (integers little-endian):
//     FLASH_READ   [u8 part][u32 offset][u32 length]   → bytes       part: 0 slot A, 1 slot B, 2 state
//     FLASH_WRITE  [u8 part][u32 offset][bytes]         → (empty)
//     FLASH_ERASE  [u8 part][u32 block index]           → (empty)
//     SHA256       [bytes]                              → 32 bytes
//     VERIFY_P256  [u8 key length][key][u8 sig length][sig][message] → [u8 1 valid | 0 not]
//     CONFIG_GET   [UTF-8 key]                          → JSON value, or empty when unset
//     CONFIG_SET   [UTF-8 JSON [key, value]]            → (empty)
//     CONFIG_KEYS  (empty)                              → JSON array of keys
//
// Node → XS, as XsRunner handler calls (sim/xs/host-api.ts):
//   boot     UTF-8 JSON BootOptions                    → Output
//   advance  [f64 time ms][u32 frame count][f64 first frame time][f64 frame interval]
//            [u32 heap bytes in use][u32 heap peak]  (the previous crank's meter: System.heap)
//            [frame count × axes × i16 samples][serial bytes received]   → Output
//   stats    (empty)                                   → UTF-8 JSON XsStats
//   Output:  [u8 flags][u32 serial length][serial bytes written][UTF-8 log lines, "\n"-separated]
//            flags: bit 0 restart requested, bit 1 sensor running, bit 2 the device threw
//            (the exception text is the last log line)
// Every figure above is little-endian; f64 times are virtual milliseconds since boot.

export const Op = {
  FLASH_READ: 1,
  FLASH_WRITE: 2,
  FLASH_ERASE: 3,
  SHA256: 16,
  VERIFY_P256: 17,
  CONFIG_GET: 32,
  CONFIG_SET: 33,
  CONFIG_KEYS: 34,
} as const;

export const Status = { OK: 0, ERROR: 1, POWER_OFF: 2 } as const;

/** Bytes of an `advance` payload before the samples. */
export const ADVANCE_HEADER = 36;

export const OutputFlag = { RESTART: 1, SENSOR_RUNNING: 2, THREW: 4 } as const;

export const PART_SLOT_A = 0;
export const PART_SLOT_B = 1;
export const PART_STATE = 2;

export interface PartitionGeometry {
  byteLength: number;
  blockSize: number;
}

export interface BootOptions {
  id: string;
  firmwareVersion: string;
  /** Hex of the 65-byte trusted public key, or absent. */
  trustedKey?: string;
  /** Slot A, slot B, state. */
  partitions: [PartitionGeometry, PartitionGeometry, PartitionGeometry];
  sensor: { axes: number; rate: number };
  /** Virtual time of boot (ms): always 0 today (the clock restarts at every boot). */
  now: number;
  /** Passed to the application's constructor as its options. */
  options?: Record<string, unknown>;
  /** The platform offers the native kernels (the native XS host runs the firmware). */
  nativeKernels?: boolean;
}

export interface XsStats {
  now: number;
  timers: number;
  framesDelivered: number;
  framesDropped: number;
  serialIn: number;
  serialOut: number;
  flashOps: number;
}

export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

export function decodeUtf8(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let c: number;
    let n: number;
    if (b < 0x80) { c = b; n = 1; }
    else if (b >= 0xf0) { c = ((b & 7) << 18) | ((bytes[i + 1]! & 63) << 12) | ((bytes[i + 2]! & 63) << 6) | (bytes[i + 3]! & 63); n = 4; }
    else if (b >= 0xe0) { c = ((b & 15) << 12) | ((bytes[i + 1]! & 63) << 6) | (bytes[i + 2]! & 63); n = 3; }
    else if (b >= 0xc0) { c = ((b & 31) << 6) | (bytes[i + 1]! & 63); n = 2; }
    else { c = 0xfffd; n = 1; }
    s += String.fromCodePoint(c);
    i += n;
  }
  return s;
}

/** Parses an Output reply (boot, advance). */
export function decodeOutput(reply: Uint8Array): { flags: number; serial: Uint8Array; logs: string[] } {
  const v = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const flags = reply[0]!;
  const n = v.getUint32(1, true);
  const serial = reply.slice(5, 5 + n);
  const text = decodeUtf8(reply.subarray(5 + n));
  return { flags, serial, logs: text.length === 0 ? [] : text.split('\n') };
}
