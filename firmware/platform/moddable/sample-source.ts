// SampleSource on a board: the MPU-6050-class accelerometer samples itself at the configured rate
// into its FIFO and a Timer drains it every sample period (at most every 10 ms, in batches above
// 100 Hz). The FIFO holds 170 samples (85 on the MPU-6500 family), so samples keep their spacing
// while an inference or a flash write holds the JavaScript thread; a longer stall overflows it,
// which `overruns` counts. The sensor is opened on the first start(), so a board without it
// still boots and reports the error then.
import Timer from 'timer';
import { MPU6050, type MPU6050SensorOptions } from './mpu6050';
import type { SampleSource } from '../interfaces';

export interface ImuSampleSourceOptions {
  sensor: MPU6050SensorOptions;
  /** Samples per second (1000 / n for an integer n). */
  rate: number;
  range?: 2 | 4 | 8 | 16;
  /** Milliseconds between FIFO drains; by default the sample period, at least 10 ms. */
  drainInterval?: number;
}

const MIN_DRAIN_MS = 10;

export class ImuSampleSource implements SampleSource {
  readonly axes = 3;
  readonly rate: number;
  readonly range: 2 | 4 | 8 | 16;
  #options: ImuSampleSourceOptions;
  #drainMs: number;
  #sensor: MPU6050 | undefined;
  #timer: Timer | undefined;
  #frame = new Int16Array(3);

  constructor(options: ImuSampleSourceOptions) {
    this.rate = MPU6050.rateDivider(options.rate).rate;
    this.range = options.range ?? 2;
    this.#options = options;
    const drainMs = options.drainInterval ?? Math.max(MIN_DRAIN_MS, Math.round(1000 / this.rate));
    if (!(drainMs >= 1 && drainMs < 1000)) throw new RangeError(`bad drain interval: ${drainMs} ms`);
    this.#drainMs = Math.ceil(drainMs);
  }

  /** FIFO overflows since the sensor was opened (samples lost while the thread was held). */
  get overruns(): number {
    return this.#sensor?.overruns ?? 0;
  }

  start(onFrame: (frame: Int16Array) => void): void {
    this.stop();
    const sensor = (this.#sensor ??= new MPU6050({ sensor: this.#options.sensor, rate: this.rate, range: this.range }));
    const frame = this.#frame;
    sensor.startFifo();
    this.#timer = Timer.repeat(() => {
      sensor.drain(frame, onFrame);
    }, this.#drainMs);
  }

  stop(): void {
    if (!this.#timer) return;
    Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#sensor?.stopFifo();
  }

  close(): void {
    this.stop();
    this.#sensor?.close();
    this.#sensor = undefined;
  }
}
