// Node side of the engine service: runs firmware/core inside the real XS engine and gives
// predictions, computrons and heap use per inference. With `native`, it runs in the native XS
// host (sim/xs-host) with the Moddable platform's native kernels, switchable to the reference
// ones in the same machine (useKernels).
import { fileURLToPath } from 'node:url';
import { xsHostBinary } from '../xs-host/paths';
import { XsRunner } from './runner';
import type { AllocationMeasure } from './runner';

const ENTRY = fileURLToPath(new URL('./engine-entry.ts', import.meta.url));
const NATIVE_ENTRY = fileURLToPath(new URL('./engine-native-entry.ts', import.meta.url));

export interface XsEngineOptions {
  /** Run in the native XS host with the native kernels (default false: stock xsnap, reference kernels). */
  native?: boolean;
}

export interface XsModelInfo {
  arenaBytes: number;
  elementCount: number;
  elementBytes: number;
  scoreCount: number;
}

export interface XsPrediction {
  scores: Int32Array;
  predictedClass: number;
}

export class XsEngine {
  readonly #runner: XsRunner;
  #info: XsModelInfo | undefined;

  private constructor(runner: XsRunner) {
    this.#runner = runner;
  }

  static async start(options: XsEngineOptions = {}): Promise<XsEngine> {
    if (!options.native) return new XsEngine(await XsRunner.start(ENTRY));
    const engine = new XsEngine(await XsRunner.start(NATIVE_ENTRY, { binary: xsHostBinary() }));
    await engine.useKernels('native');
    return engine;
  }

  /** The kernels of the next load() and tryRun(): 'native' needs an engine started with `native`. */
  async useKernels(kernels: 'native' | 'reference'): Promise<void> {
    await this.#runner.call('kernels', new TextEncoder().encode(kernels));
  }

  /** Loads a package in XS; rejects with the XS ModelError message when it is refused. */
  async load(bytes: Uint8Array): Promise<XsModelInfo> {
    this.#info = undefined;
    const { reply } = await this.#runner.call('load', bytes);
    this.#info = JSON.parse(new TextDecoder().decode(reply)) as XsModelInfo;
    return this.#info;
  }

  /** Loads, predicts once and self-tests; returns "OK pass|fail <scores>" or the ModelError code. */
  async tryRun(bytes: Uint8Array): Promise<string> {
    return new TextDecoder().decode((await this.#runner.call('tryRun', bytes)).reply);
  }

  /** Runs the loaded model on quantized inputs (int8 or int16 values). */
  async predict(inputs: ArrayLike<number>[]): Promise<XsPrediction[]> {
    const info = this.#loaded();
    const { reply } = await this.#runner.call('predict', encodeInputs(info, inputs));
    const words = new Int32Array(reply.buffer.slice(reply.byteOffset, reply.byteOffset + reply.length));
    const stride = info.scoreCount + 1;
    return inputs.map((_, n) => ({
      scores: words.slice(n * stride, n * stride + info.scoreCount),
      predictedClass: words[n * stride + info.scoreCount],
    }));
  }

  async selfTest(): Promise<{ passed: boolean; count: number; failedVector: number }> {
    const { reply } = await this.#runner.call('selfTest');
    const w = new Int32Array(reply.buffer.slice(reply.byteOffset, reply.byteOffset + 12));
    return { passed: w[0] === 1, count: w[1], failedVector: w[2] };
  }

  /** Deterministic XS computrons of one predict() on `input`, the command's overhead
   * subtracted (the call of predict() is counted; the loop around it adds 1.5 computrons per
   * inference when `iterations` is a multiple of 8, 12 per inference beyond one). */
  computronsPerInference(input: ArrayLike<number>, iterations = 32): Promise<number> {
    return this.#computronsPerCall('repeat', input, iterations);
  }

  /** Trees with leaf rows (dense or sparse leaves): the computrons of the walk alone on
   * `input` (every tree's leaf found, nothing added, no class picked), measured as
   * computronsPerInference measures predict(). */
  walkComputronsPerInference(input: ArrayLike<number>, iterations = 32): Promise<number> {
    return this.#computronsPerCall('repeatWalk', input, iterations);
  }

  async #computronsPerCall(command: 'repeat' | 'repeatWalk', input: ArrayLike<number>, iterations: number): Promise<number> {
    const info = this.#loaded();
    await this.#runner.call('setInput', encodeInputs(info, [input]));
    const times = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
    await this.#runner.call(command, times(2)); // warm-up
    const none = (await this.#runner.call(command, times(0))).meter.compute;
    const many = (await this.#runner.call(command, times(iterations))).meter.compute;
    return (many - none) / iterations;
  }

  /**
   * Wall-clock microseconds of one predict() on `input`: `repeat` commands timed with
   * process.hrtime around many inferences in one XS command, minus an empty command (the
   * round trip), the fastest of a few trials. Runs grow until a trial takes `minMs` (by
   * fours: a multiple of 8 inferences from 16 on, so the loop adds 1.5 computrons each).
   */
  async microsecondsPerInference(input: ArrayLike<number>, minMs = 40): Promise<number> {
    const info = this.#loaded();
    await this.#runner.call('setInput', encodeInputs(info, [input]));
    const times = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
    const timed = async (n: number): Promise<number> => {
      let best = Infinity;
      for (let trial = 0; trial < 3; trial++) {
        const start = process.hrtime.bigint();
        await this.#runner.call('repeat', times(n));
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000);
      }
      return best;
    };
    await timed(2); // warm-up
    let n = 1;
    while ((await timed(n)) < minMs * 1000 && n < 1 << 24) n *= 4;
    return Math.max(0, (await timed(n)) - (await timed(0))) / n;
  }

  /** Heap allocated by one predict() after warm-up (0 when inference allocates nothing). */
  async allocationPerInference(): Promise<AllocationMeasure> {
    this.#loaded();
    return this.#runner.measureAllocation('predictOnce', undefined, { warmup: 2, samples: 3 });
  }

  /** Fixed-point primitives in XS on (a, b, shift) triples: [srdhm(a,b), rdbpot(a,|shift|), mbqm(a,b,shift)]. */
  async fixedPoint(triples: [number, number, number][]): Promise<Int32Array> {
    const payload = new Int32Array(triples.flat());
    const { reply } = await this.#runner.call('fixedPoint', new Uint8Array(payload.buffer));
    return new Int32Array(reply.buffer.slice(reply.byteOffset, reply.byteOffset + reply.length));
  }

  close(): Promise<void> {
    return this.#runner.close();
  }

  #loaded(): XsModelInfo {
    if (!this.#info) throw new Error('no model loaded in XS');
    return this.#info;
  }
}

function encodeInputs(info: XsModelInfo, inputs: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(inputs.length * info.elementCount * info.elementBytes);
  const v = new DataView(out.buffer);
  inputs.forEach((input, n) => {
    if (input.length !== info.elementCount) throw new RangeError(`input ${n} has ${input.length} elements, the model takes ${info.elementCount}`);
    for (let i = 0; i < info.elementCount; i++) {
      const at = (n * info.elementCount + i) * info.elementBytes;
      if (info.elementBytes === 1) v.setInt8(at, input[i]);
      else v.setInt16(at, input[i], true);
    }
  });
  return out;
}
