// Interrupted flashes resume; line noise is survived through retries; transfer figures.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlotState } from '../../firmware/core/protocol/index';
import { RequestAbortedError } from '../../host/device/client';
import { flashModel } from '../../host/device/flash';
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

