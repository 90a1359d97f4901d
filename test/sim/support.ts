// Helpers for the simulator tests: a line reader over a SimulatedDevice's serial endpoint.
import type { SimulatedDevice } from '../../sim/device/simulated-device';

export class LineReader {
  readonly lines: string[] = [];
  #partial = '';
  constructor(device: SimulatedDevice) {
    device.serial.onData((bytes) => {
      this.#partial += Buffer.from(bytes).toString('latin1');
      const parts = this.#partial.split('\n');
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
    });
  }
  take(): string[] {
    return this.lines.splice(0);
  }
}

/** Sends a command line and returns the lines the device answered within one crank. */
export async function ask(device: SimulatedDevice, reader: LineReader, line: string): Promise<string> {
  reader.take();
  device.serial.write(Buffer.from(line + '\n', 'latin1'));
  await device.poll();
  const got = reader.take();
  if (got.length !== 1) throw new Error(`"${line}": expected one answer line, got ${JSON.stringify(got)}`);
  return got[0]!;
}
