// The model store inside the real XS engine (the device's JavaScript engine): the same flows,
// refusals and power cuts as in Node, and byte-identical state records.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ModelStore } from '../../firmware/app/model-store';
import { SlotState } from '../../firmware/core/protocol/messages/info';
import { nodeCrypto } from '../../sim/platform/crypto';
import { simModelStorage } from '../../sim/platform/flash';
import { XsRunner } from '../../sim/xs/runner';
import { Prng } from '../support/prng';
import { TestKeys, hexOf, makeKeys, makePackage, storeOptions, upload } from './helpers';

const ENTRY = fileURLToPath(new URL('./fixtures/xs-store-entry.ts', import.meta.url));
const FULL = !!process.env.EDGEML_FULL;

let xs: XsRunner;
let keys: TestKeys;
let otherKeys: TestKeys;

function answerCrypto(q: Uint8Array): Uint8Array {
  if (q[0] === 1) return nodeCrypto.sha256(q.subarray(1));
  if (q[0] === 2) return new Uint8Array([nodeCrypto.verifyP256(q.subarray(1, 66), q.subarray(130), q.subarray(66, 130)) ? 1 : 0]);
  throw new Error(`unknown query ${q[0]}`);
}

beforeAll(async () => {
  keys = makeKeys();
  otherKeys = makeKeys();
  xs = await XsRunner.start(ENTRY, { onQuery: answerCrypto });
});
afterAll(async () => { await xs?.close(); });

async function call<T = Record<string, unknown>>(name: string, payload?: Uint8Array): Promise<T> {
  const { reply } = await xs.call(name, payload);
  return JSON.parse(new TextDecoder().decode(reply)) as T;
}

function uploadPayload(pkg: Uint8Array, force = false, chunk = 300): Uint8Array {
  const out = new Uint8Array(5 + pkg.length);
  out[0] = force ? 1 : 0;
  new DataView(out.buffer).setUint32(1, chunk, true);
  out.set(pkg, 5);
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function reset(): Promise<void> {
  const p = new Uint8Array(66);
  p[0] = 1;
  p.set(keys.raw, 1);
  await xs.call('reset', p);
}

describe('model store in XS', () => {
  it('upload, activate, reboot, rollback, refusals; state records byte-identical with Node', async () => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const v2 = makePackage({ version: 2, signer: keys.signer });
    await reset();
    expect(await call('reboot')).toMatchObject({ slot: 255, version: -1 });
    expect(await call('upload', uploadPayload(v1))).toMatchObject({ status: 0, resume: 0, code: 'OK' });
    expect(await call('activate')).toEqual({ slot: 0, previous: 255, version: 1 });
    expect(await call('reboot')).toMatchObject({ slot: 0, version: 1, sha: sha(v1), selfTest: true, fellBack: false });
    expect(await call('upload', uploadPayload(v2))).toMatchObject({ code: 'OK' });
    expect(await call('activate')).toEqual({ slot: 1, previous: 0, version: 2 });
    expect(await call('reboot')).toMatchObject({ slot: 1, sha: sha(v2) });
    expect(await call('rollback')).toEqual({ slot: 0, previous: 1, version: 1 });
    expect(await call('rollback')).toEqual({ slot: 1, previous: 0, version: 2 });

    // The same sequence in Node writes the same state partition, byte for byte.
    const flash = simModelStorage({ slotBytes: 16 * 1024, stateBytes: 2 * 1024, blockSize: 1024 });
    let store = new ModelStore(flash, storeOptions(keys));
    store.boot();
    upload(store, v1); store.activate();
    store = new ModelStore(flash, storeOptions(keys)); store.boot();
    upload(store, v2); store.activate();
    store = new ModelStore(flash, storeOptions(keys)); store.boot();
    store.rollback(); store.rollback();
    const { reply } = await xs.call('state');
    expect(hexOf(reply)).toBe(hexOf(flash.state.snapshot()));

    // Refusals: the running model stays.
    expect(await call('upload', uploadPayload(makePackage({ version: 1, seed: 9, signer: keys.signer })))).toMatchObject({ error: 'OLDER_VERSION' });
    expect(await call('upload', uploadPayload(makePackage({ version: 3, signer: otherKeys.signer })))).toMatchObject({ code: 'BAD_SIGNATURE' });
    expect(await call('upload', uploadPayload(makePackage({ version: 3, features: 7, signer: keys.signer })))).toMatchObject({ code: 'WRONG_INPUT_SHAPE' });
    expect(await call('activate')).toMatchObject({ error: 'NOT_VERIFIED' });
    expect(await call('reboot')).toMatchObject({ slot: 1, sha: sha(v2) });
    const slots = await call<{ state: number }[]>('slots');
    expect(slots.map((s) => s.state)).toEqual([SlotState.INVALID, SlotState.ACTIVE]);
  });

  it(`power cuts during an upload and activation in XS (${FULL ? 100 : 25} random points)`, async () => {
    const v1 = makePackage({ version: 1, signer: keys.signer });
    const v2 = makePackage({ version: 2, trees: 12, signer: keys.signer });
    await reset();
    await call('reboot');
    await call('upload', uploadPayload(v1));
    await call('activate');
    await xs.call('save');
    const before = await call<number>('touched');
    await call('reboot');
    expect(await call('upload', uploadPayload(v2))).toMatchObject({ code: 'OK' });
    await call('activate');
    const total = (await call<number>('touched')) - before;
    const rng = new Prng(4242);
    const seen = { old: 0, resumed: 0 };
    for (let i = 0; i < (FULL ? 100 : 25); i++) {
      const cut = Math.floor(rng.next() * total);
      await xs.call('load');
      await call('reboot');
      await xs.call('cut', u32(cut));
      const up = await call('upload', uploadPayload(v2));
      const failed = up.error ? up : await call('activate');
      expect(failed, `cut at ${cut}`).toMatchObject({ error: 'FLASH_ERROR', cause: 'PowerCut' });
      await xs.call('restore');
      const boot = await call('reboot');
      expect(boot, `cut at ${cut}`).toMatchObject({ sha: sha(v1), fellBack: false, rejected: [], selfTest: true });
      seen.old++;
      const again = await call('upload', uploadPayload(v2));
      expect(again.code, `cut at ${cut}`).toBe('OK');
      if ((again.resume as number) > 0) seen.resumed++;
      await call('activate');
      expect(await call('reboot')).toMatchObject({ sha: sha(v2) });
    }
    expect(seen.old).toBe(FULL ? 100 : 25);
    expect(seen.resumed).toBeGreaterThan(0);
  });
});
