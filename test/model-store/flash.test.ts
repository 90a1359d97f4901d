// The simulated NOR flash: erase/write/read semantics, range checks, power cuts mid-operation,
// the byte counter and file persistence.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PowerCut, PowerSupply, SimFlash, simModelStorage } from '../../sim/platform/flash';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'edgeml-flash-'));
  dirs.push(d);
  return d;
}

describe('SimFlash NOR semantics', () => {
  it('starts erased, writes AND bits in, erase restores 0xFF per block', () => {
    const f = new SimFlash({ byteLength: 4 * 256, blockSize: 256 });
    expect(f.read(0, 1024).every((b) => b === 0xff)).toBe(true);
    f.write(10, new Uint8Array([0x0f, 0xaa]));
    f.write(10, new Uint8Array([0xf3, 0xff]));
    expect(Array.from(f.read(9, 4))).toEqual([0xff, 0x03, 0xaa, 0xff]);
    f.write(300, new Uint8Array([0]));
    f.erase(0);
    expect(f.read(0, 256).every((b) => b === 0xff)).toBe(true);
    expect(f.read(300, 1)[0]).toBe(0); // other blocks untouched
    expect(f.map()[300]).toBe(0);
    expect(f.map().length).toBe(1024);
  });

  it('validates offsets, lengths and block indices with RangeError', () => {
    const f = new SimFlash({ byteLength: 512, blockSize: 256 });
    expect(() => f.erase(2)).toThrow(RangeError);
    expect(() => f.erase(-1)).toThrow(RangeError);
    expect(() => f.erase(0.5)).toThrow(RangeError);
    expect(() => f.write(510, new Uint8Array(3))).toThrow(RangeError);
    expect(() => f.write(-1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => f.read(0, 513)).toThrow(RangeError);
    expect(() => f.read(1.5, 1)).toThrow(RangeError);
    expect(f.read(512, 0).length).toBe(0);
    expect(() => new SimFlash({ byteLength: 300, blockSize: 256 })).toThrow(RangeError);
    expect(() => new SimFlash({ byteLength: 0, blockSize: 256 })).toThrow(RangeError);
  });

  it('cuts power in the middle of a write, then fails every operation until restore()', () => {
    const power = new PowerSupply();
    const f = new SimFlash({ byteLength: 1024, blockSize: 256, power });
    f.write(0, new Uint8Array(4).fill(0x11));
    expect(power.touched).toBe(4);
    power.cutAfter(3);
    expect(() => f.write(100, new Uint8Array(8).fill(0))).toThrow(PowerCut);
    expect(power.off).toBe(true);
    expect(power.touched).toBe(7);
    expect(() => f.read(0, 1)).toThrow(PowerCut);
    expect(() => f.map()).toThrow(PowerCut);
    expect(() => f.erase(0)).toThrow(PowerCut);
    power.restore();
    expect(Array.from(f.read(99, 6))).toEqual([0xff, 0, 0, 0, 0xff, 0xff]);
    f.write(200, new Uint8Array(100)); // no cut armed any more
  });

  it('cuts power in the middle of an erase: the block is partly erased', () => {
    const power = new PowerSupply();
    const f = new SimFlash({ byteLength: 512, blockSize: 256, power });
    f.write(0, new Uint8Array(512)); // all zeros
    power.cutAfter(100);
    expect(() => f.erase(1)).toThrow(PowerCut);
    power.restore();
    const b = f.read(256, 256);
    expect(b.subarray(0, 100).every((x) => x === 0xff)).toBe(true);
    expect(b.subarray(100).every((x) => x === 0)).toBe(true);
    expect(f.read(0, 256).every((x) => x === 0)).toBe(true);
  });

  it('an operation that ends exactly at the cut point completes; the next byte is cut', () => {
    const power = new PowerSupply();
    const f = new SimFlash({ byteLength: 512, blockSize: 256, power });
    power.cutAfter(256);
    f.erase(0);
    expect(power.off).toBe(false);
    expect(() => f.write(0, new Uint8Array(1))).toThrow(PowerCut);
    power.restore();
    expect(f.read(0, 1)[0]).toBe(0xff);
    power.cutAfter(0);
    expect(() => f.write(0, new Uint8Array(1))).toThrow(PowerCut);
    power.restore();
    power.resetCounter();
    expect(power.touched).toBe(0);
  });

  it('shares one power rail between the partitions of a storage', () => {
    const s = simModelStorage({ slotBytes: 2048, blockSize: 512 });
    s.power.cutAfter(10);
    expect(() => s.slots[0].write(0, new Uint8Array(20))).toThrow(PowerCut);
    expect(() => s.state.read(0, 1)).toThrow(PowerCut);
    s.power.restore();
    expect(s.state.byteLength).toBe(1024);
    const copy = simModelStorage({ copyOf: s });
    expect(copy.slots[0].read(0, 12)).toEqual(s.slots[0].read(0, 12));
    copy.slots[0].erase(0);
    expect(s.slots[0].read(0, 1)[0]).toBe(0); // the copy is independent
  });

  it('persists to a file, including the bytes of an operation a power cut stopped', () => {
    const dir = tempDir();
    const file = path.join(dir, 'flash.bin');
    const power = new PowerSupply();
    const f = new SimFlash({ byteLength: 1024, blockSize: 256, file, power });
    f.write(0, new Uint8Array([1, 2, 3, 4]));
    power.cutAfter(2);
    expect(() => f.write(500, new Uint8Array([0, 0, 0, 0]))).toThrow(PowerCut);
    f.close();
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(1024);
    expect(Array.from(bytes.subarray(0, 5))).toEqual([1, 2, 3, 4, 0xff]);
    expect(Array.from(bytes.subarray(500, 504))).toEqual([0, 0, 0xff, 0xff]);
    const again = new SimFlash({ byteLength: 1024, blockSize: 256, file });
    expect(Array.from(again.read(0, 4))).toEqual([1, 2, 3, 4]);
    again.erase(0);
    again.close();
    expect(readFileSync(file)[0]).toBe(0xff);
    expect(() => new SimFlash({ byteLength: 2048, blockSize: 256, file })).toThrow(RangeError);
    const storage = simModelStorage({ slotBytes: 1024, blockSize: 256, dir });
    storage.slots[1].write(0, new Uint8Array([7]));
    storage.close();
    expect(readFileSync(path.join(dir, 'slot-b.bin'))[0]).toBe(7);
  });
});
