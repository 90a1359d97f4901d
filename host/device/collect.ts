// Data collection: capture labelled raw windows from a device (SAMPLE) into the SQLite dataset
// store, with the features the device's pipeline computes when a package with one is given.
import type { SampleData } from '../../firmware/core/protocol/index';
import type { FeaturePipeline } from '../../firmware/core/features/pipeline';
import { DatasetStore } from '../data/store';
import type { DeviceClient } from './client';

export interface CollectOptions {
  label: string;
  windows: number;
  /** Feature pipeline to store features beside each raw window (the model's FEATURES). */
  pipeline?: FeaturePipeline;
  onWindow?: (done: number, total: number) => void;
  timeoutMs?: number;
}

/** Captures `windows` windows and stores them in one transaction; returns the new sample ids. */
export async function collectWindows(client: DeviceClient, store: DatasetStore, options: CollectOptions): Promise<number[]> {
  const deviceId = client.lastInfo?.deviceId ?? 'unknown';
  const parts = new Map<number, { data: Int16Array; filled: number; axes: number }>();
  const complete: { index: number; data: Int16Array; axes: number }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the device sent ${complete.length} of ${options.windows} windows in time`)), options.timeoutMs ?? 60_000);
    const onSample = (s: SampleData) => {
      let w = parts.get(s.index);
      if (!w) { w = { data: new Int16Array(s.windowSamples * s.axes), filled: 0, axes: s.axes }; parts.set(s.index, w); }
      w.data.set(s.samples, s.sampleOffset * s.axes);
      w.filled += s.samples.length;
      if (w.filled === w.data.length) {
        complete.push({ index: s.index, data: w.data, axes: w.axes });
        options.onWindow?.(complete.length, options.windows);
        if (complete.length === options.windows) {
          clearTimeout(timer);
          client.off('sample', onSample);
          resolve();
        }
      }
    };
    client.on('sample', onSample);
  });
  await client.sample(options.windows);
  await done;
  complete.sort((a, b) => a.index - b.index);
  const now = Date.now();
  return store.insertMany(complete.map((w, i) => {
    let features: Int16Array | undefined;
    if (options.pipeline) {
      features = new Int16Array(options.pipeline.featureCount);
      options.pipeline.compute(w.data, features);
    }
    return {
      device: deviceId, timestamp: now + i, label: options.label,
      window: { data: w.data, shape: [w.data.length / w.axes, w.axes] },
      features,
    };
  }));
}
