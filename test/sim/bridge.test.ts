import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { LineReader, ask } from './support';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/bridge-app.ts');
const BLOCK = 4096;
let dir: string;
const devices: SimulatedDevice[] = [];

async function start(opts: Parameters<typeof SimulatedDevice.start>[0] = {}) {
  const device = await SimulatedDevice.start({ entry: ENTRY, dir: path.join(dir, `d${devices.length}`), slotBytes: 4 * BLOCK, ...opts });
  devices.push(device);
  const reader = new LineReader(device);
  return { device, reader };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'edgeml-sim-'));
});
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulator bridge (XS platform ↔ Node)', () => {
  it('boots the application and carries its serial output and logs', async () => {
    const { device, reader } = await start({ id: 'dev-7', firmwareVersion: '9.9.9' });
    // boot output is delivered before start() resolves; the reader attached after: poll again
    expect(device.logs).toContain('boot dev-7 at 0');
    expect(await ask(device, reader, 'info')).toBe('ok dev-7 9.9.9 -');
    expect(await ask(device, reader, 'log hello there')).toBe('ok');
    expect(device.logs.at(-1)).toBe('hello there');
    expect(await ask(device, reader, 'nope')).toBe('err unknown nope');
  });

  it('flash ops from XS land in the Node flash file with NOR semantics', async () => {
    const { device, reader } = await start();
    const file = path.join(dir, 'd0', 'slot-b.bin');
    expect(await ask(device, reader, 'r 1 0 4')).toBe('ok ffffffff');
    expect(await ask(device, reader, 'w 1 4096 f0f00f0f')).toBe('ok');
    expect(readFileSync(file).subarray(4096, 4100).toString('hex')).toBe('f0f00f0f');
    // a write can only clear bits: AND
    expect(await ask(device, reader, 'w 1 4096 ff00ffff')).toBe('ok');
    expect(readFileSync(file).subarray(4096, 4100).toString('hex')).toBe('f0000f0f');
    expect(await ask(device, reader, 'r 1 4096 4')).toBe('ok f0000f0f');
    // map() is a live mirror: later writes and erases show in it
    expect(await ask(device, reader, 'm 1 4096 4')).toBe('ok f0000f0f');
    expect(await ask(device, reader, 'w 1 4098 00')).toBe('ok');
    expect(await ask(device, reader, 'm 1 4096 4')).toBe('ok f000000f');
    expect(await ask(device, reader, 'e 1 1')).toBe('ok');
    expect(readFileSync(file).subarray(4096, 4100).toString('hex')).toBe('ffffffff');
    expect(await ask(device, reader, 'm 1 4096 4')).toBe('ok ffffffff');
    expect(device.storage.slots[1].snapshot().subarray(4096, 4100)).toEqual(new Uint8Array([255, 255, 255, 255]));
    // errors from Node come back as exceptions in XS
    expect(await ask(device, reader, 'e 1 99')).toMatch(/^err RangeError: erase\(99\)/);
    expect(await ask(device, reader, 'r 2 8190 4')).toMatch(/^err RangeError/);
    // the state partition and slot A are separate files
    expect(await ask(device, reader, 'w 2 0 01')).toBe('ok');
    expect(readFileSync(path.join(dir, 'd0', 'state.bin'))[0]).toBe(1);
    expect(readFileSync(path.join(dir, 'd0', 'slot-a.bin'))[0]).toBe(0xff);
  });

  it('crypto: sha256 and P-256 verification through Node', async () => {
    const { device, reader } = await start();
    const msg = Buffer.from('edgeml');
    expect(await ask(device, reader, `s ${msg.toString('hex')}`)).toBe(`ok ${createHash('sha256').update(msg).digest('hex')}`);
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const raw = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const sig = sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(await ask(device, reader, `v ${raw.toString('hex')} ${msg.toString('hex')} ${sig.toString('hex')}`)).toBe('ok true');
    sig[5] ^= 1;
    expect(await ask(device, reader, `v ${raw.toString('hex')} ${msg.toString('hex')} ${sig.toString('hex')}`)).toBe('ok false');
  });

  it('config persists in a JSON file across restarts and device instances', async () => {
    const { device, reader } = await start({ config: { rate: 100 } });
    expect(await ask(device, reader, 'cg rate')).toBe('ok 100');
    expect(await ask(device, reader, 'cg missing')).toBe('ok null');
    expect(await ask(device, reader, 'cs name "pump 3"')).toBe('ok');
    expect(await ask(device, reader, 'cs on true')).toBe('ok');
    expect(await ask(device, reader, 'ck')).toBe('ok rate,name,on');
    // restart requested by the firmware: output until restart() is delivered, then a new worker
    reader.take();
    device.serial.write(Buffer.from('restart\n'));
    await device.poll();
    expect(reader.take()).toEqual(['ok', 'ready']);
    expect(device.boots).toBe(2);
    expect(device.lastReboot).toBe('restart');
    expect(await ask(device, reader, 'cg name')).toBe('ok "pump 3"');
    const file = path.join(dir, 'd0', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ rate: 100, name: 'pump 3', on: true });
    await device.close();
    devices.length = 0;
    const again = await SimulatedDevice.start({ entry: ENTRY, dir: path.join(dir, 'd0'), slotBytes: 4 * BLOCK });
    devices.push(again);
    const r2 = new LineReader(again);
    expect(await ask(again, r2, 'cg on')).toBe('ok true');
  });

  it('virtual clock: timers fire at their virtual time, fast-forward', async () => {
    const { device, reader } = await start({ maxStepMs: 20 });
    await device.advance(100);
    expect(await ask(device, reader, 'now')).toBe('ok 100');
    expect(await ask(device, reader, 't 250')).toBe('ok');
    await device.advance(240);
    expect(reader.take()).toEqual([]);
    await device.advance(20);
    expect(reader.take()).toEqual(['tick 350 from 100']);
    const t0 = Date.now();
    await device.advance(10_000);
    expect(device.now).toBe(10_360);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('sensor frames arrive at the configured rate; scenario switchable while running', async () => {
    const { device, reader } = await start({ sensor: { rate: 500, seed: 3 } });
    expect(device.sensorRunning).toBe(true);
    await device.advance(1000);
    // frames at 0, 2, ..., 1000 ms
    expect(await ask(device, reader, 'f')).toBe('ok 501 3');
    device.setScenario('bearing');
    await device.advance(100);
    expect(await ask(device, reader, 'f')).toBe('ok 551 3');
    const stats = await device.xsStats();
    expect(stats.framesDelivered).toBe(551);
  });

  it('meter: computrons and heap figures per crank', async () => {
    const { device } = await start();
    await device.advance(100);
    expect(device.cranks.length).toBeGreaterThan(3);
    const m = device.lastMeter!;
    expect(m.compute).toBeGreaterThan(0);
    expect(m.heapCount).toBeGreaterThan(0);
    expect(device.totalCompute).toBeGreaterThan(m.compute);
  });

  it('power cut during a flash write: the write stops at the byte, the device reboots over the same flash', async () => {
    const { device, reader } = await start();
    const reboots: string[] = [];
    device.onReboot((r) => reboots.push(r));
    device.cutPowerAfter(2);
    reader.take();
    device.serial.write(Buffer.from('w 0 0 00000000\n'));
    await device.poll();
    expect(reboots).toEqual(['power-cut']);
    expect(device.boots).toBe(2);
    // output of the crank with the cut is lost; the new boot says ready
    expect(reader.take()).toEqual(['ready']);
    expect(await ask(device, reader, 'r 0 0 4')).toBe('ok 0000ffff');
    expect(readFileSync(path.join(dir, 'd0', 'slot-a.bin')).subarray(0, 4).toString('hex')).toBe('0000ffff');
  });

  it('exceptions thrown by the application are logged and the device keeps running', async () => {
    const { device, reader } = await start();
    device.serial.write(Buffer.from('throw\n'));
    await device.poll();
    expect(device.logs.at(-1)).toMatch(/uncaught Error: asked to throw/);
    expect(await ask(device, reader, 'now')).toBe('ok 0');
  });

  it('line noise: seeded drops, duplicates and corruptions', async () => {
    const { device } = await start();
    const got: number[] = [];
    device.serial.onData((b) => got.push(...b));
    const noise = device.setLineNoise({ out: { rate: 0.2, seed: 42 } });
    const payload = Buffer.alloc(2000, 0x55);
    device.serial.write(Buffer.from(`echo ${payload.toString('hex')}\n`));
    await device.poll();
    const c = noise.out!.counts;
    expect(c.dropped + c.duplicated + c.corrupted).toBeGreaterThan(200);
    expect(got.length).toBe(2000 - c.dropped + c.duplicated);
    expect(got.filter((b) => b !== 0x55).length).toBe(c.corrupted);
  });
});
