// Node side of test/features/fixtures/features-entry.ts: the feature pipeline in real XS.
import { fileURLToPath } from 'node:url';
import { XsRunner } from '../../sim/xs/runner';
import type { AllocationMeasure } from '../../sim/xs/runner';

const ENTRY = fileURLToPath(new URL('./fixtures/features-entry.ts', import.meta.url));
const decoder = new TextDecoder();

function bytesOf(values: Int16Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setInt16(2 * i, x, true));
  return out;
}

function int16sOf(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length / 2);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = v.getInt16(2 * i, true);
  return out;
}

export class XsFeatures {
  readonly #runner: XsRunner;
  featureCount = 0;
  windowValues = 0;

  private constructor(runner: XsRunner) {
    this.#runner = runner;
  }

  static async start(): Promise<XsFeatures> {
    return new XsFeatures(await XsRunner.start(ENTRY));
  }

  async configure(section: Uint8Array): Promise<void> {
    const [count, values] = decoder.decode((await this.#runner.call('configure', section)).reply).split(' ').map(Number);
    this.featureCount = count;
    this.windowValues = values;
  }

  /** "OK <featureCount>" or the ModelError code. */
  async tryConfigure(section: Uint8Array): Promise<string> {
    return decoder.decode((await this.#runner.call('tryConfigure', section)).reply);
  }

  /** Features of each window, concatenated. */
  async compute(windows: Int16Array[]): Promise<Int16Array[]> {
    const all = new Int16Array(windows.length * this.windowValues);
    windows.forEach((w, i) => all.set(w, i * this.windowValues));
    const out = int16sOf((await this.#runner.call('compute', bytesOf(all))).reply);
    return windows.map((_, i) => out.slice(i * this.featureCount, (i + 1) * this.featureCount));
  }

  /** Frames pushed one at a time through a WindowBuffer in XS: the features of every ready window. */
  async stream(frames: Int16Array): Promise<Int16Array[]> {
    const out = int16sOf((await this.#runner.call('stream', bytesOf(frames))).reply);
    const result: Int16Array[] = [];
    for (let i = 0; i < out.length; i += this.featureCount) result.push(out.slice(i, i + this.featureCount));
    return result;
  }

  /** The device loop in XS (WindowBuffer → compute into model.input → predict): the class of each window. */
  async classifyStream(pkg: Uint8Array, frames: Int16Array): Promise<number[]> {
    const payload = new Uint8Array(4 + pkg.length + frames.length * 2);
    new DataView(payload.buffer).setUint32(0, pkg.length, true);
    payload.set(pkg, 4);
    payload.set(bytesOf(frames), 4 + pkg.length);
    return Array.from((await this.#runner.call('classifyStream', payload)).reply);
  }

  /** Deterministic computrons of one compute() on `window`, the call overhead subtracted. */
  async computronsPerWindow(window: Int16Array, iterations = 10): Promise<number> {
    await this.#runner.call('setWindow', bytesOf(window));
    const times = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
    await this.#runner.call('repeat', times(1));
    const none = (await this.#runner.call('repeat', times(0))).meter.compute;
    const many = (await this.#runner.call('repeat', times(iterations))).meter.compute;
    return (many - none) / iterations;
  }

  /** Heap slots one compute() allocates after warm-up (0 when it allocates nothing). */
  async allocationPerWindow(window: Int16Array): Promise<AllocationMeasure> {
    await this.#runner.call('setWindow', bytesOf(window));
    return this.#runner.measureAllocation('computeOnce', undefined, { warmup: 2, samples: 3 });
  }

  close(): Promise<void> {
    return this.#runner.close();
  }
}
