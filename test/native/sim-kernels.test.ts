// The simulator runs the firmware in the native XS host with the native kernels by default and
// on the TypeScript reference kernels on request: a flashed forest predicts the same scores
// both ways (and as in Node), for fewer XS computrons natively.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../firmware/core/model';
import { DeviceClient } from '../../host/device/client';
import { flashModel } from '../../host/device/flash';
import { InProcessTransport } from '../../host/device/transport';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { referenceModels } from '../../tools/reference-models';

interface Sim { device: SimulatedDevice; client: DeviceClient }

async function start(referenceKernels: boolean): Promise<Sim> {
  const device = await SimulatedDevice.start({ id: referenceKernels ? 'ref' : 'native', referenceKernels, slotBytes: 256 * 1024 });
  const client = new DeviceClient(new InProcessTransport(device.serial, { pump: () => device.poll() }), { timeoutMs: 5000 });
  return { device, client };
}

describe('simulator kernels', () => {
  let sims: Sim[] = [];
  beforeAll(async () => { sims = [await start(false), await start(true)]; });
  afterAll(async () => { for (const s of sims) { await s.client.close(); await s.device.close(); } });

  it('native by default, reference on request: the same scores as Node, natively for fewer computrons', async () => {
    const { bytes, inputs } = (await referenceModels()).find((m) => m.name === 'gbdt-100x10')!;
    const node = loadModel(bytes);
    const computrons: number[] = [];
    for (const { device, client } of sims) {
      await flashModel(client, bytes);
      let compute = 0;
      for (const x of inputs) {
        const got = await client.predict(Int16Array.from(x));
        compute += device.cranks.at(-1)!.meter.compute;
        node.input.set(x);
        node.predict();
        expect(Array.from(got.scores)).toEqual(Array.from(node.scores));
      }
      computrons.push(compute);
    }
    const [native, reference] = computrons;
    expect(native * 2).toBeLessThan(reference); // the cranks also decode, encode and frame
  });
});
