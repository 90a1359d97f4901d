// Telemetry from a simulated device (the real firmware in XS) on the embedded broker: batches
// of RESULT frames, never more often than telemetry.ms, at most telemetry.max each (the
// event sequence numbers show what was left out), a STATS_REPORT every telemetry.stats seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTelemetry } from '../../firmware/core/fleet';
import { MSG, decodeMessage } from '../../firmware/core/protocol';
import { featurePackage, makeKeys } from '../device/packages';
import { HostClient, type MqttDevice, type RunningBroker, startBroker, startDevice } from './support';

const keys = makeKeys();
let broker: RunningBroker;
let host: HostClient;
let dev: MqttDevice;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  host = await HostClient.connect(broker.url, 'telemetry-test');
  dev = await startDevice(broker, 'dev-telemetry', {
    trustedKey: keys.raw, model: featurePackage({ version: 1, signer: keys.signer }),
    config: { 'telemetry.ms': 500, 'telemetry.max': 3, 'telemetry.stats': 1 },
  });
  await host.subscribe(dev.topics.telemetry);
});
afterAll(async () => {
  await dev?.device.close();
  await host?.close();
  await broker?.close();
});

describe('telemetry batches', () => {
  it('arrive at the configured rate with RESULT frames and periodic STATS_REPORTs', async () => {
    const t0 = dev.device.now;
    await host.until('3 s of telemetry', () => dev.device.now - t0 >= 3000 && host.on(dev.topics.telemetry).length >= 5, 20000);
    const batches = host.on(dev.topics.telemetry).map((h) => decodeTelemetry(h.payload));
    for (const b of batches) expect(b.errors).toEqual([]);
    const elapsed = dev.device.now - t0;
    // One batch per 500 ms of device time at most (the first may come from before t0).
    expect(batches.length).toBeLessThanOrEqual(Math.floor(elapsed / 500) + 2);
    const results = batches.map((b) => b.frames.filter((f) => f.type === MSG.RESULT));
    for (const r of results) expect(r.length).toBeLessThanOrEqual(3);
    // The feature model classifies a window every 128 ms: about 4 per batch, so some are left
    // out, and the sequence numbers say so.
    const seqs = results.flat().map((f) => f.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(seqs.at(-1)! - seqs[0]! + 1).toBeGreaterThan(seqs.length);
    const first = decodeMessage(results.flat()[0]!);
    expect(first.type).toBe(MSG.RESULT);
    const stats = batches.flatMap((b) => b.frames.filter((f) => f.type === MSG.STATS_REPORT));
    expect(stats.length).toBeGreaterThanOrEqual(2);
    for (const s of stats) expect(s.seq).toBe(0);
    const report = decodeMessage(stats.at(-1)!);
    expect(report.type === MSG.STATS_REPORT && report.body.inferences).toBeGreaterThan(0);
    // Telemetry is no link: its STATS_REPORT has no protocol counters (docs/mqtt-topics.md).
    expect(report.type === MSG.STATS_REPORT && report.body.counters).toEqual([]);
  });
});
