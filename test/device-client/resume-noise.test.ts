// Interrupted flashes resume; line noise is survived through retries; transfer figures.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlotState } from '../../firmware/core/protocol/index';
import { DeviceClient, RequestAbortedError } from '../../host/device/client';
import { FlashRefusedError, flashModel } from '../../host/device/flash';
import { Keys, featurePackage, makeKeys, sha256 } from '../device/packages';
import { Rig, startRig } from './support';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
let keys: Keys;
beforeAll(() => { keys = makeKeys(); });
let rig: Rig | undefined;
afterEach(async () => { await rig?.close(); rig = undefined; });

describe('flash interrupted and resumed', () => {
  it('an abort halfway leaves the old model running; a re-run resumes from the stored offset and ends with the right hash', async () => {
    rig = await startRig({ id: 'resume-1', trustedKey: keys.raw });
    const v1 = featurePackage({ version: 1, signer: keys.signer });
    await flashModel(rig.client, v1);
    const v2 = featurePackage({ version: 2, signer: keys.signer });
    const controller = new AbortController();
    let stoppedAt = 0;
    const err = await flashModel(rig.client, v2, {
      chunkSize: 128,
      signal: controller.signal,
      onProgress: (p) => { if (p.acked >= v2.length / 2 && !controller.signal.aborted) { stoppedAt = p.acked; controller.abort(); } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect(stoppedAt).toBeGreaterThan(0);

    // a new host run (new client, new sequence numbers)
    const client = await rig.reconnect();
    const info = await client.hello();
    expect(info.slots[info.activeSlot]!.name).toBe('vibration-v1');
    const partial = info.slots.find((s) => s.state === SlotState.PARTIAL);
    expect(partial?.bytes).toBeGreaterThanOrEqual(stoppedAt);

    const r = await flashModel(client, v2, { chunkSize: 128 });
    expect(r.beginStatus).toBe('RESUMED');
    expect(r.resumedFrom).toBeGreaterThanOrEqual(stoppedAt);
    expect(r.resumedFrom).toBeLessThan(v2.length);
    expect(r.verifiedSha256).toBe(hex(sha256(v2)));
    expect(r.activated?.name).toBe('vibration-v2');
  });
});

describe('flash through line noise', () => {
  it('completes correctly at 1% byte noise both ways (drops, duplicates, corruptions) through retries', async () => {
    rig = await startRig({ id: 'noise-1', trustedKey: keys.raw }, { timeoutMs: 300, retries: 20 });
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const noise = rig.device.setLineNoise({ in: { rate: 0.01, seed: 11 }, out: { rate: 0.01, seed: 12 } });
    await rig.client.hello();
    const r = await flashModel(rig.client, pkg);
    expect(r.verifiedSha256).toBe(hex(sha256(pkg)));
    expect(r.activated?.name).toBe('vibration-v1');
    const hits = noise.in!.counts.dropped + noise.in!.counts.duplicated + noise.in!.counts.corrupted;
    expect(hits).toBeGreaterThan(0);
    expect(r.retries).toBeGreaterThan(0);
    console.log(`noise 1%: ${pkg.length} B in ${r.seconds.toFixed(2)} s, ${r.wirePerPayloadByte.toFixed(3)} wire B per payload B, ${r.chunksSent} chunks, ${r.retries} retries, final chunk ${r.finalChunkSize} B, ${hits} bytes hit`);
  });
});

async function bench(client: DeviceClient, bytes: Uint8Array, window?: number) {
  const c0 = { ...client.counters };
  const t0 = performance.now();
  const err = await flashModel(client, bytes, { activate: false, window }).catch((e: unknown) => e);
  // random bytes are not a package: MODEL_END's HASH check passes, PACKAGE fails
  expect(err).toBeInstanceOf(FlashRefusedError);
  expect((err as FlashRefusedError).checks[0]).toMatchObject({ check: 'HASH', status: 'PASS' });
  const c = client.counters;
  const wire = c.bytesOut - c0.bytesOut + c.bytesIn - c0.bytesIn;
  return { seconds: (performance.now() - t0) / 1000, wirePerByte: wire / bytes.length, outPerByte: (c.bytesOut - c0.bytesOut) / bytes.length, requests: c.requests - c0.requests, retransmissions: c.retransmissions - c0.retransmissions };
}

describe('figures for a 64 KB package (report, not a timed test)', () => {
  it('clean link and 1% noise', async () => {
    rig = await startRig({ id: 'bench-1', trustedKey: keys.raw, slotBytes: 128 * 1024 }, { timeoutMs: 300, retries: 20 });
    const bytes = new Uint8Array(randomBytes(64 * 1024));
    const clean = await bench(rig.client, bytes);
    const clean4 = await bench(rig.client, new Uint8Array(randomBytes(64 * 1024)), 4);
    rig.device.setLineNoise({ in: { rate: 0.01, seed: 3 }, out: { rate: 0.01, seed: 4 } });
    const noisy = await bench(rig.client, new Uint8Array(randomBytes(64 * 1024)));
    console.log(JSON.stringify({ clean, cleanWindow4: clean4, noisy1pct: noisy }, null, 1));
    expect(clean.wirePerByte).toBeLessThan(1.05);
  }, 300_000);
});
