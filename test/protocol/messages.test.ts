// Every message type: round trip through payload and whole frames, exact sizes, and the
// typed errors of wrong sizes and out-of-range fields.
import { describe, expect, it } from 'vitest';
import {
  CheckStatus, ErrorCode, MSG, NO_SLOT, PROTOCOL_COUNTERS, ProtocolError, activeModelOf, answers, decodeMessage, decodePayload,
  encodeMessage, encodePayload, encodeUtf8, errorCodeName, isEventType, isRequestType, isResponseType, messageTypeName, namedCounters, nextSeq,
  responseTypeOf, truncateUtf8, utf8Length, type Frame, type Message, FrameDecoder, encodeError, protocolCounters,
} from '../../firmware/core/protocol';
import { decodeUtf8 } from '../../firmware/core/utf8';
import { Prng } from '../support/prng';
import { ALL_TYPES, describeMessage, sampleMessage } from './support/samples';

function decodeWire(wire: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  const d = new FrameDecoder({ maxPayload: 0xffff, onFrame: (f) => frames.push({ ...f, payload: f.payload.slice() }), onError: (e) => { throw new Error(e.kind); } });
  d.push(wire);
  return frames;
}

function expectProtocolError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe(code);
    return;
  }
  throw new Error(`expected ProtocolError ${code}`);
}

describe('message round trips', () => {
  it.each(ALL_TYPES.map((t) => [messageTypeName(t), t] as const))('%s: 40 random messages through payload and frame', (_name, type) => {
    const rng = new Prng(type * 7919);
    for (let i = 0; i < 40; i++) {
      const m = sampleMessage(rng, type);
      const payload = encodePayload(m.type, m.body);
      const back = decodePayload(m.type, payload);
      expect(describeMessage({ type: m.type, body: back } as Message)).toBe(describeMessage(m));
      expect(back).toEqual(m.body);
      const seq = rng.int(0, 0xffff);
      const frames = decodeWire(encodeMessage(m.type, seq, m.body));
      expect(frames).toHaveLength(1);
      expect(frames[0].seq).toBe(seq);
      expect(describeMessage(decodeMessage(frames[0]))).toBe(describeMessage(m));
      // a shorter payload is refused, and so is one more byte (a chunk's data has any length)
      const minimum = m.type === MSG.MODEL_CHUNK ? 4 : payload.length;
      for (const cut of [0, minimum >> 1, minimum - 1]) {
        if (cut >= 0 && cut < minimum) expectProtocolError(() => decodePayload(m.type, payload.subarray(0, cut)), 'BAD_PAYLOAD');
      }
      if (m.type !== MSG.MODEL_CHUNK) {
        const longer = new Uint8Array(payload.length + 1);
        longer.set(payload);
        expectProtocolError(() => decodePayload(m.type, longer), 'BAD_PAYLOAD');
      }
    }
  });

  it('fixed layouts have the documented sizes', () => {
    const sha = new Uint8Array(32);
    expect(encodePayload(MSG.HELLO, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 4160 })).toHaveLength(8);
    expect(encodePayload(MSG.MODEL_BEGIN, { size: 1, sha256: sha, modelVersion: 1, force: false, restart: false })).toHaveLength(44);
    expect(encodePayload(MSG.MODEL_BEGIN_ACK, { status: 0, slot: 1, window: 4, resumeOffset: 0, chunkSize: 1024 })).toHaveLength(12);
    expect(encodePayload(MSG.MODEL_CHUNK, { offset: 0, data: new Uint8Array(1024) })).toHaveLength(1028);
    expect(encodePayload(MSG.MODEL_CHUNK_ACK, { offset: 0, nextOffset: 1024, disposition: 0 })).toHaveLength(9);
    expect(encodePayload(MSG.MODEL_END, {})).toHaveLength(0);
    expect(encodePayload(MSG.ERROR, { code: ErrorCode.BUSY, requestType: MSG.PREDICT, message: 'busy' })).toHaveLength(7);
    expect(encodePayload(MSG.RESULT, { windowSeq: 1, timestampMs: 2, classIndex: 3, confidence: 0.5, latencyUs: 9, scores: new Int32Array(0) })).toHaveLength(28);
  });

  it('little-endian fields at their offsets', () => {
    const p = encodePayload(MSG.MODEL_CHUNK_ACK, { offset: 0x04030201, nextOffset: 0x08070605, disposition: 2 });
    expect(Array.from(p)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 2]);
    const r = encodePayload(MSG.RESULT, { windowSeq: 0, timestampMs: 0x0102030405, classIndex: -2, confidence: 1, latencyUs: 0, scores: new Int32Array([-1]) });
    expect(Array.from(r.subarray(4, 12))).toEqual([5, 4, 3, 2, 1, 0, 0, 0]);
    expect(Array.from(r.subarray(12, 16))).toEqual([0xfe, 0xff, 0xff, 0xff]);
    expect(Array.from(r.subarray(16, 20))).toEqual([0, 0, 0x80, 0x3f]);
  });
});

describe('typed errors', () => {
  it('encoders refuse values their fields cannot carry', () => {
    const sha = new Uint8Array(32);
    expectProtocolError(() => encodePayload(MSG.HELLO, { protocolVersion: 65536, minProtocolVersion: 1, maxPayload: 1 }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.HELLO, { protocolVersion: 1.5, minProtocolVersion: 1, maxPayload: 1 }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.MODEL_BEGIN, { size: 0, sha256: sha, modelVersion: 1, force: false, restart: false }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.MODEL_BEGIN, { size: 10, sha256: new Uint8Array(31), modelVersion: 1, force: false, restart: false }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.ERROR, { code: 1, requestType: 1, message: 'é'.repeat(128) }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.RESULT, { windowSeq: 0, timestampMs: 2 ** 53, classIndex: 0, confidence: 0, latencyUs: 0, scores: new Int32Array(0) }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.SAMPLE, { windows: 0 }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.INFO, { protocolVersion: 1, formatVersion: 1, capabilities: 0, maxPayload: 1, maxChunk: 1, freeSlotSize: 0, activeSlot: 2, firmwareVersion: '', deviceId: '', slots: [] }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.MODEL_CHUNK, { offset: 0xffffffff, data: new Uint8Array(2) }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.CONFIG_SET, { key: '', value: { type: 'bool', value: true } }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.PREDICT, { input: [1, 2] as unknown as Int8Array }), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(MSG.STREAM, {} as never), 'BAD_VALUE');
    expectProtocolError(() => encodePayload(0x3e as never, {} as never), 'UNKNOWN_TYPE');
    expectProtocolError(() => encodeMessage(MSG.MODEL_CHUNK, 0, { offset: 0, data: new Uint8Array(0x10000) }), 'TOO_LARGE');
    expectProtocolError(() => encodeMessage(MSG.STATS, 0x10000, { reset: false }), 'BAD_VALUE');
  });

  it('decoders refuse out-of-range fields, reserved bytes and bad UTF-8', () => {
    expectProtocolError(() => decodePayload(MSG.STREAM, new Uint8Array([2, 0])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.PREDICT, new Uint8Array([4, 0, 0, 0])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.PREDICT, new Uint8Array([1, 1, 0, 0])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.PREDICT, new Uint8Array([2, 0, 2, 0, 1, 2, 3])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.SAMPLE, new Uint8Array([0, 0])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.ERROR, new Uint8Array([1, 1, 2, 0xc3, 0x28])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.ERROR, new Uint8Array([1, 1, 5, 0x41])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.CONFIG_SET, new Uint8Array([1, 0x6b, 9])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(MSG.CONFIG_GET, new Uint8Array([])), 'BAD_PAYLOAD');
    const begin = encodePayload(MSG.MODEL_BEGIN, { size: 5, sha256: new Uint8Array(32), modelVersion: 1, force: true, restart: false });
    begin[8] |= 0x80;
    expectProtocolError(() => decodePayload(MSG.MODEL_BEGIN, begin), 'BAD_PAYLOAD');
    const stats = new Uint8Array(40); // flags (byte 36) 0 but a heap figure set
    stats[24] = 1;
    expectProtocolError(() => decodePayload(MSG.STATS_REPORT, stats), 'BAD_PAYLOAD');
    stats[36] = 1;
    expect(decodePayload(MSG.STATS_REPORT, stats).heap).toEqual({ used: 1, peak: 0 });
    stats[36] = 4;
    expectProtocolError(() => decodePayload(MSG.STATS_REPORT, stats), 'BAD_PAYLOAD');
    const big = new Uint8Array(8).fill(0xff); // u64 beyond 2^53
    expectProtocolError(() => decodePayload(MSG.LOG, new Uint8Array([1, 0, 0, 0, ...big, 0, 0])), 'BAD_PAYLOAD');
    expectProtocolError(() => decodePayload(0x3e, new Uint8Array(0)), 'UNKNOWN_TYPE');
  });

  it('the error code table: stable numbers and names', () => {
    expect(ErrorCode.OK).toBe(0);
    expect(ErrorCode.HASH_MISMATCH).toBe(8);
    expect(errorCodeName(ErrorCode.SELFTEST_FAILED)).toBe('SELFTEST_FAILED');
    expect(errorCodeName(200)).toBe('ERROR_200');
    const numbers = Object.values(ErrorCode);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.every((n) => n >= 0 && n <= 255)).toBe(true);
  });
});

describe('types and correlation', () => {
  it('classifies every type and pairs requests with responses', () => {
    for (const t of ALL_TYPES) {
      const kinds = [isRequestType(t), isResponseType(t), isEventType(t)].filter(Boolean);
      expect(kinds, messageTypeName(t)).toHaveLength(1);
      if (isRequestType(t)) {
        expect(isResponseType(responseTypeOf(t)), messageTypeName(t)).toBe(true);
        expect(answers(t, responseTypeOf(t))).toBe(true);
        expect(answers(t, MSG.ERROR)).toBe(true);
      }
    }
    expect(answers(MSG.HELLO, MSG.PREDICT_RESULT)).toBe(false);
    expect(nextSeq(0xffff)).toBe(0);
  });

  it('helpers: active model, named counters', () => {
    const slot = { state: 3, bytes: 10, size: 10, modelVersion: 7, sha256: new Uint8Array(32), name: 'm' };
    const info = { protocolVersion: 1, formatVersion: 1, capabilities: 0, maxPayload: 1, maxChunk: 1, freeSlotSize: 0, activeSlot: 1, firmwareVersion: '', deviceId: '', slots: [slot, slot] };
    expect(activeModelOf(info)).toBe(slot);
    expect(activeModelOf({ ...info, activeSlot: NO_SLOT })).toBeUndefined();
    const named = namedCounters({ uptimeMs: 0, inferences: 0, latencyMinUs: 0, latencyMeanUs: 0, latencyMaxUs: 0, counters: [5, 6] });
    expect(named.framesIn).toBe(5);
    expect(named.bytesIn).toBe(6);
    expect(named.bytesOut).toBe(0);
    expect(Object.keys(named)).toEqual([...PROTOCOL_COUNTERS]);
    expect(CheckStatus.SKIPPED).toBe(2);
  });
});

describe('UTF-8 encoder', () => {
  const te = new TextEncoder();
  it('matches TextEncoder, lone surrogates included, and round-trips through core/utf8', () => {
    const rng = new Prng(9);
    const samples = ['', 'abc', 'é', '€', '𝄞', '\u{10ffff}', '\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00', '\u07ff\u0800\uffff'];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let k = rng.int(0, 12); k > 0; k--) s += String.fromCharCode(rng.pick([rng.int(0, 0x7f), rng.int(0x80, 0x7ff), rng.int(0x800, 0xffff), rng.int(0xd800, 0xdfff)]));
      samples.push(s);
    }
    for (const s of samples) {
      const ours = encodeUtf8(s);
      expect(Array.from(ours), JSON.stringify(s)).toEqual(Array.from(te.encode(s)));
      expect(utf8Length(s)).toBe(ours.length);
      expect(decodeUtf8(ours, 0, ours.length)).toBe(new TextDecoder().decode(te.encode(s))); // lone surrogates read back as U+FFFD
    }
  });

  it('truncates at code point boundaries', () => {
    expect(truncateUtf8('abc', 5)).toBe('abc');
    expect(truncateUtf8('aé€𝄞', 1)).toBe('a');
    expect(truncateUtf8('aé€𝄞', 2)).toBe('a');
    expect(truncateUtf8('aé€𝄞', 3)).toBe('aé');
    expect(truncateUtf8('aé€𝄞', 9)).toBe('aé€');
    expect(truncateUtf8('aé€𝄞', 10)).toBe('aé€𝄞');
    expect(utf8Length(truncateUtf8('é'.repeat(300), 255))).toBe(254);
  });
});

describe('server helpers', () => {
  it('encodeError cuts long messages; protocolCounters follows PROTOCOL_COUNTERS', () => {
    const frames = decodeWire(encodeError(5, ErrorCode.BAD_ARGUMENT, 0x3e, 'é'.repeat(200)));
    const m = decodeMessage(frames[0]);
    expect(m.type).toBe(MSG.ERROR);
    if (m.type === MSG.ERROR) {
      expect(m.body.code).toBe(ErrorCode.BAD_ARGUMENT);
      expect(m.body.requestType).toBe(0x3e);
      expect(m.body.message).toBe('é'.repeat(127));
    }
    const d = new FrameDecoder({ onFrame: () => {} });
    d.push(new Uint8Array([5, 0]));
    const counters = protocolCounters(d.stats, { badPayload: 1, framesOut: 2, bytesOut: 2 ** 32 + 3 });
    expect(counters).toHaveLength(PROTOCOL_COUNTERS.length);
    const named = namedCounters({ uptimeMs: 0, inferences: 0, latencyMinUs: 0, latencyMeanUs: 0, latencyMaxUs: 0, counters });
    expect(named).toMatchObject({ framesIn: 0, bytesIn: 2, badCobs: 1, discardedBytes: 1, badPayload: 1, framesOut: 2, bytesOut: 3 });
  });
});
