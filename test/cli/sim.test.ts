import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, MSG, type Message, PROTOCOL_VERSION, decodeMessage, encodeMessage } from '../../firmware/core/protocol/index';
import { socatAvailable } from '../../sim/device/pty';

const BIN = fileURLToPath(new URL('../../bin/edgeml.js', import.meta.url));

describe.skipIf(!socatAvailable())('edgeml sim', () => {
  it('starts devices on pseudo-terminals that answer HELLO through serialport, and stops on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeml-sim-'));
    const child = spawn(process.execPath, [BIN, 'sim', '--devices', '2', '--dir', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const devices: { id: string; port: string }[] = [];
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ports after 60 s: ${out}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const lines = out.split('\n').filter((l) => l.startsWith('{'));
        if (lines.length >= 2) {
          devices.push(...lines.slice(0, 2).map((l) => JSON.parse(l)));
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(devices.map((d) => d.id)).toEqual(['sim-001', 'sim-002']);

    for (const device of devices) {
      const port = new SerialPort({ path: device.port, baudRate: 115200 });
      const received: (Message & { seq: number })[] = [];
      const decoder = new FrameDecoder({ maxPayload: 0xffff, onFrame: (f) => received.push({ ...decodeMessage(f), seq: f.seq }) });
      port.on('data', (chunk: Buffer) => decoder.push(new Uint8Array(chunk)));
      await new Promise<void>((resolve, reject) => port.on('open', resolve).on('error', reject));
      port.write(Buffer.from(encodeMessage(MSG.HELLO, 7, { protocolVersion: PROTOCOL_VERSION, minProtocolVersion: 1, maxPayload: 4160 })));
      const deadline = Date.now() + 20_000;
      while (!received.some((m) => m.type === MSG.INFO) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const info = received.find((m) => m.type === MSG.INFO);
      expect(info, `${device.id} answered`).toBeDefined();
      expect(info!.seq).toBe(7);
      expect((info!.body as { deviceId: string }).deviceId).toBe(device.id);
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 120_000);
});
