// Data collection: capture labelled raw windows from a device (SAMPLE) into the SQLite dataset
// store, with the features the device's pipeline computes when a package with one is given.
// The capture is watched for inactivity (each window is expected within its duration at the
// device's rate plus `timeoutMs`), ends at the last window, and fails on the device's SAMPLE_DONE
// before every window came, on the link's close, or on the abort signal; nothing is stored then.
import { LogEvent } from '../../firmware/core/protocol/index';
import type { Log, SampleData, SampleStarted } from '../../firmware/core/protocol/index';
import type { FeaturePipeline } from '../../firmware/core/features/pipeline';
import { DatasetStore } from '../data/store';
import { DeviceClient, RequestAbortedError } from './client';
import { TransportError } from './transport';

export interface CollectOptions {
  label: string;
  windows: number;
  /** Feature pipeline to store features beside each raw window (the model's FEATURES). */
  pipeline?: FeaturePipeline;
  onWindow?: (done: number, total: number) => void;
  /** Silence allowed beyond a window's expected duration before giving up, ms (default 5000). */
  timeoutMs?: number;
  /** Stops waiting (Ctrl-C): the promise rejects with an AbortError and nothing is stored. */
  signal?: AbortSignal;
}

/** The capture does not fit what was asked for (the device's window shape is not the pipeline's). */
export class CollectShapeError extends Error {
  override name = 'CollectShapeError';
}

/** The capture ended early or went silent: the device stopped it, or no data came in time. */
export class CollectFailedError extends Error {
  override name = 'CollectFailedError';
}

/** Checks the device's window shape against the pipeline's; throws CollectShapeError. */
export function checkWindowShape(started: Pick<SampleStarted, 'samplesPerWindow' | 'axes'>, pipeline: FeaturePipeline): void {
  const { windowLength, channels } = pipeline.config;
  if (started.samplesPerWindow !== windowLength || started.axes !== channels) {
    throw new CollectShapeError(`the device captures windows of ${started.samplesPerWindow} samples × ${started.axes} axes, but the model's feature pipeline reads ${windowLength} samples × ${channels} channels: collect with the model the device runs, or without --model`);
  }
}

/** Captures `windows` windows and stores them in one transaction; returns the new sample ids. */
export async function collectWindows(client: DeviceClient, store: DatasetStore, options: CollectOptions): Promise<number[]> {
  const { pipeline, signal } = options;
  if (signal?.aborted) throw new RequestAbortedError('collect was interrupted; nothing was stored');
  if (pipeline) {
    const names = store.featureNames();
    if (names && names.length !== pipeline.featureCount) {
      throw new CollectShapeError(`the store holds feature vectors of ${names.length} values, the model's pipeline computes ${pipeline.featureCount}: use another store, or collect without --model`);
    }
  }
  const deviceId = client.lastInfo?.deviceId ?? 'unknown';
  const parts = new Map<number, { data: Int16Array; filled: number; axes: number }>();
  const complete: { index: number; data: Int16Array; axes: number }[] = [];
  const slackMs = options.timeoutMs ?? 5000;

  let timer: NodeJS.Timeout | undefined;
  let windowMs = 0;
  let started = false;
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      cleanup();
      if (error) reject(error); else resolve();
    };
  });
  done.catch(() => undefined); // observed below; never an unhandled rejection
  const arm = () => {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => settle(new CollectFailedError(`the device sent ${complete.length} of ${options.windows} windows, then nothing for ${((windowMs + slackMs) / 1000).toFixed(1)} s`)), windowMs + slackMs);
  };
  const onSample = (s: SampleData) => {
    let w = parts.get(s.index);
    if (!w) { w = { data: new Int16Array(s.windowSamples * s.axes), filled: 0, axes: s.axes }; parts.set(s.index, w); }
    w.data.set(s.samples, s.sampleOffset * s.axes);
    w.filled += s.samples.length;
    arm();
    if (w.filled === w.data.length) {
      complete.push({ index: s.index, data: w.data, axes: w.axes });
      options.onWindow?.(complete.length, options.windows);
      if (complete.length === options.windows) settle();
    }
  };
  const onLog = (l: Log) => {
    if (l.event === LogEvent.SAMPLE_DONE && complete.length < options.windows) {
      settle(new CollectFailedError(`the device ended the capture after ${complete.length} of ${options.windows} windows${l.text ? ` (${l.text})` : ''}; nothing was stored`));
    } else if (l.event === LogEvent.BOOT) {
      settle(new CollectFailedError(`the device restarted during the capture (${complete.length} of ${options.windows} windows); nothing was stored`));
    }
  };
  const onClose = (error?: Error) => settle(new TransportError('CLOSED', client.transport.name, `the link to ${client.transport.name} closed during the capture${error ? ` (${error.message})` : ''}; nothing was stored`));
  const onAbort = () => settle(new RequestAbortedError('collect was interrupted; nothing was stored'));
  const cleanup = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    client.off('sample', onSample);
    client.off('log', onLog);
    client.off('close', onClose);
    signal?.removeEventListener('abort', onAbort);
  };
  client.on('sample', onSample);
  client.on('log', onLog);
  client.on('close', onClose);
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const info = await client.sample(options.windows, { signal });
    if (pipeline) checkWindowShape(info, pipeline);
    windowMs = info.rateHz > 0 ? Math.ceil((1000 * info.samplesPerWindow) / info.rateHz) : 0;
    started = true;
    if (complete.length < options.windows) arm();
  } catch (e) {
    settle(e as Error);
  }
  await done;

  complete.sort((a, b) => a.index - b.index);
  const now = Date.now();
  return store.insertMany(complete.map((w, i) => {
    let features: Int16Array | undefined;
    if (pipeline) {
      features = new Int16Array(pipeline.featureCount);
      pipeline.compute(w.data, features);
    }
    return {
      device: deviceId, timestamp: now + i, label: options.label,
      window: { data: w.data, shape: [w.data.length / w.axes, w.axes] },
      features,
    };
  }), pipeline?.featureNames()); // named in the insert's transaction: together or not at all
}
