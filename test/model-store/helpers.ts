// Packages, keys and a driver for the model-store tests: small tree ensembles built and signed
// exactly as the host builds them.
import { createHash } from 'node:crypto';
import { ModelStore, ModelStoreOptions } from '../../firmware/app/model-store';
import type { BeginResult, EndResult } from '../../firmware/app/model-store';
import { buildPackage } from '../../host/package/build';
import { PackageDef, Signer, encodePackage } from '../../host/package/encode';
import { KeyPairPem, createSigner, generateSigningKeys, rawPublicKey } from '../../host/package/signing';
import { nodeCrypto } from '../../sim/platform/crypto';
import type { ModelStorage } from '../../firmware/platform/interfaces';
import { ENSEMBLES, randomEnsemble, treePackageDef } from '../../tools/reference-trees';
import { Prng } from '../support/prng';

export interface TestKeys {
  pem: KeyPairPem;
  signer: Signer;
  raw: Uint8Array;
}

export function makeKeys(): TestKeys {
  const pem = generateSigningKeys();
  return { pem, signer: createSigner(pem.privateKeyPem), raw: rawPublicKey(pem.publicKeyPem) };
}

export interface PackageOptions {
  version: number;
  seed?: number;
  /** Input features (default 12). */
  features?: number;
  /** Trees in the forest (default 6): the package grows with it. */
  trees?: number;
  signer?: Signer;
  /** Self-test vectors (default 3). */
  selfTests?: number;
  name?: string;
}

/** The package definition and the self-test inputs of a random forest. */
export function packageDef(options: PackageOptions): { def: Omit<PackageDef, 'selfTest'>; inputs: number[][] } {
  const rng = new Prng(options.seed ?? options.version * 101);
  const features = options.features ?? 12;
  const tree = randomEnsemble(rng, { ensemble: ENSEMBLES.soft, trees: options.trees ?? 6, depth: 6, features, classes: 4, earlyLeaf: 0.1 });
  const def = { ...treePackageDef(tree, 4, options.name ?? `forest-v${options.version}`), modelVersion: options.version };
  const inputs = Array.from({ length: options.selfTests ?? 3 }, () => Array.from({ length: features }, () => rng.int(-3000, 3000)));
  return { def, inputs };
}

export function makePackage(options: PackageOptions): Uint8Array {
  const { def, inputs } = packageDef(options);
  return buildPackage(def, { selfTestInputs: inputs, signer: options.signer });
}

/** A package whose self-test vectors expect other scores than the model gives (signed, CRC right). */
export function packageWithWrongSelfTest(options: PackageOptions): Uint8Array {
  const { def, inputs } = packageDef(options);
  const scores = inputs.map(() => [1, 2, 3, 4]);
  return encodePackage({ ...def, selfTest: { inputs, scores, classes: inputs.map(() => 3) } }, options.signer);
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function storeOptions(keys: TestKeys | undefined, extra: Partial<ModelStoreOptions> = {}): ModelStoreOptions {
  return { crypto: nodeCrypto, trustedKey: keys?.raw, ...extra };
}

export function openStore(storage: ModelStorage, keys: TestKeys | undefined, extra: Partial<ModelStoreOptions> = {}): ModelStore {
  const store = new ModelStore(storage, storeOptions(keys, extra));
  store.boot();
  return store;
}

export interface UploadOptions {
  chunk?: number;
  force?: boolean;
  restart?: boolean;
  /** The SHA-256 to announce (default: the package's). */
  announce?: Uint8Array;
  /** The version to announce (default: the header's). */
  version?: number;
}

/** MODEL_BEGIN, MODEL_CHUNKs from the resume offset, MODEL_END, as a host does. */
export function upload(store: ModelStore, pkg: Uint8Array, options: UploadOptions = {}): { begin: BeginResult; end: EndResult } {
  const chunk = options.chunk ?? 300;
  const begin = store.begin({
    size: pkg.length,
    sha256: options.announce ?? sha256(pkg),
    modelVersion: options.version ?? headerVersion(pkg),
    force: options.force,
    restart: options.restart,
  });
  let at = begin.resumeOffset;
  while (at < pkg.length) {
    const ack = store.write(at, pkg.subarray(at, Math.min(pkg.length, at + chunk)));
    at = ack.nextOffset;
  }
  return { begin, end: store.end() };
}

export function headerVersion(pkg: Uint8Array): number {
  return new DataView(pkg.buffer, pkg.byteOffset).getUint32(8, true);
}

/** Re-encodes a package's CRC after a change to its bytes. */
export function fixCrc(pkg: Uint8Array, crc: (b: Uint8Array, s: number, e: number) => number): Uint8Array {
  const out = pkg.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc(out, 0, out.length - 4), true);
  return out;
}
