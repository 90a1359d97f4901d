// A trained float tree model to a finished package: quantize (quantize-trees.ts), encode the
// body, describe INPUT and OUTPUT, embed self-test vectors computed by the device's own
// engine, sign. And the check that matters: the package, run through firmware/core's
// loadModel, against the float model.
import { DTYPE_INT16 } from '../../firmware/core/engine';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { loadModel } from '../../firmware/core/model';
import { buildPackage } from '../package/build';
import type { PackageDef, Signer } from '../package/encode';
import { encodeTreeBody } from '../package/tree-body';
import {
  FeatureQuantization, QuantizationReport, TreeModel, chooseFeatureQuantization, quantizeRows, quantizeTrees,
} from './quantize-trees';

export interface ExportTreesOptions {
  /** Package name (at most 32 UTF-8 bytes). */
  name: string;
  /** Class labels, in class-index order (classification). */
  labels?: string[];
  /** Monotonic model version (default 1). */
  modelVersion?: number;
  /** Unix seconds (default now). */
  createdAt?: number;
  /** The feature quantization; default: chosen from `trainingRows`. */
  quantization?: FeatureQuantization;
  /** The rows the model was trained on (to choose the quantization). */
  trainingRows?: readonly ArrayLike<number>[];
  /** Real-valued rows to embed, quantized, as self-test vectors (a handful; at most 65535).
   * Default: up to 8 rows spread over `trainingRows`; [] for none. */
  selfTestRows?: readonly ArrayLike<number>[];
  /** Optional feature-pipeline section. */
  features?: Uint8Array;
  signer?: Signer;
}

export interface ExportedTrees {
  bytes: Uint8Array;
  def: Omit<PackageDef, 'selfTest'>;
  quantization: FeatureQuantization;
  report: QuantizationReport & { nodeCount: number; leafCount: number; bodyBytes: number };
}

/** The package definition (no self-test) of a float model under a feature quantization. */
export function treePackageDefOf(model: TreeModel, quantization: FeatureQuantization, options: Pick<ExportTreesOptions, 'name' | 'labels' | 'modelVersion' | 'createdAt' | 'features'>) {
  const q = quantizeTrees(model, quantization);
  const labels = options.labels ?? [];
  if (model.task === 'classification' && labels.length !== 0 && labels.length !== model.classCount) {
    throw new RangeError(`${labels.length} labels for ${model.classCount} classes`);
  }
  const encoded = encodeTreeBody(q.ensemble);
  const def: Omit<PackageDef, 'selfTest'> = {
    kind: KIND_TREES,
    name: options.name,
    modelVersion: options.modelVersion ?? 1,
    createdAt: options.createdAt ?? Math.floor(Date.now() / 1000),
    input: { dtype: DTYPE_INT16, dims: [model.featureCount], scales: q.quantization.scales, zeroPoints: q.quantization.zeroPoints },
    output: { ...q.output, labels: model.task === 'classification' ? labels : [] },
    body: encoded.body,
  };
  if (options.features) def.features = options.features;
  return { def, quantized: q, encoded };
}

/** Quantizes, encodes, self-tests and signs a float tree model. */
export function exportTrees(model: TreeModel, options: ExportTreesOptions): ExportedTrees {
  const quantization = options.quantization
    ?? (options.trainingRows ? chooseFeatureQuantization(options.trainingRows) : undefined);
  if (!quantization) throw new RangeError('give the quantization or the training rows to choose it from');
  const { def, quantized, encoded } = treePackageDefOf(model, quantization, options);
  const rows = options.selfTestRows ?? spread(options.trainingRows ?? [], 8);
  const selfTestInputs = rows.length > 0 ? quantizeRows(quantized.quantization, rows) : undefined;
  const bytes = buildPackage(def, { selfTestInputs, signer: options.signer });
  return {
    bytes,
    def,
    quantization: quantized.quantization,
    report: { ...quantized.report, nodeCount: encoded.nodeCount, leafCount: encoded.leafCount, bodyBytes: encoded.body.length },
  };
}

/** Up to `count` rows at even intervals. */
function spread<T>(rows: readonly T[], count: number): T[] {
  if (rows.length <= count) return [...rows];
  return Array.from({ length: count }, (_, i) => rows[Math.floor((i * rows.length) / count)]);
}

export interface Agreement {
  total: number;
  /** Rows where the package's class (or, for regression, nothing) matches the float model's. */
  agree: number;
  rate: number;
  /** Rows that disagree. */
  disagreements: number[];
  /** Largest |float score - package real score| (probabilities, logits or values). */
  maxScoreError: number;
}

/** Runs the package on the device's own engine and compares it with the float model. */
export function compareWithPackage(model: TreeModel, bytes: Uint8Array, X: readonly ArrayLike<number>[]): Agreement {
  const device = loadModel(bytes);
  let agree = 0;
  let maxScoreError = 0;
  const disagreements: number[] = [];
  X.forEach((x, i) => {
    device.setInput(x);
    const cls = device.predict();
    const expected = model.task === 'classification' ? model.predict(x) : -1;
    if (cls === expected) agree++;
    else disagreements.push(i);
    const scores = floatScores(model, x);
    for (let k = 0; k < scores.length; k++) maxScoreError = Math.max(maxScoreError, Math.abs(scores[k] - device.realScore(k)));
  });
  return { total: X.length, agree, rate: X.length ? agree / X.length : 1, disagreements, maxScoreError };
}

/** The float model's scores in the package's units: probabilities for trees and forests,
 * raw scores for boosting, the value for regression. */
export function floatScores(model: TreeModel, x: ArrayLike<number>): Float64Array {
  if (model.type === 'gradient-boosting') return model.decision(x);
  if (model.task === 'regression') return Float64Array.of(model.predict(x));
  return model.predictProba(x);
}
