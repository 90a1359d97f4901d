// STATS, CONFIG get/set, RESTART, LOG events and the ERROR response.
import { ByteReader, ByteWriter, checkInt, checkRange } from '../bytes';
import { protocolFail } from '../errors';
import type { FrameDecoderStats } from '../stream';
import { Layout, checkCode, readCode } from './layout';

/** STATS request. */
export interface Stats {
  /** Zero the inference statistics and counters after reading them. */
  readonly reset: boolean;
}

export const STATS: Layout<Stats> = {
  write(w, v) { w.bool(v.reset, 'reset'); },
  read(r) { return { reset: r.bool('reset') }; },
};

/** Protocol counters in STATS_REPORT, in this order (u32 each, wrapping is the sender's job). */
export const PROTOCOL_COUNTERS = [
  'framesIn',        // valid frames received
  'bytesIn',         // bytes received, delimiters included
  'badCobs',
  'badLength',
  'badCrc',
  'tooLarge',
  'badVersion',
  'unknownType',
  'discardedBytes',  // bytes of rejected frames
  'badPayload',      // valid frames whose payload did not decode (answered BAD_ARGUMENT)
  'framesOut',       // frames sent
  'bytesOut',
] as const;

export type ProtocolCounterName = (typeof PROTOCOL_COUNTERS)[number];

const STATS_HEAP = 0x1;
const STATS_COMPUTRONS = 0x2;

/** STATS_REPORT. */
export interface StatsReport {
  readonly uptimeMs: number;
  readonly inferences: number;
  readonly latencyMinUs: number;
  readonly latencyMeanUs: number;
  readonly latencyMaxUs: number;
  /** Heap bytes in use and the peak, when the platform can tell. */
  readonly heap?: { readonly used: number; readonly peak: number };
  /** Mean XS computrons per inference: simulated devices only. */
  readonly computronsPerInference?: number;
  /** Values in PROTOCOL_COUNTERS order; a newer device may send more, an older one fewer. */
  readonly counters: readonly number[];
}

export const STATS_REPORT: Layout<StatsReport> = {
  write(w, v) {
    w.u64(v.uptimeMs, 'uptimeMs');
    w.u32(v.inferences, 'inferences');
    w.u32(v.latencyMinUs, 'latencyMinUs');
    w.u32(v.latencyMeanUs, 'latencyMeanUs');
    w.u32(v.latencyMaxUs, 'latencyMaxUs');
    w.u32(v.heap ? v.heap.used : 0, 'heap.used');
    w.u32(v.heap ? v.heap.peak : 0, 'heap.peak');
    w.u32(v.computronsPerInference ?? 0, 'computronsPerInference');
    w.u8((v.heap ? STATS_HEAP : 0) | (v.computronsPerInference !== undefined ? STATS_COMPUTRONS : 0));
    w.u8(checkInt(v.counters.length, 0, 255, 'counter count'));
    w.u16(0);
    for (let i = 0; i < v.counters.length; i++) w.u32(v.counters[i], PROTOCOL_COUNTERS[i] ?? `counter ${i}`);
  },
  read(r) {
    const uptimeMs = r.u64();
    const inferences = r.u32();
    const latencyMinUs = r.u32();
    const latencyMeanUs = r.u32();
    const latencyMaxUs = r.u32();
    const used = r.u32();
    const peak = r.u32();
    const computrons = r.u32();
    const flags = r.u8();
    if (flags & ~(STATS_HEAP | STATS_COMPUTRONS)) protocolFail('BAD_PAYLOAD', `unknown STATS flags 0x${flags.toString(16)}`);
    const n = r.u8();
    r.reserved(2);
    r.count(n, 4, 'counters');
    const counters: number[] = [];
    for (let i = 0; i < n; i++) counters.push(r.u32());
    const out: StatsReport = { uptimeMs, inferences, latencyMinUs, latencyMeanUs, latencyMaxUs, counters };
    if (flags & STATS_HEAP) (out as { heap?: StatsReport['heap'] }).heap = { used, peak };
    else if (used !== 0 || peak !== 0) protocolFail('BAD_PAYLOAD', 'heap figures without the heap flag');
    if (flags & STATS_COMPUTRONS) (out as { computronsPerInference?: number }).computronsPerInference = computrons;
    else if (computrons !== 0) protocolFail('BAD_PAYLOAD', 'computrons without the computrons flag');
    return out;
  },
};

/** The named counters of a report (absent ones 0). */
export function namedCounters(report: StatsReport): Record<ProtocolCounterName, number> {
  const out = {} as Record<ProtocolCounterName, number>;
  PROTOCOL_COUNTERS.forEach((name, i) => { out[name] = report.counters[i] ?? 0; });
  return out;
}

/** A typed configuration value. */
export type ConfigValue =
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'f64'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Uint8Array };

const VALUE_TAGS = { bool: 1, i32: 2, f64: 3, string: 4, bytes: 5 } as const;

export interface ConfigEntry {
  readonly key: string;
  readonly value: ConfigValue;
}

/** CONFIG_GET: one key, or every key when `key` is empty. */
export interface ConfigGet {
  readonly key: string;
}

export const CONFIG_GET: Layout<ConfigGet> = {
  write(w, v) { w.str8(v.key, 'key'); },
  read(r) { return { key: r.str8('key') }; },
};

/** CONFIG_SET: one key and its new value. */
export const CONFIG_SET: Layout<ConfigEntry> = {
  write(w, v) { writeEntry(w, v); },
  read(r) { return readEntry(r); },
};

/** CONFIG_VALUES (answer to CONFIG_GET) and CONFIG_SET_VALUES (answer to CONFIG_SET: the value now stored). */
export interface ConfigValues {
  readonly entries: readonly ConfigEntry[];
}

export const CONFIG_VALUES: Layout<ConfigValues> = {
  write(w, v) {
    w.u8(checkInt(v.entries.length, 0, 255, 'entry count'));
    for (const e of v.entries) writeEntry(w, e);
  },
  read(r) {
    const n = r.u8();
    const entries: ConfigEntry[] = [];
    for (let i = 0; i < n; i++) entries.push(readEntry(r));
    return { entries };
  },
};

function writeEntry(w: ByteWriter, e: ConfigEntry): void {
  if (e.key.length === 0) protocolFail('BAD_VALUE', 'empty config key');
  w.str8(e.key, 'key');
  const v = e.value;
  switch (v.type) {
    case 'bool': w.u8(VALUE_TAGS.bool); w.bool(v.value, e.key); break;
    case 'i32': w.u8(VALUE_TAGS.i32); w.i32(v.value, e.key); break;
    case 'f64': w.u8(VALUE_TAGS.f64); w.f64(v.value, e.key); break;
    case 'string': w.u8(VALUE_TAGS.string); w.str16(v.value, e.key); break;
    case 'bytes':
      if (!(v.value instanceof Uint8Array)) protocolFail('BAD_VALUE', `${e.key}: bytes must be a Uint8Array`);
      w.u8(VALUE_TAGS.bytes);
      w.u16(checkInt(v.value.length, 0, 0xffff, `${e.key} length`));
      w.bytes(v.value);
      break;
    default: protocolFail('BAD_VALUE', `${e.key}: unknown value type`);
  }
}

function readEntry(r: ByteReader): ConfigEntry {
  const key = r.str8('key');
  if (key.length === 0) protocolFail('BAD_PAYLOAD', 'empty config key');
  const tag = r.u8('value type');
  switch (tag) {
    case VALUE_TAGS.bool: return { key, value: { type: 'bool', value: r.bool(key) } };
    case VALUE_TAGS.i32: return { key, value: { type: 'i32', value: r.i32(key) } };
    case VALUE_TAGS.f64: return { key, value: { type: 'f64', value: r.f64(key) } };
    case VALUE_TAGS.string: return { key, value: { type: 'string', value: r.str16(key) } };
    case VALUE_TAGS.bytes: return { key, value: { type: 'bytes', value: r.copy(r.u16(key), key) } };
    default: return protocolFail('BAD_PAYLOAD', `unknown config value type ${tag}`);
  }
}

/** RESTART: reboot after answering, after `delayMs`. */
export interface Restart {
  readonly delayMs: number;
}

export const RESTART: Layout<Restart> = {
  write(w, v) { w.u16(v.delayMs, 'delayMs'); },
  read(r) { return { delayMs: r.u16() }; },
};

export const LogLevel = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const;

/** What a LOG event reports: 0 is free text; the others are state changes a host may act on. */
export const LogEvent = {
  MESSAGE: 0,
  BOOT: 1,            // the device started (text: the model it runs, or why none)
  MODEL_ACTIVATED: 2,
  ROLLED_BACK: 3,     // at boot or on request
  MODEL_REFUSED: 4,   // a slot failed verification at boot
  SAMPLE_DONE: 5,     // a SAMPLE capture finished (or stopped: text says why)
  STREAM_STOPPED: 6,
  SENSOR_ERROR: 7,
} as const;

/** LOG event. */
export interface Log {
  readonly level: number;
  readonly event: number;
  readonly timestampMs: number;
  readonly text: string;
}

export const LOG: Layout<Log> = {
  write(w, v) {
    w.u8(checkInt(v.level, 0, LogLevel.ERROR, 'level'));
    w.u8(0);
    w.u16(v.event, 'event');
    w.u64(v.timestampMs, 'timestampMs');
    w.str16(v.text, 'text');
  },
  read(r) {
    const level = checkRange(r.u8(), 0, LogLevel.ERROR, 'level');
    r.reserved(1);
    return { level, event: r.u16(), timestampMs: r.u64(), text: r.str16() };
  },
};

/** ERROR: the answer to a request that failed. */
export interface ErrorResponse {
  /** An ErrorCode. */
  readonly code: number;
  /** The type of the request it answers (as received, known or not). */
  readonly requestType: number;
  /** A short sentence for people (at most 255 bytes of UTF-8). */
  readonly message: string;
}

export const ERROR: Layout<ErrorResponse> = {
  write(w, v) {
    w.u8(checkCode(v.code, 'code'));
    w.u8(v.requestType, 'requestType');
    w.str8(v.message, 'message');
  },
  read(r) {
    return { code: readCode(r), requestType: r.u8(), message: r.str8() };
  },
};

/** STATS counters from a FrameDecoder's stats and the server's own counts, in PROTOCOL_COUNTERS order, each wrapped to u32. */
export function protocolCounters(
  decoder: FrameDecoderStats,
  server: { readonly badPayload: number; readonly framesOut: number; readonly bytesOut: number },
): number[] {
  return [
    decoder.frames, decoder.bytes, decoder.badCobs, decoder.badLength, decoder.badCrc, decoder.tooLarge,
    decoder.badVersion, decoder.unknownType, decoder.discardedBytes, server.badPayload, server.framesOut, server.bytesOut,
  ].map((n) => n % 4294967296);
}
