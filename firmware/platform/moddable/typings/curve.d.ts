// Local declarations for Moddable SDK modules that @moddable/typings does not declare:
// "curve" (modules/crypt/etc/curve.js), the named NIST curves used by ECDSA and ECDH.
declare module 'curve' {
  import ECPoint from 'ecp';

  export default class Curve {
    /** Leaves the instance empty for a name it does not know. */
    constructor(name: 'secp256r1' | 'secp384r1');
    readonly G: ECPoint;
    /** The group order. */
    readonly n: bigint;
    /** Bytes in a scalar (32 for secp256r1). */
    readonly orderSize: number;
  }
}
