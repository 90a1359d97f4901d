// The digits CNN: 8x8x1 grey levels 0..16 -> conv 3x3x8 SAME ReLU -> max-pool 2 ->
// conv 3x3x16 SAME ReLU -> flatten -> dense 10 -> softmax (optionally with batch
// normalization after each conv, folded at export). Trained on inputs / 16; the exported
// graph takes raw grey levels.
import { loadCsv } from '../../data/csv';
import { stratifiedSplit } from '../../data/split';
import { CnnSpec, TrainCnnOptions, TrainedCnn, trainCnn } from './classifier';
import { tf } from './tf';
import type { Samples } from './train';

export const DIGITS_INPUT_SHAPE = [8, 8, 1];
export const DIGITS_INPUT_RANGE: [number, number] = [0, 16];

export interface DigitsSplit {
  train: Samples;
  test: Samples;
  classes: string[];
}

/** datasets/digits.csv, stratified 75/25 split (seeded). */
export function loadDigits(csvPath = 'datasets/digits.csv', seed = 0): DigitsSplit {
  const data = loadCsv(csvPath);
  const split = stratifiedSplit(data.y, { testSize: 0.25, seed });
  const pick = (idx: Int32Array): Samples => ({ x: Array.from(idx, (i) => data.X[i]), y: Int32Array.from(idx, (i) => data.y[i]) });
  return { train: pick(split.train), test: pick(split.test), classes: data.classes };
}

export interface DigitsCnnOptions {
  /** Filters of the two convolutions (default 8 and 16). */
  filters?: [number, number];
  /** Batch normalization after each convolution (folded into it at export). */
  batchNorm?: boolean;
}

export function digitsCnnSpec(options: DigitsCnnOptions = {}): CnnSpec {
  const [f1, f2] = options.filters ?? [8, 16];
  return {
    inputShape: DIGITS_INPUT_SHAPE,
    classes: 10,
    build: (seed) => {
      const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 101 + k });
      const m = tf.sequential({ name: 'digits_cnn' });
      const conv = (filters: number, k: number, first: boolean): void => {
        const common = { filters, kernelSize: 3, padding: 'same' as const, kernelInitializer: init(k), name: `conv${k}` };
        if (options.batchNorm) {
          m.add(tf.layers.conv2d({ ...common, ...(first ? { inputShape: DIGITS_INPUT_SHAPE } : {}), useBias: false }));
          m.add(tf.layers.batchNormalization({ name: `bn${k}` }));
          m.add(tf.layers.reLU({ name: `relu${k}` }));
        } else {
          m.add(tf.layers.conv2d({ ...common, ...(first ? { inputShape: DIGITS_INPUT_SHAPE } : {}), activation: 'relu' }));
        }
      };
      conv(f1, 1, true);
      m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
      conv(f2, 2, false);
      m.add(tf.layers.flatten({ name: 'flatten' }));
      m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3), name: 'dense' }));
      return m;
    },
  };
}

/** Trains the digits CNN on raw grey levels (the network sees them / 16). */
export function trainDigitsCnn(train: Samples, options: TrainCnnOptions & DigitsCnnOptions = {}): Promise<TrainedCnn> {
  return trainCnn(digitsCnnSpec(options), train, { inputScale: 1 / 16, ...options });
}
