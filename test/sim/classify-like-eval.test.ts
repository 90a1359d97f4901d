// A simulated device (the real firmware in XS) classifies its synthetic sensor stream exactly as
// `edgeml eval` classifies the same windows: the device's RESULT events and its SAMPLE windows
// carry the same window numbers, so each window's features go through the real `edgeml eval`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurePipelineFor } from '../../firmware/core/features/index';
import { loadModel } from '../../firmware/core/model';
import type { Result, SampleData } from '../../firmware/core/protocol/index';
import { DeviceClient } from '../../host/device/client';
import { flashModel } from '../../host/device/flash';
import { InProcessTransport } from '../../host/device/transport';
import { alignedCopy } from '../../host/package/read';
import { SimulatedDevice } from '../../sim/device/simulated-device';
import { featurePackage, makeKeys } from '../device/packages';
import { edgemlAsync } from '../support/cli';

describe('a simulated device classifies like edgeml eval', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeml-like-eval-'));
  const keys = makeKeys();
  let device: SimulatedDevice;
  let client: DeviceClient;
  beforeAll(async () => {
    device = await SimulatedDevice.start({ id: 'eval-1', dir: path.join(dir, 'dev'), trustedKey: keys.raw, sensor: { seed: 4, scenario: 'imbalance' } });
    device.startRealTime(5);
    client = new DeviceClient(new InProcessTransport(device.serial, { pump: () => device.poll() }), { timeoutMs: 2000 });
  });
  afterAll(async () => { await client?.close(); await device?.close(); });

  it('on the same windows, with the same classes and scores', async () => {
    const pkg = featurePackage({ version: 1, signer: keys.signer });
    const file = path.join(dir, 'model.edgm');
    writeFileSync(file, pkg);
    await flashModel(client, pkg);

    const results = new Map<number, Result>();
    const windows = new Map<number, Int16Array>();
    const parts = new Map<number, { data: Int16Array; filled: number }>();
    client.on('result', (r: Result) => results.set(r.windowSeq, { ...r, scores: r.scores.slice() }));
    client.on('sample', (s: SampleData) => {
      const w = parts.get(s.windowSeq) ?? { data: new Int16Array(s.windowSamples * s.axes), filled: 0 };
      parts.set(s.windowSeq, w);
      w.data.set(s.samples, s.sampleOffset * s.axes);
      w.filled += s.samples.length;
      if (w.filled === w.data.length) windows.set(s.windowSeq, w.data);
    });
    await client.stream(true, true);
    device.setScenario('bearing', 1); // the condition changes while we record
    await client.sample(12);
    const deadline = Date.now() + 30_000;
    while (windows.size < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await client.stream(false);
    const both = [...windows.keys()].filter((seq) => results.has(seq)).sort((a, b) => a - b);
    expect(both.length).toBeGreaterThanOrEqual(8);

    // The features of those windows, by the package's own pipeline, as a CSV for `edgeml eval`.
    const model = loadModel(alignedCopy(pkg));
    const pipeline = featurePipelineFor(model)!;
    const names = Array.from({ length: pipeline.featureCount }, (_, i) => `f${i}`);
    const rows = both.map((seq) => { const out = new Int16Array(pipeline.featureCount); pipeline.compute(windows.get(seq)!, out); return Array.from(out); });
    const csv = path.join(dir, 'windows.csv');
    writeFileSync(csv, [names.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
    const predictions = path.join(dir, 'predictions.csv');
    const evaluated = await edgemlAsync(['eval', file, '--data', csv, '--predictions', predictions, '--xs-samples', '0']);
    expect(evaluated.code, evaluated.stderr).toBe(0);

    const labels = model.outputSpec.labels;
    const lines = readFileSync(predictions, 'utf8').trim().split('\n').slice(1);
    both.forEach((seq, i) => {
      const [predicted, ...scores] = lines[i].split(',');
      const r = results.get(seq)!;
      expect(labels[r.classIndex], `window ${seq}`).toBe(predicted);
      expect(Array.from(r.scores, (q) => (q - model.outputSpec.zeroPoint) * model.outputSpec.scale), `window ${seq}`).toEqual(scores.map(Number));
    });
  }, 120_000);
});
