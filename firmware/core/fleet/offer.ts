// OFFER (retained on ota/offer; empty: withdrawn): the package the host wants the device to
// pull. FORCE accepts a version not newer than the active one, and only with an ECDSA P-256
// signature by the trusted key over forceSignedBytes(): a downgrade needs the signing key.
import { encodeUtf8 } from '../protocol/index';
import { fleetFail } from './errors';
import { FLEET_LAYOUT, SHA256_BYTES, checkBytes, checkPayload, checkU32, checkZeros, getU32, setU32 } from './layout';

export const OFFER_BYTES = 44;
export const SIGNATURE_BYTES = 64;
export const FORCED_OFFER_BYTES = OFFER_BYTES + SIGNATURE_BYTES;
export const OFFER_FORCE = 1;
/** What the force signature covers: these ASCII bytes, then bytes [4, 44) of the offer. */
export const FORCE_CONTEXT = 'edgeml-force-1';

export interface Offer {
  readonly size: number;
  readonly modelVersion: number;
  readonly sha256: Uint8Array;
  /** FORCE only: r ‖ s over forceSignedBytes(). */
  readonly signature?: Uint8Array;
}

export function isForced(offer: Offer): boolean { return offer.signature !== undefined; }

export function encodeOffer(o: Offer): Uint8Array {
  checkU32(o.size, 1, 'size');
  checkU32(o.modelVersion, 0, 'modelVersion');
  checkBytes(o.sha256, SHA256_BYTES, 'sha256');
  if (o.signature !== undefined) checkBytes(o.signature, SIGNATURE_BYTES, 'signature');
  const out = new Uint8Array(o.signature ? FORCED_OFFER_BYTES : OFFER_BYTES);
  out[0] = FLEET_LAYOUT;
  out[1] = o.signature ? OFFER_FORCE : 0;
  setU32(out, 4, o.size);
  setU32(out, 8, o.modelVersion);
  out.set(o.sha256, 12);
  if (o.signature) out.set(o.signature, OFFER_BYTES);
  return out;
}

export function decodeOffer(p: Uint8Array): Offer {
  checkPayload(p, OFFER_BYTES, false, 'OFFER');
  const flags = p[1];
  if ((flags & ~OFFER_FORCE) !== 0) fleetFail('BAD_RESERVED', `OFFER: unknown flags 0x${flags.toString(16)}`);
  const force = flags === OFFER_FORCE;
  const size = force ? FORCED_OFFER_BYTES : OFFER_BYTES;
  if (p.length !== size) fleetFail('BAD_SIZE', `OFFER${force ? ' with FORCE' : ''}: ${p.length} bytes, expected ${size}`);
  checkZeros(p, 2, 4, 'OFFER');
  const packageSize = getU32(p, 4);
  if (packageSize < 1) fleetFail('BAD_FIELD', 'OFFER: package size 0');
  return {
    size: packageSize,
    modelVersion: getU32(p, 8),
    sha256: p.slice(12, 12 + SHA256_BYTES),
    signature: force ? p.slice(OFFER_BYTES, FORCED_OFFER_BYTES) : undefined,
  };
}

/** The exact bytes a FORCE signature covers for an offer of this size, version and hash. */
export function forceSignedBytes(o: Pick<Offer, 'size' | 'modelVersion' | 'sha256'>): Uint8Array {
  checkU32(o.size, 1, 'size');
  checkU32(o.modelVersion, 0, 'modelVersion');
  checkBytes(o.sha256, SHA256_BYTES, 'sha256');
  const context = encodeUtf8(FORCE_CONTEXT);
  const out = new Uint8Array(context.length + OFFER_BYTES - 4);
  out.set(context, 0);
  const at = context.length;
  setU32(out, at, o.size);
  setU32(out, at + 4, o.modelVersion);
  out.set(o.sha256, at + 8);
  return out;
}
