// Signed tree packages with a FEATURES section (window 256, hop 128, 3 axes at 1 kHz), built
// as the host builds them, and the synthetic vibration recording a scripted sensor plays.
import { createHash } from 'node:crypto';
import { DTYPE_INT16, POST_NORMALIZE, TASK_CLASSIFICATION } from '../../firmware/core/engine';
import { FeatureConfig, createFeaturePipeline } from '../../firmware/core/features/index';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { ENSEMBLE_SINGLE, LEAF_INT16, SPLIT_LE } from '../../firmware/core/trees/body';
import { buildPackage } from '../../host/package/build';
import { PackageDef, Signer, encodePackage } from '../../host/package/encode';
import { createSigner, generateSigningKeys, rawPublicKey } from '../../host/package/signing';
import { TreeNodeDef, encodeTreeBody } from '../../host/package/tree-body';
import { encodeFeatureConfig, featureConfig, featureInputQuantization } from '../../host/signals/encode';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from '../support/prng';
import { SCENARIOS, VibrationStream, vibrationDataset, vibrationStream } from '../../host/signals/synthetic';

export const CONFIG: FeatureConfig = featureConfig({
  windowLength: 256, hop: 128, channels: 3, sampleRateHz: 1000,
  features: ['rms', 'p2p', 'zc', 'bands'], bandsHz: [[15, 40], [40, 80], [250, 420]],
});

export interface Keys { signer: Signer; raw: Uint8Array }

export function makeKeys(): Keys {
  const pem = generateSigningKeys();
  return { signer: createSigner(pem.privateKeyPem), raw: rawPublicKey(pem.publicKeyPem) };
}

let cached: { def: Omit<PackageDef, 'selfTest' | 'modelVersion' | 'name'>; inputs: number[][] } | undefined;

/** The tree on band features (as test/features/model.test.ts builds it) and self-test inputs. */
function baseDef(): NonNullable<typeof cached> {
  if (cached) return cached;
  const pipeline = createFeaturePipeline(CONFIG);
  const names = pipeline.featureNames();
  const data = vibrationDataset({ seed: 7, machines: 3, windowsPerScenario: 6 });
  const rows = data.windows.map((w) => { const out = new Int16Array(pipeline.featureCount); pipeline.compute(w, out); return out; });
  const mean = (name: string, label: number) => {
    const f = names.indexOf(name);
    const sel = rows.filter((_, i) => data.labels[i] === label);
    return sel.reduce((s, r) => s + r[f], 0) / sel.length;
  };
  const split = (name: string, fault: number) => ({ feature: names.indexOf(name), threshold: Math.round((mean(name, 0) + mean(name, fault)) / 2) });
  const leaf = (cls: number): TreeNodeDef => ({ leaf: SCENARIOS.map((_, i) => (i === cls ? 32767 : 0)) });
  const root: TreeNodeDef = {
    ...split('ch2.band[64,108)', 3), right: leaf(3),
    left: { ...split('ch1.band[11,21)', 2), right: leaf(2), left: { ...split('ch0.band[4,11)', 1), right: leaf(1), left: leaf(0) } },
  };
  const featureCount = pipeline.featureCount;
  const quant = featureInputQuantization(CONFIG);
  const def = {
    kind: KIND_TREES, createdAt: 1_790_000_000,
    input: { dtype: DTYPE_INT16, dims: [featureCount], ...quant },
    output: { task: TASK_CLASSIFICATION, postprocess: POST_NORMALIZE, classCount: 4, scoreCount: 4, scale: 1 / 32767, zeroPoint: 0, labels: [...SCENARIOS] },
    body: encodeTreeBody({ ensemble: ENSEMBLE_SINGLE, split: SPLIT_LE, leafType: LEAF_INT16, featureCount, scoreCount: 4, trees: [{ root }] }).body,
    features: encodeFeatureConfig(CONFIG),
  };
  const inputs = [0, 5, 10, 20].map((i) => Array.from(rows[i % rows.length]));
  cached = { def: def as NonNullable<typeof cached>['def'], inputs };
  return cached;
}

export function featurePackage(options: { version: number; signer?: Signer; name?: string; wrongSelfTest?: boolean }): Uint8Array {
  const { def, inputs } = baseDef();
  const full = { ...def, name: options.name ?? `vibration-v${options.version}`, modelVersion: options.version } as Omit<PackageDef, 'selfTest'>;
  if (options.wrongSelfTest) {
    return encodePackage({ ...full, selfTest: { inputs, scores: inputs.map(() => [1, 2, 3, 4]), classes: inputs.map(() => 3) } }, options.signer);
  }
  return buildPackage(full, { selfTestInputs: inputs, signer: options.signer });
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

let stream: VibrationStream | undefined;
/** 8 s of a machine going normal → imbalance → bearing (8000 frames). */
export function recording(): VibrationStream {
  stream ??= vibrationStream({
    seed: 99,
    segments: [{ scenario: 'normal', seconds: 3 }, { scenario: 'imbalance', seconds: 3 }, { scenario: 'bearing', seconds: 2 }],
  });
  return stream;
}

/** A random forest on `features` raw int16 inputs (no FEATURES section), signed, with self-tests. */
export function rawPackage(options: { version: number; features: number; signer?: Signer; seed?: number }): Uint8Array {
  const rng = new Prng(options.seed ?? 5 + options.version);
  const tree = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: 4, depth: 5, features: options.features, classes: 3, earlyLeaf: 0.1 });
  const def = { ...treePackageDef(tree, 3, `raw-v${options.version}`), modelVersion: options.version };
  const inputs = Array.from({ length: 2 }, () => Array.from({ length: options.features }, () => rng.int(-3000, 3000)));
  return buildPackage(def, { selfTestInputs: inputs, signer: options.signer });
}
