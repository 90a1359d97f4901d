// The simulated sensor's signal on the Node side: the synthetic vibration generator (scenario
// switchable while running) or a recording (played in a loop).
import { readFileSync } from 'node:fs';
import { parseCsvRecords } from '../../host/data/csv';
import { type Scenario, VibrationSimulator } from '../../host/signals/synthetic';

export interface SignalSource {
  readonly axes: number;
  /** Writes the next frame (axes int16 values) at `out[at..]`. */
  next(out: Int16Array, at: number): void;
}

export class SyntheticSignal implements SignalSource {
  readonly axes = 3;
  readonly simulator: VibrationSimulator;

  constructor(options: { seed: number; scenario?: Scenario; rate: number }) {
    this.simulator = new VibrationSimulator({ seed: options.seed, scenario: options.scenario ?? 'normal', sampleRateHz: options.rate });
  }

  setScenario(scenario: Scenario, transitionSeconds?: number): void {
    this.simulator.setScenario(scenario, transitionSeconds);
  }

  next(out: Int16Array, at: number): void {
    this.simulator.nextFrame(out, at);
  }
}

export class RecordedSignal implements SignalSource {
  readonly axes: number;
  readonly #samples: Int16Array;
  readonly #frames: number;
  #frame = 0;

  /** `samples`: frames × axes interleaved counts. */
  constructor(samples: Int16Array, axes: number) {
    if (!Number.isInteger(axes) || axes < 1 || samples.length === 0 || samples.length % axes !== 0) {
      throw new RangeError(`a recording needs a whole number of ${axes}-axis frames (${samples.length} values)`);
    }
    this.axes = axes;
    this.#samples = samples;
    this.#frames = samples.length / axes;
  }

  /**
   * Reads a CSV recording: one frame per row; `columns` picks the sample columns by name or index
   * (default: every column whose first data row is numeric, except one named time/t/label).
   */
  static fromCsv(file: string, columns?: (string | number)[]): RecordedSignal {
    const records = parseCsvRecords(readFileSync(file, 'utf8')).map((r) => r.fields);
    if (records.length === 0) throw new RangeError(`${file}: empty recording`);
    const header = records[0]!.some((f) => f.trim() !== '' && !Number.isFinite(Number(f))) ? records.shift()! : undefined;
    const first = records[0];
    if (!first) throw new RangeError(`${file}: no data rows`);
    let picked: number[];
    if (columns) {
      picked = columns.map((c) => {
        const i = typeof c === 'number' ? c : header?.indexOf(c) ?? -1;
        if (i < 0 || i >= first.length) throw new RangeError(`${file}: no column ${c}`);
        return i;
      });
    } else {
      picked = first
        .map((_, i) => i)
        .filter((i) => Number.isFinite(Number(first[i])) && !/^(time|t|label|timestamp)$/i.test(header?.[i]?.trim() ?? ''));
    }
    if (picked.length === 0) throw new RangeError(`${file}: no sample columns`);
    const samples = new Int16Array(records.length * picked.length);
    records.forEach((row, r) => {
      picked.forEach((c, k) => {
        const v = Math.round(Number(row[c]));
        if (!Number.isFinite(v)) throw new RangeError(`${file}: row ${r + 1}, column ${c}: not a number`);
        samples[r * picked.length + k] = Math.max(-32768, Math.min(32767, v));
      });
    });
    return new RecordedSignal(samples, picked.length);
  }

  next(out: Int16Array, at: number): void {
    const base = this.#frame * this.axes;
    for (let k = 0; k < this.axes; k++) out[at + k] = this.#samples[base + k]!;
    this.#frame = (this.#frame + 1) % this.#frames;
  }
}
