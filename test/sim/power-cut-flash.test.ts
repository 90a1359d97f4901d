// Power cuts while the host flashes a simulated device (the real firmware in XS, its flash a
// file with NOR semantics): the power goes at a random byte of the upload or the activation,
// the device reboots, and the host re-runs the flash. Every boot must run the old or the new
// model, never none; re-runs resume from what the slot holds; the new model ends active, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotState, activeModelOf } from '../../firmware/core/protocol/index';
import { flashModel } from '../../host/device/flash';
import { Rig, startRig } from '../device-client/support';
import { readPackageFile } from '../../host/package/read';
import { Prng } from '../support/prng';

const FULL = process.env.EDGEML_FULL === '1';
const CUTS = FULL ? 40 : 8;

describe('power cuts during flash, end to end through the simulator', () => {
  let rig: Rig;
  // No trusted key: the device takes the unsigned reference models (13 KB, then 108 KB).
  beforeAll(async () => { rig = await startRig({ id: 'cut-e2e', slotBytes: 128 * 1024 }, { timeoutMs: 500 }); });
  afterAll(async () => { await rig?.close(); });

  it(`${CUTS} random cuts: every boot runs v1 or v2, re-runs resume, v2 ends active`, async () => {
    const power = rig.device.storage.power;
    const v1 = readPackageFile('models/rf-10x8.edgm');
    const v2 = readPackageFile('models/gbdt-100x10.edgm');
    const v2Options = { force: true }; // both models are version 1
    const before = power.touched;
    await flashModel(rig.client, v1);
    // Bytes a whole flash touches (erases count a block each): the range the cuts fall in.
    const span = power.touched - before;
    const random = new Prng(20261127);
    let boots = rig.device.boots;
    let resumes = 0;
    let done = false;
    for (let cut = 0; cut < CUTS && !done; cut++) {
      const info = await rig.client.hello();
      const partial = info.slots.find((s) => s.state === SlotState.PARTIAL && s.bytes > 0);
      let firstAcked = -1;
      power.cutAfter(1 + Math.floor(random.next() * span));
      const run = await flashModel(rig.client, v2, { ...v2Options, onProgress: (p) => { if (firstAcked < 0) firstAcked = p.acked; } }).catch((e: unknown) => e);
      power.disarm();
      // A resumed upload starts from what the slot held, not from zero.
      if (partial && firstAcked >= 0) {
        expect(firstAcked).toBeGreaterThanOrEqual(partial.bytes);
        resumes++;
      }
      if (!(run instanceof Error)) done = true; // the cut fell after the last byte this flash touched
      else if (rig.device.boots === boots) throw run; // a failure without a power cut is a bug
      else {
        boots = rig.device.boots;
        await rig.reconnect();
        const active = activeModelOf(await rig.client.hello());
        expect(['rf-10x8', 'gbdt-100x10']).toContain(active?.name);
        done = active?.name === 'gbdt-100x10'; // cut during activation, after the switch was recorded
      }
    }
    if (!done) await flashModel(rig.client, v2, v2Options);
    const info = await rig.client.hello();
    expect(activeModelOf(info)?.name).toBe('gbdt-100x10');
    expect(resumes).toBeGreaterThan(0);
    // Flashing v2 again without force is refused as not newer: it stays active.
    await expect(flashModel(rig.client, v2)).rejects.toThrow(/OLDER_VERSION|not newer/);
    expect(activeModelOf(await rig.client.hello())?.name).toBe('gbdt-100x10');
  }, 180_000);
});
