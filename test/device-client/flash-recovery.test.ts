// flashModel and DeviceClient against a scripted fake device: a reboot mid-upload, another
// uploader taking the slot over, impossible MODEL_BEGIN_ACKs, a slow verification, and answers
// that do not decode or have the wrong type.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BeginStatus, DEFAULT_MAX_PAYLOAD, ErrorCode, LogEvent, LogLevel, MSG } from '../../firmware/core/protocol/index';
import type { ModelBeginAck } from '../../firmware/core/protocol/index';
import { ProtocolMismatchError, ProtocolViolationError } from '../../host/device/client';
import { FlashTakenOverError, flashModel } from '../../host/device/flash';
import { FakeDevice } from './fake-device';

const PKG = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

interface Script {
  /** First chunk at or past this offset: the device reboots (BOOT event, then NO_SESSION). */
  rebootAt?: number;
  /** First chunk at or past this offset: another uploader has the slot (NO_SESSION, no BOOT). */
  takenAt?: number;
  /** MODEL_END answers NO_SESSION (the slot was taken over while the host was idle). */
  endTaken?: boolean;
  ack?: Partial<ModelBeginAck>;
  endDelayMs?: number;
}

function uploader(script: Script, size = PKG.length) {
  const held = new Uint8Array(size);
  const s = { next: 0, session: false, begins: [] as boolean[], chunkLengths: [] as number[] };
  let rebooted = false;
  let taken = false;
  const fake = new FakeDevice((m, seq, f) => {
    switch (m.type) {
      case MSG.MODEL_BEGIN:
        s.begins.push(m.body.restart);
        if (m.body.restart) s.next = 0;
        s.session = true;
        f.send(MSG.MODEL_BEGIN_ACK, seq, { status: s.next > 0 ? BeginStatus.RESUMED : BeginStatus.NEW, slot: 1, window: 4, resumeOffset: s.next, chunkSize: 512, ...script.ack });
        return;
      case MSG.MODEL_CHUNK: {
        const { offset, data } = m.body;
        if (!rebooted && script.rebootAt !== undefined && offset >= script.rebootAt) {
          rebooted = true;
          s.session = false;
          f.send(MSG.LOG, 0, { level: LogLevel.INFO, event: LogEvent.BOOT, timestampMs: 0, text: 'model x' });
        }
        if (!taken && script.takenAt !== undefined && offset >= script.takenAt) { taken = true; s.session = false; }
        if (!s.session) { f.error(seq, ErrorCode.NO_SESSION, m.type, 'no upload session'); return; }
        s.chunkLengths.push(data.length);
        if (offset <= s.next && offset + data.length > s.next) {
          held.set(data, offset);
          s.next = offset + data.length;
          f.send(MSG.MODEL_CHUNK_ACK, seq, { offset, nextOffset: s.next, disposition: 0 });
        } else f.send(MSG.MODEL_CHUNK_ACK, seq, { offset, nextOffset: s.next, disposition: offset > s.next ? 2 : 1 });
        return;
      }
      case MSG.MODEL_END:
        if (script.endTaken || !s.session) { f.error(seq, ErrorCode.NO_SESSION, m.type, 'no upload session'); return; }
        setTimeout(() => f.send(MSG.MODEL_END_RESULT, seq, { code: ErrorCode.OK, slot: 1, sha256: sha(held), modelVersion: 0, checks: [] }), script.endDelayMs ?? 0);
        return;
      case MSG.ACTIVATE:
        f.send(MSG.ACTIVATED, seq, { slot: 1, previousSlot: 0, modelVersion: 0, sha256: sha(held), name: 'x' });
        return;
    }
  });
  return { fake, s, held };
}

describe('flashModel recovery', () => {
  it('after a reboot mid-upload (BOOT event) it begins again without --restart and resumes', async () => {
    const { fake, s, held } = uploader({ rebootAt: 1500 });
    const r = await flashModel(fake.client({ timeoutMs: 200 }), PKG, { restart: true, window: 1 });
    expect(s.begins).toEqual([true, false]);
    expect(Buffer.from(held).equals(Buffer.from(PKG))).toBe(true);
    expect(r.verifiedSha256).toBe(Buffer.from(sha(PKG)).toString('hex'));
  });

  it('NO_SESSION on a chunk without a reboot: another uploader has the slot; a sentence, no MODEL_BEGIN again', async () => {
    const { fake, s } = uploader({ takenAt: 1000 });
    const err = await flashModel(fake.client({ timeoutMs: 200 }), PKG, { window: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashTakenOverError);
    expect((err as Error).message).toBe('another client or an MQTT download took over the upload; run flash again to take it back');
    expect(s.begins).toHaveLength(1);
  });

  it('NO_SESSION at MODEL_END without a reboot is the same failure (the slot is not taken back)', async () => {
    const { fake, s } = uploader({ endTaken: true });
    const err = await flashModel(fake.client({ timeoutMs: 200 }), PKG).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashTakenOverError);
    expect(s.begins).toHaveLength(1);
  });

  it('a resume offset past the package is a protocol error', async () => {
    const { fake } = uploader({ ack: { status: BeginStatus.RESUMED, resumeOffset: PKG.length + 1 } });
    const err = await flashModel(fake.client({ timeoutMs: 200 }), PKG).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolationError);
    expect((err as Error).message).toMatch(/resumes at byte 3001 of a 3000-byte package/);
  });

  it('a chunk size beyond the frame limit is clamped to it', async () => {
    const big = Uint8Array.from({ length: 12000 }, (_, i) => i & 0xff);
    const { fake, s } = uploader({ ack: { chunkSize: 1_000_000 } }, big.length);
    const r = await flashModel(fake.client({ timeoutMs: 500 }), big, { window: 1 });
    expect(r.verifiedSha256).toBe(Buffer.from(sha(big)).toString('hex'));
    expect(Math.max(...s.chunkLengths)).toBe(DEFAULT_MAX_PAYLOAD - 4);
  });

  it('MODEL_END gets a longer timeout than other requests (verification is slow on a small board)', async () => {
    const { fake } = uploader({ endDelayMs: 300 });
    const r = await flashModel(fake.client({ timeoutMs: 50, retries: 1 }), PKG, { chunkTimeoutMs: 200 });
    expect(r.activated?.slot).toBe(1);
  });
});

describe('DeviceClient answers that break the protocol', () => {
  it('an answer with the request\'s sequence number that does not decode rejects it at once', async () => {
    const fake = new FakeDevice((_m, seq, f) => f.sendRaw(MSG.STATS_REPORT, seq, new Uint8Array([1, 2])));
    const t = performance.now();
    const err = await fake.client({ timeoutMs: 500, retries: 3 }).stats().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolationError);
    expect((err as Error).message).toMatch(/STATS_REPORT answer to STATS does not decode/);
    expect(performance.now() - t).toBeLessThan(400);
  });

  it('an answer of the wrong type rejects the request', async () => {
    const fake = new FakeDevice((_m, seq, f) => f.send(MSG.STREAM_STATE, seq, { enabled: true, includeScores: false }));
    const err = await fake.client({ timeoutMs: 500 }).stats().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolationError);
    expect((err as Error).message).toMatch(/STREAM_STATE answered STATS/);
  });

  it('an INFO of a newer protocol that this host cannot decode is a protocol mismatch', async () => {
    const fake = new FakeDevice((_m, seq, f) => f.sendRaw(MSG.INFO, seq, new Uint8Array([99, 0, 1, 2, 3])));
    const err = await fake.client({ timeoutMs: 500 }).hello().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolMismatchError);
    expect((err as Error).message).toMatch(/protocol version mismatch: the device speaks version 99/);
  });
});
