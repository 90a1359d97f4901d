// Opening a device for the CLI: its serial port, or its command topics through an MQTT broker
// (--device with the broker options); a client, HELLO; and errors as sentences.
import { Command } from 'commander';
import { isDeviceId } from '../../firmware/core/fleet/index';
import { CliError, EXIT } from '../cli/errors';
import { addBrokerOptions, BrokerCliOptions, brokerSettings, connectBroker } from '../fleet/connect';
import { MqttTransport } from '../fleet/mqtt-transport';
import { DeviceClient, DeviceError, DeviceTimeoutError, ProtocolMismatchError, ProtocolViolationError } from './client';
import { CollectFailedError, CollectShapeError } from './collect';
import { FlashRefusedError, FlashStalledError, FlashTakenOverError } from './flash';
import { SerialPortTransport, Transport, TransportError } from './transport';

export interface ConnectOptions extends Partial<BrokerCliOptions> {
  port?: string; baud?: string; timeout?: string; device?: string;
  /** Ctrl-C: gives up HELLO at once (exit 130). */
  signal?: AbortSignal;
}

export async function connect(o: ConnectOptions): Promise<DeviceClient> {
  const timeoutMs = o.timeout ? Number(o.timeout) : 1000;
  if (!(timeoutMs > 0)) throw new CliError(`--timeout ${o.timeout}: milliseconds > 0`, EXIT.usage);
  const transport = await openTransport(o).catch((e: unknown) => { throw deviceFailure(e); });
  const client = new DeviceClient(transport, { timeoutMs, retries: 3 });
  try {
    await client.hello({ signal: o.signal });
  } catch (e) {
    await client.close();
    if (o.signal?.aborted) throw new CliError(`interrupted while waiting for the device on ${transport.name} to answer`, EXIT.interrupted);
    throw deviceFailure(e);
  }
  return client;
}

async function openTransport(o: ConnectOptions): Promise<Transport> {
  if (o.device !== undefined) {
    if (o.port) throw new CliError('--port and --device exclude each other: a device is reached through its serial port or through a broker', EXIT.usage);
    if (!isDeviceId(o.device)) throw new CliError(`--device "${o.device}" is not a device id ([A-Za-z0-9_.-], at most 64)`, EXIT.usage);
    const s = brokerSettings(o as BrokerCliOptions);
    return MqttTransport.open(await connectBroker(s), s.prefix, o.device, s.url);
  }
  if (!o.port) throw new CliError('which device? pass --port (see `edgeml ports`), or --device with the broker options', EXIT.usage);
  const baudRate = o.baud ? Number(o.baud) : 115200;
  if (!Number.isInteger(baudRate) || baudRate <= 0) throw new CliError(`--baud ${o.baud}: a positive integer`, EXIT.usage);
  return SerialPortTransport.open(o.port, { baudRate });
}

/** The options that name a device: --port and --baud, or --device and the broker options. */
export function addDeviceOptions(command: Command): Command {
  return addBrokerOptions(command
    .option('-p, --port <path>', PORT_HELP)
    .option('--baud <rate>', 'baud rate', '115200')
    .option('--device <id>', 'reach the device through an MQTT broker instead of a serial port (see edgeml fleet ls)'));
}

/** Runs `fn` with a connected client and always closes it. */
export async function withDevice<T>(o: ConnectOptions, fn: (client: DeviceClient) => Promise<T>): Promise<T> {
  const client = await connect(o);
  try {
    return await fn(client);
  } catch (e) {
    throw deviceFailure(e);
  } finally {
    await client.close();
  }
}

/** Device and link errors as CliErrors with the documented exit codes. */
export function deviceFailure(e: unknown): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof TransportError) return new CliError(e.message, EXIT.device);
  if (e instanceof DeviceTimeoutError || e instanceof ProtocolMismatchError || e instanceof ProtocolViolationError || e instanceof FlashStalledError) return new CliError(e.message, EXIT.device);
  if (e instanceof CollectShapeError) return new CliError(e.message, EXIT.badInput);
  if (e instanceof FlashRefusedError || e instanceof DeviceError || e instanceof CollectFailedError || e instanceof FlashTakenOverError) return new CliError(e.message, EXIT.failure);
  if (e instanceof Error && e.name === 'AbortError') return new CliError(e.message, EXIT.interrupted);
  return e;
}

export const PORT_HELP = 'serial port of the device (/dev/ttyUSB0, COM3, or a simulator pty)';
