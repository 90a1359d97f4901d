// Fuzz: mutated frames through the streaming decoder and the message decoders. Nothing but
// typed errors ever comes out, the decoder resynchronizes on the next delimiter, and a frame
// that does get through is either an original frame or a well-formed message.
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../firmware/core/crc32';
import {
  FrameDecoder, ProtocolError, cobsEncode, decodeMessage, decodePayload, encodeMessage, encodePayload, type Frame, type Message,
} from '../../firmware/core/protocol';
import { Prng } from '../support/prng';
import { mutateWire } from './support/mutate';
import { ALL_TYPES, describeMessage, sampleMessages } from './support/samples';

const FULL = !!process.env.EDGEML_FULL;
const CASES = FULL ? 12_000 : 1_000;

const messages = sampleMessages(21, 300);
const wires = messages.map((m, i) => encodeMessage(m.type, i, m.body));
const SENTINEL_SEQ = 0xbeef;
const sentinel = encodeMessage(0x0a, SENTINEL_SEQ, { reset: false });

/** decodeMessage must return or throw ProtocolError, nothing else; a decoded message re-encodes to itself. */
function checkMessage(f: Frame): void {
  let m: Message;
  try {
    m = decodeMessage(f);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return;
  }
  const again = decodePayload(m.type, encodePayload(m.type, m.body as never));
  expect(describeMessage({ type: m.type, body: again } as Message)).toBe(describeMessage(m));
}

describe(`fuzz (${CASES} cases each)`, () => {
  it('mutated frames: typed errors only, resync on the next delimiter, every accepted frame is an original one', () => {
    const rng = new Prng(77);
    const originals = new Set(wires.map((w) => Array.from(w.subarray(0, w.length - 1)).join(',')));
    const d = new FrameDecoder({
      maxPayload: 4200,
      onFrame: (f) => {
        if (f.seq === SENTINEL_SEQ && f.type === 0x0a) { sentinels++; return; }
        accepted.push({ ...f, payload: f.payload.slice() }); // the payload view is only valid during the call
        checkMessage(f);
      },
      onError: () => { errors++; },
    });
    let sentinels = 0;
    let errors = 0;
    const accepted: Frame[] = [];
    for (let c = 0; c < CASES; c++) {
      const w = wires[c % wires.length];
      const bad = mutateWire(rng, w, wires[rng.int(0, wires.length - 1)]);
      // random chunking of: mutated frame, a delimiter, the sentinel
      const stream = new Uint8Array([...bad, 0, ...sentinel]);
      let at = 0;
      while (at < stream.length) {
        const end = Math.min(stream.length, at + rng.int(1, 400));
        d.push(stream, at, end);
        at = end;
      }
      expect(sentinels, `case ${c}: the sentinel after the mutated frame decoded`).toBe(c + 1);
    }
    // what got through intact: unchanged frames (a mutation that re-creates one) only
    for (const f of accepted) {
      const raw = new Uint8Array(6 + f.payload.length + 4);
      raw.set([0x10 | f.flags, f.type, f.seq & 0xff, f.seq >> 8, f.payload.length & 0xff, f.payload.length >> 8]);
      raw.set(f.payload, 6);
      new DataView(raw.buffer).setUint32(raw.length - 4, crc32(raw, 0, raw.length - 4), true);
      expect(originals.has(Array.from(cobsEncode(raw)).join(','))).toBe(true);
    }
    const s = d.stats;
    expect(s.frames).toBe(sentinels + accepted.length);
    expect(s.badCobs + s.badLength + s.badCrc + s.tooLarge + s.badVersion + s.unknownType).toBe(errors);
    expect(errors).toBeGreaterThan(CASES * 0.9);
  });

  it('mutated payloads under a valid CRC: message decoders give a message or a ProtocolError', () => {
    const rng = new Prng(78);
    let decoded = 0;
    for (let c = 0; c < CASES; c++) {
      const m = messages[c % messages.length];
      const payload = Array.from(encodePayload(m.type, m.body as never));
      for (let e = rng.int(1, 4); e > 0; e--) {
        const at = rng.int(0, Math.max(0, payload.length - 1));
        switch (rng.int(0, 4)) {
          case 0: payload[at] ^= 1 << rng.int(0, 7); break;
          case 1: payload[at] = rng.pick([0, 1, 0xff, 0x80, 0x7f, rng.int(0, 255)]); break;
          case 2: payload.splice(at, rng.int(1, 8)); break;
          case 3: payload.splice(at, 0, ...Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 255))); break;
          case 4: payload.length = at; break;
        }
      }
      // the same bytes under every type, too: a payload read with the wrong layout
      const type = rng.next() < 0.3 ? rng.pick(ALL_TYPES) : m.type;
      const f: Frame = { version: 1, flags: 0, type, seq: c & 0xffff, payload: new Uint8Array(payload) };
      try {
        decodeMessage(f);
        decoded++;
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
      }
      checkMessage(f);
    }
    expect(decoded).toBeGreaterThan(0);
  });

  it('random byte soup never throws and never yields a frame', () => {
    const rng = new Prng(79);
    let frames = 0;
    const d = new FrameDecoder({ maxPayload: 300, onFrame: () => { frames++; } });
    for (let c = 0; c < CASES; c++) {
      const soup = new Uint8Array(rng.int(1, 600));
      const zeros = rng.pick([0, 0.01, 0.1, 0.5]);
      for (let i = 0; i < soup.length; i++) soup[i] = rng.next() < zeros ? 0 : rng.int(1, 255);
      d.push(soup);
    }
    expect(frames).toBe(0); // a random frame passing CRC-32 and the length check: ~2^-32 each
  });
});

describe('1% line noise (dropped, duplicated, corrupted bytes)', () => {
  it('no damaged frame is ever accepted; intact ones are, at the expected rate', () => {
    const rng = new Prng(80);
    const chunk = new Uint8Array(256).map((_, i) => (i * 31 + 7) & 0xff);
    const frames = FULL ? 20_000 : 3_000;
    const sent: Uint8Array[] = [];
    const got: { seq: number; payload: Uint8Array }[] = [];
    const d = new FrameDecoder({ onFrame: (f) => got.push({ seq: f.seq, payload: f.payload.slice() }) });
    let wireBytes = 0;
    for (let i = 0; i < frames; i++) {
      const body = { offset: i * 256, data: chunk };
      const w = encodeMessage(0x06, i & 0xffff, body);
      sent.push(encodePayload(0x06, body));
      wireBytes += w.length;
      const noisy: number[] = [];
      for (const b of w) {
        const r = rng.next();
        if (r < 0.01 / 3) continue;                                      // dropped
        if (r < 0.02 / 3) { noisy.push(b, b); continue; }                 // duplicated
        if (r < 0.01) { noisy.push(b ^ rng.int(1, 255)); continue; }     // corrupted
        noisy.push(b);
      }
      d.push(new Uint8Array(noisy));
    }
    for (const g of got) expect(Array.from(g.payload)).toEqual(Array.from(sent[g.seq]));
    const perFrame = wireBytes / frames;
    const expected = Math.pow(0.99, perFrame); // P(no byte of the frame touched)
    const rate = got.length / frames;
    expect(rate).toBeGreaterThan(expected * 0.85);
    expect(rate).toBeLessThan(Math.min(1, expected * 1.15 + 0.02));
  });
});
