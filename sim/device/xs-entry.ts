// The simulator's firmware image: the real device application (Device and its serial
// ProtocolServer) over the bridge platform. Application options (SimulatedDeviceOptions.appOptions):
// { device?: DeviceOptions, server?: ProtocolServerOptions }.
import { Device, type DeviceOptions } from '../../firmware/app/device/device';
import { ProtocolServer, type ProtocolServerOptions } from '../../firmware/app/device/protocol-server';
import { registerDevice } from './xs-host';

registerDevice((platform, options) => {
  const o = (options ?? {}) as { device?: DeviceOptions; server?: ProtocolServerOptions };
  const device = new Device(platform, o.device);
  const server = new ProtocolServer(device, o.server);
  return {
    start(): void {
      device.start();
      server.start();
    },
    stop(): void {
      device.stop();
    },
  };
});
