// Bytes on the wire per payload byte when flashing a package: computed from the real encoded
// frames of a whole upload (MODEL_BEGIN … ACTIVATE), deterministic. Target: at most 1.05.
import { describe, expect, it } from 'vitest';
import { Check, CheckStatus, ErrorCode, MSG, encodeMessage, maxWireLength } from '../../firmware/core/protocol';
import { Prng } from '../support/prng';

interface Flash { toDevice: number; toHost: number; chunkFrames: number; frames: number }

/** Every frame of a clean upload of `pkg` in `chunkSize` chunks, counted per direction. */
function flashBytes(pkg: Uint8Array, chunkSize: number): Flash {
  const sha256 = new Uint8Array(32).fill(0xab);
  let toDevice = 0;
  let toHost = 0;
  let chunkFrames = 0;
  let seq = 0;
  const send = (wire: Uint8Array) => { toDevice += wire.length; seq++; };
  const reply = (wire: Uint8Array) => { toHost += wire.length; };
  send(encodeMessage(MSG.MODEL_BEGIN, seq, { size: pkg.length, sha256, modelVersion: 7, force: false, restart: false }));
  reply(encodeMessage(MSG.MODEL_BEGIN_ACK, seq, { status: 0, slot: 1, window: 4, resumeOffset: 0, chunkSize }));
  for (let offset = 0; offset < pkg.length; offset += chunkSize) {
    const data = pkg.subarray(offset, Math.min(pkg.length, offset + chunkSize));
    const wire = encodeMessage(MSG.MODEL_CHUNK, seq, { offset, data });
    chunkFrames += wire.length;
    send(wire);
    reply(encodeMessage(MSG.MODEL_CHUNK_ACK, seq, { offset, nextOffset: offset + data.length, disposition: 0 }));
  }
  send(encodeMessage(MSG.MODEL_END, seq, {}));
  const checks = Object.values(Check).map((check) => ({ check, status: CheckStatus.PASS, code: ErrorCode.OK, message: '' }));
  reply(encodeMessage(MSG.MODEL_END_RESULT, seq, { code: ErrorCode.OK, slot: 1, sha256, modelVersion: 7, checks }));
  send(encodeMessage(MSG.ACTIVATE, seq, { slot: 0xff, force: false }));
  reply(encodeMessage(MSG.ACTIVATED, seq, { slot: 1, previousSlot: 0, modelVersion: 7, sha256, name: 'vibration-forest' }));
  return { toDevice, toHost, chunkFrames, frames: seq };
}

/** Worst case for COBS: no zero byte at all. */
function zeroFree(n: number): Uint8Array { return new Uint8Array(n).map((_, i) => 1 + (i % 255)); }
function random(n: number): Uint8Array { const rng = new Prng(5); return new Uint8Array(n).map(() => rng.int(0, 255)); }

describe('bytes on the wire per payload byte (64 KB package)', () => {
  const SIZE = 65536;
  it.each([
    [1024, 'zero-free', zeroFree(SIZE)],
    [1024, 'random', random(SIZE)],
    [4096, 'zero-free', zeroFree(SIZE)],
    [4096, 'random', random(SIZE)],
  ] as const)('%i-byte chunks, %s data: at most 1.05 counting both directions', (chunk, _kind, pkg) => {
    const f = flashBytes(pkg, chunk);
    const oneWay = f.chunkFrames / SIZE;
    const both = (f.toDevice + f.toHost) / SIZE;
    expect(both).toBeLessThanOrEqual(1.05);
    expect(oneWay).toBeLessThanOrEqual(chunk === 1024 ? 1044 / 1024 : 4128 / 4096);
  });

  it('the exact figures for zero-free data (the COBS worst case)', () => {
    // a chunk frame: 6 header + 4 offset + data + 4 CRC, one COBS code byte per started 254, one delimiter
    expect(maxWireLength(4 + 1024)).toBe(1044);
    expect(maxWireLength(4 + 4096)).toBe(4128);
    const f1 = flashBytes(zeroFree(SIZE), 1024);
    expect(f1.chunkFrames).toBe(64 * 1044); // 1.0195 per payload byte, host to device
    expect(f1.toHost).toBe(24 + 64 * 21 + 80 + 67); // BEGIN_ACK, CHUNK_ACKs, END_RESULT, ACTIVATED
    expect((f1.toDevice + f1.toHost) / SIZE).toBeCloseTo(1.0439, 4);
    const f4 = flashBytes(zeroFree(SIZE), 4096);
    expect(f4.chunkFrames).toBe(16 * 4128); // 1.0078 per payload byte, host to device
    expect((f4.toDevice + f4.toHost) / SIZE).toBeCloseTo(1.0168, 4);
  });

  it('512-byte chunks: the figures of the documentation table', () => {
    const f = flashBytes(zeroFree(SIZE), 512);
    expect(f.chunkFrames).toBe(128 * 530);
    expect(f.chunkFrames / SIZE).toBeCloseTo(1.0352, 4);
    expect((f.toDevice + f.toHost) / SIZE).toBeCloseTo(1.08, 4);
  });

  it('smaller chunks miss the target: 256 and 512 bytes cost more than 1.05 with acknowledgements', () => {
    expect(flashBytes(zeroFree(SIZE), 512).toDevice / SIZE).toBeLessThan(1.05);
    expect((flashBytes(zeroFree(SIZE), 512).toDevice + flashBytes(zeroFree(SIZE), 512).toHost) / SIZE).toBeGreaterThan(1.05);
    expect(flashBytes(zeroFree(SIZE), 256).toDevice / SIZE).toBeGreaterThan(1.05);
  });
});

describe('chunk size under line noise (the documentation table)', () => {
  /** Wire bytes per delivered data byte when each wire byte is damaged with probability p. */
  const cost = (c: number, p: number) => {
    const L = maxWireLength(4 + c);
    return L / (c * Math.pow(1 - p, L));
  };
  it('wire lengths and costs', () => {
    expect([32, 64, 128, 256, 512, 1024, 4096].map((c) => maxWireLength(4 + c))).toEqual([48, 80, 144, 273, 530, 1044, 4128]);
    expect(cost(32, 0.01)).toBeCloseTo(2.43, 2);
    expect(cost(64, 0.01)).toBeCloseTo(2.79, 2);
    expect(cost(128, 0.001)).toBeCloseTo(1.30, 2);
    expect(cost(1024, 0.001)).toBeCloseTo(2.90, 2);
    expect(Math.round(cost(1024, 0.01))).toBe(36750);
    // the best chunk at 1 % noise is small: 32 bytes beats every larger power of two
    for (const c of [64, 128, 256, 512, 1024]) expect(cost(32, 0.01)).toBeLessThan(cost(c, 0.01));
  });
});
