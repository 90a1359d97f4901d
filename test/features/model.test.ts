// A model package that carries its feature pipeline: the FEATURES section travels with the
// trees, featurePipelineFor() checks it against the INPUT, and the device loop (WindowBuffer →
// compute into model.input → predict) classifies a synthetic machine as it changes condition,
// in Node and, byte for byte, in XS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DTYPE_INT16, POST_NORMALIZE, TASK_CLASSIFICATION } from '../../firmware/core/engine';
import { ModelError } from '../../firmware/core/errors';
import { FeatureConfig, featurePipelineFor } from '../../firmware/core/features/index';
import { createFeaturePipeline } from '../../firmware/core/features/pipeline';
import { WindowBuffer } from '../../firmware/core/features/window-buffer';
import { loadModel } from '../../firmware/core/model';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { ENSEMBLE_SINGLE, LEAF_INT16, SPLIT_LE } from '../../firmware/core/trees/body';
import { buildPackage } from '../../host/package/build';
import { TreeNodeDef, encodeTreeBody } from '../../host/package/tree-body';
import { encodeFeatureConfig, featureConfig, featureInputQuantization } from '../../host/signals/encode';
import { SCENARIOS, vibrationDataset, vibrationStream } from '../../host/signals/synthetic';
import { XsFeatures } from './xs-features';

const config: FeatureConfig = featureConfig({
  windowLength: 256, hop: 128, channels: 3, sampleRateHz: 1000,
  features: ['rms', 'p2p', 'zc', 'bands'], bandsHz: [[15, 40], [40, 80], [250, 420]],
});

/** A hand-made decision tree on three band features, thresholds halfway between class means. */
function packageFor(features: Uint8Array | undefined, featureCount: number): Uint8Array {
  const pipeline = createFeaturePipeline(config);
  const names = pipeline.featureNames();
  const data = vibrationDataset({ seed: 7, machines: 4, windowsPerScenario: 8 });
  const rows = data.windows.map((w) => { const out = new Int16Array(pipeline.featureCount); pipeline.compute(w, out); return out; });
  const mean = (name: string, label: number) => {
    const f = names.indexOf(name);
    const sel = rows.filter((_, i) => data.labels[i] === label);
    return sel.reduce((s, r) => s + r[f], 0) / sel.length;
  };
  const split = (name: string, fault: number): { feature: number; threshold: number } =>
    ({ feature: names.indexOf(name), threshold: Math.round((mean(name, 0) + mean(name, fault)) / 2) });
  const leaf = (cls: number): TreeNodeDef => ({ leaf: SCENARIOS.map((_, i) => (i === cls ? 32767 : 0)) });
  const bearing = split('ch2.band[64,108)', 3);
  const misalignment = split('ch1.band[11,21)', 2);
  const imbalance = split('ch0.band[4,11)', 1);
  const root: TreeNodeDef = {
    ...bearing, right: leaf(3),
    left: { ...misalignment, right: leaf(2), left: { ...imbalance, right: leaf(1), left: leaf(0) } },
  };
  // the features are the input as they are: scale 1, zero point 0 (featureInputQuantization)
  const quant = featureInputQuantization(config);
  const identity = featureCount === quant.scales.length ? quant : { scales: new Array(featureCount).fill(1), zeroPoints: new Array(featureCount).fill(0) };
  return buildPackage({
    kind: KIND_TREES, name: 'vibration', modelVersion: 1, createdAt: 1_790_000_000,
    input: { dtype: DTYPE_INT16, dims: [featureCount], ...identity },
    output: { task: TASK_CLASSIFICATION, postprocess: POST_NORMALIZE, classCount: 4, scoreCount: 4, scale: 1 / 32767, zeroPoint: 0, labels: [...SCENARIOS] },
    body: encodeTreeBody({ ensemble: ENSEMBLE_SINGLE, split: SPLIT_LE, leafType: LEAF_INT16, featureCount, scoreCount: 4, trees: [{ root }] }).body,
    features,
  });
}

let xs: XsFeatures;
beforeAll(async () => { xs = await XsFeatures.start(); });
afterAll(async () => { await xs?.close(); });

describe('a tree model with its feature pipeline', () => {
  const section = encodeFeatureConfig(config);
  const featureCount = createFeaturePipeline(config).featureCount;
  const bytes = packageFor(section, featureCount);
  const stream = vibrationStream({
    seed: 99,
    segments: [
      { scenario: 'normal', seconds: 3 }, { scenario: 'imbalance', seconds: 3 }, { scenario: 'normal', seconds: 2 },
      { scenario: 'bearing', seconds: 3 }, { scenario: 'misalignment', seconds: 3 },
    ],
  });

  function classifyInNode(): number[] {
    const model = loadModel(bytes);
    const pipeline = featurePipelineFor(model)!;
    const ring = new WindowBuffer(config.windowLength, config.channels, config.hop);
    const classes: number[] = [];
    for (let f = 0; f < stream.labels.length; f++) {
      if (ring.push(stream.samples, 3 * f)) {
        pipeline.compute(ring.samples, model.input as Int16Array, ring.offset);
        classes.push(model.predict());
      }
    }
    return classes;
  }

  it('classifies a machine changing condition, window by window', () => {
    const classes = classifyInNode();
    let correct = 0;
    let scored = 0;
    classes.forEach((cls, w) => {
      const last = w * config.hop + config.windowLength - 1;
      const first = last - config.windowLength - 250; // skip windows near a change (ramp 0.25 s)
      if (first < 0 || stream.labels[first] !== stream.labels[last]) return;
      scored++;
      if (cls === stream.labels[last]) correct++;
    });
    expect(scored).toBeGreaterThan(80);
    expect(correct / scored).toBeGreaterThan(0.95);
  });

  it('XS runs the same loop to the same classes', async () => {
    expect(await xs.classifyStream(bytes, stream.samples)).toEqual(classifyInNode());
  });

  it('featurePipelineFor checks the pipeline against the model input', () => {
    expect(featurePipelineFor(loadModel(packageFor(undefined, featureCount)))).toBeUndefined();
    let code = '';
    try { featurePipelineFor(loadModel(packageFor(section, featureCount + 1))); } catch (e) { code = (e as ModelError).code; }
    expect(code).toBe('BAD_INPUT_SPEC');
  });
});
