// Seeded sample messages of every type, with random fields and edge values. Pure TypeScript
// (no Node API): the XS fixture entry builds the very same messages.
import { MSG, type Message, type MessageTypeOf, type ConfigValue, type SlotInfo, NO_SLOT } from '../../../firmware/core/protocol';
import { crc32 } from '../../../firmware/core/crc32';
import { Prng } from '../../support/prng';

const TEXTS = ['', 'a', 'edgeml', 'héllo wörld', 'ÿ€𝄞 mixed ✓', 'x'.repeat(255), 'tab\tnew\nline', '日本語のラベル'];

export function bytes(rng: Prng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(0, 255);
  return out;
}

/** A string whose UTF-8 is at most `max` bytes. */
function text(rng: Prng, max = 255): string {
  for (;;) {
    const t = rng.pick(TEXTS);
    if (utf8Bytes(t) <= max) return t;
  }
}

function utf8Bytes(t: string): number {
  let n = 0;
  for (const ch of t) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function u32(rng: Prng): number { return rng.pick([0, 1, 0xffffffff, rng.int(0, 0xffffffff)]); }
function u16(rng: Prng): number { return rng.pick([0, 1, 0xffff, rng.int(0, 0xffff)]); }
function i32(rng: Prng): number { return rng.pick([-0x80000000, -1, 0, 0x7fffffff, rng.int(-0x80000000, 0x7fffffff)]); }
function u64(rng: Prng): number { return rng.pick([0, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER, rng.int(0, 0xffffffff) * 1024]); }
/** A float32-representable number (f32 fields round-trip only those). */
function f32(rng: Prng): number { return Math.fround(rng.pick([0, -0, 1, 0.5, Infinity, -Infinity, NaN, 3.4e38, 1e-45, (rng.next() - 0.5) * 1000])); }
function f64(rng: Prng): number { return rng.pick([0, -0, Math.PI, -1e300, Number.MIN_VALUE, NaN, Infinity, (rng.next() - 0.5) * 1e6]); }

function int32Array(rng: Prng, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i32(rng);
  return out;
}

function slot(rng: Prng): SlotInfo {
  return { state: rng.int(0, 5), bytes: u32(rng), size: u32(rng), modelVersion: u32(rng), sha256: bytes(rng, 32), name: text(rng) };
}

function configValue(rng: Prng): ConfigValue {
  switch (rng.int(0, 4)) {
    case 0: return { type: 'bool', value: rng.next() < 0.5 };
    case 1: return { type: 'i32', value: i32(rng) };
    case 2: return { type: 'f64', value: f64(rng) };
    case 3: return { type: 'string', value: rng.pick([...TEXTS, 'y'.repeat(1000)]) };
    default: return { type: 'bytes', value: bytes(rng, rng.int(0, 40)) };
  }
}

function key(rng: Prng): string { return rng.pick(['rate', 'hop', 'name', 'wifi.ssid', 'k'.repeat(255), 'ключ']); }

/** One message of `type` with random fields. */
export function sampleMessage(rng: Prng, type: MessageTypeOf): Message {
  switch (type) {
    case MSG.HELLO: return { type, body: { protocolVersion: u16(rng), minProtocolVersion: u16(rng), maxPayload: u32(rng) } };
    case MSG.PREDICT: {
      const n = rng.int(0, 300);
      const kind = rng.int(0, 2);
      const input = kind === 0 ? new Int8Array(n) : kind === 1 ? new Int16Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) input[i] = kind === 0 ? rng.int(-128, 127) : kind === 1 ? rng.int(-32768, 32767) : f32(rng);
      return { type, body: { input } };
    }
    case MSG.STREAM:
    case MSG.STREAM_STATE: return { type, body: { enabled: rng.next() < 0.5, includeScores: rng.next() < 0.5 } };
    case MSG.SAMPLE: return { type, body: { windows: rng.int(1, 0xffff) } };
    case MSG.MODEL_BEGIN: return { type, body: { size: rng.int(1, 0xffffffff), sha256: bytes(rng, 32), modelVersion: u32(rng), force: rng.next() < 0.5, restart: rng.next() < 0.5 } };
    case MSG.MODEL_CHUNK: {
      const data = bytes(rng, rng.pick([0, 1, 254, 255, 1024, rng.int(0, 4096)]));
      return { type, body: { offset: rng.int(0, 0xffffffff - data.length), data } };
    }
    case MSG.MODEL_END:
    case MSG.ROLLBACK:
    case MSG.RESTARTING: return { type, body: {} };
    case MSG.ACTIVATE: return { type, body: { slot: rng.pick([0, 1, NO_SLOT]), force: rng.next() < 0.5 } };
    case MSG.STATS: return { type, body: { reset: rng.next() < 0.5 } };
    case MSG.CONFIG_GET: return { type, body: { key: rng.next() < 0.2 ? '' : key(rng) } };
    case MSG.CONFIG_SET: return { type, body: { key: key(rng), value: configValue(rng) } };
    case MSG.RESTART: return { type, body: { delayMs: u16(rng) } };
    case MSG.INFO: {
      const slots = Array.from({ length: rng.int(0, 3) }, () => slot(rng));
      return {
        type,
        body: {
          protocolVersion: u16(rng), formatVersion: u16(rng), capabilities: u32(rng), maxPayload: u32(rng), maxChunk: u32(rng),
          freeSlotSize: u32(rng), activeSlot: slots.length && rng.next() < 0.7 ? rng.int(0, slots.length - 1) : NO_SLOT,
          firmwareVersion: text(rng), deviceId: text(rng), slots,
        },
      };
    }
    case MSG.PREDICT_RESULT: return { type, body: { classIndex: i32(rng), latencyUs: u32(rng), scale: f32(rng), zeroPoint: i32(rng), scores: int32Array(rng, rng.int(0, 20)) } };
    case MSG.SAMPLE_STARTED: return { type, body: { windows: u16(rng), samplesPerWindow: u16(rng), axes: rng.int(1, 255), rateHz: f32(rng), scale: f32(rng) } };
    case MSG.MODEL_BEGIN_ACK: return { type, body: { status: rng.int(0, 2), slot: rng.int(0, 255), window: rng.int(1, 0xffff), resumeOffset: u32(rng), chunkSize: rng.int(1, 0xffffffff) } };
    case MSG.MODEL_CHUNK_ACK: return { type, body: { offset: u32(rng), nextOffset: u32(rng), disposition: rng.int(0, 3) } };
    case MSG.MODEL_END_RESULT: return {
      type,
      body: {
        code: rng.int(0, 255), slot: rng.int(0, 255), sha256: bytes(rng, 32), modelVersion: u32(rng),
        checks: Array.from({ length: rng.int(0, 7) }, (_, i) => ({ check: i + 1, status: rng.int(0, 2), code: rng.int(0, 30), message: text(rng) })),
      },
    };
    case MSG.ACTIVATED:
    case MSG.ROLLED_BACK: return { type, body: { slot: rng.int(0, 255), previousSlot: rng.int(0, 255), modelVersion: u32(rng), sha256: bytes(rng, 32), name: text(rng) } };
    case MSG.STATS_REPORT: {
      const body = {
        uptimeMs: u64(rng), inferences: u32(rng), latencyMinUs: u32(rng), latencyMeanUs: u32(rng), latencyMaxUs: u32(rng),
        counters: Array.from({ length: rng.int(0, 14) }, () => u32(rng)),
      };
      if (rng.next() < 0.5) Object.assign(body, { heap: { used: u32(rng), peak: u32(rng) } });
      if (rng.next() < 0.5) Object.assign(body, { computronsPerInference: u32(rng) });
      return { type, body };
    }
    case MSG.CONFIG_VALUES:
    case MSG.CONFIG_SET_VALUES: return { type, body: { entries: Array.from({ length: rng.int(0, 5) }, () => ({ key: key(rng), value: configValue(rng) })) } };
    case MSG.ERROR: return { type, body: { code: rng.int(0, 255), requestType: rng.int(0, 255), message: text(rng) } };
    case MSG.RESULT: return { type, body: { windowSeq: u32(rng), timestampMs: u64(rng), classIndex: i32(rng), confidence: f32(rng), latencyUs: u32(rng), scores: int32Array(rng, rng.int(0, 12)) } };
    case MSG.SAMPLE_DATA: {
      const axes = rng.int(1, 6);
      const windowSamples = rng.int(1, 400);
      const sampleOffset = rng.int(0, windowSamples - 1);
      const count = rng.int(0, Math.min(windowSamples - sampleOffset, 300));
      const samples = new Int16Array(count * axes);
      for (let i = 0; i < samples.length; i++) samples[i] = rng.int(-32768, 32767);
      const total = rng.int(1, 0xffff);
      return { type, body: { windowSeq: u32(rng), index: rng.int(0, total - 1), total, timestampMs: u64(rng), rateHz: f32(rng), scale: f32(rng), axes, windowSamples, sampleOffset, samples } };
    }
    case MSG.LOG: return { type, body: { level: rng.int(0, 3), event: u16(rng), timestampMs: u64(rng), text: rng.pick([...TEXTS, 'z'.repeat(3000)]) } };
  }
}

export const ALL_TYPES = Object.values(MSG) as MessageTypeOf[];

/** `count` messages cycling through every type. */
export function sampleMessages(seed: number, count: number): Message[] {
  const rng = new Prng(seed);
  const out: Message[] = [];
  for (let i = 0; i < count; i++) out.push(sampleMessage(rng, ALL_TYPES[i % ALL_TYPES.length]));
  return out;
}

/** A canonical text of a message (typed arrays as lists; non-integer numbers as the hex of their
 * float64 bits, since engines may print the last digit of a tie differently): equal texts, equal messages. */
export function describeMessage(m: Message): string {
  return `${m.type}:${canonical(m.body)}`;
}

function canonical(v: unknown): string {
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : numberBits(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v)) {
    // the type, the length and a CRC-32 of the bytes (listing elements is slow in XS)
    const a = v as unknown as ArrayLike<number>;
    const raw = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return `${(v as object).constructor.name}(${a.length})#${crc32(raw).toString(16)}`;
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${k}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return String(v);
}

const bits = new DataView(new ArrayBuffer(8));

function numberBits(v: number): string {
  bits.setFloat64(0, v);
  let out = 'f';
  for (let i = 0; i < 8; i++) out += (bits.getUint8(i) + 0x100).toString(16).slice(1);
  return out;
}
