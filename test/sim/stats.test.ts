// STATS of a simulated device (the real firmware in XS): the mean XS computrons per inference,
// measured by the device around each inference (System.computrons: xsnap's meter), agree with
// what the engine service measures for the same model in the same XS host; the heap figures are
// those of the simulator's meter (System.heap), with both flags set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { DeviceClient } from '../../host/device/client';
import { flashModel } from '../../host/device/flash';
import { InProcessTransport } from '../../host/device/transport';
import { alignedCopy } from '../../host/package/read';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { XsEngine } from '../../sim/xs/engine-service';
import { featurePackage, makeKeys } from '../device/packages';

describe('STATS of a simulated device', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-sim-stats-'));
  const keys = makeKeys();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The simulator's default (the native XS host, native kernels: XsEngine `native`) and the
  // reference kernels (stock xsnap, the portable kernels: XsEngine without `native`).
  for (const kernels of ['native', 'reference'] as const) {
    it(`reports computrons per inference close to XsEngine.computronsPerInference, and heap figures (${kernels} kernels)`, async () => {
      const device = await SimulatedDevice.start({ id: `stats-${kernels}`, dir: path.join(dir, kernels), trustedKey: keys.raw, referenceKernels: kernels === 'reference' });
      // No startRealTime: virtual time stands still, so no sensor window is classified and every
      // inference counted is a PREDICT (the model alone, as XsEngine measures it).
      const client = new DeviceClient(new InProcessTransport(device.serial, { pump: () => device.poll() }), { timeoutMs: 2000 });
      const pkg = featurePackage({ version: 1, signer: keys.signer });
      const model = loadModel(alignedCopy(pkg));
      const n = model.input.length;
      const input = model.input instanceof Int8Array ? new Int8Array(n) : new Int16Array(n);
      for (let i = 0; i < n; i++) input[i] = ((i * 37) % 101) - 50;
      let s;
      try {
        await flashModel(client, pkg);
        await client.stats(true); // zero the figures
        for (let i = 0; i < 8; i++) await client.predict(input);
        s = await client.stats();
      } finally {
        await client.close();
        await device.close();
      }
      expect(s.inferences).toBe(8);

      const engine = await XsEngine.start({ native: kernels === 'native' });
      let measured: number;
      try {
        await engine.load(pkg);
        measured = await engine.computronsPerInference(Array.from(input));
      } finally {
        await engine.close();
      }
      expect(measured).toBeGreaterThan(0);
      // Both measure predict() in the same XS; each adds a little of its own (the engine its
      // loop and call, the device what its meter-read calibration does not cancel).
      const got = s.computronsPerInference;
      expect(got, 'flag 2').toBeDefined();
      expect(Math.abs(got! - measured), `device ${got}, XsEngine ${measured}`).toBeLessThanOrEqual(measured * 0.1 + 20);

      expect(s.heap, 'flag 1').toBeDefined();
      expect(s.heap!.used).toBeGreaterThan(0);
      expect(s.heap!.peak).toBeGreaterThanOrEqual(s.heap!.used);
      // the meter's figures: a crank's live slots × 32 bytes, at most the boot's peak
      const slots = Math.max(...device.cranks.map((c) => c.meter.heapCount));
      expect(s.heap!.peak).toBeLessThanOrEqual(slots * 32);
    }, 120_000);
  }
});
