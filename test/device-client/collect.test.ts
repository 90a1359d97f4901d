// collectWindows against a scripted fake device: refusals, silence, early ends, a closed link,
// Ctrl-C, and a window shape that is not the feature pipeline's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, LogEvent, LogLevel, MSG } from '../../firmware/core/protocol/index';
import type { FeaturePipeline } from '../../firmware/core/features/pipeline';
import { DatasetStore } from '../../host/data/store';
import { DeviceError } from '../../host/device/client';
import { CollectFailedError, CollectShapeError, collectWindows } from '../../host/device/collect';
import { TransportError } from '../../host/device/transport';
import { FakeDevice } from './fake-device';

const SPW = 4;
const AXES = 3;
const RATE = 1000;

function data(fake: FakeDevice, index: number, total: number) {
  fake.send(MSG.SAMPLE_DATA, 0, {
    windowSeq: index, index, total, timestampMs: index, rateHz: RATE, scale: 0, axes: AXES,
    windowSamples: SPW, sampleOffset: 0, samples: Int16Array.from({ length: SPW * AXES }, (_, i) => index * 100 + i),
  });
}
function log(fake: FakeDevice, event: number, text: string) {
  fake.send(MSG.LOG, 0, { level: LogLevel.INFO, event, timestampMs: 0, text });
}
/** Answers SAMPLE, then runs `then` (sends the capture). */
function sampler(then: (fake: FakeDevice, windows: number) => void, shape = { samplesPerWindow: SPW, axes: AXES }) {
  return new FakeDevice((m, seq, fake) => {
    if (m.type !== MSG.SAMPLE) return;
    fake.send(MSG.SAMPLE_STARTED, seq, { windows: m.body.windows, ...shape, rateHz: RATE, scale: 0 });
    setTimeout(() => then(fake, m.body.windows), 5);
  });
}

const fakePipeline = { config: { windowLength: SPW, channels: AXES }, featureCount: 2, windowValues: SPW * AXES,
  featureNames: () => ['mean', 'max'],
  compute: (s: Int16Array, out: Int16Array) => { out[0] = s[0]!; out[1] = s[s.length - 1]!; } } as unknown as FeaturePipeline;

let store: DatasetStore | undefined;
const openStore = () => (store = DatasetStore.open(path.join(mkdtempSync(path.join(tmpdir(), 'edgeml-collect-')), 'd.db')));
afterEach(() => { store?.close(); store = undefined; });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('collectWindows', () => {
  it('stores every window, with the features and their names, when the capture completes', async () => {
    const fake = sampler((f, n) => { for (let i = 0; i < n; i++) data(f, i, n); log(f, LogEvent.SAMPLE_DONE, `${n} of ${n} windows`); });
    const client = fake.client();
    const s = openStore();
    const ids = await collectWindows(client, s, { label: 'a', windows: 3, pipeline: fakePipeline, timeoutMs: 200 });
    expect(ids).toHaveLength(3);
    expect(s.featureNames()).toEqual(['mean', 'max']);
    expect(Array.from(s.get(ids[2]!)!.features!)).toEqual([200, 211]);
    expect(client.listenerCount('sample') + client.listenerCount('log') + client.listenerCount('close')).toBe(0);
  });

  it('a refused SAMPLE fails at once and leaves no timer or listener behind', async () => {
    const fake = new FakeDevice((m, seq, f) => f.error(seq, ErrorCode.BUSY, m.type, 'capture running'));
    const client = fake.client();
    const err = await collectWindows(client, openStore(), { label: 'a', windows: 2, timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect(client.listenerCount('sample') + client.listenerCount('log') + client.listenerCount('close')).toBe(0);
    await sleep(150); // an old timer would reject unobserved here (vitest fails the run on it)
  });

  it('silence after a window fails with a sentence, after the window duration plus the timeout', async () => {
    const fake = sampler((f, n) => data(f, 0, n));
    const t = performance.now();
    const err = await collectWindows(fake.client(), openStore(), { label: 'a', windows: 3, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectFailedError);
    expect((err as Error).message).toMatch(/1 of 3 windows/);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(store!.count()).toBe(0);
  });

  it('SAMPLE_DONE before every window came ends the capture with the device\'s reason; nothing stored', async () => {
    const fake = sampler((f, n) => { data(f, 0, n); log(f, LogEvent.SAMPLE_DONE, 'sensor stopped'); });
    const err = await collectWindows(fake.client(), openStore(), { label: 'a', windows: 3, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectFailedError);
    expect((err as Error).message).toMatch(/1 of 3 windows \(sensor stopped\)/);
    expect(store!.count()).toBe(0);
  });

  it('a closed link is a link failure (exit 4), at once', async () => {
    const fake = sampler((f, n) => { data(f, 0, n); f.drop(); });
    const err = await collectWindows(fake.client(), openStore(), { label: 'a', windows: 3, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
  });

  it('an abort (Ctrl-C) stops waiting; nothing stored', async () => {
    const controller = new AbortController();
    const fake = sampler((f, n) => { data(f, 0, n); controller.abort(); });
    const err = await collectWindows(fake.client(), openStore(), { label: 'a', windows: 3, timeoutMs: 5000, signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(store!.count()).toBe(0);
  });

  it('a device window shape other than the pipeline\'s is refused at SAMPLE_STARTED', async () => {
    const fake = sampler((f, n) => { for (let i = 0; i < n; i++) data(f, i, n); }, { samplesPerWindow: SPW * 2, axes: AXES });
    const err = await collectWindows(fake.client(), openStore(), { label: 'a', windows: 3, pipeline: fakePipeline, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectShapeError);
    expect((err as Error).message).toMatch(/8 samples × 3 axes.*4 samples × 3 channels/);
    expect(store!.count()).toBe(0);
    expect(store!.featureNames()).toBeUndefined();
  });
});
