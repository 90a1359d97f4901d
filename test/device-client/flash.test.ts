// DeviceClient and flashModel against a simulated device running the real firmware in XS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurePipelineFor } from '../../firmware/core/features/index';
import { loadModel } from '../../firmware/core/model';
import { ErrorCode, PROTOCOL_VERSION } from '../../firmware/core/protocol/index';
import { DeviceError } from '../../host/device/client';
import { FlashRefusedError, flashModel } from '../../host/device/flash';
import { CONFIG, Keys, featurePackage, makeKeys, recording, sha256 } from '../device/packages';
import { Rig, startRig } from './support';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
let keys: Keys;
beforeAll(() => { keys = makeKeys(); });

describe('DeviceClient over the in-process transport', () => {
  let rig: Rig;
  beforeAll(async () => { rig = await startRig({ id: 'client-1', trustedKey: keys.raw }); });
  afterAll(async () => { await rig?.close(); });

  it('says hello, and a device error carries its code', async () => {
    const info = await rig.client.hello();
    expect(info.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(info.deviceId).toBe('client-1');
    const err = await rig.client.predict(new Int16Array(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe(ErrorCode.NO_MODEL);
    expect((err as DeviceError).message).toContain('NO_MODEL');
  });

  it('flashes a signed package, then PREDICT equals the core engine for every test input', async () => {
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const r = await flashModel(rig.client, pkg);
    expect(r.verifiedSha256).toBe(hex(sha256(pkg)));
    expect(r.checks.every((c) => c.status === 'PASS')).toBe(true);
    expect(r.activated?.name).toBe('vibration-v1');
    expect(r.resumedFrom).toBe(0);

    const model = loadModel(pkg.slice());
    const pipeline = featurePipelineFor(model)!;
    const rec = recording();
    for (let start = 0; start + CONFIG.windowLength <= 8000; start += 500) {
      const features = new Int16Array(pipeline.featureCount);
      pipeline.compute(rec.samples.subarray(start * 3, (start + CONFIG.windowLength) * 3), features);
      model.input.set(features);
      const expected = model.predict();
      const got = await rig.client.predict(features);
      expect(got.classIndex, `window at ${start}`).toBe(expected);
      expect(Array.from(got.scores), `window at ${start}`).toEqual(Array.from(model.scores));
    }
  });

  it('refuses a wrongly signed or corrupted package with the device\'s reason; the previous model keeps running', async () => {
    const before = await rig.client.hello();
    const other = makeKeys();
    const wrong = await flashModel(rig.client, featurePackage({ version: 2, signer: other.signer })).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(FlashRefusedError);
    expect((wrong as FlashRefusedError).code).toBe(ErrorCode.BAD_SIGNATURE);
    expect((wrong as Error).message).toMatch(/BAD_SIGNATURE at check SIGNATURE/);

    const corrupt = featurePackage({ version: 3, signer: keys.signer });
    corrupt[200] ^= 0x55;
    const bad = await flashModel(rig.client, corrupt).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FlashRefusedError);
    expect((bad as FlashRefusedError).code).toBe(ErrorCode.BAD_CRC);

    const after = await rig.client.hello();
    expect(after.activeSlot).toBe(before.activeSlot);
    expect(hex(after.slots[after.activeSlot]!.sha256)).toBe(hex(before.slots[before.activeSlot]!.sha256));
    const p = await rig.client.predict(new Int16Array(featurePipelineFor(loadModel(featurePackage({ version: 1, signer: keys.signer }).slice()))!.featureCount));
    expect(p.scores.length).toBe(4);
  });
});
