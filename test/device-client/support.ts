// A simulated device (real firmware in XS) with a DeviceClient attached in-process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeviceClient, DeviceClientOptions } from '../../host/device/client';
import { InProcessTransport } from '../../host/device/transport';
import { SimulatedDevice, SimulatedDeviceOptions } from '../../sim/device/simulated-device';

export interface Rig {
  device: SimulatedDevice;
  client: DeviceClient;
  dir: string;
  /** A fresh client (the previous one closed), as a re-run of the CLI would have. */
  reconnect(options?: DeviceClientOptions): Promise<DeviceClient>;
  close(): Promise<void>;
}

export async function startRig(options: SimulatedDeviceOptions = {}, clientOptions: DeviceClientOptions = {}): Promise<Rig> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'edgeml-client-'));
  const device = await SimulatedDevice.start({ ...options, dir });
  device.startRealTime(5);
  const connect = (o: DeviceClientOptions) => new DeviceClient(new InProcessTransport(device.serial, { pump: () => device.poll() }), { timeoutMs: 2000, ...o });
  const rig: Rig = {
    device,
    client: connect(clientOptions),
    dir,
    async reconnect(o = clientOptions) {
      await rig.client.close();
      rig.client = connect(o);
      return rig.client;
    },
    async close() {
      await rig.client.close();
      await device.close();
    },
  };
  return rig;
}
