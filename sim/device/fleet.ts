// A fleet of simulated devices on one broker: the real firmware of each in its own XS worker,
// its MQTT agent connected through the bridge, the clock following the wall clock. For tests
// (`startSimulatedFleet({ count: 5, broker: { url } })`) and `edgeml sim --devices N --broker`.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { activeModelOf } from '../../firmware/core/protocol/index';
import { DeviceClient } from '../../host/device/client';
import { flashModel } from '../../host/device/flash';
import { InProcessTransport } from '../../host/device/transport';
import type { BrokerOptions } from './mqtt-bridge';
import { SimulatedDevice, type SimulatedDeviceOptions } from './simulated-device';

export interface SimulatedFleetOptions {
  count: number;
  broker: BrokerOptions;
  /** Each device keeps its flash and config under `<dir>/<id>` (default: memory only). */
  dir?: string;
  /** Device ids are `<idPrefix><index>` (default "sim-", from 0). */
  idPrefix?: string;
  trustedKey?: Uint8Array;
  /** A package flashed over the serial line to every device that does not run it yet. */
  model?: Uint8Array;
  /** Options for every device (the sensor seed defaults to the device index + 1). */
  device?: Omit<SimulatedDeviceOptions, 'id' | 'dir' | 'broker' | 'trustedKey'>;
  /** Wall-clock crank period in ms (default 10). */
  periodMs?: number;
}

export interface SimulatedFleet {
  readonly devices: readonly SimulatedDevice[];
  close(): Promise<void>;
}

export async function startSimulatedFleet(options: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const { count } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count ${count}: at least one device`);
  const devices: SimulatedDevice[] = [];
  const fleet: SimulatedFleet = {
    devices,
    async close() {
      await Promise.all(devices.map((d) => d.close()));
    },
  };
  try {
    for (let i = 0; i < count; i++) {
      const id = `${options.idPrefix ?? 'sim-'}${i}`;
      const shared = options.device ?? {};
      const device = await SimulatedDevice.start({
        ...shared,
        id,
        dir: options.dir ? path.join(options.dir, id) : undefined,
        trustedKey: options.trustedKey,
        sensor: { seed: i + 1, ...shared.sensor },
        broker: options.broker,
      });
      devices.push(device);
      device.startRealTime(options.periodMs ?? 10);
      if (options.model) await installModel(device, options.model);
    }
  } catch (err) {
    await fleet.close();
    throw err;
  }
  return fleet;
}

/** Flashes `model` over the in-process serial line unless the device runs it already. */
export async function installModel(device: SimulatedDevice, model: Uint8Array): Promise<void> {
  const client = new DeviceClient(new InProcessTransport(device.serial, { pump: () => device.poll() }), { timeoutMs: 5000 });
  try {
    const active = activeModelOf(await client.hello());
    const hash = createHash('sha256').update(model).digest();
    if (active && hash.equals(active.sha256)) return;
    await flashModel(client, model, { force: true });
  } finally {
    await client.close();
  }
}
