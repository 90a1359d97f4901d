// Mutated frames on the serial line of a simulated device (the real firmware in XS, not the
// Node harness of test/device/fuzz.test.ts): damaged requests, garbage and splices, delivered
// in random pieces while the device streams results. It never reboots or logs an escaped
// exception, everything it sends decodes, it keeps its model, answers HELLO and classifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameDecoder, MSG, activeModelOf, decodeMessage, encodeMessage } from '../../firmware/core/protocol/index';
import type { Message, MessageTypeOf } from '../../firmware/core/protocol/index';
import { flashModel } from '../../host/device/flash';
import { Rig, startRig } from '../device-client/support';
import { Keys, featurePackage, makeKeys } from '../device/packages';
import { mutateWire } from '../protocol/support/mutate';
import { sampleMessage } from '../protocol/support/samples';
import { Prng } from '../support/prng';

const COUNT = process.env.EDGEML_FULL ? 10_000 : 1_000;

// Every request type but RESTART (a valid one would only reboot the device) and STATS with reset.
const TYPES: MessageTypeOf[] = [
  MSG.HELLO, MSG.PREDICT, MSG.STREAM, MSG.SAMPLE, MSG.MODEL_BEGIN, MSG.MODEL_CHUNK, MSG.MODEL_END,
  MSG.ACTIVATE, MSG.ROLLBACK, MSG.STATS, MSG.CONFIG_GET, MSG.CONFIG_SET,
];

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
    let previous = encodeMessage(MSG.HELLO, 1, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 4160 });
    for (let i = 0; i < COUNT; i++) {
      const type = rng.pick(TYPES);
      let message = sampleMessage(rng, type) as Message;
      if (message.type === MSG.STATS) message = { type: MSG.STATS, body: { reset: false } };
      let wire: Uint8Array;
      try {
        wire = encodeMessage(message.type, rng.int(0, 0xffff), message.body as never, rng.next() < 0.2 ? 1 : 0);
      } catch {
        continue; // a sample the encoder refuses (a value out of range for this layout)
      }
      const damaged = rng.next() < 0.05 ? new Uint8Array(rng.int(1, 300)).map(() => rng.int(0, 255)) : mutateWire(rng, wire, previous);
      previous = wire;
      for (let at = 0; at < damaged.length;) {
        const n = rng.int(1, 64);
        device.serial.write(damaged.subarray(at, at + n));
        at += n;
      }
      if (i % 20 === 0) await device.poll();
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
