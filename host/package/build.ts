// Builds a finished package: encodes it, runs the device's own engine on sample inputs to
// record the self-test vectors, then signs it.
import { loadModel, LoadOptions } from '../../firmware/core/model';
import { PackageDef, Signer, encodePackage } from './encode';

export interface BuildOptions extends LoadOptions {
  /** Quantized inputs to embed as self-test vectors with the engine's exact outputs. */
  selfTestInputs?: ArrayLike<number>[];
  signer?: Signer;
}

export function buildPackage(def: Omit<PackageDef, 'selfTest'>, options: BuildOptions = {}): Uint8Array {
  const inputs = options.selfTestInputs ?? [];
  let selfTest: PackageDef['selfTest'];
  if (inputs.length > 0) {
    const model = loadModel(encodePackage(def), options);
    selfTest = { inputs: [], scores: [], classes: [] };
    for (const input of inputs) {
      model.input.set(input);
      selfTest.classes.push(model.predict());
      selfTest.inputs.push(Array.from(input));
      selfTest.scores.push(Array.from(model.scores));
    }
  }
  const bytes = encodePackage({ ...def, selfTest }, options.signer);
  loadModel(bytes, options); // the package must load exactly as a device will load it
  return bytes;
}
