// The package a rollout offers: checked before anything is published (a file that is not a
// valid package is refused here, not by every device), its hash, and the OFFER bytes.
import { createHash } from 'node:crypto';
import { encodeOffer, forceSignedBytes, hashPrefix } from '../../firmware/core/fleet/index';
import { loadModel } from '../../firmware/core/model';
import { createSigner } from '../package/signing';

export interface FleetPackage {
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly name: string;
  readonly version: number;
  readonly sha256: Uint8Array;
  readonly sha256Hex: string;
  /** The 8 bytes CHUNK_REQUEST and CHUNK name it by, as hex. */
  readonly hashPrefixHex: string;
  readonly signed: boolean;
}

/** Throws ModelError (exit 3 in the CLI) for bytes that are not a package this firmware format reads. */
export function preparePackage(bytes: Uint8Array): FleetPackage {
  const model = loadModel(bytes);
  const sha256 = new Uint8Array(createHash('sha256').update(bytes).digest());
  return {
    bytes, size: bytes.length, name: model.header.name, version: model.header.modelVersion, sha256,
    sha256Hex: Buffer.from(sha256).toString('hex'),
    hashPrefixHex: Buffer.from(hashPrefix(sha256)).toString('hex'),
    signed: model.signature !== undefined,
  };
}

/** The OFFER payload; with `forceKeyPem` (the signing key's private PEM) a signed FORCE offer that allows a downgrade. */
export function offerFor(pkg: FleetPackage, forceKeyPem?: string): Uint8Array {
  const offer = { size: pkg.size, modelVersion: pkg.version, sha256: pkg.sha256 };
  if (forceKeyPem === undefined) return encodeOffer(offer);
  return encodeOffer({ ...offer, signature: createSigner(forceKeyPem).sign(forceSignedBytes(offer)) });
}
