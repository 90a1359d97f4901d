// ECDSA P-256 / SHA-256 keys and signatures for packages (node:crypto). Devices trust the
// public key; the signature is r ‖ s (IEEE P1363), as the SIGNATURE section stores it.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, KeyObject } from 'node:crypto';
import type { Signer } from './encode';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateSigningKeys(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The 65-byte uncompressed point (04 ‖ x ‖ y): the form a device stores as its trusted key. */
export function rawPublicKey(publicKey: KeyObject | string): Uint8Array {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new RangeError('not a P-256 public key');
  const raw = new Uint8Array(65);
  raw[0] = 4;
  raw.set(Buffer.from(jwk.x, 'base64url'), 1);
  raw.set(Buffer.from(jwk.y, 'base64url'), 33);
  return raw;
}

export function keyIdOf(publicKey: KeyObject | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(rawPublicKey(publicKey)).digest().subarray(0, 8));
}

export function createSigner(privateKeyPem: string): Signer {
  const privateKey = createPrivateKey(privateKeyPem);
  const keyId = keyIdOf(createPublicKey(privateKey));
  return {
    keyId,
    sign: (bytes) => new Uint8Array(sign('sha256', bytes, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
  };
}

export function verifySignature(publicKeyPem: string, signed: Uint8Array, signature: Uint8Array): boolean {
  return verify('sha256', signed, { key: createPublicKey(publicKeyPem), dsaEncoding: 'ieee-p1363' }, signature);
}
