// Packages for fleet tests: the feature model of test/device/packages.ts (small), or a forest on
// the same features grown to a given size (a transfer that takes many chunks), signed.
import { createFeaturePipeline } from '../../firmware/core/features/index';
import { buildPackage } from '../../host/package/build';
import type { Signer } from '../../host/package/encode';
import { encodeFeatureConfig, featureInputQuantization } from '../../host/signals/encode';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { CONFIG, featurePackage } from '../device/packages';
import { Prng } from '../support/prng';

export { featurePackage } from '../device/packages';

/** A signed forest on the device's features of about `bytes` bytes (at least), version `version`. */
export function largeFeaturePackage(options: { version: number; bytes: number; signer: Signer; seed?: number }): Uint8Array {
  const featureCount = createFeaturePipeline(CONFIG).featureCount;
  const build = (trees: number) => {
    const rng = new Prng(options.seed ?? 1000 + options.version);
    const forest = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees, depth: 7, features: featureCount, classes: 4, earlyLeaf: 0.05 });
    const base = treePackageDef(forest, 4, `forest-v${options.version}`);
    const def = {
      ...base, modelVersion: options.version,
      input: { ...base.input, ...featureInputQuantization(CONFIG) },
      output: { ...base.output, labels: ['normal', 'imbalance', 'misalignment', 'bearing'] },
      features: encodeFeatureConfig(CONFIG),
    };
    const inputs = Array.from({ length: 2 }, () => Array.from({ length: featureCount }, () => rng.int(-3000, 3000)));
    return buildPackage(def, { selfTestInputs: inputs, signer: options.signer });
  };
  const one = build(1).length;
  let trees = Math.max(1, Math.ceil(options.bytes / one));
  let bytes = build(trees);
  while (bytes.length < options.bytes) bytes = build(++trees);
  return bytes;
}

/** The feature model whose self-test vectors do not match what it computes: every device refuses to activate it. */
export function failingSelfTestPackage(version: number, signer: Signer): Uint8Array {
  return featurePackage({ version, signer, wrongSelfTest: true });
}
