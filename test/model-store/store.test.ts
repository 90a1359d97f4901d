// The A/B model store: boot, upload (resumable, duplicates and gaps), verification with each
// refusal leaving the running model unchanged, activation, rollback and boot fallback.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelStore, ModelStoreError } from '../../firmware/app/model-store';
import { crc32 } from '../../firmware/core/crc32';
import { ErrorCode } from '../../firmware/core/protocol/error-codes';
import { SlotState } from '../../firmware/core/protocol/messages/info';
import { NO_SLOT } from '../../firmware/core/protocol/messages/layout';
import { BeginStatus, Check, CheckStatus, ChunkDisposition } from '../../firmware/core/protocol/messages/model';
import { simModelStorage, SimModelStorage } from '../../sim/platform/flash';
import { nodeCrypto } from '../../sim/platform/crypto';
import {
  TestKeys, fixCrc, hexOf, makeKeys, makePackage, openStore, packageWithWrongSelfTest, sha256, storeOptions, upload,
} from './helpers';

let keys: TestKeys;
let otherKeys: TestKeys;
beforeAll(() => {
  keys = makeKeys();
  otherKeys = makeKeys();
});

function storage(): SimModelStorage {
  return simModelStorage({ slotBytes: 16 * 1024, stateBytes: 2 * 1024, blockSize: 1024 });
}

function expectCode(fn: () => unknown, code: string): ModelStoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelStoreError);
    expect((err as ModelStoreError).code).toBe(code);
    return err as ModelStoreError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** A device running `pkg` (uploaded, verified, activated). */
function deviceWith(pkg: Uint8Array, k: TestKeys | undefined = keys): { flash: SimModelStorage; store: ModelStore } {
  const flash = storage();
  const store = openStore(flash, k);
  expect(upload(store, pkg).end.codeName).toBe('OK');
  store.activate();
  return { flash, store };
}

function runningHash(store: ModelStore): string {
  return hexOf(sha256(store.model!.bytes));
}

describe('boot', () => {
  it('a blank device boots with no model, and says so', () => {
    const store = new ModelStore(storage(), storeOptions(keys));
    const boot = store.boot();
    expect(boot.slot).toBe(NO_SLOT);
    expect(boot.model).toBeUndefined();
    expect(boot.message).toMatch(/^no model/);
    expect(store.slotInfo().map((s) => s.state)).toEqual([SlotState.EMPTY, SlotState.EMPTY]);
  });

  it('runs a factory image found in a slot without any state record', () => {
    const flash = storage();
    const pkg = makePackage({ version: 3, signer: keys.signer });
    flash.slots[1].write(0, pkg);
    const store = new ModelStore(flash, storeOptions(keys));
    const boot = store.boot();
    expect(boot.slot).toBe(1);
    expect(boot.model!.header.modelVersion).toBe(3);
    expect(store.uploadSlot).toBe(0);
    expect(store.slotInfo()[1]).toMatchObject({ state: SlotState.ACTIVE, size: pkg.length, modelVersion: 3, name: 'forest-v3' });
  });

  it('never throws, even with garbage everywhere', () => {
    const flash = storage();
    for (const part of [flash.slots[0], flash.slots[1], flash.state]) part.write(0, new Uint8Array(part.byteLength).map((_, i) => (i * 31) & 0xfe));
    const boot = new ModelStore(flash, storeOptions(keys)).boot();
    expect(boot.model).toBeUndefined();
    expect(boot.rejected.length).toBe(2);
  });

  it('never throws, even when the platform does', () => {
    const { flash } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    const broken = { sha256: () => { throw new Error('no crypto'); }, verifyP256: () => { throw new Error('no crypto'); } };
    const boot = new ModelStore(flash, { crypto: broken, trustedKey: keys.raw }).boot();
    expect(boot.model).toBeUndefined();
    expect(boot.rejected[0]).toMatchObject({ slot: 0, code: 'INTERNAL' });
    // Flash that fails every operation (the power is off): no model, no exception.
    flash.power.cutAfter(0);
    expect(() => flash.state.write(0, new Uint8Array(1))).toThrow();
    const dark = new ModelStore(flash, storeOptions(keys)).boot();
    expect(dark.model).toBeUndefined();
    expect(dark.rejected.map((r) => r.code)).toContain('FLASH_ERROR');
  });
});

describe('a signature verifier that throws (a board with a malformed trusted key)', () => {
  it('the upload ends BAD_SIGNATURE, not in an exception', () => {
    const store = openStore(storage(), keys, { crypto: { sha256: (b: Uint8Array) => nodeCrypto.sha256(b), verifyP256: () => { throw new RangeError('not a point on P-256'); } } });
    const { end } = upload(store, makePackage({ version: 1, signer: keys.signer }));
    expect(end).toMatchObject({ ok: false, codeName: 'BAD_SIGNATURE' });
    expect(end.message).toContain('not a point');
    expectCode(() => store.activate(), 'NOT_VERIFIED');
  });
});

describe('the checks a MODEL_END lists', () => {
  it('with nothing running, a failure lists the same checks as a success, the rest SKIPPED', () => {
    const good = upload(openStore(storage(), keys), makePackage({ version: 1, signer: keys.signer })).end;
    const bad = upload(openStore(storage(), keys), makePackage({ version: 1, signer: otherKeys.signer })).end;
    expect(good.ok).toBe(true);
    expect(bad.codeName).toBe('BAD_SIGNATURE');
    expect(bad.checks.map((k) => k.check)).toEqual(good.checks.map((k) => k.check));
  });
});

describe('ACTIVATE of "the slot MODEL_END verified" with nothing running', () => {
  it('is the other verified slot once the last verified one is being uploaded again', () => {
    const a = makePackage({ version: 1, signer: keys.signer });
    const b = makePackage({ version: 2, signer: keys.signer });
    const store = openStore(storage(), keys);
    expect(upload(store, a).end.slot).toBe(0);
    expect(upload(store, b).end.slot).toBe(1);
    store.begin({ size: b.length, sha256: sha256(b), modelVersion: 2, restart: true }); // slot 1 starts over
    expect(store.activate()).toMatchObject({ slot: 0, modelVersion: 1 });
  });
});

describe('a state partition unreadable at boot', () => {
  it('runs the best package it finds but records nothing: the unread record survives for the next boot', () => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const v2 = makePackage({ version: 2, signer: keys.signer });
    const v3 = makePackage({ version: 3, signer: keys.signer });
    const { flash, store } = deviceWith(v1);
    expect(upload(store, v2).end.codeName).toBe('OK');
    store.activate();
    store.rollback(); // the record: v1 active, v2 verified and refused as a rollback source
    const before = flash.state.read(0, flash.state.byteLength).slice();
    const unreadable = {
      slots: flash.slots,
      state: { ...flash.state, byteLength: flash.state.byteLength, blockSize: flash.state.blockSize,
        erase: (i: number) => flash.state.erase(i), write: (o: number, b: Uint8Array) => flash.state.write(o, b),
        read: () => { throw new Error('read error'); }, map: () => { throw new Error('read error'); } },
    };
    const blind = new ModelStore(unreadable, storeOptions(keys));
    const boot = blind.boot();
    expect(boot.model!.header.modelVersion).toBe(2); // a guess: the newest valid package
    expect(boot.rejected.map((r) => r.code)).toContain('FLASH_ERROR');
    expectCode(() => blind.begin({ size: v3.length, sha256: sha256(v3), modelVersion: 3 }), 'FLASH_ERROR');
    expect(Buffer.from(flash.state.read(0, flash.state.byteLength))).toEqual(Buffer.from(before));
    // Readable again: the next boot runs what the record says (v1 after the rollback).
    expect(new ModelStore(flash, storeOptions(keys)).boot().model!.header.modelVersion).toBe(1);
  });
});

describe('upload, activate, rollback', () => {
  it('first model, newer model, reboot, rollback and back', () => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const v2 = makePackage({ version: 2, signer: keys.signer });
    const flash = storage();
    let store = openStore(flash, keys);
    const first = upload(store, v1);
    expect(first.begin).toEqual({ status: BeginStatus.NEW, slot: 0, resumeOffset: 0 });
    expect(first.end.ok).toBe(true);
    expect(first.end.checks.map((c) => c.check)).toEqual([Check.HASH, Check.CRC, Check.PACKAGE, Check.SIGNATURE, Check.SELFTEST]);
    expect(hexOf(first.end.sha256)).toBe(hexOf(sha256(v1)));
    expect(store.model).toBeUndefined(); // verified is not active
    const a1 = store.activate();
    expect(a1).toMatchObject({ slot: 0, previousSlot: NO_SLOT, modelVersion: 1, name: 'forest-v1' });
    expect(runningHash(store)).toBe(hexOf(sha256(v1)));

    const second = upload(store, v2);
    expect(second.begin.slot).toBe(1);
    expect(second.end.codeName).toBe('OK');
    expect(second.end.checks.map((c) => c.check)).toEqual([Check.HASH, Check.CRC, Check.PACKAGE, Check.SIGNATURE, Check.VERSION, Check.INPUT_SHAPE, Check.SELFTEST]);
    expect(store.slotInfo().map((s) => s.state)).toEqual([SlotState.ACTIVE, SlotState.VERIFIED]);
    expect(store.activate()).toMatchObject({ slot: 1, previousSlot: 0, modelVersion: 2 });
    expect(store.slotInfo().map((s) => s.state)).toEqual([SlotState.PREVIOUS, SlotState.ACTIVE]);

    store = openStore(flash, keys); // reboot
    expect(store.runningSlot).toBe(1);
    expect(runningHash(store)).toBe(hexOf(sha256(v2)));
    expect(store.rollback()).toMatchObject({ slot: 0, previousSlot: 1, modelVersion: 1 });
    store = openStore(flash, keys);
    expect(runningHash(store)).toBe(hexOf(sha256(v1)));
    expect(store.rollback()).toMatchObject({ slot: 1, previousSlot: 0, modelVersion: 2 }); // twice: back where it started
    expect(openStore(flash, keys).runningSlot).toBe(1);
  });

  it('ACTIVATE of the running slot changes nothing; of an unverified slot is NOT_VERIFIED', () => {
    const { store } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    expect(store.activate(0)).toMatchObject({ slot: 0 });
    expectCode(() => store.activate(), 'NOT_VERIFIED');
    expectCode(() => store.activate(1), 'NOT_VERIFIED');
    expectCode(() => store.activate(7), 'BAD_ARGUMENT');
    expectCode(() => store.rollback(), 'NO_ROLLBACK');
  });

  it('a new upload into the previous slot ends the rollback option', () => {
    const { store } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    upload(store, makePackage({ version: 2, signer: keys.signer }));
    store.activate();
    expect(store.previousSlot).toBe(0);
    store.begin({ size: 100, sha256: new Uint8Array(32), modelVersion: 3 });
    expect(store.previousSlot).toBe(NO_SLOT);
    expectCode(() => store.rollback(), 'NO_ROLLBACK');
  });

  it('chunks: duplicates are ignored, overlaps write only their new part, gaps are OUT_OF_ORDER', () => {
    const { store } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    const pkg = makePackage({ version: 2, signer: keys.signer });
    expectCode(() => store.write(0, pkg.subarray(0, 10)), 'NO_SESSION');
    expectCode(() => store.end(), 'NO_SESSION');
    store.begin({ size: pkg.length, sha256: sha256(pkg), modelVersion: 2 });
    expect(store.write(0, pkg.subarray(0, 1000))).toEqual({ offset: 0, nextOffset: 1000, disposition: ChunkDisposition.WRITTEN });
    expect(store.write(0, pkg.subarray(0, 1000))).toEqual({ offset: 0, nextOffset: 1000, disposition: ChunkDisposition.DUPLICATE });
    expect(store.write(500, pkg.subarray(500, 800))).toMatchObject({ disposition: ChunkDisposition.DUPLICATE });
    expect(store.write(2000, pkg.subarray(2000, 2500))).toEqual({ offset: 2000, nextOffset: 1000, disposition: ChunkDisposition.OUT_OF_ORDER });
    expect(store.write(900, pkg.subarray(900, 1500))).toEqual({ offset: 900, nextOffset: 1500, disposition: ChunkDisposition.WRITTEN });
    expectCode(() => store.write(1500, new Uint8Array(pkg.length)), 'BAD_OFFSET');
    expectCode(() => store.end(), 'BAD_OFFSET');
    for (let at = 1500; at < pkg.length; at += 777) store.write(at, pkg.subarray(at, at + 777));
    expect(store.end().codeName).toBe('OK');
    expectCode(() => store.end(), 'NO_SESSION');
    expect(store.activate().modelVersion).toBe(2);
  });

  it('resumes after a reboot from the last progress record, and after a dropped link exactly', () => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const { flash, store } = deviceWith(v1);
    const pkg = makePackage({ version: 2, trees: 12, signer: keys.signer });
    const announce = { size: pkg.length, sha256: sha256(pkg), modelVersion: 2 };
    store.begin(announce);
    store.write(0, pkg.subarray(0, 3500));
    // Same session (the host lost the link and came back): exact offset.
    expect(store.begin(announce)).toEqual({ status: BeginStatus.RESUMED, slot: 1, resumeOffset: 3500 });
    expect(store.slotInfo()[1]).toMatchObject({ state: SlotState.PARTIAL, bytes: 3500, size: pkg.length });
    // Reboot: the state record knows 3 whole blocks.
    const again = openStore(flash, keys);
    expect(again.slotInfo()[1]).toMatchObject({ state: SlotState.PARTIAL, bytes: 3072 });
    expect(again.begin(announce)).toEqual({ status: BeginStatus.RESUMED, slot: 1, resumeOffset: 3072 });
    for (let at = 3072; at < pkg.length; at += 1000) again.write(at, pkg.subarray(at, at + 1000));
    // Reboot with every byte written but before MODEL_END: the slot hashes right, COMPLETE.
    const third = openStore(flash, keys);
    expect(third.begin(announce)).toEqual({ status: BeginStatus.COMPLETE, slot: 1, resumeOffset: pkg.length });
    expect(third.end().codeName).toBe('OK');
    // A different package, or RESTART, starts again at 0.
    const fourth = openStore(flash, keys);
    expect(fourth.begin({ ...announce, restart: true })).toMatchObject({ status: BeginStatus.NEW, resumeOffset: 0 });
    const other = makePackage({ version: 3, signer: keys.signer });
    expect(fourth.begin({ size: other.length, sha256: sha256(other), modelVersion: 3 })).toMatchObject({ status: BeginStatus.NEW, resumeOffset: 0 });
    expect(runningHash(fourth)).toBe(hexOf(sha256(v1)));
  });

  it('refuses a package larger than the slot, bad arguments and an older version early', () => {
    const { store } = deviceWith(makePackage({ version: 5, signer: keys.signer }));
    expectCode(() => store.begin({ size: 16 * 1024 + 1, sha256: new Uint8Array(32), modelVersion: 6 }), 'MODEL_TOO_LARGE');
    expectCode(() => store.begin({ size: 0, sha256: new Uint8Array(32), modelVersion: 6 }), 'BAD_ARGUMENT');
    expectCode(() => store.begin({ size: 10, sha256: new Uint8Array(31), modelVersion: 6 }), 'BAD_ARGUMENT');
    expectCode(() => store.begin({ size: 10, sha256: new Uint8Array(32), modelVersion: 5 }), 'OLDER_VERSION');
    expectCode(() => store.begin({ size: 10, sha256: new Uint8Array(32), modelVersion: 4 }), 'OLDER_VERSION');
    expect(store.begin({ size: 10, sha256: new Uint8Array(32), modelVersion: 4, force: true }).status).toBe(BeginStatus.NEW);
  });
});

describe('refusals leave the running model unchanged', () => {
  interface Case {
    name: string;
    code: string;
    check: number;
    pkg: () => Uint8Array;
    options?: Parameters<typeof upload>[2];
    store?: Parameters<typeof openStore>[2];
  }
  const cases: Case[] = [
    { name: 'bytes that do not hash to the announced SHA-256', code: 'HASH_MISMATCH', check: Check.HASH,
      pkg: () => makePackage({ version: 2, signer: keys.signer }), options: { announce: new Uint8Array(32).fill(7) } },
    { name: 'a wrong CRC', code: 'BAD_CRC', check: Check.CRC,
      pkg: () => { const p = makePackage({ version: 2, signer: keys.signer }); p[p.length - 1] ^= 1; return p; } },
    { name: 'a package that does not load', code: 'BAD_PACKAGE', check: Check.PACKAGE,
      pkg: () => { const p = makePackage({ version: 2, signer: keys.signer }); p[7] = 1; return fixCrc(p, crc32); } },
    { name: 'a signature by another key', code: 'BAD_SIGNATURE', check: Check.SIGNATURE,
      pkg: () => makePackage({ version: 2, signer: otherKeys.signer }) },
    { name: 'a forged signature', code: 'BAD_SIGNATURE', check: Check.SIGNATURE,
      pkg: () => { const p = makePackage({ version: 2, signer: keys.signer }); p[p.length - 4 - 8 - 10] ^= 1; return fixCrc(p, crc32); } },
    { name: 'no signature where one is required', code: 'BAD_SIGNATURE', check: Check.SIGNATURE,
      pkg: () => makePackage({ version: 2 }) },
    { name: 'an older version', code: 'OLDER_VERSION', check: Check.VERSION,
      pkg: () => makePackage({ version: 1, seed: 5, signer: keys.signer }), options: { version: 9 } },
    { name: 'the same version', code: 'OLDER_VERSION', check: Check.VERSION,
      pkg: () => makePackage({ version: 1, seed: 6, signer: keys.signer }), options: { version: 9 } },
    { name: 'a different input shape', code: 'WRONG_INPUT_SHAPE', check: Check.INPUT_SHAPE,
      pkg: () => makePackage({ version: 2, features: 13, signer: keys.signer }) },
    { name: 'a failing self-test', code: 'SELFTEST_FAILED', check: Check.SELFTEST,
      pkg: () => packageWithWrongSelfTest({ version: 2, signer: keys.signer }) },
    { name: 'no self-test vectors', code: 'SELFTEST_FAILED', check: Check.SELFTEST,
      pkg: () => makePackage({ version: 2, selfTests: 0, signer: keys.signer }) },
  ];

  it.each(cases)('$name: $code', (c) => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const { flash, store } = deviceWith(v1);
    const pkg = c.pkg();
    const { end } = upload(store, pkg, c.options);
    expect(end.ok).toBe(false);
    expect(end.codeName).toBe(c.code);
    expect(end.code).toBe(ErrorCode[c.code as keyof typeof ErrorCode]);
    const failed = end.checks.find((k) => k.status === CheckStatus.FAIL)!;
    expect(failed.check).toBe(c.check);
    expect(end.checks.filter((k) => k.check > c.check).every((k) => k.status === CheckStatus.SKIPPED)).toBe(true);
    expect(store.slotInfo()[1].state).toBe(SlotState.INVALID);
    expectCode(() => store.activate(), 'NOT_VERIFIED');
    expect(runningHash(store)).toBe(hexOf(sha256(v1)));
    const rebooted = openStore(flash, keys);
    expect(rebooted.runningSlot).toBe(0);
    expect(runningHash(rebooted)).toBe(hexOf(sha256(v1)));
  });

  it('FORCE accepts an older version, at MODEL_BEGIN or at ACTIVATE', () => {
    const { store } = deviceWith(makePackage({ version: 4, signer: keys.signer }));
    const old = makePackage({ version: 3, signer: keys.signer });
    expect(upload(store, old, { force: true }).end.codeName).toBe('OK');
    expect(store.activate().modelVersion).toBe(3);
    const { store: other } = deviceWith(makePackage({ version: 4, signer: keys.signer }));
    expect(upload(other, old, { version: 5 }).end.codeName).toBe('OLDER_VERSION');
    expect(upload(other, old, { force: true }).begin.status).toBe(BeginStatus.COMPLETE); // the bytes are there already
    expect(other.activate(0xff, false).modelVersion).toBe(3); // the upload's FORCE carries over
  });

  it('ACTIVATE of the previous slot after a rollback (its version is newer again)', () => {
    const { flash, store } = deviceWith(makePackage({ version: 2, signer: keys.signer }));
    expect(upload(store, makePackage({ version: 3, signer: keys.signer })).end.ok).toBe(true);
    store.activate();
    store.rollback();
    expect(store.activate().modelVersion).toBe(3);
    expect(openStore(flash, keys).model!.header.modelVersion).toBe(3);
  });

  it('a device without a trusted key: refuses everything when signatures are required, else takes signed and unsigned packages unverified', () => {
    const strict = openStore(storage(), undefined, { requireSignature: true });
    const signed = makePackage({ version: 1, signer: keys.signer });
    const r = upload(strict, signed).end;
    expect(r.codeName).toBe('BAD_SIGNATURE');
    expect(r.message).toMatch(/no trusted key/);
    const open = openStore(storage(), undefined);
    expect(open.signatureRequired).toBe(false);
    const ok = upload(open, signed).end;
    expect(ok.codeName).toBe('OK');
    expect(ok.checks.find((c) => c.check === Check.SIGNATURE)!.message).toMatch(/not verified/);
    open.activate();
    expect(upload(open, makePackage({ version: 2 })).end.codeName).toBe('OK');
    expect(openStore(storage(), keys).signatureRequired).toBe(true);
  });

  it('input shape policy: any, or a fixed shape', () => {
    const { flash } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    const wide = makePackage({ version: 2, features: 20, signer: keys.signer });
    expect(upload(openStore(flash, keys, { inputShape: 'any' }), wide).end.codeName).toBe('OK');
    const fixed = openStore(flash, keys, { inputShape: { dtype: 2, dims: [12] } });
    expect(upload(fixed, wide, { restart: true }).end.codeName).toBe('WRONG_INPUT_SHAPE');
  });
});

describe('boot falls back when the active slot is damaged', () => {
  it('runs the previous model and records the switch', () => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const v2 = makePackage({ version: 2, signer: keys.signer });
    const { flash, store } = deviceWith(v1);
    upload(store, v2);
    store.activate();
    // Bit rot in the active slot (a bit cleared in the body).
    const at = flash.slots[1].map().findIndex((b, i) => i > 200 && b !== 0);
    flash.slots[1].write(at, new Uint8Array([0]));
    const rebooted = new ModelStore(flash, storeOptions(keys));
    const boot = rebooted.boot();
    expect(boot.slot).toBe(0);
    expect(boot.fellBack).toBe(true);
    expect(boot.rejected[0]).toMatchObject({ slot: 1, code: 'HASH_MISMATCH' });
    expect(hexOf(sha256(boot.model!.bytes))).toBe(hexOf(sha256(v1)));
    expect(rebooted.slotInfo().map((s) => s.state)).toEqual([SlotState.ACTIVE, SlotState.INVALID]);
    expectCode(() => rebooted.rollback(), 'NO_ROLLBACK');
    // The next boot takes slot 0 directly, and the damaged slot takes the next upload.
    const next = openStore(flash, keys);
    expect(next.runningSlot).toBe(0);
    expect(next.uploadSlot).toBe(1);
    expect(upload(next, makePackage({ version: 3, signer: keys.signer })).end.codeName).toBe('OK');
  });

  it('with both slots damaged, runs nothing', () => {
    const { flash, store } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    upload(store, makePackage({ version: 2, signer: keys.signer }));
    store.activate();
    flash.slots[0].write(100, new Uint8Array([0]));
    flash.slots[1].write(100, new Uint8Array([0]));
    const boot = new ModelStore(flash, storeOptions(keys)).boot();
    expect(boot.model).toBeUndefined();
    expect(boot.rejected.map((r) => r.slot).sort()).toEqual([0, 1]);
  });

  it('refuses at boot a model whose signature the device no longer trusts', () => {
    const { flash } = deviceWith(makePackage({ version: 1, signer: keys.signer }));
    const boot = new ModelStore(flash, storeOptions(otherKeys)).boot();
    expect(boot.model).toBeUndefined();
    expect(boot.rejected[0]).toMatchObject({ slot: 0, code: 'BAD_SIGNATURE' });
  });
});
