// The simulator's firmware image: the real device application over the bridge platform.
import { Device } from '../../firmware/app/device/device';
import { registerDevice } from './xs-host';

registerDevice((platform, options) => new Device(platform, options as never));
