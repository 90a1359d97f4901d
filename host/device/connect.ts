// Opening a device for the CLI: the serial port, a client, HELLO; and errors as sentences.
import { CliError, EXIT } from '../cli/errors';
import { DeviceClient, DeviceError, DeviceTimeoutError, ProtocolMismatchError } from './client';
import { FlashRefusedError, FlashStalledError } from './flash';
import { SerialPortTransport, TransportError } from './transport';

export interface ConnectOptions { port: string; baud?: string; timeout?: string }

export async function connect(o: ConnectOptions): Promise<DeviceClient> {
  if (!o.port) throw new CliError('which device? pass --port (see `edgeml ports`)', EXIT.usage);
  const baudRate = o.baud ? Number(o.baud) : 115200;
  if (!Number.isInteger(baudRate) || baudRate <= 0) throw new CliError(`--baud ${o.baud}: a positive integer`, EXIT.usage);
  const timeoutMs = o.timeout ? Number(o.timeout) : 1000;
  if (!(timeoutMs > 0)) throw new CliError(`--timeout ${o.timeout}: milliseconds > 0`, EXIT.usage);
  const transport = await SerialPortTransport.open(o.port, { baudRate }).catch((e: unknown) => { throw deviceFailure(e); });
  const client = new DeviceClient(transport, { timeoutMs, retries: 3 });
  try {
    await client.hello();
  } catch (e) {
    await client.close();
    throw deviceFailure(e);
  }
  return client;
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
  if (e instanceof DeviceTimeoutError || e instanceof ProtocolMismatchError || e instanceof FlashStalledError) return new CliError(e.message, EXIT.device);
  if (e instanceof FlashRefusedError || e instanceof DeviceError) return new CliError(e.message, EXIT.failure);
  if (e instanceof Error && e.name === 'AbortError') return new CliError(e.message, EXIT.interrupted);
  return e;
}

export const PORT_HELP = 'serial port of the device (/dev/ttyUSB0, COM3, or a simulator pty)';
