// The simulator's firmware image: the real device application (Device, its serial
// ProtocolServer and, when the config names a broker, the MQTT agent) over the bridge platform.
// Application options (SimulatedDeviceOptions.appOptions):
// { device?: DeviceOptions, server?: ProtocolServerOptions }.
import { Device, type DeviceOptions } from '../../firmware/app/device/device';
import { ProtocolServer, type ProtocolServerOptions } from '../../firmware/app/device/protocol-server';
import { MqttAgent, agentSettings, brokerConfigured } from '../../firmware/app/mqtt/index';
import { registerDevice } from './xs-host';

registerDevice((platform, options) => {
  const o = (options ?? {}) as { device?: DeviceOptions; server?: ProtocolServerOptions };
  const device = new Device(platform, o.device);
  const server = new ProtocolServer(device, o.server);
  const network = platform.network;
  const agent = network && brokerConfigured(platform.config)
    ? new MqttAgent(device, network, agentSettings(platform.config, platform.device.id), { server: { readOnlyKeys: o.server?.readOnlyKeys, simulator: o.server?.simulator } })
    : undefined;
  return {
    start(): void {
      device.start();
      server.start();
      agent?.start();
    },
    stop(): void {
      agent?.stop();
      device.stop();
    },
  };
});
