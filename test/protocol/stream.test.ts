// The streaming frame decoder: any chunking gives the same frames; garbage, truncated frames,
// wrong CRCs, oversized frames, bad length fields and unknown types give typed errors, never
// exceptions, and decoding resumes at the next delimiter.
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../firmware/core/crc32';
import {
  DEFAULT_MAX_PAYLOAD, FLAG_RETRY, FRAME_OVERHEAD, FrameDecoder, MSG, cobsEncode, encodeFrame, encodeMessage, isFrameError, parseFrame,
  isKnownType, type Frame, type FrameError,
} from '../../firmware/core/protocol';
import { Prng } from '../support/prng';
import { sampleMessages } from './support/samples';

interface Collected { frames: { type: number; seq: number; flags: number; payload: number[] }[]; errors: FrameError[] }

function collector(maxPayload = 0xffff, acceptType?: (t: number) => boolean): { d: FrameDecoder; got: Collected } {
  const got: Collected = { frames: [], errors: [] };
  const d = new FrameDecoder({
    maxPayload,
    ...(acceptType ? { acceptType } : {}),
    onFrame: (f: Frame) => got.frames.push({ type: f.type, seq: f.seq, flags: f.flags, payload: Array.from(f.payload) }),
    onError: (e) => got.errors.push(e),
  });
  return { d, got };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A frame with a correct CRC over whatever header and payload bytes are given. */
function rawFrame(header: number[], payload: number[]): Uint8Array {
  const raw = new Uint8Array([...header, ...payload, 0, 0, 0, 0]);
  const crc = crc32(raw, 0, raw.length - 4);
  new DataView(raw.buffer).setUint32(raw.length - 4, crc, true);
  return concat([cobsEncode(raw), new Uint8Array([0])]);
}

describe('frames', () => {
  it('layout: version/flags, type, seq, length, payload, CRC-32, then COBS and a delimiter', () => {
    const wire = encodeFrame(MSG.STATS, 0x1234, new Uint8Array([1]), FLAG_RETRY);
    const { d, got } = collector();
    d.push(wire);
    expect(got.frames).toEqual([{ type: MSG.STATS, seq: 0x1234, flags: FLAG_RETRY, payload: [1] }]);
    expect(wire[wire.length - 1]).toBe(0);
    const raw = new Uint8Array([0x11, MSG.STATS, 0x34, 0x12, 1, 0, 1, 0, 0, 0, 0]);
    new DataView(raw.buffer).setUint32(7, crc32(raw, 0, 7), true);
    expect(Array.from(wire)).toEqual([...cobsEncode(raw), 0]);
  });

  it('parseFrame checks a single unstuffed frame', () => {
    const raw = new Uint8Array([0x10, MSG.HELLO, 7, 0, 0, 0, 0, 0, 0, 0]);
    new DataView(raw.buffer).setUint32(6, crc32(raw, 0, 6), true);
    const f = parseFrame(raw, 0, raw.length, isKnownType);
    expect(isFrameError(f)).toBe(false);
    expect((f as Frame).seq).toBe(7);
    expect(parseFrame(raw, 0, 9, isKnownType)).toMatchObject({ kind: 'BAD_LENGTH' });
    raw[2] ^= 1;
    expect(parseFrame(raw, 0, raw.length, isKnownType)).toMatchObject({ kind: 'BAD_CRC', seq: -1 });
  });
});

describe('streaming decoder', () => {
  const messages = sampleMessages(11, 120);
  const wires = messages.map((m, i) => encodeMessage(m.type, i, m.body));
  const stream = concat(wires);

  function expectAll(got: Collected): void {
    expect(got.errors).toEqual([]);
    expect(got.frames.map((f) => f.seq)).toEqual(messages.map((_, i) => i));
    got.frames.forEach((f, i) => expect(f.type).toBe(messages[i].type));
  }

  it('one push, byte by byte, and 200 random chunkings give the same frames', () => {
    const whole = collector();
    whole.d.push(stream);
    expectAll(whole.got);
    const bytewise = collector();
    for (let i = 0; i < stream.length; i++) bytewise.d.push(stream, i, i + 1);
    expect(bytewise.got).toEqual(whole.got);
    const rng = new Prng(3);
    for (let c = 0; c < 200; c++) {
      const { d, got } = collector();
      let at = 0;
      while (at < stream.length) {
        const n = rng.pick([1, 2, 3, 7, 64, 255, 1000, rng.int(1, 5000)]);
        const end = Math.min(stream.length, at + n);
        if (rng.next() < 0.5) d.push(stream.subarray(at, end)); // a view
        else d.push(stream, at, end);                           // a range
        at = end;
      }
      expect(got, `chunking ${c}`).toEqual(whole.got);
      expect(d.pending).toBe(0);
      expect(d.stats.frames).toBe(messages.length);
      expect(d.stats.bytes).toBe(stream.length);
    }
  });

  it('back-to-back delimiters are empty frames and ignored', () => {
    const { d, got } = collector();
    d.push(new Uint8Array([0, 0, 0]));
    d.push(concat([new Uint8Array([0, 0]), wires[0], new Uint8Array([0, 0]), wires[1]]));
    expect(got.errors).toEqual([]);
    expect(got.frames).toHaveLength(2);
  });

  it('garbage before, between and after frames: errors, then the next frame decodes', () => {
    const rng = new Prng(4);
    const { d, got } = collector();
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      const garbage = new Uint8Array(rng.int(1, 300));
      for (let k = 0; k < garbage.length; k++) garbage[k] = rng.next() < 0.02 ? 0 : rng.int(1, 255);
      parts.push(garbage, new Uint8Array([0]), wires[i]);
    }
    d.push(concat(parts));
    expect(got.frames.map((f) => f.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(got.errors.length).toBeGreaterThanOrEqual(60);
    for (const e of got.errors) expect(['BAD_COBS', 'BAD_LENGTH', 'BAD_CRC']).toContain(e.kind);
    const s = d.stats;
    expect(s.badCobs + s.badLength + s.badCrc).toBe(got.errors.length);
  });

  it('a truncated frame followed by a delimiter is an error; the next frame decodes', () => {
    for (const w of wires.slice(0, 30)) {
      for (const cut of [1, 2, 5, w.length >> 1, w.length - 2]) {
        const { d, got } = collector();
        d.push(concat([w.subarray(0, cut), new Uint8Array([0]), wires[1]]));
        expect(got.errors).toHaveLength(1);
        expect(['BAD_COBS', 'BAD_LENGTH', 'BAD_CRC']).toContain(got.errors[0].kind);
        expect(got.frames.map((f) => f.seq)).toEqual([1]);
      }
    }
  });

  it('a frame whose delimiter is lost merges with the next: both lost, the one after decodes', () => {
    const { d, got } = collector();
    d.push(concat([wires[0].subarray(0, wires[0].length - 1), wires[1], wires[2]]));
    expect(got.errors).toHaveLength(1);
    expect(got.frames.map((f) => f.seq)).toEqual([2]);
  });

  it('every single-bit flip is caught (CRC-32 or framing)', () => {
    const w = encodeMessage(MSG.MODEL_CHUNK, 9, { offset: 1024, data: new Uint8Array(300).map((_, i) => i * 13) });
    for (let bit = 0; bit < (w.length - 1) * 8; bit++) {
      const bad = w.slice();
      bad[bit >> 3] ^= 1 << (bit & 7);
      const { d, got } = collector();
      d.push(bad);
      d.push(new Uint8Array([0]));
      expect(got.frames, `bit ${bit}`).toEqual([]);
      expect(got.errors.length, `bit ${bit}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('wrong CRC: BAD_CRC with no trusted header', () => {
    const raw = new Uint8Array(FRAME_OVERHEAD + 3);
    raw.set([0x10, MSG.STATS, 5, 0, 3, 0, 1, 2, 3, 0xde, 0xad, 0xbe, 0xef]);
    const { d, got } = collector();
    d.push(concat([cobsEncode(raw), new Uint8Array([0])]));
    expect(got.errors).toEqual([{ kind: 'BAD_CRC', seq: -1, type: -1, wireBytes: cobsEncode(raw).length }]);
    expect(d.stats.badCrc).toBe(1);
  });

  it('length field larger or smaller than the frame: BAD_LENGTH with seq and type', () => {
    const { d, got } = collector();
    d.push(rawFrame([0x10, MSG.STATS, 8, 0, 0xff, 0xff], [1]));
    d.push(rawFrame([0x10, MSG.STATS, 9, 0, 0, 0], [1]));
    d.push(rawFrame([0x10, MSG.STATS, 10, 0], []));
    expect(got.errors.map((e) => [e.kind, e.seq, e.type])).toEqual([
      ['BAD_LENGTH', 8, MSG.STATS], ['BAD_LENGTH', 9, MSG.STATS], ['BAD_LENGTH', -1, -1],
    ]);
  });

  it('unknown types and versions: typed errors carrying seq and type (so a device can answer)', () => {
    const { d, got } = collector();
    d.push(rawFrame([0x10, 0x3e, 1, 0, 0, 0], []));
    d.push(rawFrame([0x20, MSG.STATS, 2, 0, 1, 0], [0]));
    d.push(rawFrame([0x10, MSG.STATS, 3, 0, 1, 0], [0]));
    expect(got.errors.map((e) => [e.kind, e.seq, e.type])).toEqual([['UNKNOWN_TYPE', 1, 0x3e], ['BAD_VERSION', 2, MSG.STATS]]);
    expect(got.frames.map((f) => f.seq)).toEqual([3]);
    // a device accepts requests only
    const device = collector(DEFAULT_MAX_PAYLOAD, (t) => t < 0x40);
    device.d.push(encodeMessage(MSG.STREAM_STATE, 4, { enabled: true, includeScores: false }));
    expect(device.got.errors.map((e) => e.kind)).toEqual(['UNKNOWN_TYPE']);
  });

  it('oversized frames: TOO_LARGE once, nothing buffered beyond the maximum, resync at the delimiter', () => {
    const { d, got } = collector(100);
    const big = encodeMessage(MSG.MODEL_CHUNK, 1, { offset: 0, data: new Uint8Array(500).fill(1) });
    const ok = encodeMessage(MSG.MODEL_CHUNK, 2, { offset: 0, data: new Uint8Array(96).fill(1) }); // exactly the maximum
    for (let i = 0; i < big.length; i += 7) d.push(big, i, Math.min(big.length, i + 7));
    d.push(ok);
    expect(got.errors.map((e) => e.kind)).toEqual(['TOO_LARGE']);
    expect(got.frames.map((f) => f.seq)).toEqual([2]);
    expect(d.stats.discardedBytes).toBe(big.length - 1);
    // endless bytes with no delimiter: one report, the buffer never grows
    const flood = new Uint8Array(100_000).fill(0x55);
    d.push(flood);
    d.push(flood);
    expect(d.stats.tooLarge).toBe(2);
    expect(d.pending).toBe(200_000);
    d.push(ok);
    expect(got.frames.map((f) => f.seq)).toEqual([2]);  // the delimiter only ended the flood
    d.push(ok);
    expect(got.frames.map((f) => f.seq)).toEqual([2, 2]);
  });

  it('reset() drops a frame in progress', () => {
    const { d, got } = collector();
    d.push(wires[0].subarray(0, 5));
    expect(d.pending).toBe(5);
    d.reset();
    expect(d.pending).toBe(0);
    d.push(wires[1]);
    expect(got.errors).toEqual([]);
    expect(got.frames.map((f) => f.seq)).toEqual([1]);
    expect(d.stats.discardedBytes).toBe(5);
  });

  it('clamps a range outside the buffer', () => {
    const { d, got } = collector();
    d.push(wires[0], -5, wires[0].length + 100);
    d.push(wires[1], 10, 3);
    expect(got.frames.map((f) => f.seq)).toEqual([0]);
    expect(d.stats.bytes).toBe(wires[0].length);
  });

  it('rejects a maximum payload the length field cannot express', () => {
    expect(() => new FrameDecoder({ maxPayload: 0x10000, onFrame: () => {} })).toThrow(RangeError);
  });
});
