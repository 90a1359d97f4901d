// The state record and its log: encoding, the newest valid record wins, the ring wraps, and a
// power cut at every byte of an append (record write or the erase of the next block) leaves
// either the old state or the new one.
import { describe, expect, it } from 'vitest';
import { StateLog, decodeRecord, encodeRecord, RECORD_BYTES } from '../../firmware/app/model-store';
import type { StoreState } from '../../firmware/app/model-store';
import { SlotState } from '../../firmware/core/protocol/messages/info';
import { NO_SLOT } from '../../firmware/core/protocol/messages/layout';
import { PowerCut, PowerSupply, SimFlash } from '../../sim/platform/flash';

function stateN(n: number): StoreState {
  const sha = new Uint8Array(32).map((_, i) => (i * 7 + n) & 0xff);
  return {
    seq: 0,
    active: n % 2,
    previous: n % 3 === 0 ? NO_SLOT : 1 - (n % 2),
    slots: [
      { state: SlotState.VERIFIED, force: false, version: n, size: 1000 + n, received: 1000 + n, sha256: sha },
      { state: SlotState.PARTIAL, force: n % 2 === 1, version: n + 1, size: 5000, received: (n * 512) % 5000, sha256: sha.slice().reverse() },
    ],
  };
}

function same(a: StoreState | undefined, b: StoreState): void {
  expect(a).toBeDefined();
  expect({ ...a!, seq: 0 }).toEqual({ ...b, seq: 0 });
}

describe('state record', () => {
  it('round-trips and refuses any change to its bytes', () => {
    const s = stateN(5);
    const bytes = encodeRecord(s, 42);
    expect(bytes.length).toBe(RECORD_BYTES);
    const back = decodeRecord(bytes, 0)!;
    expect(back.seq).toBe(42);
    same(back, s);
    for (let i = 0; i < RECORD_BYTES; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x10;
      expect(decodeRecord(bad, 0), `byte ${i}`).toBeUndefined();
    }
    // A record cut after any number of bytes (the rest still erased) is not valid.
    for (let n = 0; n < RECORD_BYTES; n++) {
      const torn = new Uint8Array(RECORD_BYTES).fill(0xff);
      torn.set(bytes.subarray(0, n));
      expect(decodeRecord(torn, 0), `torn at ${n}`).toBeUndefined();
    }
  });
});

describe('StateLog', () => {
  it('needs two blocks of whole records', () => {
    expect(() => new StateLog(new SimFlash({ byteLength: 4096, blockSize: 4096 }))).toThrow(RangeError);
    expect(() => new StateLog(new SimFlash({ byteLength: 200, blockSize: 100 }))).toThrow(RangeError);
    expect(new StateLog(new SimFlash({ byteLength: 8192, blockSize: 4096 })).capacity).toBe(64);
  });

  it('keeps the newest record through several turns of the ring', () => {
    const flash = new SimFlash({ byteLength: 3 * 512, blockSize: 512 });
    const log = new StateLog(flash);
    expect(log.load()).toBeUndefined();
    for (let n = 1; n <= 40; n++) { // 12 records fit: more than three turns
      expect(log.append(stateN(n))).toBe(n);
      const reread = new StateLog(flash).load();
      expect(reread!.seq).toBe(n);
      same(reread, stateN(n));
    }
  });

  it('writes over garbage only after erasing it', () => {
    const flash = new SimFlash({ byteLength: 1024, blockSize: 512 });
    flash.write(0, new Uint8Array(1024).map((_, i) => (i * 13) & 0x7f)); // not a record anywhere
    const log = new StateLog(flash);
    expect(log.load()).toBeUndefined();
    log.append(stateN(1));
    same(new StateLog(flash).load(), stateN(1));
  });

  it('survives a power cut at every byte of an append, at every position of the ring', () => {
    const geometry = { byteLength: 2 * 256, blockSize: 256 }; // 2 records per block: every other append erases
    let cuts = 0;
    for (let before = 1; before <= 6; before++) {
      // Build the log with `before` records, then measure one more append.
      const base = new SimFlash(geometry);
      const log = new StateLog(base);
      for (let n = 1; n <= before; n++) log.append(stateN(n));
      const probe = new SimFlash({ ...geometry, initial: base.snapshot() });
      const counter = probe.power;
      new StateLog(probe).append(stateN(before + 1));
      const total = counter.touched;
      for (let cut = 0; cut < total; cut++) {
        const power = new PowerSupply();
        const flash = new SimFlash({ ...geometry, power, initial: base.snapshot() });
        power.cutAfter(cut);
        expect(() => new StateLog(flash).append(stateN(before + 1))).toThrow(PowerCut);
        power.restore();
        const after = new StateLog(flash);
        const got = after.load();
        same(got, stateN(before)); // a cut append never took effect
        // ...and the log carries on from there.
        after.append(stateN(before + 2));
        same(new StateLog(flash).load(), stateN(before + 2));
        after.append(stateN(before + 3));
        same(new StateLog(flash).load(), stateN(before + 3));
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(6 * RECORD_BYTES);
  });
});
