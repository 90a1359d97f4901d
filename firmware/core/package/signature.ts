// SIGNATURE section. Verifying it is the platform's job (ECDSA P-256 / SHA-256); the core
// says exactly which bytes were signed and hands over r‖s and the key id.
import { fail } from '../errors';
import { KEY_ID_BYTES, SIGNATURE_ALG_ECDSA_P256_SHA256, SIGNATURE_BYTES, SIGNATURE_SECTION_BYTES } from './layout';

export interface SignatureInfo {
  readonly algorithm: number;
  /** r ‖ s, 32 bytes each, big-endian (IEEE P1363). */
  readonly signature: Uint8Array;
  /** First 8 bytes of SHA-256 of the signer's uncompressed public key. */
  readonly keyId: Uint8Array;
}

export function parseSignature(s: Uint8Array): SignatureInfo {
  if (s.length !== SIGNATURE_SECTION_BYTES) fail('BAD_SIGNATURE_SECTION', `length ${s.length}`);
  if (s[0] !== SIGNATURE_ALG_ECDSA_P256_SHA256) fail('BAD_SIGNATURE_SECTION', `algorithm ${s[0]}`);
  if (s[1] !== 0 || (s[2] | (s[3] << 8)) !== SIGNATURE_BYTES) fail('BAD_SIGNATURE_SECTION', 'bad signature length field');
  return {
    algorithm: s[0],
    signature: s.subarray(4, 4 + SIGNATURE_BYTES),
    keyId: s.subarray(4 + SIGNATURE_BYTES, 4 + SIGNATURE_BYTES + KEY_ID_BYTES),
  };
}
