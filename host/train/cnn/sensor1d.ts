// A 1-D CNN for windows of sensor samples (e.g. a 3-axis accelerometer), run by the engine as a
// height-1 image [1, 1, T, C]: conv 1x5 C->16 ReLU -> max-pool 1x2 -> conv 1x5 16->32 ReLU ->
// global average pool -> dense classes -> softmax (VALID convolutions). Inputs are standardized
// per channel ((x - mean) / standard deviation over the training windows) during training; the
// normalization is folded into the first convolution (exact: VALID padding), so the exported
// graph takes raw sensor values (e.g. int16 accelerometer counts, gravity included).
import { CnnSpec, TrainCnnOptions, TrainedCnn, trainCnn } from './classifier';
import { tf } from './tf';

export interface SensorCnnOptions {
  /** Samples per window (default 128). */
  windowLength?: number;
  /** Values per sample (axes; default 3). */
  channels?: number;
  classes: number;
  /** Filters of the two convolutions (default 16 and 32). */
  filters?: [number, number];
  /** Kernel length (default 5). */
  kernel?: number;
  /** Final pooling before the dense layer (default 'average': global average pool). */
  pooling?: 'average' | 'max';
}

export function sensorCnnSpec(o: SensorCnnOptions): CnnSpec {
  const T = o.windowLength ?? 128;
  const C = o.channels ?? 3;
  const [f1, f2] = o.filters ?? [16, 32];
  const k = o.kernel ?? 5;
  const inputShape = [1, T, C];
  return {
    inputShape,
    classes: o.classes,
    build: (seed) => {
      const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 101 + i });
      const m = tf.sequential({ name: 'sensor_cnn' });
      m.add(tf.layers.conv2d({ inputShape, filters: f1, kernelSize: [1, k], activation: 'relu', kernelInitializer: init(1), name: 'conv1' }));
      m.add(tf.layers.maxPooling2d({ poolSize: [1, 2], name: 'pool1' }));
      m.add(tf.layers.conv2d({ filters: f2, kernelSize: [1, k], activation: 'relu', kernelInitializer: init(2), name: 'conv2' }));
      m.add(o.pooling === 'max' ? tf.layers.globalMaxPooling2d({ name: 'pool2' }) : tf.layers.globalAveragePooling2d({ name: 'pool2' }));
      m.add(tf.layers.dense({ units: o.classes, activation: 'softmax', kernelInitializer: init(3), name: 'dense' }));
      return m;
    },
  };
}

/** Per-channel mean and 1 / standard deviation of windows laid out [t][c] (scale 1 for a constant channel). */
export function channelStats(windows: ArrayLike<number>[], channels: number): { mean: Float64Array; scale: Float64Array } {
  const sum = new Float64Array(channels), sq = new Float64Array(channels);
  let n = 0;
  for (const w of windows) {
    for (let i = 0; i < w.length; i++) {
      sum[i % channels] += w[i];
      sq[i % channels] += w[i] * w[i];
    }
    n += w.length / channels;
  }
  const mean = Float64Array.from(sum, (s) => s / n);
  const scale = Float64Array.from(sum, (s, c) => {
    const v = sq[c] / n - (s / n) ** 2;
    return v > 1e-12 * Math.max(1, (s / n) ** 2) ? 1 / Math.sqrt(v) : 1;
  });
  return { mean, scale };
}

/**
 * Trains the 1-D CNN on windows (each windowLength x channels values, sample-major: t0c0, t0c1,
 * ...) and class indices.
 */
export async function trainSensorCnn(windows: ArrayLike<number>[], labels: ArrayLike<number>, options: SensorCnnOptions & TrainCnnOptions): Promise<TrainedCnn> {
  const T = options.windowLength ?? 128;
  const C = options.channels ?? 3;
  windows.forEach((w, i) => {
    if (w.length !== T * C) throw new RangeError(`window ${i} has ${w.length} values, expected ${T} x ${C}`);
  });
  const stats = channelStats(windows, C);
  return trainCnn(sensorCnnSpec(options), { x: windows, y: labels }, { inputScale: stats.scale, inputOffset: stats.mean, ...options });
}

/** Per-channel 1 / standard deviation (channelStats(...).scale). */
export function channelScales(windows: ArrayLike<number>[], channels: number): Float64Array {
  return channelStats(windows, channels).scale;
}
