// Crypto on Moddable's crypt modules: SHA-256 by `crypt`'s Digest (native), ECDSA P-256
// verification by the SDK's `ecdsa` with `curve`("secp256r1") and `ecp` (the ones its TLS uses
// for server signatures; the point arithmetic is native, in modules/crypt/arith). This class adds
// what those modules leave to the caller: the public key must be an uncompressed point on the
// curve (RangeError otherwise), and r and s must lie in 1..n-1 (false otherwise).
import { Digest } from 'crypt';
import Curve from 'curve';
import ECDSA from 'ecdsa';
import ECPoint from 'ecp';
import type { Crypto } from '../interfaces';

/** What is used of a Digest; its native write() takes any byte buffer, whatever typings say. */
interface ByteDigest {
  reset(): void;
  write(bytes: Uint8Array): void;
  close(): ArrayBuffer;
}

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
/** The group order n, big-endian. */
const P256_N = Uint8Array.of(
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
);
const SCALAR_BYTES = 32;

export class ModdableCrypto implements Crypto {
  #digest = new Digest('SHA256') as unknown as ByteDigest;
  #curve = new Curve('secp256r1');
  #key: Uint8Array | undefined;
  #verifier: ECDSA | undefined;

  sha256(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(this.#hash(bytes));
  }

  verifyP256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const verifier = this.#verifierFor(publicKey);
    if (signature.byteLength !== 2 * SCALAR_BYTES) return false;
    if (!isScalar(signature, 0) || !isScalar(signature, SCALAR_BYTES)) return false;
    try {
      return verifier.verify(this.#hash(message), signature.slice().buffer) === true;
    } catch {
      return false;
    }
  }

  #hash(bytes: Uint8Array): ArrayBuffer {
    const digest = this.#digest;
    digest.reset();
    digest.write(bytes);
    return digest.close();
  }

  #verifierFor(publicKey: Uint8Array): ECDSA {
    const cached = this.#key;
    if (this.#verifier && cached && sameBytes(cached, publicKey)) return this.#verifier;
    const point = p256Point(publicKey);
    this.#verifier = new ECDSA(point, this.#curve, false);
    this.#key = publicKey.slice();
    return this.#verifier;
  }
}

/** The point of a 65-byte uncompressed P-256 key (04 ‖ x ‖ y), checked to lie on the curve. */
export function p256Point(key: Uint8Array): ECPoint {
  if (key.byteLength !== 1 + 2 * SCALAR_BYTES || key[0] !== 4)
    throw new RangeError('a P-256 public key is 65 bytes: 04 ‖ x ‖ y');
  const x = bigIntOf(key, 1, 1 + SCALAR_BYTES);
  const y = bigIntOf(key, 1 + SCALAR_BYTES, key.byteLength);
  const p = P256_P;
  const rhs = (((((x * x) % p) * x) % p) - 3n * x + P256_B) % p;
  if (x >= p || y >= p || (y * y) % p !== (rhs + p) % p) throw new RangeError('the public key is not a point on P-256');
  return new ECPoint(x, y);
}

/** Whether the 32 big-endian bytes at `at` hold a scalar in 1..n-1. */
function isScalar(bytes: Uint8Array, at: number): boolean {
  let zero = true;
  for (let i = 0; i < SCALAR_BYTES; i++) if (bytes[at + i] !== 0) zero = false;
  if (zero) return false;
  for (let i = 0; i < SCALAR_BYTES; i++) {
    const b = bytes[at + i];
    if (b !== P256_N[i]) return b < P256_N[i];
  }
  return false; // equal to n
}

function bigIntOf(bytes: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let i = from; i < to; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
