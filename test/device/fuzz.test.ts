// Mutated frames on the serial line: 1,000 (10,000 with EDGEML_FULL) damaged requests, garbage
// and splices, mixed with sensor frames. The device never throws, keeps its model, answers
// every valid request exactly once, and still answers HELLO afterwards.
import { describe, expect, it } from 'vitest';
import { ErrorCode, MSG, NO_SLOT, activeModelOf } from '../../firmware/core/protocol/index';
import { damagedRequests } from '../protocol/support/mutate';
import { Prng } from '../support/prng';
import { startDevice, testPlatform } from './harness';
import { featurePackage, makeKeys, recording, sha256 } from './packages';

const COUNT = process.env.EDGEML_FULL ? 10_000 : 1_000;

describe('fuzz: mutated frames on the serial line', () => {
  it(`${COUNT} mutated frames: the device keeps running, keeps its model and answers HELLO`, () => {
    const keys = makeKeys();
    const t = startDevice(testPlatform({ trustedKey: keys.raw }));
    const { host, device, platform } = t;
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const begin = host.call(MSG.MODEL_BEGIN, { size: pkg.length, sha256: sha256(pkg), modelVersion: 1, force: false, restart: false }, MSG.MODEL_BEGIN_ACK);
    for (let at = begin.resumeOffset; at < pkg.length; at += 1000) host.call(MSG.MODEL_CHUNK, { offset: at, data: pkg.subarray(at, Math.min(pkg.length, at + 1000)) }, MSG.MODEL_CHUNK_ACK);
    host.call(MSG.MODEL_END, {}, MSG.MODEL_END_RESULT);
    host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    host.call(MSG.STREAM, { enabled: true, includeScores: true }, MSG.STREAM_STATE);
    const before = activeModelOf(host.hello())!;

    const rng = new Prng(20261127);
    const rec = recording();
    const totalFrames = rec.samples.length / 3;
    let sensorAt = 0;
    let i = 0;
    for (const damaged of damagedRequests(rng, COUNT)) {
      // split the bytes at random places, as a serial driver delivers them
      let at = 0;
      while (at < damaged.length) {
        const n = rng.int(1, 64);
        expect(() => platform.serial.send(damaged.subarray(at, at + n))).not.toThrow();
        at += n;
      }
      if (i++ % 50 === 0) {
        platform.sensor.feed(rec.samples, sensorAt, Math.min(totalFrames, sensorAt + 200));
        sensorAt = (sensorAt + 200) % totalFrames;
      }
    }
    host.sendRaw(new Uint8Array([0])); // end whatever frame is pending

    expect(device.running).toBe(true);
    expect(device.model).toBeDefined();
    const after = activeModelOf(host.hello())!;
    expect(after.name).toBe(before.name);
    expect(after.modelVersion).toBe(before.modelVersion);
    expect(Array.from(after.sha256)).toEqual(Array.from(before.sha256));
    expect(platform.logs.filter((l) => /protocol:|listener failed|not sent|write failed/.test(l))).toEqual([]); // nothing escaped a handler
    const internal = host.received.filter((r) => r.message.type === MSG.ERROR && r.message.body.code === ErrorCode.INTERNAL);
    expect(internal.map((r) => r.message.body)).toEqual([]); // every failure has its own code
    expect(host.undecodable).toEqual([]); // everything the device sent decodes
    const stats = host.call(MSG.STATS, { reset: false }, MSG.STATS_REPORT);
    const rejected = stats.counters.slice(2, 8).reduce((a, b) => a + b, 0);
    expect(rejected).toBeGreaterThan(COUNT / 2); // most damage is caught by COBS, length and CRC
    // every valid request frame was answered (and frames with a trusted header that could not be served)
    const responses = host.received.filter((r) => r.frame.type >= 0x80).length;
    expect(responses).toBeGreaterThanOrEqual(stats.counters[0]);
    expect(stats.inferences).toBeGreaterThan(0);
  });
});
