// Device entry point: the edgeml application on the Moddable platform. It boots the newest
// valid model from flash (installing the model built into the image when there is none),
// samples the IMU, classifies each window, serves the serial protocol and, when the platform
// has a network and the configuration names a broker, joins the fleet over MQTT.
import Resource from 'Resource';
import { Device } from 'app/device/device';
import { installFactoryModel } from 'app/device/factory-model';
import { ProtocolServer } from 'app/device/protocol-server';
import { MqttAgent, agentSettings, brokerConfigured } from 'app/mqtt/index';
import { createModdablePlatform } from 'platform/moddable/platform';

const FACTORY_MODEL = 'model.edgm';

const platform = createModdablePlatform();
const device = new Device(platform);
const server = new ProtocolServer(device, { readOnlyKeys: ['trustedKey'] });
device.start();
if (!device.model && Resource.exists(FACTORY_MODEL)) {
  const image = new Uint8Array(new Resource(FACTORY_MODEL) as unknown as ArrayBuffer);
  platform.system.log(`edgeml: ${installFactoryModel(device, image, platform.crypto)}`);
}
server.start();
if (platform.network && brokerConfigured(platform.config)) {
  new MqttAgent(device, platform.network, agentSettings(platform.config, platform.device.id), { server: { readOnlyKeys: ['trustedKey'] } }).start();
}
