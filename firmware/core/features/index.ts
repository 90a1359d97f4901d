// Signal features for the device app and the host: configuration (FEATURES section), the
// pipeline, and the sliding window buffer. See docs/signal-features.md.
import { fail } from '../errors';
import { FeatureConfig, parseFeatureConfig } from './config';
import { FeaturePipeline, createFeaturePipeline } from './pipeline';

export * from './config';
export { BAND_FLOOR, BAND_FRACTION_BITS, createFeaturePipeline } from './pipeline';
export type { FeaturePipeline } from './pipeline';
export { WindowBuffer } from './window-buffer';

/** What featurePipelineFor() needs of a loaded Model. */
export interface ModelWithFeatures {
  readonly features: Uint8Array | undefined;
  readonly input: Int8Array | Int16Array;
}

/**
 * The pipeline a model was trained with, from its FEATURES section, checked against its input:
 * the features are the model's int16 input as they are (scale 1, zero point 0), so the pipeline
 * can write straight into model.input. Returns undefined for a model without FEATURES.
 */
export function featurePipelineFor(model: ModelWithFeatures): FeaturePipeline | undefined {
  if (!model.features) return undefined;
  const config: FeatureConfig = parseFeatureConfig(model.features);
  const pipeline = createFeaturePipeline(config);
  if (!(model.input instanceof Int16Array)) fail('BAD_INPUT_SPEC', 'signal features need an int16 model input');
  if (model.input.length !== pipeline.featureCount) {
    fail('BAD_INPUT_SPEC', `the pipeline makes ${pipeline.featureCount} features, the model takes ${model.input.length}`);
  }
  return pipeline;
}
