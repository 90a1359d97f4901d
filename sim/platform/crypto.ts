// The simulator's Crypto (firmware/platform/interfaces.ts) on node:crypto: SHA-256 and ECDSA
// P-256 verification with the device's key format (65-byte uncompressed point, r ‖ s signature).
import { KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import type { Crypto } from '../../firmware/platform/interfaces';

export class NodeCrypto implements Crypto {
  readonly #keys = new Map<string, KeyObject | null>();

  sha256(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha256').update(bytes).digest());
  }

  verifyP256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== 64) return false;
    const key = this.#key(publicKey);
    if (!key) return false;
    try {
      return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  }

  #key(raw: Uint8Array): KeyObject | null {
    const id = Buffer.from(raw).toString('hex');
    let key = this.#keys.get(id);
    if (key === undefined) {
      key = null;
      if (raw.length === 65 && raw[0] === 4) {
        try {
          key = createPublicKey({
            key: { kty: 'EC', crv: 'P-256', x: Buffer.from(raw.subarray(1, 33)).toString('base64url'), y: Buffer.from(raw.subarray(33)).toString('base64url') },
            format: 'jwk',
          });
        } catch {
          key = null; // not a point on the curve
        }
      }
      this.#keys.set(id, key);
    }
    return key;
  }
}

export const nodeCrypto: Crypto = new NodeCrypto();
