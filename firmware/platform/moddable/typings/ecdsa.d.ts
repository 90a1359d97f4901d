// Local declarations for Moddable SDK modules that @moddable/typings does not declare:
// "ecdsa" (modules/crypt/etc/ecdsa.js). Verification: new ECDSA(publicPoint, curve, false).
declare module 'ecdsa' {
  import ECPoint from 'ecp';
  import Curve from 'curve';

  export default class ECDSA {
    /** `key` is the public point to verify, the private scalar to sign. */
    constructor(key: ECPoint | bigint, curve: Curve, isPrivate?: boolean);
    /**
     * Verifies signature `sig` over the hash `H`: r ‖ s, each `curve.orderSize` bytes, or DER
     * when `asn1` is true.
     */
    verify(H: ArrayBuffer, sig: ArrayBuffer, asn1?: boolean): boolean;
    sign(H: ArrayBuffer, asn1?: boolean): ArrayBuffer;
  }
}
