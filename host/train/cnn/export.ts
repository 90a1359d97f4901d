// Package a quantized graph (graphPackageDef + buildPackage: self-test vectors recorded by the
// device's own engine, optional signature) and evaluate a package with firmware/core's
// loadModel, exactly as a device runs it.
import { loadModel } from '../../../firmware/core/model';
import type { Model } from '../../../firmware/core/model';
import { buildPackage } from '../../package/build';
import type { Signer } from '../../package/encode';
import { graphPackageDef } from '../../package/graph-package';
import type { GraphDef, QuantParams } from '../../package/graph-body';
import { quantizeValues } from './quantize';

export interface ExportOptions {
  name: string;
  labels?: string[];
  modelVersion?: number;
  createdAt?: number;
  /** Real-valued inputs whose engine outputs become the package's self-test vectors. */
  selfTestInputs?: ArrayLike<number>[];
  signer?: Signer;
  features?: Uint8Array;
}

/** A quantized graph with its input quantization: what quantizeCnn and trainLinear give. */
export interface QuantizedGraph {
  def: GraphDef;
  input: QuantParams;
}

export function exportGraph(q: QuantizedGraph, options: ExportOptions): Uint8Array {
  const def = graphPackageDef(q.def, {
    name: options.name, labels: options.labels, modelVersion: options.modelVersion,
    createdAt: options.createdAt, features: options.features,
  });
  const selfTestInputs = (options.selfTestInputs ?? []).map((x) => quantizeValues(x, q.input));
  return buildPackage(def, { selfTestInputs, signer: options.signer });
}

export interface PackageEvaluation {
  /** Fraction of samples whose predicted class equals the label. */
  accuracy: number;
  predictions: Int32Array;
  /** Real output scores per sample (softmax probabilities for a softmax graph). */
  scores: Float64Array[];
}

/** Runs every sample through the package with firmware/core's engine. */
export function evaluatePackage(bytesOrModel: Uint8Array | Model, x: ArrayLike<number>[], y?: ArrayLike<number>): PackageEvaluation {
  const model = bytesOrModel instanceof Uint8Array ? loadModel(bytesOrModel) : bytesOrModel;
  const predictions = new Int32Array(x.length);
  const scores: Float64Array[] = [];
  const n = model.outputSpec.scoreCount;
  let correct = 0;
  x.forEach((sample, i) => {
    model.setInput(sample);
    predictions[i] = model.predict();
    scores.push(Float64Array.from({ length: n }, (_, k) => model.realScore(k)));
    if (y !== undefined && predictions[i] === y[i]) correct++;
  });
  return { accuracy: y === undefined || x.length === 0 ? NaN : correct / x.length, predictions, scores };
}
