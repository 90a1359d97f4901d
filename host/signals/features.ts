// Host side of the feature pipeline: the device's own code (firmware/core/features) run over
// many windows, for training sets and evaluation. The integers are the model's int16 input.
import type { FeatureConfig } from '../../firmware/core/features/config';
import { createFeaturePipeline } from '../../firmware/core/features/pipeline';

export interface FeatureTable {
  /** Feature names in order, e.g. "ch0.rms", "ch2.band[64,108)". */
  names: string[];
  /** One row of int16 features per window. */
  rows: Int16Array[];
}

/** Features of each window (windowLength × channels interleaved int16 samples). */
export function extractFeatures(config: FeatureConfig | Uint8Array, windows: Iterable<Int16Array>): FeatureTable {
  const pipeline = createFeaturePipeline(config);
  const rows: Int16Array[] = [];
  for (const window of windows) {
    if (window.length !== pipeline.windowValues) throw new RangeError(`a window of ${window.length} values, the pipeline takes ${pipeline.windowValues}`);
    const out = new Int16Array(pipeline.featureCount);
    pipeline.compute(window, out);
    rows.push(out);
  }
  return { names: pipeline.featureNames(), rows };
}

/** Features of every window of a continuous recording, as the device computes them (every hop). */
export function extractStreamFeatures(config: FeatureConfig, samples: Int16Array): FeatureTable & { lastFrame: number[] } {
  const pipeline = createFeaturePipeline(config);
  const { windowLength: n, hop, channels } = config;
  const rows: Int16Array[] = [];
  const lastFrame: number[] = [];
  for (let end = n; end * channels <= samples.length; end += hop) {
    const out = new Int16Array(pipeline.featureCount);
    pipeline.compute(samples, out, (end - n) * channels);
    rows.push(out);
    lastFrame.push(end - 1);
  }
  return { names: pipeline.featureNames(), rows, lastFrame };
}
