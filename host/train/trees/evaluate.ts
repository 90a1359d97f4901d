// Hold-out evaluation on repeated stratified splits: the protocol datasets/README.md uses
// for the reference accuracies (5 stratified 75/25 splits, seeds 0..4, mean test accuracy).
import { Dataset } from '../../data/dataset';
import { stratifiedSplit } from '../../data/split';

export interface Classifier {
  predict(x: ArrayLike<number>): number;
}

export type Trainer = (X: Float64Array[], y: Int32Array, classCount: number) => Classifier;

export interface HoldoutResult {
  /** Test accuracy (0..1) of each split. */
  accuracies: number[];
  mean: number;
  /** Training time of each split, milliseconds. */
  trainMs: number[];
}

export function accuracy(model: Classifier, X: readonly ArrayLike<number>[], y: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < X.length; i++) if (model.predict(X[i]) === y[i]) right++;
  return right / X.length;
}

export function holdoutAccuracy(data: Dataset, train: Trainer, options: { seeds?: number[]; testSize?: number } = {}): HoldoutResult {
  const seeds = options.seeds ?? [0, 1, 2, 3, 4];
  const accuracies: number[] = [];
  const trainMs: number[] = [];
  for (const seed of seeds) {
    const { train: tr, test } = stratifiedSplit(data.y, { testSize: options.testSize ?? 0.25, seed });
    const X = Array.from(tr, (i) => data.X[i]);
    const y = Int32Array.from(tr, (i) => data.y[i]);
    const t0 = performance.now();
    const model = train(X, y, data.classes.length);
    trainMs.push(performance.now() - t0);
    accuracies.push(accuracy(model, Array.from(test, (i) => data.X[i]), Int32Array.from(test, (i) => data.y[i])));
  }
  return { accuracies, mean: accuracies.reduce((a, b) => a + b, 0) / accuracies.length, trainMs };
}
