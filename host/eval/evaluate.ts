// Evaluation of a package on a dataset with the device's own engine (firmware/core):
// accuracy, per-class precision and recall, confusion matrix, sizes and the XS cost.
import { TASK_CLASSIFICATION } from '../../firmware/core/engine';
import { Model } from '../../firmware/core/model';
import { XsEngine } from '../../sim/xs/engine-service';
import { DatasetError } from '../data/dataset';

export interface EvalRows {
  featureNames: string[];
  X: Float64Array[];
  /** Labels as written in the file, when it has a label column. */
  labels?: string[];
}

export interface Prediction {
  label: string;            // predicted class label (or the regression value as text)
  classIndex: number;       // -1 for regression
  scores: number[];         // real scores: (q - zeroPoint) * scale
}

export interface EvalReport {
  rows: number;
  packageBytes: number;
  arenaBytes: number;
  task: 'classification' | 'regression';
  accuracy: number | null;
  classes: { label: string; support: number; precision: number | null; recall: number | null }[];
  /** confusion[true][predicted] */
  confusion: number[][] | null;
  /** Mean absolute error and RMSE for regression with numeric labels. */
  regression: { mae: number; rmse: number } | null;
  xsComputronsPerInference: number | null;
  /** Agreement with reference predictions (the float model's, or the original library's). */
  agreement: { rows: number; agreement: number; differing: number[] } | null;
}

export function classLabels(model: Model): string[] {
  const { labels, classCount } = model.outputSpec;
  return labels.length === classCount ? [...labels] : Array.from({ length: classCount }, (_, i) => String(i));
}

export function predictAll(model: Model, rows: EvalRows): { predictions: Prediction[]; quantizedInputs: number[][] } {
  const n = model.inputSpec.elementCount;
  if (rows.featureNames.length !== n) {
    throw new DatasetError('BAD_SHAPE', `the data has ${rows.featureNames.length} feature columns, the model takes ${n} inputs`);
  }
  const names = classLabels(model);
  const predictions: Prediction[] = [];
  const quantizedInputs: number[][] = [];
  for (const x of rows.X) {
    model.setInput(x);
    quantizedInputs.push(Array.from(model.input));
    const classIndex = model.predict();
    const scores = Array.from(model.scores, (_, i) => model.realScore(i));
    predictions.push({ label: classIndex >= 0 ? names[classIndex] : String(scores[0]), classIndex, scores });
  }
  return { predictions, quantizedInputs };
}

export interface EvalOptions {
  xsSamples?: number;
  /** Reference class labels, one per row (e.g. the float model's predictions). */
  reference?: string[];
}

export async function evaluate(model: Model, rows: EvalRows, options: EvalOptions = {}): Promise<{ report: EvalReport; predictions: Prediction[] }> {
  const { predictions, quantizedInputs } = predictAll(model, rows);
  const classification = model.outputSpec.task === TASK_CLASSIFICATION;
  const names = classification ? classLabels(model) : [];
  let accuracy: number | null = null;
  let confusion: number[][] | null = null;
  let regression: EvalReport['regression'] = null;
  const classes: EvalReport['classes'] = [];

  if (rows.labels && classification) {
    const index = new Map(names.map((name, i) => [name, i]));
    confusion = names.map(() => names.map(() => 0));
    rows.labels.forEach((label, r) => {
      const truth = index.get(label);
      if (truth === undefined) throw new DatasetError('UNKNOWN_LABEL', `label "${label}" is not one of the model's classes (${names.join(', ')})`, { row: r + 2 });
      confusion![truth][predictions[r].classIndex]++;
    });
    const correct = names.reduce((n, _, i) => n + confusion![i][i], 0);
    accuracy = correct / rows.labels.length;
    names.forEach((label, i) => {
      const support = confusion![i].reduce((a, b) => a + b, 0);
      const predicted = confusion!.reduce((n, row) => n + row[i], 0);
      classes.push({ label, support, precision: predicted ? confusion![i][i] / predicted : null, recall: support ? confusion![i][i] / support : null });
    });
  } else if (rows.labels && !classification) {
    const errors = rows.labels.map((label, r) => {
      const truth = Number(label);
      if (!Number.isFinite(truth)) throw new DatasetError('NOT_NUMERIC', `regression target "${label}" is not a number`, { row: r + 2 });
      return predictions[r].scores[0] - truth;
    });
    regression = {
      mae: errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length,
      rmse: Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length),
    };
  }

  let agreement: EvalReport['agreement'] = null;
  if (options.reference) {
    const reference = options.reference;
    if (reference.length !== predictions.length) {
      throw new DatasetError('BAD_SHAPE', `the reference has ${reference.length} predictions for ${predictions.length} rows`);
    }
    const differing = predictions.flatMap((p, i) => (p.label === reference[i] ? [] : [i]));
    agreement = { rows: predictions.length, agreement: 1 - differing.length / predictions.length, differing };
  }

  let xsComputronsPerInference: number | null = null;
  const samples = Math.min(options.xsSamples ?? 8, quantizedInputs.length);
  if (samples > 0) {
    const xs = await XsEngine.start();
    try {
      await xs.load(model.bytes);
      let total = 0;
      for (let i = 0; i < samples; i++) total += await xs.computronsPerInference(quantizedInputs[Math.floor((i * quantizedInputs.length) / samples)], 2);
      xsComputronsPerInference = total / samples;
    } finally {
      await xs.close();
    }
  }

  return {
    report: {
      rows: rows.X.length,
      packageBytes: model.bytes.length,
      arenaBytes: model.arenaBytes,
      task: classification ? 'classification' : 'regression',
      accuracy,
      classes,
      confusion,
      regression,
      xsComputronsPerInference,
      agreement,
    },
    predictions,
  };
}
