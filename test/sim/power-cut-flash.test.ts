// Power cuts while the host flashes a simulated device (the real firmware in XS, its flash a
// file with NOR semantics): the power goes at a random byte of the upload or the activation,
// the device reboots, and the flash goes on across the reboot (the client begins again after the
// device's BOOT event) or the host re-runs it. Every boot must run the old or the new model,
// never none; uploads resume from what the slot holds; the new model ends active.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotState, activeModelOf } from '../../firmware/core/protocol/index';
import { flashModel } from '../../host/device/flash';
import { Rig, startRig } from '../device-client/support';
import { readPackageFile } from '../../host/package/read';
import { Prng } from '../support/prng';

const FULL = process.env.EDGEML_FULL === '1';
const CUTS = FULL ? 200 : 8; // the 200 random points in the full run

/** The model the last boot ran, from the firmware's boot line ("edgeml: slot 1: name v1"). */
function bootedModel(logs: readonly string[]): string {
  for (let i = logs.length - 1; i >= 0; i--) {
    const m = /^edgeml: (?:slot \d+: (\S+) v\d+|(no model))/.exec(logs[i]);
    if (m) return m[1] ?? 'none';
  }
  return 'no boot line';
}

describe('power cuts during flash, end to end through the simulator', () => {
  let rig: Rig;
  // No trusted key: the device takes the unsigned reference models (13 KB, then 108 KB).
  beforeAll(async () => { rig = await startRig({ id: 'cut-e2e', slotBytes: 128 * 1024 }, { timeoutMs: 500 }); });
  afterAll(async () => { await rig?.close(); });

  it(`${CUTS} random cuts: every boot runs the old or the new model, re-runs resume, the new one ends active`, async () => {
    const power = rig.device.storage.power;
    const models = [
      { name: 'rf-10x8', bytes: readPackageFile('models/rf-10x8.edgm') },
      { name: 'gbdt-100x10', bytes: readPackageFile('models/gbdt-100x10.edgm') },
    ];
    // Both are version 1, so each flash is forced; the other slot still holds the model before
    // last, so the first try of each update restarts the upload (later tries resume it).
    await flashModel(rig.client, models[0].bytes);
    const random = new Prng(20261127);
    const firstBoot = rig.device.boots;
    let boots = firstBoot;
    let resumes = 0;
    let updates = 0;
    // Flash the other model again and again, cutting the power at a random byte of each try.
    for (let cut = 0, target = 1; cut < CUTS; target ^= 1) {
      const [from, to] = [models[target ^ 1], models[target]];
      const before = power.touched;
      for (let done = false, first = true; !done; first = false) {
        const info = await rig.client.hello();
        const partial = info.slots.find((s) => s.state === SlotState.PARTIAL && s.bytes > 0);
        let firstAcked = -1;
        const armed = cut < CUTS;
        // A whole flash erases and writes each byte (erases count whole blocks), plus state records.
        if (armed) power.cutAfter(1 + Math.floor(random.next() * (2 * to.bytes.length + 8192)));
        const run = await flashModel(rig.client, to.bytes, { force: true, restart: first, onProgress: (p) => { if (firstAcked < 0) firstAcked = p.acked; } }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
        power.disarm();
        if (armed) cut++;
        // A resumed upload starts from what the slot held, not from zero.
        if (partial && firstAcked >= 0) {
          expect(firstAcked).toBeGreaterThanOrEqual(partial.bytes);
          resumes++;
        }
        const rebooted = rig.device.boots !== boots;
        if (rebooted) {
          boots = rig.device.boots;
          // The boot ran the old or the new model, never none, never a partial one (the flash
          // client may have gone on across the reboot: it resumes after the device's BOOT event).
          expect([from.name, to.name]).toContain(bootedModel(rig.device.logs));
        }
        if (!(run instanceof Error)) {
          // Across a reboot the client begins again: from the prefix the slot kept, not from zero.
          resumes += run.rebegins.filter((at) => at > 0).length;
          done = true; // done, across the reboot or before the cut
        } else if (!rebooted) throw run; // a failure without a power cut is a bug
        else {
          await rig.reconnect();
          const active = activeModelOf(await rig.client.hello())?.name;
          expect([from.name, to.name]).toContain(active); // never none, never a partial one
          done = active === to.name; // cut during activation, after the switch was recorded
        }
      }
      expect(activeModelOf(await rig.client.hello())?.name).toBe(to.name);
      expect(power.touched).toBeGreaterThan(before);
      updates++;
    }
    expect(boots - firstBoot).toBeGreaterThanOrEqual(CUTS / 2); // most cuts fell inside a flash
    expect(resumes).toBeGreaterThan(0);
    expect(updates).toBeGreaterThan(1);
  }, FULL ? 900_000 : 120_000);
});
