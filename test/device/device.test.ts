// The device application over its serial protocol: boot without a model, signed upload and
// activation, PREDICT equal to the core engine, STREAM results from the sensor, refusals that
// leave the active model alone, ROLLBACK, retries, SAMPLE, CONFIG, STATS.
import { describe, expect, it } from 'vitest';
import { featurePipelineFor, WindowBuffer } from '../../firmware/core/features/index';
import { loadModel } from '../../firmware/core/model';
import { ErrorCode, InputType, MSG, NO_SLOT, SlotState, activeModelOf } from '../../firmware/core/protocol/index';
import type { MessageBodies } from '../../firmware/core/protocol/index';
import { cobsEncodeInto } from '../../firmware/core/protocol/cobs';
import { crc32 } from '../../firmware/core/crc32';
import { chunkWindow, DEFAULT_CHUNK_WINDOW } from '../../firmware/app/device/protocol-server';
import { maxWireLength } from '../../firmware/core/protocol/frame';
import { TestDevice, TestHost, startDevice, testPlatform } from './harness';
import { CONFIG, Keys, featurePackage, makeKeys, rawPackage, recording, sha256 } from './packages';

const keys: Keys = makeKeys();
const other: Keys = makeKeys();

function upload(host: TestHost, pkg: Uint8Array, options: { force?: boolean; chunk?: number } = {}): MessageBodies[typeof MSG.MODEL_END_RESULT] {
  const version = new DataView(pkg.buffer, pkg.byteOffset).getUint32(8, true);
  const begin = host.call(MSG.MODEL_BEGIN, { size: pkg.length, sha256: sha256(pkg), modelVersion: version, force: options.force ?? false, restart: false }, MSG.MODEL_BEGIN_ACK);
  const chunk = Math.min(options.chunk ?? 1000, begin.chunkSize);
  let at = begin.resumeOffset;
  while (at < pkg.length) {
    const ack = host.call(MSG.MODEL_CHUNK, { offset: at, data: pkg.subarray(at, Math.min(pkg.length, at + chunk)) }, MSG.MODEL_CHUNK_ACK);
    at = ack.nextOffset;
  }
  return host.call(MSG.MODEL_END, {}, MSG.MODEL_END_RESULT);
}

function deviceWithModel(version = 1): TestDevice & { pkg: Uint8Array } {
  const t = startDevice(testPlatform({ trustedKey: keys.raw }));
  const pkg = featurePackage({ version, signer: keys.signer });
  const end = upload(t.host, pkg);
  expect(end.code).toBe(ErrorCode.OK);
  t.host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
  return { ...t, pkg };
}

describe('boot', () => {
  it('runs with no model and says so', () => {
    const { host, device, platform } = startDevice(testPlatform({ trustedKey: keys.raw }));
    expect(device.running).toBe(true);
    expect(device.model).toBeUndefined();
    const info = host.hello();
    expect(info.activeSlot).toBe(NO_SLOT);
    expect(activeModelOf(info)).toBeUndefined();
    expect(info.deviceId).toBe('sim-0001');
    expect(info.slots.map((s) => s.state)).toEqual([SlotState.EMPTY, SlotState.EMPTY]);
    const boot = host.events(MSG.LOG)[0];
    expect(boot.event).toBe(1);
    expect(boot.text).toMatch(/no model/);
    // frames arrive, nothing is classified, nothing breaks
    platform.sensor.feed(recording().samples, 0, 1000);
    expect(device.stats().inferences).toBe(0);
    expect(host.errorOf(MSG.PREDICT, { input: new Int16Array(3) })).toBe(ErrorCode.NO_MODEL);
    expect(host.errorOf(MSG.STREAM, { enabled: true, includeScores: false })).toBe(ErrorCode.NO_MODEL);
    expect(host.errorOf(MSG.ROLLBACK, {})).toBe(ErrorCode.NO_ROLLBACK);
  });

  it('boots the model it was running after a restart', () => {
    const first = deviceWithModel(3);
    first.device.stop();
    const platform = testPlatform({ trustedKey: keys.raw, storage: first.platform.storage });
    const again = startDevice(platform);
    expect(again.device.model?.header.modelVersion).toBe(3);
    expect(activeModelOf(again.host.hello())?.name).toBe('vibration-v3');
  });
});

describe('upload and inference', () => {
  it('uploads a signed package, activates it, and INFO shows it', () => {
    const { host, device, pkg } = deviceWithModel(1);
    const info = host.hello();
    const active = activeModelOf(info)!;
    expect(active.name).toBe('vibration-v1');
    expect(active.modelVersion).toBe(1);
    expect(Array.from(active.sha256)).toEqual(Array.from(sha256(pkg)));
    expect(info.capabilities & 32).toBe(32); // SIGNATURE_REQUIRED
    expect(device.runState.inferring).toBe(true);
    expect(host.events(MSG.LOG).some((l) => l.event === 2)).toBe(true); // MODEL_ACTIVATED
  });

  it('PREDICT gives exactly what the core engine gives', () => {
    const { host, pkg } = deviceWithModel(1);
    const model = loadModel(pkg.slice());
    const pipeline = featurePipelineFor(model)!;
    const rec = recording();
    for (const start of [0, 3000, 6500]) {
      const features = new Int16Array(pipeline.featureCount);
      pipeline.compute(rec.samples.subarray(start * 3, (start + CONFIG.windowLength) * 3), features);
      model.input.set(features);
      const expected = model.predict();
      const r = host.call(MSG.PREDICT, { input: features }, MSG.PREDICT_RESULT);
      expect(r.classIndex).toBe(expected);
      expect(Array.from(r.scores)).toEqual(Array.from(model.scores));
      expect(r.scale).toBeCloseTo(model.outputSpec.scale, 9);
    }
    // float input is quantized on the device as INPUT says
    const real = new Float32Array(pipeline.featureCount).fill(100);
    model.setInput(real);
    const expected = model.predict();
    expect(host.call(MSG.PREDICT, { input: real }, MSG.PREDICT_RESULT).classIndex).toBe(expected);
    expect(host.errorOf(MSG.PREDICT, { input: new Int16Array(pipeline.featureCount + 1) })).toBe(ErrorCode.WRONG_INPUT_SHAPE);
    expect(InputType.INT16).toBe(2);
  });

  it('STREAM pushes a RESULT event per hop, equal to the core loop, and stops on request', () => {
    const { host, device, platform, pkg } = deviceWithModel(1);
    const state = host.call(MSG.STREAM, { enabled: true, includeScores: true }, MSG.STREAM_STATE);
    expect(state).toEqual({ enabled: true, includeScores: true });
    const rec = recording();
    const frames = 3000;
    platform.sensor.feed(rec.samples, 0, frames);
    const results = host.events(MSG.RESULT);
    expect(results.length).toBe(Math.floor((frames - CONFIG.windowLength) / CONFIG.hop) + 1);
    // the same loop in the test, with the core engine
    const model = loadModel(pkg.slice());
    const pipeline = featurePipelineFor(model)!;
    const ring = new WindowBuffer(CONFIG.windowLength, 3, CONFIG.hop);
    const expected: { cls: number; scores: number[] }[] = [];
    for (let f = 0; f < frames; f++) {
      if (ring.push(rec.samples, 3 * f)) {
        pipeline.compute(ring.samples, model.input as Int16Array, ring.offset);
        expected.push({ cls: model.predict(), scores: Array.from(model.scores) });
      }
    }
    expect(results.map((r) => r.classIndex)).toEqual(expected.map((e) => e.cls));
    expect(results.map((r) => Array.from(r.scores))).toEqual(expected.map((e) => e.scores));
    expect(results.map((r) => r.windowSeq)).toEqual(results.map((_, i) => i + 1));
    for (const r of results) {
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
    }
    // history keeps the last ones
    const history = device.history();
    expect(history.length).toBe(16);
    expect(history[15].windowSeq).toBe(results[results.length - 1].windowSeq);
    // off
    expect(host.call(MSG.STREAM, { enabled: false, includeScores: false }, MSG.STREAM_STATE).enabled).toBe(false);
    const n = host.events(MSG.RESULT).length;
    platform.sensor.feed(rec.samples, frames, frames + 1000);
    expect(host.events(MSG.RESULT).length).toBe(n);
    expect(device.stats().inferences).toBeGreaterThan(n); // the loop keeps classifying
  });

  it('STATS reports inferences, latency and protocol counters, and resets', () => {
    const { host, platform } = deviceWithModel(1);
    platform.sensor.feed(recording().samples, 0, 1000);
    host.sendRaw(new Uint8Array([1, 2, 3, 0])); // garbage
    const s = host.call(MSG.STATS, { reset: true }, MSG.STATS_REPORT);
    expect(s.inferences).toBe(Math.floor((1000 - 256) / 128) + 1);
    expect(s.latencyMinUs).toBeLessThanOrEqual(s.latencyMeanUs);
    expect(s.latencyMeanUs).toBeLessThanOrEqual(s.latencyMaxUs);
    expect(s.uptimeMs).toBeGreaterThanOrEqual(1000);
    expect(s.counters.length).toBe(12);
    expect(s.counters[0]).toBeGreaterThanOrEqual(4); // frames in: BEGIN, CHUNKs, END, ACTIVATE
    expect(s.counters[3] + s.counters[2] + s.counters[4]).toBeGreaterThan(0); // the garbage
    const after = host.call(MSG.STATS, { reset: false }, MSG.STATS_REPORT);
    expect(after.inferences).toBe(0);
    expect(after.counters[0]).toBe(1);
    // this platform measures neither heap nor computrons: flags 1 and 2 stay clear
    expect(s.heap).toBeUndefined();
    expect(s.computronsPerInference).toBeUndefined();
  });

  it('STATS reports heap figures and the mean computrons per inference when the platform measures them', () => {
    const platform = testPlatform({ trustedKey: keys.raw });
    let meter = 0;
    let reads = 0;
    // read r (1-based) advances the meter by 1000 × r
    platform.system.computrons = () => { reads++; meter += 1000 * reads; return meter; };
    platform.system.heap = () => ({ used: 40_000, peak: 52_000 });
    const { host } = startDevice(platform);
    expect(upload(host, featurePackage({ version: 1, signer: keys.signer })).code).toBe(ErrorCode.OK);
    host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    const empty = host.call(MSG.STATS, { reset: true }, MSG.STATS_REPORT);
    expect(empty.computronsPerInference).toBe(0); // metered, no inference yet
    expect(reads).toBe(4); // the Device's calibration: reads 3 and 4 cost 4000 (subtracted from each figure)
    platform.sensor.feed(recording().samples, 0, 1000);
    const s = host.call(MSG.STATS, { reset: false }, MSG.STATS_REPORT);
    const n = s.inferences;
    expect(n).toBe(Math.floor((1000 - 256) / 128) + 1);
    // inference k (0-based) reads 2k+5 then 2k+6: 1000 × (2k + 6) − 4000
    const expected = Array.from({ length: n }, (_, k) => 1000 * (2 * k + 2)).reduce((a, b) => a + b, 0) / n;
    expect(s.computronsPerInference).toBe(Math.round(expected));
    expect(s.heap).toEqual({ used: 40_000, peak: 52_000 }); // decoded only with flag 1 set
  });
});

describe('refusals leave the active model alone', () => {
  const cases: [string, () => Uint8Array, number][] = [
    ['bad signature', () => featurePackage({ version: 2, signer: other.signer }), ErrorCode.BAD_SIGNATURE],
    ['unsigned', () => featurePackage({ version: 2 }), ErrorCode.BAD_SIGNATURE],
    ['older version', () => featurePackage({ version: 1, signer: keys.signer, name: 'older' }), ErrorCode.OLDER_VERSION],
    ['failing self-test', () => featurePackage({ version: 2, signer: keys.signer, wrongSelfTest: true }), ErrorCode.SELFTEST_FAILED],
  ];
  for (const [what, make, code] of cases) {
    it(what, () => {
      const { host, device } = deviceWithModel(code === ErrorCode.OLDER_VERSION ? 2 : 1);
      const before = activeModelOf(host.hello())!;
      const pkg = make();
      if (code === ErrorCode.OLDER_VERSION) {
        // refused early at MODEL_BEGIN, and again at MODEL_END when forced past BEGIN is not asked
        expect(host.errorOf(MSG.MODEL_BEGIN, { size: pkg.length, sha256: sha256(pkg), modelVersion: 1, force: false, restart: false })).toBe(code);
      } else {
        const end = upload(host, pkg);
        expect(end.code).toBe(code);
        expect(host.errorOf(MSG.ACTIVATE, { slot: NO_SLOT, force: false })).toBe(ErrorCode.NOT_VERIFIED);
      }
      const after = activeModelOf(host.hello())!;
      expect(after.name).toBe(before.name);
      expect(after.modelVersion).toBe(before.modelVersion);
      expect(device.model?.header.name).toBe(before.name);
    });
  }
});

describe('ROLLBACK and retries', () => {
  it('activates v2, rolls back to v1, and a retried ROLLBACK is answered from the cache', () => {
    const { host, device } = deviceWithModel(1);
    expect(upload(host, featurePackage({ version: 2, signer: keys.signer })).code).toBe(ErrorCode.OK);
    const act = host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    expect(act.modelVersion).toBe(2);
    expect(device.model?.header.modelVersion).toBe(2);
    const seq = 4242;
    const first = host.request(MSG.ROLLBACK, {}, { seq });
    expect(first.type).toBe(MSG.ROLLED_BACK);
    expect(device.model?.header.modelVersion).toBe(1);
    // the host missed the answer and retries: same answer, not a second rollback (which would go back to v2)
    const retry = host.request(MSG.ROLLBACK, {}, { seq, retry: true });
    expect(retry).toEqual(first);
    expect(device.model?.header.modelVersion).toBe(1);
    // without the flag, the same sequence number runs again
    const again = host.request(MSG.ROLLBACK, {}, { seq });
    expect(again.type).toBe(MSG.ROLLED_BACK);
    expect(device.model?.header.modelVersion).toBe(2);
    const info = host.hello();
    expect(info.slots[info.activeSlot].modelVersion).toBe(2);
  });

  it('a retried ACTIVATE is answered from the cache', () => {
    const { host } = deviceWithModel(1);
    expect(upload(host, featurePackage({ version: 5, signer: keys.signer })).code).toBe(ErrorCode.OK);
    const a = host.request(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, { seq: 77 });
    const b = host.request(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, { seq: 77, retry: true });
    expect(b).toEqual(a);
    expect(a.type).toBe(MSG.ACTIVATED);
  });
});

describe('SAMPLE, CONFIG, RESTART', () => {
  it('captures N raw windows as SAMPLE_DATA events, then SAMPLE_DONE', () => {
    const { host, platform } = deviceWithModel(1);
    const started = host.call(MSG.SAMPLE, { windows: 3 }, MSG.SAMPLE_STARTED);
    expect(started).toMatchObject({ windows: 3, samplesPerWindow: 256, axes: 3, rateHz: 1000 });
    expect(host.errorOf(MSG.SAMPLE, { windows: 1 })).toBe(ErrorCode.BUSY);
    const rec = recording();
    platform.sensor.feed(rec.samples, 0, 1000);
    const data = host.events(MSG.SAMPLE_DATA);
    expect(data.map((d) => d.index)).toEqual([0, 1, 2]);
    data.forEach((d, i) => {
      expect(d.sampleOffset).toBe(0);
      expect(Array.from(d.samples)).toEqual(Array.from(rec.samples.subarray(i * 768, (i + 1) * 768)));
    });
    expect(host.events(MSG.LOG).some((l) => l.event === 5)).toBe(true);
    host.call(MSG.SAMPLE, { windows: 1 }, MSG.SAMPLE_STARTED); // free again
  });

  it('splits a window into parts when the host takes small payloads', () => {
    const { host, platform } = startDevice(testPlatform({ trustedKey: keys.raw }));
    host.call(MSG.HELLO, { protocolVersion: 1, minProtocolVersion: 1, maxPayload: 256 }, MSG.INFO);
    const started = host.call(MSG.SAMPLE, { windows: 1 }, MSG.SAMPLE_STARTED);
    expect(started.samplesPerWindow).toBe(128); // no model: the default window
    platform.sensor.feed(recording().samples, 0, 128);
    const parts = host.events(MSG.SAMPLE_DATA);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.reduce((n, p) => n + p.samples.length, 0)).toBe(128 * 3);
    expect(Array.from(parts.flatMap((p) => Array.from(p.samples)))).toEqual(Array.from(recording().samples.subarray(0, 384)));
  });

  it('CONFIG get and set', () => {
    const { host, platform } = startDevice(testPlatform(), { server: { readOnlyKeys: ['name'] } });
    const all = host.call(MSG.CONFIG_GET, { key: '' }, MSG.CONFIG_VALUES);
    expect(all.entries.map((e) => e.key).sort()).toEqual(['name', 'sensor.rate', 'sensor.scale', 'stream.default']);
    expect(host.call(MSG.CONFIG_GET, { key: 'sensor.rate' }, MSG.CONFIG_VALUES).entries).toEqual([{ key: 'sensor.rate', value: { type: 'i32', value: 1000 } }]);
    const set = host.call(MSG.CONFIG_SET, { key: 'sensor.rate', value: { type: 'i32', value: 500 } }, MSG.CONFIG_SET_VALUES);
    expect(set.entries[0].value).toEqual({ type: 'i32', value: 500 });
    expect(platform.config.get('sensor.rate')).toBe(500);
    expect(host.call(MSG.CONFIG_SET, { key: 'stream.default', value: { type: 'bool', value: true } }, MSG.CONFIG_SET_VALUES).entries[0].value.value).toBe(true);
    expect(host.errorOf(MSG.CONFIG_GET, { key: 'nope' })).toBe(ErrorCode.UNKNOWN_KEY);
    expect(host.errorOf(MSG.CONFIG_SET, { key: 'nope', value: { type: 'i32', value: 1 } })).toBe(ErrorCode.UNKNOWN_KEY);
    expect(host.errorOf(MSG.CONFIG_SET, { key: 'name', value: { type: 'string', value: 'x' } })).toBe(ErrorCode.READ_ONLY);
    expect(host.errorOf(MSG.CONFIG_SET, { key: 'sensor.rate', value: { type: 'string', value: 'fast' } })).toBe(ErrorCode.BAD_TYPE);
    expect(host.errorOf(MSG.CONFIG_SET, { key: 'sensor.rate', value: { type: 'i32', value: -5 } })).toBe(ErrorCode.BAD_ARGUMENT);
    expect(host.errorOf(MSG.CONFIG_SET, { key: 'sensor.rate', value: { type: 'bytes', value: new Uint8Array(2) } })).toBe(ErrorCode.BAD_TYPE);
    expect(platform.config.get('sensor.rate')).toBe(500);
  });

  it('RESTART answers, then restarts after the delay', () => {
    const { host, platform } = startDevice(testPlatform());
    host.call(MSG.RESTART, { delayMs: 50 }, MSG.RESTARTING);
    expect(platform.restarts).toBe(0);
    expect(host.errorOf(MSG.STREAM, { enabled: false, includeScores: false })).toBe(ErrorCode.BUSY);
    platform.clock.advance(60);
    expect(platform.restarts).toBe(1);
  });
});

describe('frames the device cannot serve', () => {
  /** A frame with any version byte, type and payload, with a correct CRC, stuffed. */
  function rawFrame(first: number, type: number, seq: number, payload: number[], lengthField = payload.length): Uint8Array {
    const raw = new Uint8Array(10 + payload.length);
    raw.set([first, type, seq & 0xff, seq >> 8, lengthField & 0xff, lengthField >> 8, ...payload]);
    new DataView(raw.buffer).setUint32(6 + payload.length, crc32(raw, 0, 6 + payload.length), true);
    const out = new Uint8Array(raw.length + 4);
    const end = cobsEncodeInto(raw, 0, raw.length, out, 0);
    out[end] = 0;
    return out.subarray(0, end + 1);
  }
  function answerTo(host: TestHost, bytes: Uint8Array, seq: number) {
    const before = host.received.length;
    host.sendRaw(bytes);
    return host.received.slice(before).filter((r) => r.frame.seq === seq && r.frame.type >= 0x80).map((r) => r.message);
  }

  it('answers unknown commands, bad payloads and bad headers with ERROR, drops what has no trusted header', () => {
    const { host } = startDevice(testPlatform());
    host.sendRaw(new Uint8Array([0]));
    const info = host.hello();
    expect(info.protocolVersion).toBe(1);
    expect(host.request(MSG.INFO, info, { seq: 9 })).toMatchObject({ type: MSG.ERROR, body: { code: ErrorCode.UNKNOWN_COMMAND, requestType: MSG.INFO } });
    expect(answerTo(host, rawFrame(0x10, 0x3e, 11, []), 11)).toMatchObject([{ type: MSG.ERROR, body: { code: ErrorCode.UNKNOWN_COMMAND, requestType: 0x3e } }]);
    expect(answerTo(host, rawFrame(0x10, MSG.HELLO, 12, [1, 0, 1]), 12)).toMatchObject([{ type: MSG.ERROR, body: { code: ErrorCode.BAD_ARGUMENT } }]);
    expect(answerTo(host, rawFrame(0x20, MSG.HELLO, 13, [1, 0, 1, 0, 0, 1, 0, 0]), 13)).toMatchObject([{ type: MSG.ERROR, body: { code: ErrorCode.BAD_FRAME } }]);
    expect(answerTo(host, rawFrame(0x10, MSG.HELLO, 14, [1, 0, 1, 0, 0, 1, 0, 0], 7), 14)).toMatchObject([{ type: MSG.ERROR, body: { code: ErrorCode.BAD_FRAME } }]);
    const bad = rawFrame(0x10, MSG.HELLO, 15, [1, 0, 1, 0, 0, 1, 0, 0]);
    bad[3] ^= 0x40; // CRC no longer matches
    expect(answerTo(host, bad, 15)).toEqual([]);
    const n = host.received.length;
    host.sendRaw(new Uint8Array([0x03, 0x11, 0x01, 0x02, 0x00])); // too short: ignored
    host.sendRaw(new Uint8Array(9000).fill(7)); // too large, no delimiter yet
    host.sendRaw(new Uint8Array([0]));
    expect(host.received.length).toBe(n);
    expect(host.hello().deviceId).toBe('sim-0001');
    const stats = host.call(MSG.STATS, { reset: false }, MSG.STATS_REPORT);
    expect(stats.counters[5]).toBe(1); // TOO_LARGE
    expect(stats.counters[9]).toBe(1); // bad payload
  });
});

describe('models without a FEATURES section', () => {
  it('classifies the raw window when the input is one (16 frames × 3 axes)', () => {
    const { host, device, platform } = startDevice(testPlatform({ trustedKey: keys.raw }), { device: { rawHop: 8 } });
    const pkg = rawPackage({ version: 1, features: 48, signer: keys.signer });
    expect(upload(host, pkg).code).toBe(ErrorCode.OK);
    host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    expect(device.runState.inferring).toBe(true);
    host.call(MSG.STREAM, { enabled: true, includeScores: true }, MSG.STREAM_STATE);
    const rec = recording();
    platform.sensor.feed(rec.samples, 0, 200);
    const results = host.events(MSG.RESULT);
    const model = loadModel(pkg.slice());
    const ring = new WindowBuffer(16, 3, 8);
    const expected: number[][] = [];
    for (let f = 0; f < 200; f++) {
      if (ring.push(rec.samples, 3 * f)) {
        model.input.set(ring.samples.subarray(ring.offset, ring.offset + 48));
        model.predict();
        expected.push(Array.from(model.scores));
      }
    }
    expect(results.length).toBe(expected.length);
    expect(results.map((r) => Array.from(r.scores))).toEqual(expected);
  });

  it('runs no loop when the input is not a raw window, but PREDICT works', () => {
    const { host, device, platform } = startDevice(testPlatform({ trustedKey: keys.raw }));
    const pkg = rawPackage({ version: 1, features: 7, signer: keys.signer });
    expect(upload(host, pkg).code).toBe(ErrorCode.OK);
    host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    expect(device.runState.inferring).toBe(false);
    expect(device.runState.message).toMatch(/no inference/);
    platform.sensor.feed(recording().samples, 0, 500);
    expect(device.stats().inferences).toBe(0);
    const model = loadModel(pkg.slice());
    const input = new Int16Array([1, -200, 300, 4000, -5, 60, 7]);
    model.input.set(input);
    model.predict();
    expect(Array.from(host.call(MSG.PREDICT, { input }, MSG.PREDICT_RESULT).scores)).toEqual(Array.from(model.scores));
  });

  it('refuses a package whose input differs from the running model\'s (WRONG_INPUT_SHAPE)', () => {
    const { host, device } = deviceWithModel(1);
    const end = upload(host, rawPackage({ version: 2, features: 12, signer: keys.signer }));
    expect(end.code).toBe(ErrorCode.WRONG_INPUT_SHAPE);
    expect(device.model?.header.name).toBe('vibration-v1');
    expect(host.errorOf(MSG.ACTIVATE, { slot: NO_SLOT, force: false })).toBe(ErrorCode.NOT_VERIFIED);
  });
});

describe('resumable upload and latency', () => {
  it('MODEL_BEGIN after an interrupted upload resumes at the held offset', () => {
    const { host, device } = startDevice(testPlatform({ trustedKey: keys.raw }));
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const announce = { size: pkg.length, sha256: sha256(pkg), modelVersion: 1, force: false, restart: false };
    expect(host.call(MSG.MODEL_BEGIN, announce, MSG.MODEL_BEGIN_ACK).status).toBe(0);
    const half = Math.floor(pkg.length / 2);
    host.call(MSG.MODEL_CHUNK, { offset: 0, data: pkg.subarray(0, half) }, MSG.MODEL_CHUNK_ACK);
    // a chunk past the held prefix is reported, not written
    expect(host.call(MSG.MODEL_CHUNK, { offset: half + 10, data: pkg.subarray(half + 10, half + 20) }, MSG.MODEL_CHUNK_ACK)).toMatchObject({ nextOffset: half, disposition: 2 });
    expect(host.hello().slots.some((s) => s.state === SlotState.PARTIAL)).toBe(true);
    const resumed = host.call(MSG.MODEL_BEGIN, announce, MSG.MODEL_BEGIN_ACK);
    expect(resumed).toMatchObject({ status: 1, resumeOffset: half });
    host.call(MSG.MODEL_CHUNK, { offset: half, data: pkg.subarray(half) }, MSG.MODEL_CHUNK_ACK);
    expect(host.call(MSG.MODEL_END, {}, MSG.MODEL_END_RESULT).code).toBe(ErrorCode.OK);
    expect(host.errorOf(MSG.MODEL_END, {})).toBe(ErrorCode.NO_SESSION);
    host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    expect(device.model?.header.name).toBe('vibration-v1');
  });

  it('MODEL_BEGIN_ACK announces the window of chunks the link can take', () => {
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const announce = { size: pkg.length, sha256: sha256(pkg), modelVersion: 1, force: false, restart: false };
    const windowOf = (t: TestDevice) => t.host.call(MSG.MODEL_BEGIN, announce, MSG.MODEL_BEGIN_ACK).window;
    const platform = () => testPlatform({ trustedKey: keys.raw });
    expect(windowOf(startDevice(platform()))).toBe(DEFAULT_CHUNK_WINDOW); // a link with no limit
    expect(DEFAULT_CHUNK_WINDOW).toBe(4);
    expect(windowOf(startDevice(platform(), { server: { window: 8 } }))).toBe(8);
    const t = startDevice(platform());
    const frame = maxWireLength(4 + t.server.maxChunk); // one MODEL_CHUNK of the largest data
    expect(windowOf(startDevice(platform(), { server: { receiveBuffer: 2 * frame + frame - 1 } }))).toBe(2);
    expect(windowOf(startDevice(platform(), { server: { receiveBuffer: 100 * frame } }))).toBe(4);
    // the board's port holds only the UART FIFO (ModdableSerialPort.receiveBuffer = 128)
    const board = platform();
    Object.defineProperty(board.serial, 'receiveBuffer', { value: 128 });
    expect(windowOf(startDevice(board))).toBe(1);
    expect(windowOf(startDevice(board, { server: { maxPayload: 256 + 4, receiveBuffer: 3 * maxWireLength(260) } }))).toBe(3);
    expect(() => chunkWindow(0, 4096, undefined)).toThrow(RangeError);
    expect(() => chunkWindow(0x10000, 4096, undefined)).toThrow(RangeError);
  });

  it('latency comes from clock.micros() around features and predict', () => {
    const platform = testPlatform({ trustedKey: keys.raw });
    let ticks = 0;
    platform.clock.micros = () => platform.clock.ms * 1000 + 37 * ++ticks; // each reading 37 µs later
    const { host } = startDevice(platform);
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    expect(upload(host, pkg).code).toBe(ErrorCode.OK);
    host.call(MSG.ACTIVATE, { slot: NO_SLOT, force: false }, MSG.ACTIVATED);
    host.call(MSG.STREAM, { enabled: true, includeScores: false }, MSG.STREAM_STATE);
    platform.sensor.feed(recording().samples, 0, 600);
    const results = host.events(MSG.RESULT);
    expect(results.length).toBe(3);
    for (const r of results) {
      expect(r.latencyUs).toBe(37);
      expect(r.scores.length).toBe(0); // not asked for
    }
    const s = host.call(MSG.STATS, { reset: false }, MSG.STATS_REPORT);
    expect([s.latencyMinUs, s.latencyMeanUs, s.latencyMaxUs]).toEqual([37, 37, 37]);
  });
});
