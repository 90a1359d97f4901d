// Mutated frames on the serial line of a simulated device (the real firmware in XS, not the
// Node harness of test/device/fuzz.test.ts): damaged requests, garbage and splices, delivered
// in random pieces while the device streams results. It never reboots or logs an escaped
// exception, everything it sends decodes, it keeps its model, answers HELLO and classifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameDecoder, MSG, activeModelOf, decodeMessage } from '../../firmware/core/protocol/index';
import type { Message } from '../../firmware/core/protocol/index';
import { flashModel } from '../../host/device/flash';
import { Rig, startRig } from '../device-client/support';
import { Keys, featurePackage, makeKeys } from '../device/packages';
import { damagedRequests } from '../protocol/support/mutate';
import { Prng } from '../support/prng';

const COUNT = process.env.EDGEML_FULL ? 10_000 : 1_000;

describe('fuzz: mutated frames into a simulated device', () => {
  let keys: Keys;
  let rig: Rig;
  beforeAll(async () => {
    keys = makeKeys();
    rig = await startRig({ id: 'fuzz-xs', trustedKey: keys.raw });
  });
  afterAll(async () => { await rig?.close(); });

  it(`${COUNT} mutated frames: no reboot, no escaped exception, the model stays, HELLO answers`, async () => {
    await flashModel(rig.client, featurePackage({ version: 1, signer: keys.signer }));
    await rig.client.stream(true, false);
    const before = activeModelOf(await rig.client.hello())!;
    await rig.client.close(); // the fuzzer owns the line now
    const { device } = rig;
    const boots = device.boots;
    const logsBefore = device.logs.length;

    const sent: Message[] = [];
    const undecodable: string[] = [];
    const decoder = new FrameDecoder({
      maxPayload: 0xffff,
      acceptType: () => true,
      onFrame: (frame) => {
        try { sent.push(decodeMessage(frame)); } catch (e) { undecodable.push(String(e)); }
      },
      onError: (e) => undecodable.push(e.kind),
    });
    const stop = device.serial.onData((bytes) => decoder.push(bytes));

    const rng = new Prng(1127);
    let i = 0;
    for (const damaged of damagedRequests(rng, COUNT)) {
      for (let at = 0; at < damaged.length;) {
        const n = rng.int(1, 64);
        device.serial.write(damaged.subarray(at, at + n));
        at += n;
      }
      if (i++ % 20 === 0) await device.poll();
    }
    device.serial.write(new Uint8Array([0])); // end whatever frame is pending
    await device.poll();
    stop();

    expect(device.boots).toBe(boots);
    expect(device.logs.slice(logsBefore).filter((l) => /uncaught|protocol:|listener failed|not sent|write failed/.test(l))).toEqual([]);
    expect(undecodable).toEqual([]);
    const internal = sent.filter((m) => m.type === MSG.ERROR && m.body.code === ErrorCode.INTERNAL);
    expect(internal.map((m) => m.body)).toEqual([]);
    expect(sent.some((m) => m.type === MSG.ERROR)).toBe(true); // the damage was seen and answered

    const client = await rig.reconnect();
    const after = activeModelOf(await client.hello())!;
    expect(after.name).toBe(before.name);
    expect(Array.from(after.sha256)).toEqual(Array.from(before.sha256));
    // and it still classifies its sensor stream
    const { inferences } = await client.stats();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await client.stats()).inferences).toBeGreaterThan(inferences);
  }, 180_000);
});
