// The serial port as a pseudo-terminal: arbitrary bytes, both ways, through a real pty. The
// client is a second socat relaying the pty to pipes (as picocom or serialport would open it).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../sim/device/pty';
import { SimulatedDevice } from '../../sim/device/simulated-device';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/bridge-app.ts');
const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('test/sim/pty.test.ts skipped: socat is not installed (apt-get install -y socat)');

function pattern(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >> 8)) & 255;
  return out;
}

class Client {
  readonly child: ChildProcess;
  data = Buffer.alloc(0);
  constructor(tty: string) {
    this.child = spawn('socat', ['-', `${tty},raw,echo=0`], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.data = Buffer.concat([this.data, d])));
  }
  write(b: Buffer | string): void {
    this.child.stdin!.write(b);
  }
  async waitFor(n: number, ms = 10_000): Promise<Buffer> {
    const end = Date.now() + ms;
    while (this.data.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const out = this.data.subarray(0, n);
    this.data = this.data.subarray(n);
    return out;
  }
  async line(ms = 10_000): Promise<string> {
    const end = Date.now() + ms;
    while (!this.data.includes(10) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const i = this.data.indexOf(10);
    if (i < 0) throw new Error(`no line from the device (have ${this.data.length} bytes)`);
    const line = this.data.subarray(0, i).toString('latin1');
    this.data = this.data.subarray(i + 1);
    return line;
  }
  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill();
    await exited;
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'edgeml-pty-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAVE_SOCAT)('serial port as a pseudo-terminal', () => {
  it('carries all 256 byte values both ways, and survives a client reopening it', async () => {
    const device = await SimulatedDevice.start({ entry: ENTRY });
    const link = path.join(dir, 'ttySIM0');
    const pty = await device.openPty({ link });
    try {
      expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
      expect(existsSync(link), 'link made').toBe(true);
      device.startRealTime(5);
      let client = new Client(pty.path);
      client.write('now\n');
      expect(await client.line()).toMatch(/^ok \d/);
      // device → host: 64 KiB with every byte value (including 0x00, \n, \r, XON/XOFF, 0xff)
      const n = 65536;
      client.write(`gen ${n}\n`);
      const got = await client.waitFor(n);
      expect(got.length).toBe(n);
      expect(got.equals(pattern(n)), 'device → host bytes intact').toBe(true);
      // host → device
      const up = pattern(n);
      client.write(`raw ${n}\n`);
      client.write(up);
      expect(await client.line(20_000)).toBe(`ok ${n} ${createHash('sha256').update(up).digest('hex')}`);
      await client.close();
      // a second client (as after `picocom` quits and starts again)
      client = new Client(link);
      client.write('info\n');
      expect(await client.line()).toBe('ok sim-0 0.1.0-sim -');
      await client.close();
      expect(pty.alive, 'socat still relaying after the client closed').toBe(true);
    } finally {
      await device.close();
    }
    expect(pty.alive, 'socat stopped by close()').toBe(false);
  }, 60_000);
});
