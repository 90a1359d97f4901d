// The one entry point of the engine: load a package from bytes, predict, self-test.
// Loading validates everything and plans all memory; predict() allocates nothing.
import { Engine, InputSpec, OutputSpec } from './engine';
import { fail } from './errors';
import { Container, PackageHeader, parseContainer } from './package/container';
import { createGraphEngine } from './graph/engine';
import type { OpRegistry } from './graph/kernel';
import { KIND_TREES, SECTION_BODY, SECTION_FEATURES, SECTION_INPUT, SECTION_OUTPUT, SECTION_SELFTEST, SECTION_SIGNATURE } from './package/layout';
import { SelfTestResult, SelfTestVector, parseSelfTest, runSelfTest } from './package/selftest';
import { SignatureInfo, parseSignature } from './package/signature';
import { classOf, parseInputSpec, parseOutputSpec } from './package/specs';
import { quantizeInput } from './quantize';
import { TreeEngine } from './trees/engine';
import type { TreeKernel } from './trees/kernel';

export interface LoadOptions {
  /** Skip the CRC check (the caller verified it already). */
  readonly skipCrc?: boolean;
  /** Kernels for the int8 graph ops (default: the portable reference kernels). */
  readonly kernels?: OpRegistry;
  /** The tree walk (default: the portable reference walk). */
  readonly treeKernel?: TreeKernel;
}

export class Model {
  readonly bytes: Uint8Array;
  readonly header: PackageHeader;
  readonly inputSpec: InputSpec;
  readonly outputSpec: OutputSpec;
  readonly engine: Engine;
  readonly selfTestVectors: readonly SelfTestVector[];
  readonly signature: SignatureInfo | undefined;
  /** Raw FEATURES section (signal pipeline configuration), if the package has one. */
  readonly features: Uint8Array | undefined;
  readonly #signedEnd: number;

  constructor(bytes: Uint8Array, container: Container, engine: Engine, input: InputSpec, output: OutputSpec) {
    const s = container.sections;
    this.bytes = bytes;
    this.header = container.header;
    this.inputSpec = input;
    this.outputSpec = output;
    this.engine = engine;
    this.selfTestVectors = s[SECTION_SELFTEST] ? parseSelfTest(s[SECTION_SELFTEST], input, output) : [];
    this.signature = s[SECTION_SIGNATURE] ? parseSignature(s[SECTION_SIGNATURE]) : undefined;
    this.features = s[SECTION_FEATURES];
    if (this.features && this.features.length < 4) fail('BAD_SECTION', 'FEATURES section too short');
    this.#signedEnd = container.signedEnd;
    // An engine whose kernel runs and classifies in one call (the native tree walk) is
    // predict() itself: nothing between the caller and the host call but the kernel's closure.
    if (engine.classify) this.predict = engine.classify;
  }

  /** Quantized input buffer: fill it (or call setInput) and then predict(). */
  get input(): Int8Array | Int16Array { return this.engine.input; }
  /** Raw integer scores of the last prediction; real = (q - zeroPoint) * scale. */
  get scores(): Int32Array { return this.engine.scores; }
  get arenaBytes(): number { return this.engine.arenaBytes; }

  /** Quantizes real-valued inputs into the input buffer. */
  setInput(values: ArrayLike<number>): void {
    if (values.length !== this.inputSpec.elementCount) fail('BAD_ARGUMENT', `expected ${this.inputSpec.elementCount} inputs, got ${values.length}`);
    quantizeInput(this.inputSpec, values, this.engine.input);
  }

  /** Runs the model on the input buffer; returns the class index (-1 for regression). Replaced
   * by the engine's `classify` when it has one (the same result in one call). */
  predict(): number {
    this.engine.run();
    return classOf(this.engine.scores, this.outputSpec);
  }

  /** Runs the embedded self-test vectors; leaves the input buffer holding the last one. */
  selfTest(): SelfTestResult {
    return runSelfTest(this.engine, this.outputSpec, this.selfTestVectors);
  }

  /** Exactly the bytes the signature covers (header, table and all sections before it). */
  signedBytes(): Uint8Array {
    return this.bytes.subarray(0, this.#signedEnd);
  }

  /** Real value of score i. */
  realScore(i: number): number {
    return (this.engine.scores[i] - this.outputSpec.zeroPoint) * this.outputSpec.scale;
  }
}

export function loadModel(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const container = parseContainer(bytes, { skipCrc: options.skipCrc });
  const s = container.sections as Uint8Array[];
  const input = parseInputSpec(s[SECTION_INPUT]);
  const output = parseOutputSpec(s[SECTION_OUTPUT]);
  const engine: Engine = container.header.kind === KIND_TREES
    ? new TreeEngine(s[SECTION_BODY], input, output, options.treeKernel)
    : createGraphEngine(s[SECTION_BODY], input, output, options.kernels);
  return new Model(bytes, container, engine, input, output);
}
