// The fleet payload codecs: round trips of every layout, the exact bytes the FORCE signature
// covers, and each malformed case a broker might deliver (layout byte, size, reserved bytes,
// fields) refused with its typed error; encoders refuse values their fields cannot carry.
import { describe, expect, it } from 'vitest';
import {
  FleetError, OFFER_BYTES, OtaPhase, decodeChunk, decodeChunkRequest, decodeOffer, decodeOtaState, decodeStatus, decodeTelemetry,
  deviceTopics, encodeChunk, encodeChunkRequest, encodeOffer, encodeOtaState, encodeStatus, encodeTelemetry, fleetFilter,
  forceSignedBytes, hashPrefix, matchesPrefix, parseTopic,
} from '../../firmware/core/fleet';
import { MSG, NO_SLOT, encodeMessage, type Info } from '../../firmware/core/protocol';
import { Prng } from '../support/prng';
import { bytes } from '../protocol/support/samples';

function expectFleetError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try { fn(); } catch (e) { thrown = e; }
  expect(thrown, `expected FleetError ${code}`).toBeInstanceOf(FleetError);
  expect((thrown as FleetError).code).toBe(code);
}

const sha = new Uint8Array(32).map((_, i) => i + 1);
const info: Info = {
  protocolVersion: 1, formatVersion: 1, capabilities: 0x7ff, maxPayload: 4000, maxChunk: 1024, freeSlotSize: 65536, activeSlot: 0,
  firmwareVersion: '0.1.0', deviceId: 'dev-1',
  slots: [{ state: 3, bytes: 900, size: 900, modelVersion: 4, sha256: sha, name: 'vibration-v4' }, { state: 0, bytes: 0, size: 0, modelVersion: 0, sha256: new Uint8Array(32), name: '' }],
};
const with1 = (p: Uint8Array, at: number, v: number) => { const q = p.slice(); q[at] = v; return q; };
const plus = (p: Uint8Array, n = 1) => { const q = new Uint8Array(p.length + n); q.set(p); return q; };

describe('topics', () => {
  const t = deviceTopics('edgeml/site-1', 'dev.7');
  it('builds the tree of docs/mqtt-topics.md', () => {
    expect([t.status, t.telemetry, t.offer, t.chunkRequest, t.chunk, t.otaState, t.cmdFilter, t.cmd('host_1'), t.rsp('host_1')]).toEqual([
      'edgeml/site-1/dev.7/status', 'edgeml/site-1/dev.7/telemetry', 'edgeml/site-1/dev.7/ota/offer', 'edgeml/site-1/dev.7/ota/req',
      'edgeml/site-1/dev.7/ota/data', 'edgeml/site-1/dev.7/ota/state', 'edgeml/site-1/dev.7/cmd/+', 'edgeml/site-1/dev.7/cmd/host_1',
      'edgeml/site-1/dev.7/rsp/host_1',
    ]);
    expect(fleetFilter('edgeml', 'status')).toBe('edgeml/+/status');
    expect(fleetFilter('edgeml', 'rsp', 'h')).toBe('edgeml/+/rsp/h');
  });
  it('parses every topic of the tree and nothing else', () => {
    expect(parseTopic('edgeml/site-1', t.offer)).toEqual({ deviceId: 'dev.7', kind: 'ota/offer' });
    expect(parseTopic('edgeml/site-1', t.cmd('h2'))).toEqual({ deviceId: 'dev.7', kind: 'cmd', client: 'h2' });
    for (const bad of ['edgeml/site-1/dev.7', 'edgeml/site-1/dev.7/other', 'edgeml/site-1x/dev.7/status', 'other/dev.7/status',
      'edgeml/site-1/dev.7/cmd/', 'edgeml/site-1/dev.7/cmd/a.b', 'edgeml/site-1/d+/status', 'edgeml/site-1/dev.7/status/x']) {
      expect(parseTopic('edgeml/site-1', bad), bad).toBeUndefined();
    }
  });
  it('refuses names outside the tree', () => {
    for (const [prefix, id] of [['', 'a'], ['a/+', 'b'], ['a//b', 'c'], ['/a', 'b'], ['edgeml', 'a/b'], ['edgeml', '#'], ['edgeml', 'x'.repeat(65)], ['edgeml', '']]) {
      expectFleetError(() => deviceTopics(prefix, id), 'BAD_TOPIC');
    }
    expectFleetError(() => t.cmd('a'.repeat(24)), 'BAD_TOPIC');
    expectFleetError(() => t.rsp('a.b'), 'BAD_TOPIC');
  });
});

describe('STATUS', () => {
  it('round-trips online (with INFO) and offline (8 bytes)', () => {
    const on = encodeStatus({ online: true, uptimeSeconds: 77, info });
    expect(decodeStatus(on)).toEqual({ online: true, uptimeSeconds: 77, info });
    const off = encodeStatus({ online: false, uptimeSeconds: 0xffffffff });
    expect(Array.from(off)).toEqual([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(decodeStatus(off)).toEqual({ online: false, uptimeSeconds: 0xffffffff });
  });
  it('refuses malformed payloads', () => {
    const on = encodeStatus({ online: true, uptimeSeconds: 1, info });
    const off = encodeStatus({ online: false, uptimeSeconds: 1 });
    expectFleetError(() => decodeStatus(new Uint8Array(0)), 'BAD_SIZE');
    expectFleetError(() => decodeStatus(with1(off, 0, 2)), 'BAD_LAYOUT');
    expectFleetError(() => decodeStatus(off.subarray(0, 7)), 'BAD_SIZE');
    expectFleetError(() => decodeStatus(plus(off)), 'BAD_SIZE');
    expectFleetError(() => decodeStatus(with1(off, 1, 2)), 'BAD_FIELD');
    expectFleetError(() => decodeStatus(with1(off, 3, 1)), 'BAD_RESERVED');
    expectFleetError(() => decodeStatus(on.subarray(0, on.length - 1)), 'BAD_FIELD');
    expectFleetError(() => decodeStatus(plus(on)), 'BAD_FIELD');
    expectFleetError(() => decodeStatus(on.subarray(0, 8)), 'BAD_FIELD');
  });
  it('refuses values it cannot carry', () => {
    expectFleetError(() => encodeStatus({ online: true, uptimeSeconds: 1 }), 'BAD_VALUE');
    expectFleetError(() => encodeStatus({ online: false, uptimeSeconds: 1, info }), 'BAD_VALUE');
    expectFleetError(() => encodeStatus({ online: false, uptimeSeconds: -1 }), 'BAD_VALUE');
    expectFleetError(() => encodeStatus({ online: false, uptimeSeconds: 2 ** 32 }), 'BAD_VALUE');
    expectFleetError(() => encodeStatus({ online: true, uptimeSeconds: 1, info: { ...info, activeSlot: 5 } }), 'BAD_VALUE');
  });
});

describe('OFFER', () => {
  const offer = { size: 32768, modelVersion: 5, sha256: sha };
  it('round-trips plain (44 bytes) and FORCE (108 bytes) offers', () => {
    const p = encodeOffer(offer);
    expect(p.length).toBe(OFFER_BYTES);
    expect(Array.from(p.subarray(0, 12))).toEqual([1, 0, 0, 0, 0, 0x80, 0, 0, 5, 0, 0, 0]);
    expect(decodeOffer(p)).toEqual({ ...offer, signature: undefined });
    const sig = new Uint8Array(64).fill(9);
    const f = encodeOffer({ ...offer, signature: sig });
    expect(f.length).toBe(108);
    expect(f[1]).toBe(1);
    expect(decodeOffer(f)).toEqual({ ...offer, signature: sig });
  });
  it('the force signature covers "edgeml-force-1" then bytes [4, 44) of the offer', () => {
    const f = encodeOffer({ ...offer, signature: new Uint8Array(64) });
    const signed = forceSignedBytes(offer);
    expect(new TextDecoder().decode(signed.subarray(0, 14))).toBe('edgeml-force-1');
    expect(Array.from(signed.subarray(14))).toEqual(Array.from(f.subarray(4, 44)));
  });
  it('refuses malformed payloads', () => {
    const p = encodeOffer(offer);
    const f = encodeOffer({ ...offer, signature: new Uint8Array(64) });
    expectFleetError(() => decodeOffer(p.subarray(0, 43)), 'BAD_SIZE');
    expectFleetError(() => decodeOffer(plus(p)), 'BAD_SIZE');
    expectFleetError(() => decodeOffer(f.subarray(0, 107)), 'BAD_SIZE');
    expectFleetError(() => decodeOffer(with1(p, 1, 1)), 'BAD_SIZE'); // FORCE without its signature
    expectFleetError(() => decodeOffer(with1(f, 1, 0)), 'BAD_SIZE'); // a signature without FORCE
    expectFleetError(() => decodeOffer(with1(p, 0, 0)), 'BAD_LAYOUT');
    expectFleetError(() => decodeOffer(with1(p, 1, 2)), 'BAD_RESERVED');
    expectFleetError(() => decodeOffer(with1(p, 2, 1)), 'BAD_RESERVED');
    const zero = p.slice(); zero.fill(0, 4, 8);
    expectFleetError(() => decodeOffer(zero), 'BAD_FIELD');
  });
  it('refuses values it cannot carry', () => {
    expectFleetError(() => encodeOffer({ ...offer, size: 0 }), 'BAD_VALUE');
    expectFleetError(() => encodeOffer({ ...offer, modelVersion: 2 ** 32 }), 'BAD_VALUE');
    expectFleetError(() => encodeOffer({ ...offer, sha256: sha.subarray(0, 31) }), 'BAD_VALUE');
    expectFleetError(() => encodeOffer({ ...offer, signature: new Uint8Array(63) }), 'BAD_VALUE');
    expectFleetError(() => forceSignedBytes({ ...offer, size: 1.5 }), 'BAD_VALUE');
  });
});

describe('CHUNK_REQUEST and CHUNK', () => {
  const hash = hashPrefix(sha);
  it('round-trip', () => {
    expect(matchesPrefix(hash, sha)).toBe(true);
    const r = encodeChunkRequest({ hash, offset: 4096, length: 1024 });
    expect(r.length).toBe(20);
    expect(decodeChunkRequest(r)).toEqual({ hash, offset: 4096, length: 1024 });
    const data = new Uint8Array(100).map((_, i) => i);
    const c = encodeChunk({ hash, offset: 7, data });
    expect(c.length).toBe(116);
    const back = decodeChunk(c);
    expect(back.offset).toBe(7);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(Array.from(back.hash)).toEqual(Array.from(hash));
  });
  it('refuse malformed payloads', () => {
    const r = encodeChunkRequest({ hash, offset: 0, length: 10 });
    expectFleetError(() => decodeChunkRequest(r.subarray(0, 19)), 'BAD_SIZE');
    expectFleetError(() => decodeChunkRequest(plus(r)), 'BAD_SIZE');
    expectFleetError(() => decodeChunkRequest(with1(r, 0, 7)), 'BAD_LAYOUT');
    expectFleetError(() => decodeChunkRequest(with1(r, 3, 1)), 'BAD_RESERVED');
    const zero = r.slice(); zero.fill(0, 16, 20);
    expectFleetError(() => decodeChunkRequest(zero), 'BAD_FIELD');
    const over = r.slice(); over.fill(0xff, 12, 16);
    expectFleetError(() => decodeChunkRequest(over), 'BAD_FIELD');
    const c = encodeChunk({ hash, offset: 0, data: new Uint8Array(3) });
    expectFleetError(() => decodeChunk(c.subarray(0, 16)), 'BAD_SIZE');
    expectFleetError(() => decodeChunk(with1(c, 0, 2)), 'BAD_LAYOUT');
    expectFleetError(() => decodeChunk(with1(c, 1, 1)), 'BAD_RESERVED');
  });
  it('refuse values they cannot carry', () => {
    expectFleetError(() => encodeChunkRequest({ hash, offset: 0, length: 0 }), 'BAD_VALUE');
    expectFleetError(() => encodeChunkRequest({ hash: sha, offset: 0, length: 1 }), 'BAD_VALUE');
    expectFleetError(() => encodeChunkRequest({ hash, offset: 0xffffffff, length: 1 }), 'BAD_VALUE');
    expectFleetError(() => encodeChunk({ hash, offset: 0, data: new Uint8Array(0) }), 'BAD_VALUE');
    expectFleetError(() => encodeChunk({ hash, offset: -1, data: new Uint8Array(1) }), 'BAD_VALUE');
  });
});

describe('OTA_STATE', () => {
  const s = { phase: OtaPhase.FAILED, code: 10, sha256: sha, held: 900, size: 900, activeVersion: 4, message: 'BAD_SIGNATURE: no signature' };
  it('round-trips, and cuts the message to 255 bytes', () => {
    const p = encodeOtaState(s);
    expect(p.length).toBe(48 + 1 + s.message.length);
    expect(decodeOtaState(p)).toEqual(s);
    expect(decodeOtaState(encodeOtaState({ ...s, message: 'é'.repeat(200) })).message).toBe('é'.repeat(127));
  });
  it('refuses malformed payloads', () => {
    const p = encodeOtaState(s);
    expectFleetError(() => decodeOtaState(p.subarray(0, 48)), 'BAD_SIZE');
    expectFleetError(() => decodeOtaState(p.subarray(0, p.length - 1)), 'BAD_SIZE');
    expectFleetError(() => decodeOtaState(plus(p)), 'BAD_SIZE');
    expectFleetError(() => decodeOtaState(with1(p, 0, 9)), 'BAD_LAYOUT');
    expectFleetError(() => decodeOtaState(with1(p, 1, 0)), 'BAD_FIELD');
    expectFleetError(() => decodeOtaState(with1(p, 1, 5)), 'BAD_FIELD');
    expectFleetError(() => decodeOtaState(with1(p, 3, 1)), 'BAD_RESERVED');
    expectFleetError(() => decodeOtaState(with1(p, 49, 0xff)), 'BAD_FIELD');
  });
  it('refuses values it cannot carry', () => {
    expectFleetError(() => encodeOtaState({ ...s, phase: 0 }), 'BAD_VALUE');
    expectFleetError(() => encodeOtaState({ ...s, code: 256 }), 'BAD_VALUE');
    expectFleetError(() => encodeOtaState({ ...s, held: -1 }), 'BAD_VALUE');
    expectFleetError(() => encodeOtaState({ ...s, sha256: new Uint8Array(8) }), 'BAD_VALUE');
  });
});

describe('TELEMETRY', () => {
  const result = (seq: number) => encodeMessage(MSG.RESULT, seq, { windowSeq: seq, timestampMs: seq * 128, classIndex: 1, confidence: 0.5, latencyUs: 90, scores: new Int32Array(0) });
  const stats = encodeMessage(MSG.STATS_REPORT, 0, { uptimeMs: 5, inferences: 3, latencyMinUs: 1, latencyMeanUs: 2, latencyMaxUs: 3, counters: [] });
  it('splits a batch into its frames', () => {
    const t = decodeTelemetry(encodeTelemetry([result(1), result(2), stats]));
    expect(t.errors).toEqual([]);
    expect(t.frames.map((f) => [f.type, f.seq])).toEqual([[MSG.RESULT, 1], [MSG.RESULT, 2], [MSG.STATS_REPORT, 0]]);
  });
  it('reports frames it cannot use, and refuses empty or cut batches', () => {
    const bad = result(3).slice(); bad[2] ^= 0x55;
    const other = encodeMessage(MSG.HELLO, 1, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 64 });
    const t = decodeTelemetry(encodeTelemetry([bad, result(4), other]));
    expect(t.frames.map((f) => f.seq)).toEqual([4]);
    expect(t.errors.map((e) => e.kind)).toEqual(['BAD_CRC', 'UNKNOWN_TYPE']);
    expectFleetError(() => decodeTelemetry(new Uint8Array(0)), 'BAD_SIZE');
    const whole = encodeTelemetry([result(1)]);
    expectFleetError(() => decodeTelemetry(whole.subarray(0, whole.length - 1)), 'BAD_SIZE');
    expectFleetError(() => encodeTelemetry([]), 'BAD_VALUE');
    expectFleetError(() => encodeTelemetry([result(1).subarray(0, 5)]), 'BAD_VALUE');
  });
});

describe('random payloads never throw anything but FleetError', () => {
  it('5000 random byte strings through every decoder', () => {
    const rng = new Prng(5);
    const decoders = [decodeStatus, decodeOffer, decodeChunkRequest, decodeChunk, decodeOtaState, decodeTelemetry];
    for (let i = 0; i < 5000; i++) {
      const p = bytes(rng, rng.int(0, 140));
      if (p.length > 0 && rng.next() < 0.8) p[0] = 1;
      for (const d of decoders) {
        try { d(p); } catch (e) { expect(e).toBeInstanceOf(FleetError); }
      }
    }
  });
  it('an INFO with no active slot round-trips inside STATUS', () => {
    const i2 = { ...info, activeSlot: NO_SLOT };
    expect(decodeStatus(encodeStatus({ online: true, uptimeSeconds: 0, info: i2 })).info).toEqual(i2);
  });
});
