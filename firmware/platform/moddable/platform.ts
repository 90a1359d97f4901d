// The Platform on a Moddable board (ESP32): every interface of ../interfaces on the SDK's modules,
// with the pins, ports and partition names of the manifest's "config" (see build-config.ts and
// docs/device-build.md). The protocol's serial port is `serialPort` (UART0, the USB bridge); in
// -d and -i builds xsbug owns UART0, and the port falls back to `serialDebugPort`.
import { boardConfig, type BoardConfig } from './build-config';
import { ModdableClock } from './clock';
import { PreferenceConfig } from './config';
import { ModdableCrypto } from './crypto';
import { ModdableNetwork } from './network';
import { ModdableDeviceInfo } from './device-info';
import { createModelStorage } from './flash';
import { createNativeKernels } from './native-kernels';
import type { RegisterBusConstructor } from './mpu6050';
import { ImuSampleSource } from './sample-source';
import { ModdableSerialPort } from './serial';
import { ModdableSystem } from './system';
import SMBus from 'embedded:io/smbus';
import type { ModelStorage, Platform } from '../interfaces';

export interface ModdablePlatformOptions {
  /** Overrides of the manifest's config values. */
  board?: Partial<BoardConfig>;
  firmwareVersion?: string;
  deviceId?: string;
  /** The I2C register bus class for the IMU (ECMA-419 SMBus by default). */
  bus?: RegisterBusConstructor;
  /** Run models on the portable TypeScript kernels instead of the native C ones. */
  referenceKernels?: boolean;
}

/** A Platform whose members also expose their board-specific extras (overruns, dropped writes...). */
export interface ModdablePlatform extends Platform {
  readonly clock: ModdableClock;
  readonly sensor: ImuSampleSource;
  readonly storage: ModelStorage;
  readonly serial: ModdableSerialPort;
  readonly crypto: ModdableCrypto;
  readonly config: PreferenceConfig;
  readonly device: ModdableDeviceInfo;
  readonly system: ModdableSystem;
  /** The MQTT link; the agent starts only when the config names a broker. */
  readonly network: ModdableNetwork;
  readonly board: Readonly<BoardConfig>;
}

export function createModdablePlatform(options: ModdablePlatformOptions = {}): ModdablePlatform {
  const board: BoardConfig = { ...boardConfig(), ...options.board };
  const system = new ModdableSystem();
  const config = new PreferenceConfig(board.configDomain);
  const sensor = new ImuSampleSource({
    // The typings give SMBus's constructor a tuple type (ConstructorParameters & {...}); the
    // class takes the I2C options object, as RegisterBusConstructor says.
    sensor: {
      io: options.bus ?? (SMBus as unknown as RegisterBusConstructor),
      data: board.imuData,
      clock: board.imuClock,
      hz: board.imuHz,
      address: board.imuAddress,
      port: board.imuPort,
    },
    rate: board.sampleRate,
    range: board.accelRange,
  });
  const device = new ModdableDeviceInfo({
    config,
    firmwareVersion: options.firmwareVersion,
    trustedKeyHex: board.trustedKey || undefined,
    id: options.deviceId,
  });
  return {
    clock: new ModdableClock(),
    sensor,
    storage: createModelStorage({ slotA: board.slotA, slotB: board.slotB, state: board.stateName }),
    serial: openSerial(board, system),
    crypto: new ModdableCrypto(),
    config,
    device,
    system,
    network: new ModdableNetwork(config, system),
    board,
    kernels: options.referenceKernels ? undefined : createNativeKernels(),
  };
}

function openSerial(board: BoardConfig, system: ModdableSystem): ModdableSerialPort {
  const queueBytes = board.serialQueue;
  try {
    return new ModdableSerialPort({ port: board.serialPort, transmit: board.serialTransmit, receive: board.serialReceive, baud: board.serialBaud, queueBytes });
  } catch (e) {
    if (board.serialDebugPort === undefined || board.serialDebugPort === board.serialPort) throw e;
    system.log(`edgeml: UART${board.serialPort} unavailable (${String(e)}): protocol on UART${board.serialDebugPort}, TX ${board.serialDebugTransmit} RX ${board.serialDebugReceive}`);
    return new ModdableSerialPort({ port: board.serialDebugPort, transmit: board.serialDebugTransmit, receive: board.serialDebugReceive, baud: board.serialBaud, queueBytes });
  }
}

