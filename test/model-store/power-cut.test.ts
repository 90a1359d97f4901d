// Power cut at random bytes while a new model is uploaded and activated (issue 4): after the
// restart the device always runs a whole, valid model, the old or the new one, never a partial
// one; the upload then resumes and completes. Real packages (random forests built and signed by
// the host library), real NOR semantics: the cut stops an erase or a write at that very byte.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelStore, ModelStoreError } from '../../firmware/app/model-store';
import { BeginStatus } from '../../firmware/core/protocol/messages/model';
import { PowerCut, SimFlash, SimModelStorage, simModelStorage } from '../../sim/platform/flash';
import { Prng } from '../support/prng';
import { TestKeys, hexOf, makeKeys, makePackage, openStore, sha256, storeOptions, upload } from './helpers';

const FULL = !!process.env.EDGEML_FULL;
const RANDOM_CUTS = FULL ? 1000 : 200;

interface Op { part: string; kind: 'erase' | 'write'; start: number; bytes: number }

let keys: TestKeys;
let packages: Uint8Array[];
beforeAll(() => {
  keys = makeKeys();
  // ~9 KB packages: 9 blocks of 1 KB per upload, so erases, data, progress records and the
  // wrap of the 2-block state log all happen inside the operation under test.
  packages = [0, 1, 2].map((v) => makePackage({ version: v + 1, trees: 12, signer: keys.signer }));
});

function geometry(): SimModelStorage {
  return simModelStorage({ slotBytes: 16 * 1024, stateBytes: 2 * 1024, blockSize: 1024 });
}

/** What the power-cut test interrupts: upload the new package in 300-byte chunks, then activate it. */
function updateTo(store: ModelStore, pkg: Uint8Array): void {
  const { end } = upload(store, pkg, { chunk: 300 });
  if (!end.ok) throw new Error(`MODEL_END refused the package: ${end.codeName} ${end.message}`);
  store.activate();
}

/** Every flash operation of one run of `run` on a copy of `base`, in byte-counter order. */
function traceOps(base: SimModelStorage, run: (store: ModelStore) => void): { total: number; ops: Op[] } {
  const flash = simModelStorage({ copyOf: base });
  const store = openStore(flash, keys);
  const ops: Op[] = [];
  const named: [string, SimFlash][] = [['slot 0', flash.slots[0]], ['slot 1', flash.slots[1]], ['state', flash.state]];
  for (const [part, f] of named) {
    const erase = f.erase.bind(f);
    const write = f.write.bind(f);
    f.erase = (i) => { ops.push({ part, kind: 'erase', start: flash.power.touched, bytes: f.blockSize }); erase(i); };
    f.write = (o, b) => { ops.push({ part, kind: 'write', start: flash.power.touched, bytes: b.length }); write(o, b); };
  }
  flash.power.resetCounter();
  run(store);
  return { total: flash.power.touched, ops };
}

function phaseOf(ops: Op[], cut: number): string {
  const op = ops.find((o) => cut >= o.start && cut < o.start + o.bytes)!;
  if (op.part === 'state') return op.kind === 'erase' ? 'state block erase' : 'state record write';
  return op.kind === 'erase' ? 'slot block erase' : 'slot data write';
}

interface Tally { [key: string]: number }
function bump(t: Tally, key: string): void { t[key] = (t[key] ?? 0) + 1; }

interface Scenario {
  base: SimModelStorage;
  oldHash: string;
  total: number;
  ops: Op[];
  /** Byte-counter range of the activation's state-log append (the erase of the next block, if any, and the record). */
  activation: [number, number];
}

describe('power cut during upload and activation', () => {
  // v1 was replaced by v2; then 0..15 rollbacks put the state log at every position of its ring
  // (16 records), so that every kind of append (plain, or with the erase of the next block) is
  // the one that activates. The new package v3 goes into the slot of the previous model,
  // which holds a valid, verified package until the first record of the upload.
  const POSITIONS = 16;
  function scenario(position: number): Scenario {
    const [v1, v2, v3] = packages;
    const base = geometry();
    const setup = openStore(base, keys);
    updateTo(setup, v1);
    updateTo(setup, v2);
    for (let i = 0; i < position; i++) setup.rollback();
    const oldHash = hexOf(sha256(setup.model!.bytes));
    const { total, ops } = traceOps(base, (store) => updateTo(store, v3));
    const last = ops[ops.length - 1];
    const before = ops[ops.length - 2];
    expect(last.part).toBe('state');
    const from = before.part === 'state' && before.kind === 'erase' ? before.start : last.start;
    return { base, oldHash, total, ops, activation: [from, total] };
  }

  it(`the device always boots the old or the new model (${RANDOM_CUTS} random cut points + every byte of activation appends)`, () => {
    const v3 = packages[2];
    const newHash = hexOf(sha256(v3));
    const scenarios = Array.from({ length: POSITIONS }, (_, p) => scenario(p));
    const rng = new Prng(20260401);
    const cuts: [number, number][] = [];
    for (let i = 0; i < RANDOM_CUTS; i++) {
      const p = i % POSITIONS;
      cuts.push([p, Math.floor(rng.next() * scenarios[p].total)]);
    }
    // Exhaustively: every byte of the activating append, for a plain append and for one that
    // first erases the next state block (every 32nd byte of that erase; all bytes and all
    // positions in the full run).
    const withErase = scenarios.findIndex((sc) => sc.activation[1] - sc.activation[0] > 128);
    expect(withErase).toBeGreaterThanOrEqual(0);
    const exhaustive = FULL ? scenarios.map((_, p) => p) : [0, withErase];
    for (const p of exhaustive) {
      const [from, to] = scenarios[p].activation;
      const record = to - 128; // the record's first byte; before it, the erase of the next block
      for (let b = from; b < record; b += FULL ? 1 : 32) cuts.push([p, b]);
      for (let b = record; b <= to; b++) cuts.push([p, b]); // `to`: right after the last byte
    }

    const outcome: Tally = {};
    const phases: Tally = {};
    const resumed: Tally = {};
    let resumedBytes = 0;
    for (const [p, cut] of cuts) {
      const { base, oldHash, total, ops } = scenarios[p];
      const where = `position ${p}, cut at byte ${cut} of ${total}`;
      const flash = simModelStorage({ copyOf: base });
      const store = openStore(flash, keys);
      expect(hexOf(sha256(store.model!.bytes))).toBe(oldHash);
      flash.power.cutAfter(cut);
      let thrown: unknown;
      try { updateTo(store, v3); } catch (err) { thrown = err; }
      if (cut < total) {
        expect(thrown, where).toBeInstanceOf(ModelStoreError);
        expect((thrown as ModelStoreError).code).toBe('FLASH_ERROR');
        expect((thrown as ModelStoreError).cause).toBeInstanceOf(PowerCut);
        bump(phases, phaseOf(ops, cut));
      } else {
        expect(thrown, where).toBeUndefined();
        bump(phases, 'after the last byte');
      }
      flash.power.restore();

      // Restart: a whole, valid model, the old or the new one, from the active slot.
      const rebooted = new ModelStore(flash, storeOptions(keys));
      const boot = rebooted.boot();
      expect(boot.model, `${where}: ${boot.message}`).toBeDefined();
      expect(boot.fellBack, where).toBe(false);
      expect(boot.rejected, where).toEqual([]);
      expect(boot.model!.selfTest().passed).toBe(true);
      const running = hexOf(sha256(boot.model!.bytes));
      expect([oldHash, newHash], where).toContain(running);
      if (running === newHash) {
        bump(outcome, 'new');
        expect(cut, where).toBe(total); // the switch is the activation record's last byte
      } else {
        bump(outcome, 'old');
        // Run the update again: it resumes where the flash (as the records say) left off. A second
        // cut may interrupt it too; after that restart the device still runs old or new.
        flash.power.cutAfter(Math.floor(rng.next() * total));
        try {
          const { begin, end } = upload(rebooted, v3, { chunk: 300 });
          bump(resumed, ['NEW', 'RESUMED', 'COMPLETE'][begin.status]);
          if (begin.status === BeginStatus.RESUMED) resumedBytes += begin.resumeOffset;
          expect(end.ok, where).toBe(true);
          rebooted.activate();
          flash.power.disarm();
        } catch (err) {
          expect((err as ModelStoreError).code, where).toBe('FLASH_ERROR');
          flash.power.restore();
          const again = new ModelStore(flash, storeOptions(keys)).boot();
          expect([oldHash, newHash], where).toContain(hexOf(sha256(again.model!.bytes)));
          expect(again.fellBack, where).toBe(false);
          bump(outcome, 'second cut during the re-run');
        }
      }
      // Finally the update completes (or has), and the old model is the rollback target.
      const last = openStore(flash, keys);
      if (hexOf(sha256(last.model!.bytes)) !== newHash) updateTo(last, v3);
      const final = openStore(flash, keys);
      expect(hexOf(sha256(final.model!.bytes)), where).toBe(newHash);
      expect(hexOf(sha256(final.rollback().model.bytes)), where).toBe(oldHash);
    }
    // The figures go to the log of the test run (docs/model-store.md quotes them).
    console.log(JSON.stringify({
      cuts: cuts.length, bytesInOperation: scenarios.map((sc) => sc.total), flashOps: scenarios[0].ops.length,
      phases, outcome, resumed, meanResumeOffset: Math.round(resumedBytes / Math.max(1, resumed.RESUMED ?? 0)),
    }));
    expect(outcome.new).toBe(exhaustive.length);
    expect(outcome.old).toBe(cuts.length - exhaustive.length);
  });
});
