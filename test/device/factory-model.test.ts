import { describe, expect, it } from 'vitest';
import { Device } from '../../firmware/app/device/device';
import { installFactoryModel } from '../../firmware/app/device/factory-model';
import { testPlatform } from './harness';
import { featurePackage, makeKeys } from './packages';

describe('the factory model built into the image', () => {
  const keys = makeKeys();

  it('is installed, with every check, when the device has no model, and survives a restart', () => {
    const platform = testPlatform({ trustedKey: keys.raw });
    const device = new Device(platform);
    device.start();
    expect(device.model).toBeUndefined();
    const bytes = featurePackage({ version: 3, signer: keys.signer });
    expect(installFactoryModel(device, bytes, platform.crypto)).toBe('factory model installed');
    expect(device.model?.header.modelVersion).toBe(3);
    device.stop();

    const again = new Device(testPlatform({ trustedKey: keys.raw, storage: platform.storage }));
    again.start();
    expect(again.model?.header.modelVersion).toBe(3);
    expect(installFactoryModel(again, bytes, platform.crypto)).toBe('factory model not needed: a model is running');
  });

  it('is refused like any upload when it is not signed by the trusted key', () => {
    const platform = testPlatform({ trustedKey: keys.raw });
    const device = new Device(platform);
    device.start();
    const unsigned = featurePackage({ version: 3 });
    expect(installFactoryModel(device, unsigned, platform.crypto)).toMatch(/^factory model refused: BAD_SIGNATURE/);
    expect(device.model).toBeUndefined();
  });
});
